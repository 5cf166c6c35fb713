import type { BinaryOp, Kernels } from '../types.js';
import { isPerRow, isTrailingRow } from '../broadcast-patterns.js';
import { floatTypeOf } from '../wasm/float-type.js';
import type { NativeAddon } from './addon.js';

const OP_CODE: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2 };
// cc/elementwise.cc's broadcast kinds.
const SAME = 0;
const SCALAR = 1;
const ROW = 2;
const PER_ROW = 3;

/**
 * add, sub, mul for float32/float64 when b (or a) has the output's shape, is a scalar, is a row repeated over the
 * leading dimensions (a bias), or is one value per row; relu and step, relu of a biased sum and relu's gradient; sums along an axis (compensated like the
 * reference). In native code on the arrays themselves; everything else: the fallback set.
 */
export function nativeElementwise(addon: NativeAddon, fallback: Kernels): Pick<Kernels, 'binary' | 'unary' | 'biasRelu' | 'reluGrad' | 'reduce'> {
  return {
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = OP_CODE[op];
      const n = out.length;
      if (code !== undefined && n > 0 && floatTypeOf(a, b, out) !== null) {
        const cols = outShape.length > 0 ? outShape[outShape.length - 1] : 1;
        if (a.length === n && b.length === n) return addon.binary(code, a, b, out, 1, n, SAME, false);
        if (a.length === n && b.length === 1) return addon.binary(code, a, b, out, 1, n, SCALAR, false);
        if (b.length === n && a.length === 1) return addon.binary(code, b, a, out, 1, n, SCALAR, true);
        if (a.length === n && n % b.length === 0 && isTrailingRow(bShape, outShape)) return addon.binary(code, a, b, out, n / b.length, b.length, ROW, false);
        if (b.length === n && n % a.length === 0 && isTrailingRow(aShape, outShape)) return addon.binary(code, b, a, out, n / a.length, a.length, ROW, true);
        if (a.length === n && isPerRow(bShape, outShape)) return addon.binary(code, a, b, out, n / cols, cols, PER_ROW, false);
        if (b.length === n && isPerRow(aShape, outShape)) return addon.binary(code, b, a, out, n / cols, cols, PER_ROW, true);
      }
      fallback.binary(op, a, aShape, b, bShape, out, outShape);
    },

    unary(op, x, out) {
      if ((op !== 'relu' && op !== 'step') || floatTypeOf(x, out) === null) return fallback.unary(op, x, out);
      addon.relu(x, out, op === 'step');
    },

    biasRelu(x, bias, out) {
      if (floatTypeOf(x, bias, out) === null) return fallback.biasRelu(x, bias, out);
      addon.biasRelu(x, bias, out);
    },

    reluGrad(dy, y, out) {
      if (floatTypeOf(dy, y, out) === null) return fallback.reluGrad(dy, y, out);
      addon.reluGrad(dy, y, out);
    },

    reduce(op, x, outer, n, inner, out) {
      const same = (x instanceof Float32Array && out instanceof Float32Array) || (x instanceof Float64Array && out instanceof Float64Array);
      if (op !== 'sum' || !same || n === 0) return fallback.reduce(op, x, outer, n, inner, out);
      addon.sum(x, outer, n, inner, out);
    },
  };
}
