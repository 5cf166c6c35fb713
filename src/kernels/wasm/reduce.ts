import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { rowsPerChunk } from './chunks.js';
import type { KernelExports } from './exports.js';

/**
 * reduce('sum') for float32/float64 in wasm (a bias gradient sums the rows of (batch × classes)),
 * compensated like the reference; max, min, logSumExp and int32 go to the fallback set.
 */
export function wasmReduce(w: KernelExports, arena: Arena, fallback: Kernels): Pick<Kernels, 'reduce'> {
  return {
    reduce(op, x, outer, n, inner, out) {
      const f32 = x instanceof Float32Array && out instanceof Float32Array;
      const f64 = x instanceof Float64Array && out instanceof Float64Array;
      if (op !== 'sum' || (!f32 && !f64) || n === 0) return fallback.reduce(op, x, outer, n, inner, out);
      const size = f32 ? 4 : 8;
      const shift = f32 ? 2 : 3;
      arena.reset();
      if (inner === 1) {
        // Row sums: stream whole rows, one result each.
        const chunk = rowsPerChunk(outer, n * size);
        const xp = arena.take(chunk * n * size);
        const outP = arena.take(chunk * size);
        if (!arena.commit()) return fallback.reduce(op, x, outer, n, inner, out);
        const view = f32 ? arena.f32 : arena.f64;
        const run = f32 ? w.sumRowsF32 : w.sumRowsF64;
        for (let r0 = 0; r0 < outer; r0 += chunk) {
          const count = Math.min(chunk, outer - r0);
          view.set(x.subarray(r0 * n, (r0 + count) * n), xp >> shift);
          run(xp, count, n, outP);
          out.set(view.subarray(outP >> shift, (outP >> shift) + count), r0);
        }
        return;
      }
      // Column sums per outer block: stream rows of `inner` values into per-column s and c.
      const chunk = rowsPerChunk(n, inner * size);
      const xp = arena.take(chunk * inner * size);
      const sp = arena.take(inner * 8);
      const cp = arena.take(inner * 8);
      const outP = arena.take(inner * size);
      if (!arena.commit()) return fallback.reduce(op, x, outer, n, inner, out);
      const view = f32 ? arena.f32 : arena.f64;
      const f64view = arena.f64;
      const run = f32 ? w.sumColumnsF32 : w.sumColumnsF64;
      for (let o = 0; o < outer; o++) {
        f64view.fill(0, sp >> 3, (sp >> 3) + inner);
        f64view.fill(0, cp >> 3, (cp >> 3) + inner);
        const base = o * n * inner;
        for (let i0 = 0; i0 < n; i0 += chunk) {
          const count = Math.min(chunk, n - i0);
          view.set(x.subarray(base + i0 * inner, base + (i0 + count) * inner), xp >> shift);
          run(xp, count, inner, sp, cp);
        }
        w.finishColumns(sp, cp, inner, outP, f32);
        out.set((f32 ? arena.f32 : arena.f64).subarray(outP >> shift, (outP >> shift) + inner), o * inner);
      }
    },
  };
}
