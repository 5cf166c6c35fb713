import type { TypedArray } from '../../tensor/dtype.js';
import type { BinaryOp, Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES, rowsPerChunk } from './chunks.js';
import { floatTypeOf } from './float-type.js';
import type { KernelExports } from './exports.js';
import { isPerRow, isTrailingRow } from '../broadcast-patterns.js';

const OP_CODE: Partial<Record<BinaryOp, number>> = { add: 0, sub: 1, mul: 2 };
/** An element's bytes, their log2 (arena addresses are bytes) and the arena's view of that type. */
const ELEMENT = { F32: { size: 4, shift: 2, view: 'f32' }, F64: { size: 8, shift: 3, view: 'f64' } } as const;
/** A wasm loop over `rows` rows of c at arena addresses; bRow: b is one row repeated for every row. */
type RowLoop = (a: number, b: number, out: number, rows: number, c: number, bRow: boolean) => void;

/**
 * add, sub, mul for float32/float64 when b (or a) has the output's shape, is a scalar, is a row
 * repeated over the leading dimensions (a bias), or is one value per row; relu and step; relu of a biased sum and
 * relu's gradient. Everything else: the fallback set.
 */
export function wasmElementwise(w: KernelExports, arena: Arena, fallback: Kernels): Pick<Kernels, 'binary' | 'unary' | 'biasRelu' | 'reluGrad'> {
  /**
   * Streams `full` (length n) through a wasm loop against `other`: the same length (row 0) or one repeated row.
   * compute(a, b, out, rows, c, bRow) runs the loop on arena addresses (bRow: b is one row of c).
   */
  function stream(type: 'F32' | 'F64', compute: RowLoop, full: TypedArray, other: TypedArray, row: number, out: TypedArray): boolean {
    const n = out.length;
    const { size, shift } = ELEMENT[type];
    // Rows of length c: the repeated row's length, or a chunk's worth for same-shape operands.
    const c = row > 0 ? row : Math.min(n, CHUNK_BYTES / size);
    const totalRows = Math.ceil(n / c);
    const chunk = rowsPerChunk(totalRows, c * size);
    arena.reset();
    const ap = arena.take(chunk * c * size);
    const bp = arena.take((row > 0 ? c : chunk * c) * size);
    if (!arena.commit()) return false;
    const view = arena[ELEMENT[type].view];
    if (row > 0 && other.length === 1) view.fill(other[0], bp >> shift, (bp >> shift) + c);
    else if (row > 0) view.set(other, bp >> shift);
    for (let r0 = 0; r0 < totalRows; r0 += chunk) {
      const start = r0 * c;
      const end = Math.min(n, start + chunk * c);
      view.set(full.subarray(start, end), ap >> shift);
      if (row === 0) view.set(other.subarray(start, end), bp >> shift);
      const length = end - start;
      // A last partial row (same-shape or scalar case only) runs as a row of its own length.
      const fullRows = Math.floor(length / c);
      if (fullRows > 0) compute(ap, bp, ap, fullRows, c, row > 0);
      const rest = length - fullRows * c;
      if (rest > 0) compute(ap + fullRows * c * size, row > 0 ? bp : bp + fullRows * c * size, ap + fullRows * c * size, 1, rest, row > 0);
      out.set(view.subarray(ap >> shift, (ap >> shift) + length), start);
    }
    return true;
  }

  /** `full` (rows × c) against one value of `perRow` per row. */
  function streamPerRow(type: 'F32' | 'F64', op: number, full: TypedArray, perRow: TypedArray, c: number, swap: boolean, out: TypedArray): boolean {
    const { size, shift } = ELEMENT[type];
    const run = type === 'F32' ? w.binaryPerRowF32 : w.binaryPerRowF64;
    const rows = out.length / c;
    const chunk = rowsPerChunk(rows, c * size);
    arena.reset();
    const ap = arena.take(chunk * c * size);
    const bp = arena.take(chunk * size);
    if (!arena.commit()) return false;
    const view = arena[ELEMENT[type].view];
    for (let r0 = 0; r0 < rows; r0 += chunk) {
      const count = Math.min(chunk, rows - r0);
      view.set(full.subarray(r0 * c, (r0 + count) * c), ap >> shift);
      view.set(perRow.subarray(r0, r0 + count), bp >> shift);
      run(op, ap, bp, ap, count, c, swap);
      out.set(view.subarray(ap >> shift, (ap >> shift) + count * c), r0 * c);
    }
    return true;
  }

  const kernels: Pick<Kernels, 'binary' | 'unary' | 'biasRelu' | 'reluGrad'> = {
    binary(op, a, aShape, b, bShape, out, outShape) {
      const code = OP_CODE[op];
      const type = floatTypeOf(a, b, out);
      const n = out.length;
      if (code !== undefined && type !== null && n > 0) {
        const scalarRow = Math.min(n, CHUNK_BYTES / 8);
        const run = type === 'F32' ? w.binaryF32 : w.binaryF64;
        const loop =
          (swap: boolean): RowLoop =>
          (ap, bp, outp, rows, c, bRow) =>
            run(code, ap, bp, outp, rows, c, bRow, swap);
        let done = false;
        if (a.length === n && b.length === n) done = stream(type, loop(false), a, b, 0, out);
        else if (a.length === n && b.length === 1) done = stream(type, loop(false), a, b, scalarRow, out);
        else if (b.length === n && a.length === 1) done = stream(type, loop(true), b, a, scalarRow, out);
        else if (a.length === n && n % b.length === 0 && isTrailingRow(bShape, outShape)) done = stream(type, loop(false), a, b, b.length, out);
        else if (b.length === n && n % a.length === 0 && isTrailingRow(aShape, outShape)) done = stream(type, loop(true), b, a, a.length, out);
        else if (a.length === n && isPerRow(bShape, outShape)) done = streamPerRow(type, code, a, b, outShape[outShape.length - 1], false, out);
        else if (b.length === n && isPerRow(aShape, outShape)) done = streamPerRow(type, code, b, a, outShape[outShape.length - 1], true, out);
        if (done) return;
      }
      fallback.binary(op, a, aShape, b, bShape, out, outShape);
    },

    unary(op, x, out) {
      const type = floatTypeOf(x, out);
      if ((op !== 'relu' && op !== 'step') || type === null) return fallback.unary(op, x, out);
      const n = out.length;
      const { size, shift } = ELEMENT[type];
      const run = type === 'F32' ? w.reluF32 : w.reluF64;
      const chunk = Math.min(n, CHUNK_BYTES / size);
      arena.reset();
      const xp = arena.take(chunk * size);
      if (!arena.commit()) return fallback.unary(op, x, out);
      const view = arena[ELEMENT[type].view];
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        view.set(x.subarray(start, end), xp >> shift);
        run(xp, xp, end - start, op === 'step');
        out.set(view.subarray(xp >> shift, (xp >> shift) + end - start), start);
      }
    },

    biasRelu(x, bias, out) {
      const type = floatTypeOf(x, bias, out);
      const c = bias.length;
      if (type === null || c === 0 || x.length % c !== 0 || out.length !== x.length || x.length === 0) return fallback.biasRelu(x, bias, out);
      const run = type === 'F32' ? w.biasReluF32 : w.biasReluF64;
      if (!stream(type, (xp, bp, outp, rows, cols) => run(xp, bp, outp, rows, cols), x, bias, c, out)) fallback.biasRelu(x, bias, out);
    },

    reluGrad(dy, y, out) {
      const type = floatTypeOf(dy, y, out);
      const n = out.length;
      if (type === null || dy.length !== n || y.length !== n || n === 0) return fallback.reluGrad(dy, y, out);
      const run = type === 'F32' ? w.reluGradF32 : w.reluGradF64;
      // Same-length streaming: each chunk is read before its range of out is written, so out may be dy or y.
      if (!stream(type, (dp, yp, outp, rows, c) => run(dp, yp, outp, rows * c), dy, y, 0, out)) fallback.reluGrad(dy, y, out);
    },
  };
  return kernels;
}
