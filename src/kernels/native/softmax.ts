import type { Kernels } from '../types.js';
import type { NativeAddon } from './addon.js';

type SoftmaxFamily = Pick<Kernels, 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'sparseSoftmaxCrossEntropy'>;

/** The softmax family in native code: not written yet, so the fallback's kernels run. */
export function nativeSoftmaxFamily(_addon: NativeAddon, _fallback: Kernels, _threads: number): Partial<SoftmaxFamily> {
  return {};
}
