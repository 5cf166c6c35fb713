import type { TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { rowsPerChunk } from './chunks.js';
import type { KernelExports } from './exports.js';

type SoftmaxFamily = Pick<Kernels, 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'sparseSoftmaxCrossEntropy'>;

/** The wasm float type every given array shares, or null (mixed or int32: the fallback runs). */
function floatTypeOf(...arrays: (TypedArray | null)[]): 'F32' | 'F64' | null {
  if (arrays.every((a) => a === null || a instanceof Float32Array)) return 'F32';
  if (arrays.every((a) => a === null || a instanceof Float64Array)) return 'F64';
  return null;
}

interface Layout {
  x: number;
  y: number;
  loss: number;
  ids: number;
  e: number;
  view: Float32Array | Float64Array;
  shift: number;
}

/**
 * The softmax family on contiguous rows (inner = 1), float32 or float64. Strided rows (inner > 1)
 * and other element types go to the fallback set. Rows stream through wasm memory in chunks
 * (see chunks.ts); outputs are written over the chunk's logits, which each pass reads first.
 */
export function wasmSoftmaxFamily(w: KernelExports, arena: Arena, fallback: Kernels): SoftmaxFamily {
  /** Lays out one chunk of rows and the row scratch; returns element offsets for the views. */
  function layout(type: 'F32' | 'F64', chunk: number, n: number, withLabels: boolean): Layout | null {
    const size = type === 'F32' ? 4 : 8;
    arena.reset();
    const x = arena.take(chunk * n * size);
    const y = withLabels ? arena.take(chunk * n * size) : 0;
    const loss = arena.take(chunk * size);
    const ids = arena.take(chunk * 4);
    const e = arena.take(n * 8);
    if (!arena.commit()) return null;
    const view = type === 'F32' ? arena.f32 : arena.f64;
    const shift = type === 'F32' ? 2 : 3;
    return { x, y, loss, ids, e, view, shift };
  }

  return {
    softmax(x, outer, n, inner, out) {
      const type = floatTypeOf(x, out);
      if (inner !== 1 || type === null) return fallback.softmax(x, outer, n, inner, out);
      const chunk = rowsPerChunk(outer, n * x.BYTES_PER_ELEMENT);
      const p = layout(type, chunk, n, false);
      if (!p) return fallback.softmax(x, outer, n, inner, out);
      const run = type === 'F32' ? w.softmaxF32 : w.softmaxF64;
      const xi = p.x >> p.shift;
      for (let r0 = 0; r0 < outer; r0 += chunk) {
        const count = Math.min(chunk, outer - r0);
        p.view.set(x.subarray(r0 * n, (r0 + count) * n), xi);
        run(p.x, p.x, count, n, p.e);
        out.set(p.view.subarray(xi, xi + count * n), r0 * n);
      }
    },

    logSoftmax(x, outer, n, inner, out) {
      const type = floatTypeOf(x, out);
      if (inner !== 1 || type === null) return fallback.logSoftmax(x, outer, n, inner, out);
      const chunk = rowsPerChunk(outer, n * x.BYTES_PER_ELEMENT);
      const p = layout(type, chunk, n, false);
      if (!p) return fallback.logSoftmax(x, outer, n, inner, out);
      const run = type === 'F32' ? w.logSoftmaxF32 : w.logSoftmaxF64;
      const xi = p.x >> p.shift;
      for (let r0 = 0; r0 < outer; r0 += chunk) {
        const count = Math.min(chunk, outer - r0);
        p.view.set(x.subarray(r0 * n, (r0 + count) * n), xi);
        run(p.x, p.x, count, n);
        out.set(p.view.subarray(xi, xi + count * n), r0 * n);
      }
    },

    softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits) {
      const type = floatTypeOf(logits, labels, loss, dLogits);
      if (inner !== 1 || type === null) {
        return fallback.softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits);
      }
      const chunk = rowsPerChunk(outer, 2 * n * logits.BYTES_PER_ELEMENT);
      const p = layout(type, chunk, n, true);
      if (!p) return fallback.softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits);
      const run = type === 'F32' ? w.softmaxCrossEntropyF32 : w.softmaxCrossEntropyF64;
      const xi = p.x >> p.shift;
      const li = p.loss >> p.shift;
      for (let r0 = 0; r0 < outer; r0 += chunk) {
        const count = Math.min(chunk, outer - r0);
        p.view.set(logits.subarray(r0 * n, (r0 + count) * n), xi);
        p.view.set(labels.subarray(r0 * n, (r0 + count) * n), p.y >> p.shift);
        run(p.x, p.y, count, n, p.loss, dLogits ? p.x : 0, p.e);
        loss.set(p.view.subarray(li, li + count), r0);
        if (dLogits) dLogits.set(p.view.subarray(xi, xi + count * n), r0 * n);
      }
    },

    sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits) {
      const type = floatTypeOf(logits, loss, dLogits);
      if (type === null) return fallback.sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits);
      const chunk = rowsPerChunk(rows, n * logits.BYTES_PER_ELEMENT);
      const p = layout(type, chunk, n, false);
      if (!p) return fallback.sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits);
      const run = type === 'F32' ? w.sparseSoftmaxCrossEntropyF32 : w.sparseSoftmaxCrossEntropyF64;
      const xi = p.x >> p.shift;
      const li = p.loss >> p.shift;
      for (let r0 = 0; r0 < rows; r0 += chunk) {
        const count = Math.min(chunk, rows - r0);
        p.view.set(logits.subarray(r0 * n, (r0 + count) * n), xi);
        arena.i32.set(ids.subarray(r0, r0 + count), p.ids >> 2);
        run(p.x, p.ids, count, n, p.loss, dLogits ? p.x : 0, p.e);
        loss.set(p.view.subarray(li, li + count), r0);
        if (dLogits) dLogits.set(p.view.subarray(xi, xi + count * n), r0 * n);
      }
    },
  };
}
