import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry } from '../types.js';
import type { Arena } from './arena.js';
import {
  DIRECT_BLOCK_BYTES,
  DIRECT_BYTES,
  F32,
  F64,
  GEOMETRY_BYTES,
  floatView,
  forwardShape,
  isNineTaps,
  readsPadding,
  writeDirect,
  writeGeometry,
} from './conv-layout.js';
import type { KernelExports } from './exports.js';
import { zeroSkipsExact } from './conv-sparse.js';

/** Tap t's float64 slot among a channel's sums (assembly/conv-pooled.ts: (t0, t1), (t3, t4), (t6, t7), (t2, t5), t8). */
const SLOT_OF_TAP = [0, 1, 6, 2, 3, 7, 4, 5, 8];

/**
 * Whether pooledNineGradient takes a layer: float64 sums that skip zeros exactly (zeroSkipsExact), nine-tap windows
 * (an image's first layer), and a 2 × 2 max pool of stride 2 whose windows lie inside the convolution's output
 * (MaxPooling2D's default, 'valid').
 */
export function poolsNineByTwo(w: KernelExports, kind: number, g: Conv2dGeometry, pool: Conv2dGeometry): boolean {
  return (
    kind !== F32 &&
    zeroSkipsExact(w, kind) &&
    isNineTaps(forwardShape(g)) &&
    pool.filterHeight === 2 &&
    pool.filterWidth === 2 &&
    pool.strideHeight === 2 &&
    pool.strideWidth === 2 &&
    pool.dilationHeight === 1 &&
    pool.dilationWidth === 1 &&
    pool.padTop === 0 &&
    pool.padLeft === 0 &&
    2 * pool.outHeight <= pool.inHeight &&
    2 * pool.outWidth <= pool.inWidth
  );
}

/**
 * maxPoolReluFilterGradient for the layers poolsNineByTwo takes, without dz: each chunk's pool gradient, maxima and
 * pooled values go into the module, which lists each window row's maxima per channel in dz's row order and adds
 * their taps and values (assembly pooledNine): the bits of the dense nine-tap loop and of the column sums. False
 * (nothing written) at a chunk whose x is not finite (a skipped zero would hide 0 · ∞), whose dy or pooled values are
 * not finite while the windows read padding (through the padding's zeros they would reach weights the reference
 * leaves alone), at an index outside its window, or when memory cannot grow: the caller then composes.
 */
export function pooledNineGradient(
  w: KernelExports,
  arena: Arena,
  kind: number,
  g: Conv2dGeometry,
  pool: Conv2dGeometry,
  x: TypedArray,
  dy: TypedArray,
  argMax: Int32Array,
  pooled: TypedArray,
  dFilter: TypedArray,
  biasGrad: TypedArray,
): boolean {
  const s = forwardShape(g);
  const inSize = kind === F64 ? 8 : 4;
  const n = s.n;
  const pixels = s.oh * s.ow;
  const imageIn = s.h * s.w * s.c;
  const poolElements = pool.outHeight * pool.outWidth * n;
  const imageBytes = imageIn * inSize + s.hp * s.wp * s.c * 8 + pixels * 4 + poolElements * (2 * inSize + 4);
  const images = Math.max(1, Math.min(s.batch, Math.floor(DIRECT_BYTES / imageBytes)));
  const entries = 2 * n * pool.outWidth + 1;
  const slots = w.POOLED_NINE_SLOTS.value as number;
  arena.reset();
  const d = arena.take(DIRECT_BLOCK_BYTES);
  const pg = arena.take(GEOMETRY_BYTES);
  const xAt = arena.take(images * imageIn * inSize);
  const padded = arena.take(images * s.hp * s.wp * s.c * 8);
  const ptrs = arena.take(images * pixels * 4);
  const dyAt = arena.take(images * poolElements * inSize);
  const argAt = arena.take(images * poolElements * 4);
  const pooledAt = arena.take(images * poolElements * inSize);
  const counts = arena.take(2 * n * 4);
  const tag = arena.take(entries * 4);
  const value = arena.take(entries * 8);
  const sums = arena.take(n * slots * 8);
  const sAt = arena.take(n * 8);
  const eAt = arena.take(n * 8);
  const outAt = arena.take(n * inSize);
  if (!arena.commit()) return false;
  writeDirect(arena, d, s);
  writeGeometry(arena, pg, pool);
  w.pixelOffsets(d, 0, Math.min(images, s.batch) * pixels, 8, ptrs);
  arena.f64.fill(0, sums / 8, sums / 8 + n * slots);
  arena.f64.fill(0, sAt / 8, sAt / 8 + n);
  arena.f64.fill(0, eAt / 8, eAt / 8 + n);
  const view = floatView(arena, inSize);
  const finite = kind === F64 ? w.allFiniteF64 : w.allFiniteF32;
  const pad = kind === F64 ? w.padF64 : w.padF32Wide;
  const nine = kind === F64 ? w.pooledNineF64 : w.pooledNineF32;
  const pads = readsPadding(g);
  const rowStep = s.dh * s.wp * s.c * 8;
  for (let b0 = 0; b0 < s.batch; b0 += images) {
    const count = Math.min(images, s.batch - b0);
    const from = b0 * poolElements;
    const to = from + count * poolElements;
    view.set(x.subarray(b0 * imageIn, (b0 + count) * imageIn), xAt / inSize);
    view.set(dy.subarray(from, to), dyAt / inSize);
    arena.i32.set(argMax.subarray(from, to), argAt / 4);
    view.set(pooled.subarray(from, to), pooledAt / inSize);
    if (!finite(xAt, count * imageIn)) return false;
    if (pads && !(finite(dyAt, to - from) && finite(pooledAt, to - from))) return false;
    pad(xAt, count, s.h, s.w, s.c, padded, s.hp, s.wp, s.top, s.left);
    if (!nine(dyAt, argAt, pooledAt, pg, count, b0 * pixels * n, padded, ptrs, rowStep, counts, tag, value, sums, sAt, eAt)) return false;
  }
  w.finishColumns(sAt, eAt, n, outAt, inSize === 4);
  biasGrad.set(floatView(arena, inSize).subarray(outAt / inSize, outAt / inSize + n));
  // dFilter [9, n] from the channels' slots (a float32 dFilter rounds each float64 sum once here).
  const f64 = arena.f64;
  const base = sums / 8;
  for (let t = 0; t < 9; t++) for (let k = 0; k < n; k++) dFilter[t * n + k] = f64[base + k * slots + SLOT_OF_TAP[t]];
  return true;
}
