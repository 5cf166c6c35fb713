import type { Kernels } from '../types.js';
import { floatTypeOf } from '../wasm/float-type.js';
import type { NativeAddon } from './addon.js';

/**
 * Adam's update in native code, in place, split over the threads for big parameters (bit-identical to the reference
 * for any thread count); mixed or int32 arrays: the fallback.
 */
export function nativeAdam(addon: NativeAddon, fallback: Kernels, threads: number): Pick<Kernels, 'adamUpdate'> {
  return {
    adamUpdate(p, g, m, v, out, s) {
      if (floatTypeOf(p, g, m, v, out) === null) return fallback.adamUpdate(p, g, m, v, out, s);
      addon.adamUpdate(p, g, m, v, out, s.beta1, s.beta2, s.epsilon, s.learningRate / s.bc1, 1 / Math.sqrt(s.bc2), 1 - s.decay, s.l2, threads);
    },
  };
}
