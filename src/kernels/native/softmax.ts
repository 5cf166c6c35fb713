import type { Kernels } from '../types.js';
import { floatTypeOf } from '../wasm/float-type.js';
import type { NativeAddon } from './addon.js';

type SoftmaxFamily = Pick<Kernels, 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'sparseSoftmaxCrossEntropy'>;

/** From this many elements a call splits its rows over the threads (an OpenMP wake-up costs microseconds). */
const MIN_PARALLEL_ELEMENTS = 1 << 18;

/**
 * The softmax family in native code on contiguous rows (inner = 1), float32 or float64, in place (no copies).
 * Strided rows (inner > 1) and mixed or int32 arrays go to the fallback.
 */
export function nativeSoftmaxFamily(addon: NativeAddon, fallback: Kernels, threads: number): SoftmaxFamily {
  const threadsFor = (rows: number, n: number) => (rows * n >= MIN_PARALLEL_ELEMENTS ? threads : 1);
  return {
    softmax(x, outer, n, inner, out) {
      if (inner !== 1 || floatTypeOf(x, out) === null) return fallback.softmax(x, outer, n, inner, out);
      addon.softmax(x, out, outer, n, threadsFor(outer, n));
    },

    logSoftmax(x, outer, n, inner, out) {
      if (inner !== 1 || floatTypeOf(x, out) === null) return fallback.logSoftmax(x, outer, n, inner, out);
      addon.logSoftmax(x, out, outer, n, threadsFor(outer, n));
    },

    softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits, gradScale = 1) {
      if (inner !== 1 || floatTypeOf(logits, labels, loss, dLogits) === null) {
        return fallback.softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits, gradScale);
      }
      addon.softmaxCrossEntropy(logits, labels, loss, dLogits, outer, n, gradScale, threadsFor(outer, n));
    },

    sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits, gradScale = 1) {
      if (floatTypeOf(logits, loss, dLogits) === null) return fallback.sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits, gradScale);
      addon.sparseSoftmaxCrossEntropy(logits, ids, loss, dLogits, rows, n, gradScale, threadsFor(rows, n));
    },
  };
}
