import type { TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../types.js';
import { density, packedBlockColumns, SPARSE_EDGE_BYTES, zeroSkipsExact } from './conv-sparse.js';
import type { Arena } from './arena.js';
import type { KernelExports, MatMulExports } from './exports.js';
import type { Job, WorkerPool } from './pool.js';

/**
 * How float32 products accumulate: 'float32' (f32x4 sums, the speed of TF.js and PyTorch; error
 * grows like k·2^-24) or 'float64' (every sum in float64 and one rounding, DESIGN.md's rule, about
 * half the speed). Float64 data always accumulates in float64.
 */
export type MatMulAccumulation = 'float32' | 'float64';

/** Below this many multiply-adds the copies and call cost more than the TypeScript loop. */
const MIN_WORK = 4096;
/** From this many multiply-adds a product is split over the worker threads (waking them costs ~0.1 ms). */
const MIN_PARALLEL_WORK = 1 << 21;

// Indices into pool.ts's KINDS.
const KIND = { F32: 0, F32Wide: 1, F64: 2 } as const;

/** Block sizes of one product kind, read from the module. */
function sizes(x: MatMulExports, kind: number) {
  return kind === KIND.F32
    ? { kc: x.KC_F32.value, mc: x.MC_F32.value, nc: x.NC_F32.value, edge: x.EDGE_F32.value, pack: 4 }
    : { kc: x.KC_F64.value, mc: x.MC_F64.value, nc: x.NC_F64.value, edge: x.EDGE_F64.value, pack: 8 };
}

/** Rows of the assembly products' register tiles (matmul-f32.ts, matmul-f64.ts): thread splits fall on multiples. */
export const TILE_ROWS = 4;

/** Splits [0, total) into at most `parts` ranges with boundaries on multiples of `align`. */
export function split(total: number, parts: number, align: number): [number, number][] {
  const step = Math.max(align, Math.ceil(total / parts / align) * align);
  const out: [number, number][] = [];
  for (let start = 0; start < total; start += step) out.push([start, Math.min(total, start + step)]);
  return out;
}

/** Below this fraction of nonzero values in A, sparseTimesTransposed runs (dy through relu and dropout: about 0.3). */
const SPARSE_DENSITY = 0.4;

/**
 * out = A · Bᵀ (A [m, k], B [n, k]) over A's nonzero values on this thread: each row's nonzero values listed
 * (compressRows) and their columns of Bᵀ added, 24 float64 columns at a time (rowsTimesBlocks, the sparse convolution
 * gradient's loop). A dense layer's input gradient dy · Wᵀ, dy through relu and dropout. Float64 sums in k order
 * from +0 with the zero products left out, which changes no bit of the dense kernel's single K block (k ≤ KC_F64):
 * x + ±0 is x for every sum that is not −0, and a sum from +0 is never −0. B must be finite (0 · ∞ is NaN). False
 * (nothing written) when B is not finite or memory cannot grow.
 */
function sparseTimesTransposed(
  w: KernelExports,
  arena: Arena,
  kind: number,
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  m: number,
  k: number,
  n: number,
): boolean {
  const inSize = kind === KIND.F64 ? 8 : 4;
  arena.reset();
  const aAt = arena.take(m * k * inSize);
  const bAt = arena.take(n * k * inSize);
  const start = arena.take((m + 1) * 4);
  const index = arena.take(m * k * 4);
  const value = arena.take(m * k * 8);
  const block = packedBlockColumns(kind);
  const packed = arena.take(Math.ceil(n / block) * block * k * 8);
  const outAt = arena.take(m * n * 8);
  const edge = arena.take(SPARSE_EDGE_BYTES);
  if (!arena.commit()) return false;
  const view = inSize === 4 ? arena.f32 : arena.f64;
  view.set(b.subarray(0, n * k), bAt / inSize);
  if (!(inSize === 4 ? w.allFiniteF32 : w.allFiniteF64)(bAt, n * k)) return false;
  view.set(a.subarray(0, m * k), aAt / inSize);
  w.compressRows(kind, aAt, m, k, start, index, value);
  w.packTransposedBlocks(kind, bAt, n, k, packed);
  w.rowsTimesBlocks(kind, m, start, index, value, k, packed, n, outAt, edge);
  // A float64 result copied into a Float32Array rounds once here.
  out.set(arena.f64.subarray(outAt / 8, outAt / 8 + m * n));
  return true;
}

/** Float64 columns of a block of columnsTimesTaps (128 bytes): transposedTimesSparse pads A's rows to a multiple. */
const TAP_BLOCK_F64 = 16;

/**
 * out = Aᵀ · B (A [k, m], B [k, n]) over B's nonzero values on this thread: a dense layer's weight gradient xᵀ · dy,
 * dy through relu and dropout. Each column of B lists its nonzero values in row order (compressColumns) and adds
 * them times their rows of A (columnsTimesTaps, the sparse filter gradient's loop; A's rows widened to float64 and
 * padded to its blocks) into outᵀ, transposed (and rounded once) on the way out. Float64 sums in k order from +0 with the zero products
 * left out: the bits of the dense kernel's single K block (k ≤ KC_F64), as sparseTimesTransposed's. A must be finite
 * (0 · ∞ is NaN). False (nothing written) when A is not finite or memory cannot grow.
 */
function transposedTimesSparse(
  w: KernelExports,
  arena: Arena,
  kind: number,
  a: TypedArray,
  b: TypedArray,
  out: TypedArray,
  m: number,
  k: number,
  n: number,
): boolean {
  const inSize = kind === KIND.F64 ? 8 : 4;
  const mp = Math.ceil(m / TAP_BLOCK_F64) * TAP_BLOCK_F64;
  arena.reset();
  const aAt = arena.take(k * m * inSize);
  const rows = arena.take(k * mp * 8);
  const bAt = arena.take(k * n * inSize);
  const tags = arena.take(k * 4);
  const taps = arena.take(mp * 4);
  const start = arena.take((n + 1) * 4);
  const cursor = arena.take(n * 4);
  // One spare entry past the lists (compressColumns writes zeros there).
  const tag = arena.take((k * n + 1) * 4);
  const value = arena.take((k * n + 1) * 8);
  const accT = arena.take(n * mp * 8);
  const outAt = arena.take(m * n * inSize);
  if (!arena.commit()) return false;
  const view = inSize === 4 ? arena.f32 : arena.f64;
  view.set(a.subarray(0, k * m), aAt / inSize);
  if (!(inSize === 4 ? w.allFiniteF32 : w.allFiniteF64)(aAt, k * m)) return false;
  view.set(b.subarray(0, k * n), bAt / inSize);
  (inSize === 4 ? w.padF32Wide : w.padF64)(aAt, 1, k, m, 1, rows, k, mp, 0, 0);
  // Row r of A at byte r · mp · 8 of `rows`, tap t (column t) at byte t · 8 of its row.
  const i32 = arena.i32;
  for (let r = 0; r < k; r++) i32[tags / 4 + r] = r * mp * 8;
  for (let t = 0; t < mp; t++) i32[taps / 4 + t] = t * 8;
  arena.f64.fill(0, accT / 8, accT / 8 + n * mp);
  w.compressColumns(kind, bAt, k, n, tags, start, cursor, tag, value);
  w.columnsTimesTaps(kind, rows, taps, mp, n, start, tag, value, accT);
  w.transposeSums(accT, n, m, mp, outAt, inSize === 4);
  out.set(view.subarray(outAt / inSize, outAt / inSize + m * n));
  return true;
}

export function wasmMatMul(w: KernelExports, arena: Arena, fallback: Kernels, accumulation: MatMulAccumulation, pool: WorkerPool | null): Kernels['matMul'] {
  return (a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride) => {
    const f32 = a instanceof Float32Array && b instanceof Float32Array && out instanceof Float32Array;
    const f64 = a instanceof Float64Array && b instanceof Float64Array && out instanceof Float64Array;
    if ((!f32 && !f64) || m * n * k < MIN_WORK) {
      return fallback.matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride);
    }
    const kind = f32 ? (accumulation === 'float32' ? KIND.F32 : KIND.F32Wide) : KIND.F64;
    const single = pool === null || m * n * k < MIN_PARALLEL_WORK;
    const sparse = kind !== KIND.F32 && single && batch === 1 && k <= w.KC_F64.value && zeroSkipsExact(w, kind);
    if (sparse && !transposeA && transposeB && density(a) < SPARSE_DENSITY) {
      if (sparseTimesTransposed(w, arena, kind, a, b, out, m, k, n)) return;
    }
    if (sparse && transposeA && !transposeB && density(b) < SPARSE_DENSITY) {
      if (transposedTimesSparse(w, arena, kind, a, b, out, m, k, n)) return;
    }
    const inSize = f32 ? 4 : 8;
    const outSize = kind === KIND.F32 ? 4 : 8;
    const aLength = (batch - 1) * aBatchStride + m * k;
    const bLength = (batch - 1) * bBatchStride + k * n;
    let placed = { ap: 0, bp: 0, cp: 0, scratch: [] as [number, number, number][] };
    /** Lays out A, B, one C and per-thread packing scratch in `mem`; false if it does not fit. */
    const layout = (x: MatMulExports, mem: Arena, parts: number): boolean => {
      const { kc, mc, nc, edge, pack } = sizes(x, kind);
      mem.reset();
      placed = { ap: mem.take(aLength * inSize), bp: mem.take(bLength * inSize), cp: mem.take(m * n * outSize), scratch: [] };
      for (let t = 0; t < parts; t++) placed.scratch.push([mem.take(mc * kc * pack), mem.take(kc * nc * pack), mem.take(edge * pack)]);
      return mem.commit();
    };
    let threads: WorkerPool | null = pool !== null && m * n * k >= MIN_PARALLEL_WORK && Math.max(m, n) >= 32 ? pool : null;
    if (threads && !layout(threads.exports, threads.arena, threads.workers + 1)) threads = null;
    if (!threads && !layout(w, arena, 1)) {
      return fallback.matMul(a, b, out, batch, m, k, n, transposeA, transposeB, aBatchStride, bBatchStride);
    }
    const x: MatMulExports = threads ? threads.exports : w;
    const mem = threads ? threads.arena : arena;
    const parts = threads ? threads.workers + 1 : 1;
    const { ap, bp, cp, scratch } = placed;
    const inView = f32 ? mem.f32 : mem.f64;
    inView.set(a.subarray(0, aLength), ap / inSize);
    inView.set(b.subarray(0, bLength), bp / inSize);
    const outView = kind === KIND.F32 ? mem.f32 : mem.f64;

    // Element (i, p) of op(A) at i·ars + p·aps, element (p, j) of op(B) at j·brs + p·bps.
    const ars = transposeA ? 1 : k;
    const aps = transposeA ? m : 1;
    const brs = transposeB ? k : 1;
    const bps = transposeB ? 1 : n;
    // Split the longer side of C: rows on multiples of the tile's rows, columns of the 8-wide panel.
    const byRows = m >= n;
    const ranges = split(byRows ? m : n, parts, byRows ? TILE_ROWS : 8);
    const run = [x.matMulF32, x.matMulF32Wide, x.matMulF64][kind];
    for (let t = 0; t < batch; t++) {
      const aAt = ap + t * aBatchStride * inSize;
      const bAt = bp + t * bBatchStride * inSize;
      const jobs: Job[] = ranges.map(([start, end], i) => {
        const [packA, packB, edgeTile] = scratch[i];
        return byRows
          ? [kind, aAt + start * ars * inSize, bAt, cp + start * n * outSize, end - start, k, n, ars, aps, brs, bps, n, packA, packB, edgeTile]
          : [kind, aAt, bAt + start * brs * inSize, cp + start * outSize, m, k, end - start, ars, aps, brs, bps, n, packA, packB, edgeTile];
      });
      if (threads) {
        threads.start(jobs.slice(1));
        // Always wait: workers must not still be writing the shared memory when the next call lays it out.
        try {
          threads.runHere(jobs[0]);
        } finally {
          threads.wait();
        }
      } else {
        const p = jobs[0];
        run(p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14]);
      }
      // A float64 result copied into a Float32Array rounds once here.
      const ci = cp / outSize;
      out.set(outView.subarray(ci, ci + m * n), t * m * n);
    }
  };
}
