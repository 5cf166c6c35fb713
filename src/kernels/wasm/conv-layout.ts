import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry } from '../types.js';
import type { Arena } from './arena.js';
import type { KernelExports } from './exports.js';
import { CHUNK_BYTES } from './chunks.js';

// What the convolution glue's direct and sparse paths share: the chunk sizes, the product kinds and the blocks the
// assembly reads.

/** Bytes of images (input, padded copy, output) per chunk of a direct convolution. */
export const DIRECT_BYTES = 4 * CHUNK_BYTES;
/** Int32 of the direct block. */
export const DIRECT_BLOCK_BYTES = 12 * 4;
/** Scratch of a direct loop's partial tiles (4 rows of 32 bytes), and the readable slack past a dy buffer. */
export const EDGE_BYTES = 128;
/** Int32 of the geometry block. */
export const GEOMETRY_BYTES = 15 * 4;

/** The product kinds: float32 sums of float32, float64 sums of float32, float64. */
export const F32 = 0;
export const F32_WIDE = 1;
export const F64 = 2;

/** The geometry block the assembly reads (Conv2dGeometry's order), written without allocating. */
export function writeGeometry(mem: Arena, at: number, g: Conv2dGeometry): void {
  const v = mem.i32;
  const i = at >> 2;
  v[i] = g.batch;
  v[i + 1] = g.inHeight;
  v[i + 2] = g.inWidth;
  v[i + 3] = g.inChannels;
  v[i + 4] = g.outHeight;
  v[i + 5] = g.outWidth;
  v[i + 6] = g.outChannels;
  v[i + 7] = g.filterHeight;
  v[i + 8] = g.filterWidth;
  v[i + 9] = g.strideHeight;
  v[i + 10] = g.strideWidth;
  v[i + 11] = g.dilationHeight;
  v[i + 12] = g.dilationWidth;
  v[i + 13] = g.padTop;
  v[i + 14] = g.padLeft;
}

export function floatView(mem: Arena, size: number): Float32Array | Float64Array {
  return size === 4 ? mem.f32 : mem.f64;
}

/** A direct convolution: src images (h × w × c) padded to hp × wp, output pixels oh × ow of n channels. */
export interface DirectShape {
  batch: number;
  h: number;
  w: number;
  c: number;
  hp: number;
  wp: number;
  top: number;
  left: number;
  oh: number;
  ow: number;
  n: number;
  sh: number;
  sw: number;
  fh: number;
  fw: number;
  dh: number;
  dw: number;
}

/** The forward convolution as a direct one: x padded so every tap of every output pixel is in bounds. */
export function forwardShape(g: Conv2dGeometry): DirectShape {
  return {
    batch: g.batch,
    h: g.inHeight,
    w: g.inWidth,
    c: g.inChannels,
    hp: (g.outHeight - 1) * g.strideHeight + (g.filterHeight - 1) * g.dilationHeight + 1,
    wp: (g.outWidth - 1) * g.strideWidth + (g.filterWidth - 1) * g.dilationWidth + 1,
    top: g.padTop,
    left: g.padLeft,
    oh: g.outHeight,
    ow: g.outWidth,
    n: g.outChannels,
    sh: g.strideHeight,
    sw: g.strideWidth,
    fh: g.filterHeight,
    fw: g.filterWidth,
    dh: g.dilationHeight,
    dw: g.dilationWidth,
  };
}

/**
 * True when some tap of some output pixel falls in the padding: the reference skips those taps, the loops here
 * multiply them by zero, which differs only for a non-finite factor (0 · ±Infinity and 0 · NaN are NaN).
 */
export function readsPadding(g: Conv2dGeometry): boolean {
  return shapeReadsPadding(forwardShape(g));
}

function shapeReadsPadding(s: DirectShape): boolean {
  return s.top > 0 || s.left > 0 || s.hp > s.h + s.top || s.wp > s.w + s.left;
}

/**
 * Windows of three rows of three adjacent taps (a 3 × 3 filter on one channel, or 3 × 1 on three), with an even
 * number of output channels: the float64-sum filter gradient's gradNine loop (assembly/conv.ts).
 */
export function isNineTaps(s: DirectShape): boolean {
  const run = s.dw === 1 ? s.fw * s.c : s.fw === 1 ? s.c : 0;
  return s.fh === 3 && run === 3 && s.n % 2 === 0;
}

export function allFinite(a: TypedArray): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export function writeDirect(mem: Arena, at: number, s: DirectShape): void {
  const v = mem.i32;
  const i = at >> 2;
  v[i] = s.hp;
  v[i + 1] = s.wp;
  v[i + 2] = s.c;
  v[i + 3] = s.oh;
  v[i + 4] = s.ow;
  v[i + 5] = s.sh;
  v[i + 6] = s.sw;
  v[i + 7] = s.fh;
  v[i + 8] = s.fw;
  v[i + 9] = s.dh;
  v[i + 10] = s.dw;
  v[i + 11] = s.n;
}

/** The buffers the direct and the sparse filter gradients share (byte offsets in the arena), for `images` a chunk. */
export interface FilterGradientChunks {
  s: DirectShape;
  images: number;
  /** The direct block, the taps' offsets from a pixel's first tap, x, its padded copy, the pixels' offsets, dy. */
  d: number;
  taps: number;
  xAt: number;
  padded: number;
  ptrs: number;
  dyAt: number;
}

/**
 * Reserves, after arena.reset(), the filter gradients' shared buffers: x as the data and padded in the sum type of
 * `kind`, dy as the data with `dySlack` readable bytes after it. Taken before the caller's own buffers.
 */
export function takeFilterGradientChunks(arena: Arena, kind: number, s: DirectShape, images: number, dySlack: number): FilterGradientChunks {
  const inSize = kind === F64 ? 8 : 4;
  const wideSize = kind === F32 ? 4 : 8;
  const pixels = s.oh * s.ow;
  return {
    s,
    images,
    d: arena.take(DIRECT_BLOCK_BYTES),
    taps: arena.take(s.fh * s.fw * s.c * 4),
    xAt: arena.take(images * s.h * s.w * s.c * inSize),
    padded: arena.take(images * s.hp * s.wp * s.c * wideSize),
    ptrs: arena.take(images * pixels * 4),
    dyAt: arena.take(images * pixels * s.n * inSize + dySlack),
  };
}

/**
 * Where a fused gradient makes dy itself, chunk by chunk, in the module's memory: `reserve` takes its own scratch
 * (after the filter gradient's buffers, before arena.commit()); `fill` writes the chunk's dy at dyAt, or returns
 * false to give up (the caller then runs the composition from scratch).
 */
export interface DySource {
  reserve(images: number): void;
  fill(b0: number, count: number, dyAt: number): boolean;
}

/**
 * After arena.commit(): writes the direct block and the offset tables, then, a chunk of images at a time, copies x
 * and dy in (or has the DySource write dy), pads x and calls run(images in the chunk). False, before run, at a chunk whose dy is not finite while
 * the windows read padding (a non-finite dy would reach weights the reference leaves alone through the padding's
 * zeros), or whose x is not finite when `finiteX` (a sparse sum that skips dy's zeros would hide 0 · Infinity).
 */
export function eachFilterGradientChunk(
  w: KernelExports,
  arena: Arena,
  kind: number,
  c: FilterGradientChunks,
  x: TypedArray,
  dy: TypedArray | DySource,
  finiteX: boolean,
  run: (count: number) => void,
): boolean {
  const s = c.s;
  const inSize = kind === F64 ? 8 : 4;
  const wideSize = kind === F32 ? 4 : 8;
  const imageIn = s.h * s.w * s.c;
  const yImage = s.oh * s.ow * s.n;
  writeDirect(arena, c.d, s);
  w.pixelOffsets(c.d, 0, Math.min(c.images, s.batch) * s.oh * s.ow, wideSize, c.ptrs);
  w.tapOffsets(c.d, wideSize, c.taps);
  const padFn = [w.padF32, w.padF32Wide, w.padF64][kind];
  const finite = kind === F64 ? w.allFiniteF64 : w.allFiniteF32;
  const pads = shapeReadsPadding(s);
  for (let b0 = 0; b0 < s.batch; b0 += c.images) {
    const count = Math.min(c.images, s.batch - b0);
    const view = floatView(arena, inSize);
    view.set(x.subarray(b0 * imageIn, (b0 + count) * imageIn), c.xAt / inSize);
    if (!('reserve' in dy)) view.set(dy.subarray(b0 * yImage, (b0 + count) * yImage), c.dyAt / inSize);
    else if (!dy.fill(b0, count, c.dyAt)) return false;
    if ((finiteX && !finite(c.xAt, count * imageIn)) || (pads && !finite(c.dyAt, count * yImage))) return false;
    padFn(c.xAt, count, s.h, s.w, s.c, c.padded, s.hp, s.wp, s.top, s.left);
    run(count);
  }
  return true;
}
