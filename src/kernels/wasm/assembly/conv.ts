/*
 * Convolution and pooling over channels-last (NHWC) images, driven from the glue (../conv.ts) one chunk of
 * images (or of output pixels) at a time. With P = im2col(x) [pixels, fh·fw·C], the patch matrix:
 *   forward      out = P · filter [fh·fw·C, K]
 *   input grad   dP = dy · filterᵀ, dx = col2im(dP) (each patch entry added back to the pixel it came from)
 *   filter grad  dFilter = Σ over chunks of Pᵀ · dy
 * Two ways to run them: the direct loops below (no patch matrix; the calling thread), and, for calls split over
 * worker threads, im2col and col2im around the packed matrix products of matmul-*.ts (which the threads run).
 * The geometry is a block of 15 int32 at `g`, in the order of Conv2dGeometry (../../types.ts). The pointer to
 * an image batch (x, dx) is the first image of the chunk; rows count output pixels from that image on.
 * The pools are direct loops (vectorised over channels); their float32 sums are float64, rounded once.
 */
import { stepOf } from './elementwise';
import { loadF32Pair, madd32, madd64, storeF32Pair } from './lanes';

// Indices into the geometry block.
const BATCH = 0;
export const H = 1;
export const W = 2;
export const C = 3;
export const OH = 4;
export const OW = 5;
const K = 6;
const FH = 7;
const FW = 8;
const SH = 9;
const SW = 10;
const DH = 11;
const DW = 12;
const PT = 13;
const PL = 14;

// @ts-ignore: decorator
@inline export function geo(g: usize, i: i32): i32 {
  return load<i32>(g + (<usize>i << 2));
}

/** Copies `bytes` (a multiple of 4) from src to dst. */
// @ts-ignore: decorator
@inline function copyBytes(dst: usize, src: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, v128.load(src + i));
  for (; i < bytes; i += 4) store<u32>(dst + i, load<u32>(src + i));
}

// @ts-ignore: decorator
@inline function zeroBytes(dst: usize, bytes: usize): void {
  let i: usize = 0;
  for (; i + 16 <= bytes; i += 16) v128.store(dst + i, i32x4.splat(0));
  for (; i < bytes; i += 4) store<u32>(dst + i, 0);
}

/** dst[i] += src[i] for n elements of T. */
// @ts-ignore: decorator
@inline function addRun<T>(dst: usize, src: usize, n: i32): void {
  const bytes = <usize>n * sizeof<T>();
  let i: usize = 0;
  if (sizeof<T>() == 4) {
    for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f32x4.add(v128.load(dst + i), v128.load(src + i)));
    for (; i < bytes; i += 4) store<f32>(dst + i, load<f32>(dst + i) + load<f32>(src + i));
  } else {
    for (; i + 16 <= bytes; i += 16) v128.store(dst + i, f64x2.add(v128.load(dst + i), v128.load(src + i)));
    for (; i < bytes; i += 8) store<f64>(dst + i, load<f64>(dst + i) + load<f64>(src + i));
  }
}

/**
 * Rows [r0, r0 + rows) of the patch matrix of x (element type T) into dst, row-major, fh·fw·C per row in filter
 * order (fy, fx, c); taps in the padding are zeros.
 */
function im2col<T>(x: usize, g: usize, r0: i32, rows: i32, dst: usize): void {
  const h = geo(g, H), w = geo(g, W), c = geo(g, C), oh = geo(g, OH), ow = geo(g, OW);
  const fh = geo(g, FH), fw = geo(g, FW), sh = geo(g, SH), sw = geo(g, SW), dh = geo(g, DH), dw = geo(g, DW);
  const pt = geo(g, PT), pl = geo(g, PL);
  const size = <usize>sizeof<T>();
  const pixelBytes = <usize>c * size;
  const tapRowBytes = <usize>fw * pixelBytes;
  const imageBytes = <usize>h * w * pixelBytes;
  const pixels = oh * ow;
  let b = r0 / pixels;
  let oy = (r0 % pixels) / ow;
  let ox = r0 % ow;
  let d = dst;
  for (let r = 0; r < rows; r++) {
    const image = x + <usize>b * imageBytes;
    const ix0 = ox * sw - pl;
    const inside = dw == 1 && ix0 >= 0 && ix0 + fw <= w;
    for (let fy = 0; fy < fh; fy++) {
      const iy = oy * sh - pt + fy * dh;
      if (iy < 0 || iy >= h) {
        zeroBytes(d, tapRowBytes);
      } else if (inside) {
        // The fw taps of this filter row are adjacent pixels: one contiguous run.
        copyBytes(d, image + (<usize>iy * w + ix0) * pixelBytes, tapRowBytes);
      } else {
        for (let fx = 0; fx < fw; fx++) {
          const ix = ix0 + fx * dw;
          const at = d + <usize>fx * pixelBytes;
          if (ix < 0 || ix >= w) zeroBytes(at, pixelBytes);
          else copyBytes(at, image + (<usize>iy * w + ix) * pixelBytes, pixelBytes);
        }
      }
      d += tapRowBytes;
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
      }
    }
  }
}

/** Adds rows [r0, r0 + rows) of the patch-gradient matrix dp (element type T) back into the images at acc (type T). */
function col2im<T>(dp: usize, acc: usize, g: usize, r0: i32, rows: i32): void {
  const h = geo(g, H), w = geo(g, W), c = geo(g, C), oh = geo(g, OH), ow = geo(g, OW);
  const fh = geo(g, FH), fw = geo(g, FW), sh = geo(g, SH), sw = geo(g, SW), dh = geo(g, DH), dw = geo(g, DW);
  const pt = geo(g, PT), pl = geo(g, PL);
  const size = <usize>sizeof<T>();
  const pixelBytes = <usize>c * size;
  const tapRowBytes = <usize>fw * pixelBytes;
  const imageBytes = <usize>h * w * pixelBytes;
  const pixels = oh * ow;
  let b = r0 / pixels;
  let oy = (r0 % pixels) / ow;
  let ox = r0 % ow;
  let s = dp;
  for (let r = 0; r < rows; r++) {
    const image = acc + <usize>b * imageBytes;
    const ix0 = ox * sw - pl;
    const inside = dw == 1 && ix0 >= 0 && ix0 + fw <= w;
    for (let fy = 0; fy < fh; fy++) {
      const iy = oy * sh - pt + fy * dh;
      if (iy >= 0 && iy < h) {
        if (inside) {
          addRun<T>(image + (<usize>iy * w + ix0) * pixelBytes, s, fw * c);
        } else {
          for (let fx = 0; fx < fw; fx++) {
            const ix = ix0 + fx * dw;
            if (ix >= 0 && ix < w) addRun<T>(image + (<usize>iy * w + ix) * pixelBytes, s + <usize>fx * pixelBytes, c);
          }
        }
      }
      s += tapRowBytes;
    }
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
      }
    }
  }
}

export function im2colF32(x: usize, g: usize, r0: i32, rows: i32, dst: usize): void {
  im2col<f32>(x, g, r0, rows, dst);
}

export function im2colF64(x: usize, g: usize, r0: i32, rows: i32, dst: usize): void {
  im2col<f64>(x, g, r0, rows, dst);
}

export function col2imF32(dp: usize, acc: usize, g: usize, r0: i32, rows: i32): void {
  col2im<f32>(dp, acc, g, r0, rows);
}

export function col2imF64(dp: usize, acc: usize, g: usize, r0: i32, rows: i32): void {
  col2im<f64>(dp, acc, g, r0, rows);
}

/** acc (float64) += src (float32 or float64) over n elements: the filter gradient's sum over chunks and threads. */
export function accumulateF32(acc: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const at = acc + (<usize>i << 3);
    v128.store(at, f64x2.add(v128.load(at), loadF32Pair(src + (<usize>i << 2))));
  }
  for (; i < n; i++) store<f64>(acc + (<usize>i << 3), load<f64>(acc + (<usize>i << 3)) + <f64>load<f32>(src + (<usize>i << 2)));
}

export function accumulateF64(acc: usize, src: usize, n: i32): void {
  addRun<f64>(acc, src, n);
}

/**
 * Rounds n float64 at p once to float32, written from p on, in place: a forward pass writes element i's 4 bytes
 * at 4i, never past the 8i where elements i and on are still to be read.
 */
export function demoteF64(p: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) storeF32Pair(p + (<usize>i << 2), v128.load(p + (<usize>i << 3)));
  for (; i < n; i++) store<f32>(p + (<usize>i << 2), <f32>load<f64>(p + (<usize>i << 3)));
}

// ---------------------------------------------------------------------------------------------------------------
// Pooling. Windows are walked as the reference does (rows, then columns, of in-bounds taps); `images` images of
// x at x, out at out; argMax indices are flat indices into the whole batch, so the caller passes the chunk's first.

/** Max pooling of channels [c0, c) of one output pixel, one channel at a time. */
function maxPoolScalar<T>(
  x: usize, out: usize, argMax: usize, withArg: bool, c0: i32, c: i32,
  iy0: i32, iy1: i32, ix0: i32, ix1: i32, w: i32, indexBase: i32,
): void {
  const size = <usize>sizeof<T>();
  for (let ch = c0; ch < c; ch++) {
    let best: T = <T>-Infinity;
    let at = -1;
    for (let iy = iy0; iy < iy1; iy++) {
      for (let ix = ix0; ix < ix1; ix++) {
        const i = (iy * w + ix) * c + ch;
        const v = load<T>(x + <usize>i * size);
        // The first in-bounds element, then a greater one; a NaN wins and then stays.
        if (at < 0 || (best == best && (v > best || v != v))) {
          best = v;
          at = i;
        }
      }
    }
    store<T>(out + <usize>ch * size, best);
    if (withArg) store<i32>(argMax + (<usize>ch << 2), at < 0 ? -1 : at + indexBase);
  }
}

function maxPool<T>(x: usize, out: usize, argMax: usize, withArg: bool, g: usize, images: i32, indexBase: i32): void {
  const h = geo(g, H), w = geo(g, W), c = geo(g, C), oh = geo(g, OH), ow = geo(g, OW);
  const fh = geo(g, FH), fw = geo(g, FW), sh = geo(g, SH), sw = geo(g, SW), pt = geo(g, PT), pl = geo(g, PL);
  const size = <usize>sizeof<T>();
  const imageElements = h * w * c;
  let o = out;
  let a = argMax;
  for (let b = 0; b < images; b++) {
    const image = x + <usize>(b * imageElements) * size;
    const base = indexBase + b * imageElements;
    for (let oy = 0; oy < oh; oy++) {
      // Pools have no dilation: the in-bounds taps are a box.
      const iy0 = max(oy * sh - pt, 0), iy1 = min(oy * sh - pt + fh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = max(ox * sw - pl, 0), ix1 = min(ox * sw - pl + fw, w);
        let ch = 0;
        if (sizeof<T>() == 4 && iy0 < iy1 && ix0 < ix1) {
          const lane = i32x4(0, 1, 2, 3);
          for (; ch + 4 <= c; ch += 4) {
            const first = (iy0 * w + ix0) * c + ch;
            let best = v128.load(image + (<usize>first << 2));
            let at = i32x4.add(i32x4.splat(first), lane);
            for (let iy = iy0; iy < iy1; iy++) {
              for (let ix = iy == iy0 ? ix0 + 1 : ix0; ix < ix1; ix++) {
                const i = (iy * w + ix) * c + ch;
                const v = v128.load(image + (<usize>i << 2));
                const take = v128.and(f32x4.eq(best, best), v128.or(f32x4.gt(v, best), f32x4.ne(v, v)));
                best = v128.bitselect(v, best, take);
                at = v128.bitselect(i32x4.add(i32x4.splat(i), lane), at, take);
              }
            }
            v128.store(o + (<usize>ch << 2), best);
            if (withArg) v128.store(a + (<usize>ch << 2), i32x4.add(at, i32x4.splat(base)));
          }
        }
        maxPoolScalar<T>(image, o, a, withArg, ch, c, iy0, iy1, ix0, ix1, w, base);
        o += <usize>c * size;
        a += <usize>c << 2;
      }
    }
  }
}

export function maxPoolF32(x: usize, out: usize, argMax: usize, withArg: bool, g: usize, images: i32, indexBase: i32): void {
  maxPool<f32>(x, out, argMax, withArg, g, images, indexBase);
}

export function maxPoolF64(x: usize, out: usize, argMax: usize, withArg: bool, g: usize, images: i32, indexBase: i32): void {
  maxPool<f64>(x, out, argMax, withArg, g, images, indexBase);
}

/**
 * acc (float64, the chunk's images, indices [lo, lo + length)) += dy[o] at argMax[o] − lo for n outputs.
 * Returns false at an index outside the chunk (not an argMax of these images): the caller then runs the reference.
 */
function maxPoolBackprop<T>(dy: usize, argMax: usize, n: i32, acc: usize, lo: i32, length: i32): bool {
  const size = <usize>sizeof<T>();
  for (let o = 0; o < n; o++) {
    const i = load<i32>(argMax + (<usize>o << 2));
    if (i < 0) continue;
    const j = i - lo;
    if (<u32>j >= <u32>length) return false;
    const at = acc + (<usize>j << 3);
    store<f64>(at, load<f64>(at) + <f64>load<T>(dy + <usize>o * size));
  }
  return true;
}

/**
 * out (T, the chunk's images, `length` elements from index lo) = dy[o] at argMax[o] − lo, zeros elsewhere, when each
 * element receives at most one dy (disjoint windows; overlapping ones whose maxima differ): a single value needs no
 * float64 sum (0 + dy[o], as the sum from +0 would give: −0 becomes +0). `mark`: `length` bytes of scratch. Returns
 * false at a second value for one element or an index outside the chunk: the caller then sums in float64.
 */
function maxPoolScatterOnce<T>(dy: usize, argMax: usize, n: i32, out: usize, mark: usize, lo: i32, length: i32, pooled: usize): bool {
  const size = <usize>sizeof<T>();
  memory.fill(out, 0, <usize>length * size);
  memory.fill(mark, 0, <usize>length);
  for (let o = 0; o < n; o++) {
    const i = load<i32>(argMax + (<usize>o << 2));
    if (i < 0) continue;
    const j = i - lo;
    if (<u32>j >= <u32>length || load<u8>(mark + <usize>j) != 0) return false;
    store<u8>(mark + <usize>j, 1);
    const v = <T>0 + load<T>(dy + <usize>o * size);
    // With pooled: reluGrad at the maximum too, as maskAtMaxima would multiply it after.
    store<T>(out + <usize>j * size, pooled != 0 ? v * stepOf<T>(load<T>(pooled + <usize>o * size)) : v);
  }
  return true;
}

/**
 * out[argMax[o] − lo] ·= relu's step of pooled[o] (1 above zero, NaN for NaN, else 0) for n outputs, out of type T
 * holding the chunk's pool gradient: reluGrad of it at the maxima, whose y values are the pooled ones (an element
 * several windows took is multiplied again by the same step, which changes no bit). Indices outside the chunk were
 * rejected by the scatter before.
 */
function maskAtMaxima<T>(out: usize, argMax: usize, pooled: usize, n: i32, lo: i32): void {
  const size = <usize>sizeof<T>();
  for (let o = 0; o < n; o++) {
    const i = load<i32>(argMax + (<usize>o << 2));
    if (i < 0) continue;
    const at = out + <usize>(i - lo) * size;
    store<T>(at, load<T>(at) * stepOf<T>(load<T>(pooled + <usize>o * size)));
  }
}

export function maskAtMaximaF32(out: usize, argMax: usize, pooled: usize, n: i32, lo: i32): void {
  maskAtMaxima<f32>(out, argMax, pooled, n, lo);
}

export function maskAtMaximaF64(out: usize, argMax: usize, pooled: usize, n: i32, lo: i32): void {
  maskAtMaxima<f64>(out, argMax, pooled, n, lo);
}

/** maxPoolScatterOnce; pooled (0 for none): the pool's output, whose relu step each value is multiplied by. */
export function maxPoolScatterOnceF32(dy: usize, argMax: usize, n: i32, out: usize, mark: usize, lo: i32, length: i32, pooled: usize): bool {
  return maxPoolScatterOnce<f32>(dy, argMax, n, out, mark, lo, length, pooled);
}

export function maxPoolScatterOnceF64(dy: usize, argMax: usize, n: i32, out: usize, mark: usize, lo: i32, length: i32, pooled: usize): bool {
  return maxPoolScatterOnce<f64>(dy, argMax, n, out, mark, lo, length, pooled);
}

export function maxPoolBackpropF32(dy: usize, argMax: usize, n: i32, acc: usize, lo: i32, length: i32): bool {
  return maxPoolBackprop<f32>(dy, argMax, n, acc, lo, length);
}

export function maxPoolBackpropF64(dy: usize, argMax: usize, n: i32, acc: usize, lo: i32, length: i32): bool {
  return maxPoolBackprop<f64>(dy, argMax, n, acc, lo, length);
}

/** row[0..c) (float64) += c elements of T at src. */
// @ts-ignore: decorator
@inline function addWide<T>(row: usize, src: usize, c: i32): void {
  let ch = 0;
  if (sizeof<T>() == 4) {
    for (; ch + 2 <= c; ch += 2) {
      const at = row + (<usize>ch << 3);
      v128.store(at, f64x2.add(v128.load(at), loadF32Pair(src + (<usize>ch << 2))));
    }
  } else {
    for (; ch + 2 <= c; ch += 2) {
      const at = row + (<usize>ch << 3);
      v128.store(at, f64x2.add(v128.load(at), v128.load(src + (<usize>ch << 3))));
    }
  }
  for (; ch < c; ch++) store<f64>(row + (<usize>ch << 3), load<f64>(row + (<usize>ch << 3)) + <f64>load<T>(src + <usize>ch * sizeof<T>()));
}

/** Average pooling; `row` is scratch for C float64 sums. Empty windows give 0/0 = NaN, as the reference. */
function avgPool<T>(x: usize, out: usize, g: usize, images: i32, row: usize): void {
  const h = geo(g, H), w = geo(g, W), c = geo(g, C), oh = geo(g, OH), ow = geo(g, OW);
  const fh = geo(g, FH), fw = geo(g, FW), sh = geo(g, SH), sw = geo(g, SW), pt = geo(g, PT), pl = geo(g, PL);
  const size = <usize>sizeof<T>();
  const pixelBytes = <usize>c * size;
  let o = out;
  for (let b = 0; b < images; b++) {
    const image = x + <usize>b * h * w * pixelBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = max(oy * sh - pt, 0), iy1 = min(oy * sh - pt + fh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = max(ox * sw - pl, 0), ix1 = min(ox * sw - pl + fw, w);
        zeroBytes(row, <usize>c << 3);
        for (let iy = iy0; iy < iy1; iy++) {
          for (let ix = ix0; ix < ix1; ix++) addWide<T>(row, image + (<usize>iy * w + ix) * pixelBytes, c);
        }
        const count = f64x2.splat(<f64>(max(iy1 - iy0, 0) * max(ix1 - ix0, 0)));
        let ch = 0;
        for (; ch + 2 <= c; ch += 2) {
          const q = f64x2.div(v128.load(row + (<usize>ch << 3)), count);
          if (sizeof<T>() == 4) storeF32Pair(o + (<usize>ch << 2), q);
          else v128.store(o + (<usize>ch << 3), q);
        }
        if (ch < c) store<T>(o + <usize>ch * size, <T>(load<f64>(row + (<usize>ch << 3)) / f64x2.extract_lane(count, 0)));
        o += pixelBytes;
      }
    }
  }
}

export function avgPoolF32(x: usize, out: usize, g: usize, images: i32, row: usize): void {
  avgPool<f32>(x, out, g, images, row);
}

export function avgPoolF64(x: usize, out: usize, g: usize, images: i32, row: usize): void {
  avgPool<f64>(x, out, g, images, row);
}

/** acc (float64, `images` images) += each dy / its window's in-bounds count over the window; `row`: C float64. */
function avgPoolBackprop<T>(dy: usize, acc: usize, g: usize, images: i32, row: usize): void {
  const h = geo(g, H), w = geo(g, W), c = geo(g, C), oh = geo(g, OH), ow = geo(g, OW);
  const fh = geo(g, FH), fw = geo(g, FW), sh = geo(g, SH), sw = geo(g, SW), pt = geo(g, PT), pl = geo(g, PL);
  const size = <usize>sizeof<T>();
  const rowBytes = <usize>c << 3;
  let d = dy;
  for (let b = 0; b < images; b++) {
    const image = acc + <usize>b * h * w * rowBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = max(oy * sh - pt, 0), iy1 = min(oy * sh - pt + fh, h);
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = max(ox * sw - pl, 0), ix1 = min(ox * sw - pl + fw, w);
        const count = f64x2.splat(<f64>(max(iy1 - iy0, 0) * max(ix1 - ix0, 0)));
        let ch = 0;
        for (; ch + 2 <= c; ch += 2) {
          const v = sizeof<T>() == 4 ? loadF32Pair(d + (<usize>ch << 2)) : v128.load(d + (<usize>ch << 3));
          v128.store(row + (<usize>ch << 3), f64x2.div(v, count));
        }
        if (ch < c) store<f64>(row + (<usize>ch << 3), <f64>load<T>(d + <usize>ch * size) / f64x2.extract_lane(count, 0));
        for (let iy = iy0; iy < iy1; iy++) {
          for (let ix = ix0; ix < ix1; ix++) addRun<f64>(image + (<usize>iy * w + ix) * rowBytes, row, c);
        }
        d += <usize>c * size;
      }
    }
  }
}

export function avgPoolBackpropF32(dy: usize, acc: usize, g: usize, images: i32, row: usize): void {
  avgPoolBackprop<f32>(dy, acc, g, images, row);
}

export function avgPoolBackpropF64(dy: usize, acc: usize, g: usize, images: i32, row: usize): void {
  avgPoolBackprop<f64>(dy, acc, g, images, row);
}

// ---------------------------------------------------------------------------------------------------------------
// Direct convolution (implicit GEMM): the images are copied once, zero-padded (and widened to float64 for float64
// sums), so every tap of every output pixel is in bounds; a register tile of 4 output pixels × 8 output channels
// (float32 sums; 4 × 4 for float64) then reads its taps straight from the images, with no patch matrix. The
// filter is packed in panels of 8 (or 4) output channels, zero-padded: panel j holds, for each tap p in filter
// order, its 8 (or 4) weights. The input gradient's product dy · filterᵀ is the same loop over dy as 1 × 1 taps,
// with the filter's transpose packed (packFilter's `flip` of a [1, 1, fh·fw·c, k] filter).

/**
 * The direct block (int32 at d): padded image height and width, channels, output height and width, strides, filter
 * height and width, dilations, output channels.
 */
const D_HP = 0;
const D_WP = 1;
const D_C = 2;
const D_OH = 3;
const D_OW = 4;
const D_SH = 5;
const D_SW = 6;
const D_FH = 7;
const D_FW = 8;
const D_DH = 9;
const D_DW = 10;
const D_N = 11;

/**
 * `images` images (h × w × c, element type T) into dst (type U), each hp × wp, source pixel (y, x) landing at
 * (y + top, x + left); everything else zero. top and left may be negative (a crop).
 */
function pad<T, U>(src: usize, images: i32, h: i32, w: i32, c: i32, dst: usize, hp: i32, wp: i32, top: i32, left: i32): void {
  const sizeT = <usize>sizeof<T>();
  const sizeU = <usize>sizeof<U>();
  const x0 = max(left, 0), x1 = min(wp, w + left);
  const rowBytes = <usize>wp * c * sizeU;
  let d = dst;
  for (let b = 0; b < images; b++) {
    const image = src + <usize>b * h * w * c * sizeT;
    for (let py = 0; py < hp; py++) {
      const sy = py - top;
      if (sy < 0 || sy >= h || x0 >= x1) {
        zeroBytes(d, rowBytes);
      } else {
        zeroBytes(d, <usize>x0 * c * sizeU);
        const from = image + (<usize>sy * w + (x0 - left)) * c * sizeT;
        const to = d + <usize>x0 * c * sizeU;
        const n = (x1 - x0) * c;
        if (sizeof<T>() == sizeof<U>()) {
          copyBytes(to, from, <usize>n * sizeT);
        } else {
          let i = 0;
          for (; i + 2 <= n; i += 2) v128.store(to + (<usize>i << 3), loadF32Pair(from + (<usize>i << 2)));
          if (i < n) store<f64>(to + (<usize>i << 3), <f64>load<f32>(from + (<usize>i << 2)));
        }
        zeroBytes(d + <usize>x1 * c * sizeU, <usize>(wp - x1) * c * sizeU);
      }
      d += rowBytes;
    }
  }
}

export function padF32(src: usize, images: i32, h: i32, w: i32, c: i32, dst: usize, hp: i32, wp: i32, top: i32, left: i32): void {
  pad<f32, f32>(src, images, h, w, c, dst, hp, wp, top, left);
}

export function padF32Wide(src: usize, images: i32, h: i32, w: i32, c: i32, dst: usize, hp: i32, wp: i32, top: i32, left: i32): void {
  pad<f32, f64>(src, images, h, w, c, dst, hp, wp, top, left);
}

export function padF64(src: usize, images: i32, h: i32, w: i32, c: i32, dst: usize, hp: i32, wp: i32, top: i32, left: i32): void {
  pad<f64, f64>(src, images, h, w, c, dst, hp, wp, top, left);
}

/**
 * Packs a filter [fh, fw, c, k] (type T) into panels of nr output channels (type U, zero-padded). Taps run
 * (fy, fx, c) with k the output channel; flipped: taps (fy', fx', k) with c the output channel, weight
 * filter[fh−1−fy', fw−1−fx', c, k] (for fh = fw = 1 the transpose, which the input gradient's product uses).
 */
function packFilter<T, U>(f: usize, fh: i32, fw: i32, c: i32, k: i32, flip: bool, nr: i32, dst: usize): void {
  const n = flip ? c : k;
  const depth = flip ? k : c;
  let d = dst;
  for (let j0 = 0; j0 < n; j0 += nr) {
    for (let fy = 0; fy < fh; fy++) {
      for (let fx = 0; fx < fw; fx++) {
        for (let q = 0; q < depth; q++) {
          for (let jj = 0; jj < nr; jj++) {
            const j = j0 + jj;
            let v: U = 0;
            if (j < n) {
              const i = flip ? ((fh - 1 - fy) * fw + (fw - 1 - fx)) * c * k + j * k + q : ((fy * fw + fx) * c + q) * k + j;
              v = <U>load<T>(f + <usize>i * sizeof<T>());
            }
            store<U>(d, v);
            d += sizeof<U>();
          }
        }
      }
    }
  }
}

/** Float32 panels of 8 (float32 sums), float64 panels of 4 (float64 sums of float32 weights, or float64). */
export function packFilterF32(f: usize, fh: i32, fw: i32, c: i32, k: i32, flip: bool, dst: usize): void {
  packFilter<f32, f32>(f, fh, fw, c, k, flip, 8, dst);
}

export function packFilterF32Wide(f: usize, fh: i32, fw: i32, c: i32, k: i32, flip: bool, dst: usize): void {
  packFilter<f32, f64>(f, fh, fw, c, k, flip, 4, dst);
}

export function packFilterF64(f: usize, fh: i32, fw: i32, c: i32, k: i32, flip: bool, dst: usize): void {
  packFilter<f64, f64>(f, fh, fw, c, k, flip, 4, dst);
}

/** Copies a rows × cols tile of T from the edge scratch (row stride `ld` bytes) to c (row stride ldc bytes). */
function storeEdge<T>(edge: usize, ld: usize, c: usize, ldc: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<T>(c + <usize>i * ldc + (<usize>j * sizeof<T>()), load<T>(edge + <usize>i * ld + (<usize>j * sizeof<T>())));
  }
}

/**
 * One 4 × 8 tile, float32 sums: output pixels whose first tap sits at p0..p3, taps in fh rows of `runs` runs of
 * `run` contiguous floats (rowStep and runStep bytes apart), weights from panel b; result rows at c, ldc bytes apart.
 * Four rows, not the product's six: V8 keeps one of the 16 vector registers for itself, and 12 accumulators with two
 * weight vectors, a tap and a product spill (measured: the 4-row tile runs ~20% faster).
 */
function tileF32(
  p0: usize, p1: usize, p2: usize, p3: usize,
  fh: i32, runs: i32, run: i32, rowStep: usize, runStep: usize,
  b: usize, c: usize, ldc: usize, rows: i32, cols: i32, edge: usize,
): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  for (let fy = 0; fy < fh; fy++) {
    for (let r = 0; r < runs; r++) {
      const o = <usize>fy * rowStep + <usize>r * runStep;
      let a0 = p0 + o, a1 = p1 + o, a2 = p2 + o, a3 = p3 + o;
      for (let q = 0; q < run; q++) {
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        const x0 = v128.load32_splat(a0);
        c00 = madd32(x0, b0, c00);
        c01 = madd32(x0, b1, c01);
        const x1 = v128.load32_splat(a1);
        c10 = madd32(x1, b0, c10);
        c11 = madd32(x1, b1, c11);
        const x2 = v128.load32_splat(a2);
        c20 = madd32(x2, b0, c20);
        c21 = madd32(x2, b1, c21);
        const x3 = v128.load32_splat(a3);
        c30 = madd32(x3, b0, c30);
        c31 = madd32(x3, b1, c31);
        a0 += 4;
        a1 += 4;
        a2 += 4;
        a3 += 4;
        b += 32;
      }
    }
  }
  const full = rows == 4 && cols == 8;
  const t = full ? c : edge;
  const ld: usize = full ? ldc : 32;
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t + ld, c10);
  v128.store(t + ld, c11, 16);
  v128.store(t + 2 * ld, c20);
  v128.store(t + 2 * ld, c21, 16);
  v128.store(t + 3 * ld, c30);
  v128.store(t + 3 * ld, c31, 16);
  if (!full) storeEdge<f32>(edge, 32, c, ldc, rows, cols);
}

/** As tileF32 with 4 × 4 float64 sums of float64 taps and weights; the result stored as U (rounded once to float32). */
function tileF64<U>(
  p0: usize, p1: usize, p2: usize, p3: usize,
  fh: i32, runs: i32, run: i32, rowStep: usize, runStep: usize,
  b: usize, c: usize, ldc: usize, rows: i32, cols: i32, edge: usize,
): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let fy = 0; fy < fh; fy++) {
    for (let r = 0; r < runs; r++) {
      const o = <usize>fy * rowStep + <usize>r * runStep;
      let a0 = p0 + o, a1 = p1 + o, a2 = p2 + o, a3 = p3 + o;
      for (let q = 0; q < run; q++) {
        const b0 = v128.load(b);
        const b1 = v128.load(b, 16);
        const x0 = v128.load64_splat(a0);
        c00 = madd64(x0, b0, c00);
        c01 = madd64(x0, b1, c01);
        const x1 = v128.load64_splat(a1);
        c10 = madd64(x1, b0, c10);
        c11 = madd64(x1, b1, c11);
        const x2 = v128.load64_splat(a2);
        c20 = madd64(x2, b0, c20);
        c21 = madd64(x2, b1, c21);
        const x3 = v128.load64_splat(a3);
        c30 = madd64(x3, b0, c30);
        c31 = madd64(x3, b1, c31);
        a0 += 8;
        a1 += 8;
        a2 += 8;
        a3 += 8;
        b += 32;
      }
    }
  }
  storeTileF64<U>(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, rows, cols, edge);
}

/** Stores a 4 × 4 tile of float64 sums as U (rounded once to float32), rows ldc bytes apart; a partial tile via edge. */
// @ts-ignore: decorator
@inline function storeTileF64<U>(
  c00: v128, c01: v128, c10: v128, c11: v128, c20: v128, c21: v128, c30: v128, c31: v128,
  c: usize, ldc: usize, rows: i32, cols: i32, edge: usize,
): void {
  const full = rows == 4 && cols == 4;
  if (full && sizeof<U>() == 4) {
    storeF32Pair(c, c00);
    storeF32Pair(c + 8, c01);
    storeF32Pair(c + ldc, c10);
    storeF32Pair(c + ldc + 8, c11);
    storeF32Pair(c + 2 * ldc, c20);
    storeF32Pair(c + 2 * ldc + 8, c21);
    storeF32Pair(c + 3 * ldc, c30);
    storeF32Pair(c + 3 * ldc + 8, c31);
    return;
  }
  const t = full ? c : edge;
  const ld: usize = full ? ldc : 32;
  v128.store(t, c00);
  v128.store(t, c01, 16);
  v128.store(t + ld, c10);
  v128.store(t + ld, c11, 16);
  v128.store(t + 2 * ld, c20);
  v128.store(t + 2 * ld, c21, 16);
  v128.store(t + 3 * ld, c30);
  v128.store(t + 3 * ld, c31, 16);
  if (full) return;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) store<U>(c + <usize>i * ldc + <usize>j * sizeof<U>(), <U>load<f64>(edge + <usize>i * 32 + (<usize>j << 3)));
  }
}


/**
 * As tileF64 for windows of three rows of three adjacent taps (fh 3, one run of fw·c = 3 per row: a 3 × 3 filter on
 * a one-channel image), the nine taps unrolled at constant offsets: tileF64's loops of three cost more than the
 * products for so few taps (the CNN's first layer at batch 128, the whole call: 5.6 → 3.8 ms with directNine).
 */
// @ts-ignore: decorator
@inline function tileNineF64<U>(
  p0: usize, p1: usize, p2: usize, p3: usize, rowStep: usize,
  b: usize, c: usize, ldc: usize, rows: i32, cols: i32, edge: usize,
): void {
  let c00 = f64x2.splat(0), c01 = f64x2.splat(0);
  let c10 = f64x2.splat(0), c11 = f64x2.splat(0);
  let c20 = f64x2.splat(0), c21 = f64x2.splat(0);
  let c30 = f64x2.splat(0), c31 = f64x2.splat(0);
  for (let fy = 0; fy < 3; fy++) {
    const o = <usize>fy * rowStep;
    const a0 = p0 + o, a1 = p1 + o, a2 = p2 + o, a3 = p3 + o;
    let b0 = v128.load(b), b1 = v128.load(b, 16);
    let x = v128.load64_splat(a0);
    c00 = madd64(x, b0, c00);
    c01 = madd64(x, b1, c01);
    x = v128.load64_splat(a1);
    c10 = madd64(x, b0, c10);
    c11 = madd64(x, b1, c11);
    x = v128.load64_splat(a2);
    c20 = madd64(x, b0, c20);
    c21 = madd64(x, b1, c21);
    x = v128.load64_splat(a3);
    c30 = madd64(x, b0, c30);
    c31 = madd64(x, b1, c31);
    b0 = v128.load(b, 32);
    b1 = v128.load(b, 48);
    x = v128.load64_splat(a0, 8);
    c00 = madd64(x, b0, c00);
    c01 = madd64(x, b1, c01);
    x = v128.load64_splat(a1, 8);
    c10 = madd64(x, b0, c10);
    c11 = madd64(x, b1, c11);
    x = v128.load64_splat(a2, 8);
    c20 = madd64(x, b0, c20);
    c21 = madd64(x, b1, c21);
    x = v128.load64_splat(a3, 8);
    c30 = madd64(x, b0, c30);
    c31 = madd64(x, b1, c31);
    b0 = v128.load(b, 64);
    b1 = v128.load(b, 80);
    x = v128.load64_splat(a0, 16);
    c00 = madd64(x, b0, c00);
    c01 = madd64(x, b1, c01);
    x = v128.load64_splat(a1, 16);
    c10 = madd64(x, b0, c10);
    c11 = madd64(x, b1, c11);
    x = v128.load64_splat(a2, 16);
    c20 = madd64(x, b0, c20);
    c21 = madd64(x, b1, c21);
    x = v128.load64_splat(a3, 16);
    c30 = madd64(x, b0, c30);
    c31 = madd64(x, b1, c31);
    b += 96;
  }
  storeTileF64<U>(c00, c01, c10, c11, c20, c21, c30, c31, c, ldc, rows, cols, edge);
}

/**
 * Byte offsets (from src) of the first tap of output pixels [r0, r0 + rows) of the padded images at src, into
 * `ptrs` (int32 each); `size` is the padded images' element size.
 */
export function pixelOffsets(d: usize, r0: i32, rows: i32, size: i32, ptrs: usize): void {
  const hp = geo(d, D_HP), wp = geo(d, D_WP), c = geo(d, D_C), oh = geo(d, D_OH), ow = geo(d, D_OW);
  const sh = geo(d, D_SH), sw = geo(d, D_SW);
  const pixels = oh * ow;
  let b = r0 / pixels;
  let oy = (r0 % pixels) / ow;
  let ox = r0 % ow;
  const step = sw * c * size;
  let rowStart = ((b * hp + oy * sh) * wp) * c * size;
  for (let r = 0; r < rows; r++) {
    store<i32>(ptrs + (<usize>r << 2), rowStart + ox * step);
    if (++ox == ow) {
      ox = 0;
      if (++oy == oh) {
        oy = 0;
        b++;
      }
      rowStart = ((b * hp + oy * sh) * wp) * c * size;
    }
  }
}

/** Windows of three rows of one run of three adjacent taps: tileNineF64's and gradNine's. */
// @ts-ignore: decorator
@inline function isNineTaps(fh: i32, runs: i32, run: i32): bool {
  return fh == 3 && runs == 1 && run == 3;
}

/**
 * out rows (output pixels whose tap offsets are at ptrs, `rows` of them, row stride n elements of the output type)
 * = taps · packed filter, over every panel. Kind 0: float32 sums (f32 images and panels of 8); kind 1: float64
 * sums stored as float32; kind 2: float64.
 */
function direct(kind: i32, src: usize, d: usize, ptrs: usize, rows: i32, packed: usize, out: usize, edge: usize): void {
  const wp = geo(d, D_WP), c = geo(d, D_C);
  const fh = geo(d, D_FH), fw = geo(d, D_FW), dh = geo(d, D_DH), dw = geo(d, D_DW), n = geo(d, D_N);
  const size: usize = kind == 0 ? 4 : 8;
  const outSize: usize = kind == 2 ? 8 : 4;
  const nr = kind == 0 ? 8 : 4;
  // A filter row's taps are one run when the columns are adjacent (no dilation), else fw runs of c.
  const runs = dw == 1 ? 1 : fw;
  const run = dw == 1 ? fw * c : c;
  const rowStep = <usize>dh * wp * c * size;
  const runStep = <usize>dw * c * size;
  const depth = fh * fw * c;
  const ldc = <usize>n * outSize;
  if (kind != 0 && isNineTaps(fh, runs, run)) {
    if (kind == 1) directNine<f32>(src, ptrs, rows, rowStep, packed, n, out, edge);
    else directNine<f64>(src, ptrs, rows, rowStep, packed, n, out, edge);
    return;
  }
  for (let j0 = 0; j0 < n; j0 += nr) {
    const b = packed + <usize>j0 * depth * size;
    const cols = min(nr, n - j0);
    for (let t = 0; t < rows; t += 4) {
      const count = min(4, rows - t);
      const at = ptrs + (<usize>t << 2);
      // A short tile repeats its first pixel (its rows are not stored).
      const p0 = src + load<u32>(at);
      const p1 = count > 1 ? src + load<u32>(at, 4) : p0;
      const p2 = count > 2 ? src + load<u32>(at, 8) : p0;
      const p3 = count > 3 ? src + load<u32>(at, 12) : p0;
      const o = out + <usize>t * ldc + <usize>j0 * outSize;
      if (kind == 0) tileF32(p0, p1, p2, p3, fh, runs, run, rowStep, runStep, b, o, ldc, count, cols, edge);
      else if (kind == 1) tileF64<f32>(p0, p1, p2, p3, fh, runs, run, rowStep, runStep, b, o, ldc, count, cols, edge);
      else tileF64<f64>(p0, p1, p2, p3, fh, runs, run, rowStep, runStep, b, o, ldc, count, cols, edge);
    }
  }
}

/**
 * direct's loop for nine-tap windows, float64 sums stored as U: four pixels at a time across every panel of 4
 * output channels, so the four pixels' taps are read from the L1 cache for the later panels and each output row
 * is written whole.
 */
function directNine<U>(src: usize, ptrs: usize, rows: i32, rowStep: usize, packed: usize, n: i32, out: usize, edge: usize): void {
  const ldc = <usize>n * sizeof<U>();
  for (let t = 0; t < rows; t += 4) {
    const count = min(4, rows - t);
    const at = ptrs + (<usize>t << 2);
    // A short tile repeats its first pixel (its rows are not stored).
    const p0 = src + load<u32>(at);
    const p1 = count > 1 ? src + load<u32>(at, 4) : p0;
    const p2 = count > 2 ? src + load<u32>(at, 8) : p0;
    const p3 = count > 3 ? src + load<u32>(at, 12) : p0;
    const o = out + <usize>t * ldc;
    for (let j0 = 0; j0 < n; j0 += 4) {
      tileNineF64<U>(p0, p1, p2, p3, rowStep, packed + <usize>j0 * 72, o + <usize>j0 * sizeof<U>(), ldc, count, min(4, n - j0), edge);
    }
  }
}

export function directF32(src: usize, d: usize, ptrs: usize, rows: i32, packed: usize, out: usize, edge: usize): void {
  direct(0, src, d, ptrs, rows, packed, out, edge);
}

export function directF32Wide(src: usize, d: usize, ptrs: usize, rows: i32, packed: usize, out: usize, edge: usize): void {
  direct(1, src, d, ptrs, rows, packed, out, edge);
}

export function directF64(src: usize, d: usize, ptrs: usize, rows: i32, packed: usize, out: usize, edge: usize): void {
  direct(2, src, d, ptrs, rows, packed, out, edge);
}

// ---------------------------------------------------------------------------------------------------------------
// Direct filter gradient: dFilter[tap, k] += Σ over output pixels of tap value · dy[pixel, k], a register tile of
// 4 taps × 8 output channels (float32 sums; 4 × 4 float64) over a block of pixels, the tile's sums kept in dFilter
// between blocks. Taps come from the padded images as in the forward direct loop, through a table of tap offsets.

/** Byte offsets of the fh·fw·c taps (filter order) from a pixel's first tap in the padded images, int32 at `taps`. */
export function tapOffsets(d: usize, size: i32, taps: usize): void {
  const wp = geo(d, D_WP), c = geo(d, D_C), fh = geo(d, D_FH), fw = geo(d, D_FW), dh = geo(d, D_DH), dw = geo(d, D_DW);
  let t = taps;
  for (let fy = 0; fy < fh; fy++) {
    for (let fx = 0; fx < fw; fx++) {
      for (let ch = 0; ch < c; ch++) {
        store<i32>(t, ((fy * dh * wp + fx * dw) * c + ch) * size);
        t += 4;
      }
    }
  }
}

/**
 * One 4 × 8 tile of float32 sums at acc (rows ldw bytes apart) += the taps at offsets o0..o3 of the `pixels`
 * pixels whose offsets are at ptrs · their dy rows (from dy, dyStep bytes apart).
 */
function gradTileF32(
  src: usize, ptrs: usize, pixels: i32, o0: usize, o1: usize, o2: usize, o3: usize,
  dy: usize, dyStep: usize, acc: usize, ldw: usize,
): void {
  let c00 = v128.load(acc), c01 = v128.load(acc, 16);
  let c10 = v128.load(acc + ldw), c11 = v128.load(acc + ldw, 16);
  let c20 = v128.load(acc + 2 * ldw), c21 = v128.load(acc + 2 * ldw, 16);
  let c30 = v128.load(acc + 3 * ldw), c31 = v128.load(acc + 3 * ldw, 16);
  let d = dy;
  for (let q = 0; q < pixels; q++) {
    const p = src + load<u32>(ptrs + (<usize>q << 2));
    const b0 = v128.load(d);
    const b1 = v128.load(d, 16);
    const x0 = v128.load32_splat(p + o0);
    c00 = madd32(x0, b0, c00);
    c01 = madd32(x0, b1, c01);
    const x1 = v128.load32_splat(p + o1);
    c10 = madd32(x1, b0, c10);
    c11 = madd32(x1, b1, c11);
    const x2 = v128.load32_splat(p + o2);
    c20 = madd32(x2, b0, c20);
    c21 = madd32(x2, b1, c21);
    const x3 = v128.load32_splat(p + o3);
    c30 = madd32(x3, b0, c30);
    c31 = madd32(x3, b1, c31);
    d += dyStep;
  }
  v128.store(acc, c00);
  v128.store(acc, c01, 16);
  v128.store(acc + ldw, c10);
  v128.store(acc + ldw, c11, 16);
  v128.store(acc + 2 * ldw, c20);
  v128.store(acc + 2 * ldw, c21, 16);
  v128.store(acc + 3 * ldw, c30);
  v128.store(acc + 3 * ldw, c31, 16);
}

/** As gradTileF32 with 4 × 4 float64 sums of float64 taps and dy. */
function gradTileF64(
  src: usize, ptrs: usize, pixels: i32, o0: usize, o1: usize, o2: usize, o3: usize,
  dy: usize, dyStep: usize, acc: usize, ldw: usize,
): void {
  let c00 = v128.load(acc), c01 = v128.load(acc, 16);
  let c10 = v128.load(acc + ldw), c11 = v128.load(acc + ldw, 16);
  let c20 = v128.load(acc + 2 * ldw), c21 = v128.load(acc + 2 * ldw, 16);
  let c30 = v128.load(acc + 3 * ldw), c31 = v128.load(acc + 3 * ldw, 16);
  let d = dy;
  for (let q = 0; q < pixels; q++) {
    const p = src + load<u32>(ptrs + (<usize>q << 2));
    const b0 = v128.load(d);
    const b1 = v128.load(d, 16);
    const x0 = v128.load64_splat(p + o0);
    c00 = madd64(x0, b0, c00);
    c01 = madd64(x0, b1, c01);
    const x1 = v128.load64_splat(p + o1);
    c10 = madd64(x1, b0, c10);
    c11 = madd64(x1, b1, c11);
    const x2 = v128.load64_splat(p + o2);
    c20 = madd64(x2, b0, c20);
    c21 = madd64(x2, b1, c21);
    const x3 = v128.load64_splat(p + o3);
    c30 = madd64(x3, b0, c30);
    c31 = madd64(x3, b1, c31);
    d += dyStep;
  }
  v128.store(acc, c00);
  v128.store(acc, c01, 16);
  v128.store(acc + ldw, c10);
  v128.store(acc + ldw, c11, 16);
  v128.store(acc + 2 * ldw, c20);
  v128.store(acc + 2 * ldw, c21, 16);
  v128.store(acc + 3 * ldw, c30);
  v128.store(acc + 3 * ldw, c31, 16);
}

/**
 * acc (dFilter: fh·fw·c rows of k, float32 for kind 0, else float64) += the gradient of `pixels` output pixels:
 * their taps in the padded images at src (offsets at ptrs, tap offsets at taps), dy rows at dy (float32 for kind
 * 0, else float64; k elements each and 32 readable bytes past the last). edge: scratch of 4 × 32 bytes.
 */
function gradDirect(kind: i32, src: usize, d: usize, ptrs: usize, pixels: i32, taps: usize, dy: usize, acc: usize, edge: usize): void {
  const c = geo(d, D_C), fh = geo(d, D_FH), fw = geo(d, D_FW), n = geo(d, D_N);
  const size: usize = kind == 0 ? 4 : 8;
  const nr = kind == 0 ? 8 : 4;
  const depth = fh * fw * c;
  const ldw = <usize>n * size;
  // Pixel blocks whose taps and dy rows stay in the L1 cache across the tiles.
  const block = 64;
  for (let q0 = 0; q0 < pixels; q0 += block) {
    const count = min(block, pixels - q0);
    const pq = ptrs + (<usize>q0 << 2);
    const dq = dy + <usize>q0 * ldw;
    for (let j0 = 0; j0 < n; j0 += nr) {
      const cols = min(nr, n - j0);
      for (let t0 = 0; t0 < depth; t0 += 4) {
        const rows = min(4, depth - t0);
        const o0 = <usize>load<u32>(taps + (<usize>t0 << 2));
        const o1 = rows > 1 ? <usize>load<u32>(taps + (<usize>t0 << 2), 4) : o0;
        const o2 = rows > 2 ? <usize>load<u32>(taps + (<usize>t0 << 2), 8) : o0;
        const o3 = rows > 3 ? <usize>load<u32>(taps + (<usize>t0 << 2), 12) : o0;
        const a = acc + <usize>t0 * ldw + <usize>j0 * size;
        const full = rows == 4 && cols == nr;
        // A partial tile works on a copy in the edge scratch (zeros past the edge), then copies its part back.
        const t = full ? a : edge;
        const ld: usize = full ? ldw : 32;
        if (!full) {
          zeroBytes(edge, 128);
          for (let i = 0; i < rows; i++) copyBytes(edge + <usize>i * 32, a + <usize>i * ldw, <usize>cols * size);
        }
        if (kind == 0) gradTileF32(src, pq, count, o0, o1, o2, o3, dq + <usize>j0 * size, ldw, t, ld);
        else gradTileF64(src, pq, count, o0, o1, o2, o3, dq + <usize>j0 * size, ldw, t, ld);
        if (!full) {
          for (let i = 0; i < rows; i++) copyBytes(a + <usize>i * ldw, edge + <usize>i * 32, <usize>cols * size);
        }
      }
    }
  }
}

export function gradDirectF32(src: usize, d: usize, ptrs: usize, pixels: i32, taps: usize, dy: usize, acc: usize, edge: usize): void {
  gradDirect(0, src, d, ptrs, pixels, taps, dy, acc, edge);
}

export function gradDirectF64(src: usize, d: usize, ptrs: usize, pixels: i32, taps: usize, dy: usize, acc: usize, edge: usize): void {
  gradDirect(1, src, d, ptrs, pixels, taps, dy, acc, edge);
}

/**
 * acc (dFilter of a nine-tap window: 9 rows of n float64, n even) += the gradient of `pixels` output pixels: their
 * taps in three rows rowStep bytes apart of three adjacent float64 (first taps at src + the offsets at ptrs), dy rows
 * D (float32 or float64) n elements apart. A row of three taps × four output channels keeps its sums in registers
 * over a block of pixels (nine taps × one pair of channels, 9 sums, ran slower: V8 spilled them). gradDirect's 4-tap
 * tiles leave a quarter of their work unused on 9 taps, and this reads float32 dy as it is, with no float64 copy.
 * Sums in pixel order, as gradDirect's. The CNN's first layer at batch 128, the whole call: 4.9 → 3.3 ms.
 */
function gradNine<D>(src: usize, ptrs: usize, pixels: i32, rowStep: usize, dy: usize, n: i32, acc: usize): void {
  const ldw = <usize>n << 3;
  const dyStep = <usize>n * sizeof<D>();
  // Pixel blocks whose taps and dy rows stay in the L1 cache across the pairs of channels.
  const block = 64;
  for (let q0 = 0; q0 < pixels; q0 += block) {
    const count = min(block, pixels - q0);
    const pq = ptrs + (<usize>q0 << 2);
    for (let fy = 0; fy < 3; fy++) {
      const rowAt = <usize>fy * rowStep;
      for (let j = 0; j < n; j += 4) {
        const a = acc + 3 * <usize>fy * ldw + (<usize>j << 3);
        const two = j + 4 <= n;
        let s00 = v128.load(a), s10 = v128.load(a + ldw), s20 = v128.load(a + 2 * ldw);
        let s01 = two ? v128.load(a, 16) : f64x2.splat(0);
        let s11 = two ? v128.load(a + ldw, 16) : f64x2.splat(0);
        let s21 = two ? v128.load(a + 2 * ldw, 16) : f64x2.splat(0);
        let d = dy + <usize>q0 * dyStep + <usize>j * sizeof<D>();
        // The second pair of a last lone pair reads the pair itself again (its sums are not stored).
        const second: usize = two ? 2 * sizeof<D>() : 0;
        for (let q = 0; q < count; q++) {
          const p = src + load<u32>(pq + (<usize>q << 2)) + rowAt;
          const v0 = sizeof<D>() == 4 ? loadF32Pair(d) : v128.load(d);
          const v1 = sizeof<D>() == 4 ? loadF32Pair(d + second) : v128.load(d + second);
          let x = v128.load64_splat(p);
          s00 = madd64(x, v0, s00);
          s01 = madd64(x, v1, s01);
          x = v128.load64_splat(p, 8);
          s10 = madd64(x, v0, s10);
          s11 = madd64(x, v1, s11);
          x = v128.load64_splat(p, 16);
          s20 = madd64(x, v0, s20);
          s21 = madd64(x, v1, s21);
          d += dyStep;
        }
        v128.store(a, s00);
        v128.store(a + ldw, s10);
        v128.store(a + 2 * ldw, s20);
        if (two) {
          v128.store(a, s01, 16);
          v128.store(a + ldw, s11, 16);
          v128.store(a + 2 * ldw, s21, 16);
        }
      }
    }
  }
}

/** gradNine from the direct block d: false (nothing done) unless its windows are nine taps and n is even. */
function gradNineOf<D>(src: usize, d: usize, ptrs: usize, pixels: i32, dy: usize, acc: usize): bool {
  const wp = geo(d, D_WP), c = geo(d, D_C), fh = geo(d, D_FH), fw = geo(d, D_FW), dh = geo(d, D_DH), dw = geo(d, D_DW);
  const n = geo(d, D_N);
  if (!isNineTaps(fh, dw == 1 ? 1 : fw, dw == 1 ? fw * c : c) || (n & 1) != 0) return false;
  gradNine<D>(src, ptrs, pixels, <usize>dh * wp * c * 8, dy, n, acc);
  return true;
}

/** acc += the gradient of nine-tap windows from float64 taps and float32 dy (gradNine); false if not that shape. */
export function gradNineF32Wide(src: usize, d: usize, ptrs: usize, pixels: i32, dy: usize, acc: usize): bool {
  return gradNineOf<f32>(src, d, ptrs, pixels, dy, acc);
}

export function gradNineF64(src: usize, d: usize, ptrs: usize, pixels: i32, dy: usize, acc: usize): bool {
  return gradNineOf<f64>(src, d, ptrs, pixels, dy, acc);
}

/**
 * True when the n values at p (T) are all finite. A padded convolution multiplies its zero taps too, where the
 * reference skips them: 0 · ±Infinity or 0 · NaN would reach outputs that the reference leaves alone.
 */
function allFinite<T>(p: usize, n: i32): bool {
  // x − x is 0 for a finite x and NaN otherwise; the sum of them is NaN if any was.
  let acc = f64x2.splat(0);
  let s: f64 = 0;
  let i = 0;
  if (sizeof<T>() == 4) {
    let acc32 = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      acc32 = f32x4.add(acc32, f32x4.sub(v, v));
    }
    s = <f64>f32x4.extract_lane(acc32, 0) + <f64>f32x4.extract_lane(acc32, 1) + <f64>f32x4.extract_lane(acc32, 2) + <f64>f32x4.extract_lane(acc32, 3);
  } else {
    for (; i + 2 <= n; i += 2) {
      const v = v128.load(p + (<usize>i << 3));
      acc = f64x2.add(acc, f64x2.sub(v, v));
    }
  }
  for (; i < n; i++) {
    const v = <f64>load<T>(p + <usize>i * sizeof<T>());
    s += v - v;
  }
  s += f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  return s == 0;
}

/** True when one of the n values at p (T) is NaN (infinities are not). */
function anyNaN<T>(p: usize, n: i32): bool {
  let acc = i32x4.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(p + (<usize>i << 2));
      acc = v128.or(acc, f32x4.ne(v, v));
    }
  } else {
    for (; i + 2 <= n; i += 2) {
      const v = v128.load(p + (<usize>i << 3));
      acc = v128.or(acc, f64x2.ne(v, v));
    }
  }
  let any = v128.any_true(acc);
  for (; i < n; i++) {
    const v = load<T>(p + <usize>i * sizeof<T>());
    if (v != v) any = true;
  }
  return any;
}

export function anyNaNF32(p: usize, n: i32): bool {
  return anyNaN<f32>(p, n);
}

export function anyNaNF64(p: usize, n: i32): bool {
  return anyNaN<f64>(p, n);
}

export function allFiniteF32(p: usize, n: i32): bool {
  return allFinite<f32>(p, n);
}

export function allFiniteF64(p: usize, n: i32): bool {
  return allFinite<f64>(p, n);
}
