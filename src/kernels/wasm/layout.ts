import type { Kernels } from '../types.js';

/**
 * slice as one block copy when the box is contiguous in x (leading dimensions of extent 1, then one
 * partial dimension, then whole trailing dimensions: a batch of rows, the common case in training).
 * Other boxes go to the fallback set. Plain JS: TypedArray.set is already a memcpy.
 */
export function fastSlice(fallback: Kernels): Pick<Kernels, 'slice'> {
  return {
    slice(x, shape, begin, size, out) {
      const rank = shape.length;
      let d = rank - 1;
      while (d >= 0 && size[d] === shape[d]) d--;
      let contiguous = true;
      for (let i = 0; i < d; i++) if (size[i] !== 1) contiguous = false;
      if (!contiguous || out.length === 0 || x.constructor !== out.constructor) return fallback.slice(x, shape, begin, size, out);
      let start = 0;
      let stride = 1;
      for (let i = rank - 1; i >= 0; i--) {
        start += begin[i] * stride;
        stride *= shape[i];
      }
      out.set(x.subarray(start, start + out.length));
    },
  };
}
