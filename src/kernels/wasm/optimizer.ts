import type { TypedArray } from '../../tensor/dtype.js';
import type { AdamStep, Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES } from './chunks.js';
import type { AdamExports, KernelExports } from './exports.js';
import { KINDS, type Job, type WorkerPool } from './pool.js';

/** From this many elements an update is split over the worker threads (smaller ones cost more to hand out). */
const MIN_PARALLEL_ELEMENTS = 1 << 16;

function setup(x: AdamExports, s: AdamStep): void {
  x.adamSetup(s.beta1, s.beta2, 1 - s.beta1, 1 - s.beta2, s.epsilon, s.learningRate / s.bc1, Math.sqrt(s.bc2), 1 - s.decay, s.l2);
}

/**
 * Adam's update in wasm (assembly/adam.ts, bit-identical to the reference): p, g, m, v stream through
 * wasm memory in cache-sized chunks, or, with a pool and a big parameter, go in whole and are split into
 * one element range per thread; m, v and the new p are copied back. Mixed or int32 arrays: the fallback.
 */
export function wasmAdam(w: KernelExports, arena: Arena, fallback: Kernels, pool: WorkerPool | null = null): Pick<Kernels, 'adamUpdate'> {
  /** The whole update on the pool's shared memory; false when it does not fit. */
  function parallel(pool: WorkerPool, arrays: TypedArray[], out: TypedArray, f32: boolean, s: AdamStep): boolean {
    const [p, , m, v] = arrays;
    const n = p.length;
    const size = f32 ? 4 : 8;
    const mem = pool.arena;
    mem.reset();
    const at = arrays.map(() => mem.take(n * size));
    if (!mem.commit()) return false;
    const view = f32 ? mem.f32 : mem.f64;
    arrays.forEach((a, i) => view.set(a, at[i] / size));
    setup(pool.exports, s);
    const threads = pool.workers + 1;
    // Ranges of a multiple of 4 elements, so every range but the last runs whole vectors.
    const per = Math.ceil(n / threads / 4) * 4;
    const kind = KINDS.indexOf(f32 ? 'adamF32' : 'adamF64');
    const jobs: Job[] = [];
    for (let start = 0; start < n; start += per) {
      const len = Math.min(per, n - start);
      jobs.push([kind, ...at.map((a) => a + start * size), len]);
    }
    pool.start(jobs.slice(1));
    pool.runHere(jobs[0]);
    pool.wait();
    m.set(view.subarray(at[2] / size, at[2] / size + n));
    v.set(view.subarray(at[3] / size, at[3] / size + n));
    out.set(view.subarray(at[0] / size, at[0] / size + n));
    return true;
  }

  return {
    adamUpdate(p, g, m, v, out, s) {
      const f32 = [p, g, m, v, out].every((a) => a instanceof Float32Array);
      const f64 = !f32 && [p, g, m, v, out].every((a) => a instanceof Float64Array);
      const n = p.length;
      if ((!f32 && !f64) || n === 0) return fallback.adamUpdate(p, g, m, v, out, s);
      if (pool && n >= MIN_PARALLEL_ELEMENTS && parallel(pool, [p, g, m, v], out, f32, s)) return;
      const size = f32 ? 4 : 8;
      const shift = f32 ? 2 : 3;
      const chunk = Math.min(n, CHUNK_BYTES / size);
      arena.reset();
      const at = [arena.take(chunk * size), arena.take(chunk * size), arena.take(chunk * size), arena.take(chunk * size)];
      if (!arena.commit()) return fallback.adamUpdate(p, g, m, v, out, s);
      setup(w, s);
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
