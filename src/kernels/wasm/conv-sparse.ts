import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry } from '../types.js';
import type { Arena } from './arena.js';
import {
  DIRECT_BYTES,
  F32,
  F32_WIDE,
  F64,
  GEOMETRY_BYTES,
  type DirectShape,
  eachFilterGradientChunk,
  floatView,
  forwardShape,
  takeFilterGradientChunks,
  writeGeometry,
} from './conv-layout.js';
import type { KernelExports } from './exports.js';

// The convolution gradients over dy's nonzero values (assembly/conv-sparse.ts), on the calling thread: the
// gradients that come back through relu and a max pool are mostly zeros. Below these fractions of nonzero dy the
// glue takes them (measured on the CNN of docs/benchmarks.md, as the native set's thresholds).
export const SPARSE_INPUT_DENSITY = 0.7;
export const SPARSE_FILTER_DENSITY = 0.45;
/**
 * Whether float64 sums that leave out the zero products keep every bit of the dense loops' sums. They do for float32
 * data (its products are exact in float64) and with separate multiplies and adds (a sum from +0 is never −0, and
 * adding ±0 to it changes nothing). The relaxed-SIMD build's fused multiply-add rounds an underflowing float64
 * product with its sum once, so a sum can become −0, which a later zero product in the dense loop turns back to +0.
 */
export function zeroSkipsExact(w: KernelExports, kind: number): boolean {
  return kind !== F64 || w.FUSED_MULTIPLY_ADD.value === 0;
}

/** Columns of a block of the packed transposed filter that rowsTimesBlocks reads (assembly's blockOf). */
export function packedBlockColumns(kind: number): number {
  return kind === F32 ? 32 : 24;
}
/** Scratch bytes rowsTimesBlocks needs for a block past the matrix's edge (24 float64 columns). */
export const SPARSE_EDGE_BYTES = 192;
/** Bytes of a block of taps over a chunk's pixels in the sparse filter gradient. */
const SPARSE_FILTER_BLOCK_BYTES = 32 << 10;

/**
 * Fraction of nonzero values (NaN counts): all of them when few, else 32 runs of 256 spread over the array (a
 * path's choice needs no more; 64 runs of 1024 took 0.65 ms of a CNN step, this loop's element access being slow).
 */
export function density(a: TypedArray): number {
  const runs = 32;
  const run = 256;
  let live = 0;
  if (a.length <= runs * run * 4) {
    for (let i = 0; i < a.length; i++) if (a[i] !== 0) live++;
    return a.length === 0 ? 1 : live / a.length;
  }
  const step = Math.floor((a.length - run) / (runs - 1));
  for (let r = 0; r < runs; r++) {
    const at = step * r;
    for (let i = at; i < at + run; i++) if (a[i] !== 0) live++;
  }
  return live / (runs * run);
}

/**
 * dx = col2im(dy · filterᵀ), the product over each pixel's nonzero dy values. The filter must be finite (a skipped
 * zero would hide 0 · Infinity). False if memory cannot grow.
 */
export function sparseInputGradient(
  w: KernelExports,
  arena: Arena,
  kind: number,
  g: Conv2dGeometry,
  dy: TypedArray,
  filter: TypedArray,
  dx: TypedArray,
): boolean {
  const inSize = kind === F64 ? 8 : 4;
  const wideSize = kind === F32 ? 4 : 8;
  const block = packedBlockColumns(kind);
  const kd = g.filterHeight * g.filterWidth * g.inChannels;
  const n = g.outChannels;
  const pixels = g.outHeight * g.outWidth;
  const imageElements = g.inHeight * g.inWidth * g.inChannels;
  const imageBytes = pixels * (n * (inSize + 4 + wideSize) + 4 + kd * wideSize) + imageElements * wideSize;
  const images = Math.max(1, Math.min(g.batch, Math.floor(DIRECT_BYTES / imageBytes)));
  arena.reset();
  const geo = arena.take(GEOMETRY_BYTES);
  const filterAt = arena.take(kd * n * inSize);
  const packed = arena.take(Math.ceil(kd / block) * block * n * wideSize);
  const dyAt = arena.take(images * pixels * n * inSize);
  const start = arena.take((images * pixels + 1) * 4);
  const index = arena.take(images * pixels * n * 4);
  const value = arena.take(images * pixels * n * wideSize);
  const dp = arena.take(images * pixels * kd * wideSize);
  const acc = arena.take(images * imageElements * wideSize);
  const edge = arena.take(SPARSE_EDGE_BYTES);
  if (!arena.commit()) return false;
  writeGeometry(arena, geo, g);
  floatView(arena, inSize).set(filter.subarray(0, kd * n), filterAt / inSize);
  w.packTransposedBlocks(kind, filterAt, kd, n, packed);
  const col2im = kind === F32 ? w.col2imF32 : w.col2imF64;
  for (let b0 = 0; b0 < g.batch; b0 += images) {
    const count = Math.min(images, g.batch - b0);
    const rows = count * pixels;
    floatView(arena, inSize).set(dy.subarray(b0 * pixels * n, (b0 + count) * pixels * n), dyAt / inSize);
    w.compressRows(kind, dyAt, rows, n, start, index, value);
    w.rowsTimesBlocks(kind, rows, start, index, value, n, packed, kd, dp, edge);
    floatView(arena, wideSize).fill(0, acc / wideSize, acc / wideSize + count * imageElements);
    col2im(dp, acc, geo, 0, rows);
    if (kind === F32_WIDE) w.demoteF64(acc, count * imageElements);
    dx.set(floatView(arena, inSize).subarray(acc / inSize, acc / inSize + count * imageElements), b0 * imageElements);
  }
  return true;
}

/** Whether sparseFilterGradient takes these windows: a filter row's run of taps is a whole number of its blocks. */
export function sparseFilterFits(s: DirectShape, kind: number): boolean {
  return (s.dw === 1 ? s.fw * s.c : s.c) % (kind === F32 ? 32 : 16) === 0;
}

/**
 * dFilter summed, output channel by channel, over the pixels where dy is nonzero. False when it does not apply (a
 * filter row's run of taps is not a whole number of the assembly's blocks), when x is not finite (0 · Infinity must
 * reach dFilter), when dy is not finite and the windows read padding, or when memory cannot grow: the direct loop
 * or the reference then runs.
 */
export function sparseFilterGradient(
  w: KernelExports,
  arena: Arena,
  kind: number,
  g: Conv2dGeometry,
  x: TypedArray,
  dy: TypedArray,
  dFilter: TypedArray,
): boolean {
  const s = forwardShape(g);
  const block = kind === F32 ? 32 : 16;
  if (!sparseFilterFits(s, kind)) return false;
  const inSize = kind === F64 ? 8 : 4;
  const wideSize = kind === F32 ? 4 : 8;
  const depth = s.fh * s.fw * s.c;
  const pixels = s.oh * s.ow;
  const imageBytes = s.h * s.w * s.c * inSize + s.hp * s.wp * s.c * wideSize + pixels * (s.n * (inSize + 4 + wideSize) + 4);
  // Images per chunk: a block of taps of every pixel of the chunk in about 32 KB (the L1 cache), as the sums read them.
  const blockBytes = Math.max(1, pixels * block * wideSize);
  const images = Math.max(1, Math.min(s.batch, Math.floor(DIRECT_BYTES / imageBytes), Math.floor(SPARSE_FILTER_BLOCK_BYTES / blockBytes)));
  arena.reset();
  const c = takeFilterGradientChunks(arena, kind, s, images, 0);
  const start = arena.take((s.n + 1) * 4);
  const cursor = arena.take(s.n * 4);
  // One spare entry past the lists (compressColumns writes zeros there).
  const tag = arena.take((images * pixels * s.n + 1) * 4);
  const value = arena.take((images * pixels * s.n + 1) * wideSize);
  const accT = arena.take(depth * s.n * wideSize);
  if (!arena.commit()) return false;
  floatView(arena, wideSize).fill(0, accT / wideSize, accT / wideSize + depth * s.n);
  const done = eachFilterGradientChunk(w, arena, kind, c, x, dy, true, (count) => {
    w.compressColumns(kind, c.dyAt, count * pixels, s.n, c.ptrs, start, cursor, tag, value);
    w.columnsTimesTaps(kind, c.padded, c.taps, depth, s.n, start, tag, value, accT);
  });
  if (!done) return false;
  // dFilter [depth, n] from its transpose (a float32 dFilter rounds each float64 sum once here).
  const sums = floatView(arena, wideSize);
  const at = accT / wideSize;
  for (let k = 0; k < s.n; k++) for (let t = 0; t < depth; t++) dFilter[t * s.n + k] = sums[at + k * depth + t];
  return true;
}
