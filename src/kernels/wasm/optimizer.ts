import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES } from './chunks.js';
import { floatTypeOf } from './float-type.js';
import type { KernelExports } from './exports.js';

/**
 * Adam's update in wasm (assembly/adam.ts, bit-identical to the reference): p, g, m, v stream through
 * wasm memory in cache-sized chunks; m, v and the new p are copied back. Mixed or int32 arrays: the fallback.
 */
export function wasmAdam(w: KernelExports, arena: Arena, fallback: Kernels): Pick<Kernels, 'adamUpdate'> {
  return {
    adamUpdate(p, g, m, v, out, s) {
      const type = floatTypeOf(p, g, m, v, out);
      const n = p.length;
      if (type === null || n === 0) return fallback.adamUpdate(p, g, m, v, out, s);
      const f32 = type === 'F32';
      const size = f32 ? 4 : 8;
      const shift = f32 ? 2 : 3;
      const chunk = Math.min(n, CHUNK_BYTES / size);
      arena.reset();
      const at = [arena.take(chunk * size), arena.take(chunk * size), arena.take(chunk * size), arena.take(chunk * size)];
      if (!arena.commit()) return fallback.adamUpdate(p, g, m, v, out, s);
      w.adamSetup(s.beta1, s.beta2, 1 - s.beta1, 1 - s.beta2, s.epsilon, s.learningRate / s.bc1, 1 / Math.sqrt(s.bc2), 1 - s.decay, s.l2);
      const run = f32 ? w.adamF32 : w.adamF64;
      const view = f32 ? arena.f32 : arena.f64;
      const [pp, gp, mp, vp] = at.map((a) => a >> shift);
      for (let start = 0; start < n; start += chunk) {
        const end = Math.min(n, start + chunk);
        view.set(p.subarray(start, end), pp);
        view.set(g.subarray(start, end), gp);
        view.set(m.subarray(start, end), mp);
        view.set(v.subarray(start, end), vp);
        run(at[0], at[1], at[2], at[3], end - start);
        const len = end - start;
        m.set(view.subarray(mp, mp + len), start);
        v.set(view.subarray(vp, vp + len), start);
        out.set(view.subarray(pp, pp + len), start);
      }
    },
  };
}
