import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry, Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES } from './chunks.js';
import { floatTypeOf } from './float-type.js';
import {
  DIRECT_BLOCK_BYTES,
  DIRECT_BYTES,
  type DirectShape,
  type DySource,
  EDGE_BYTES,
  F32,
  F32_WIDE,
  F64,
  GEOMETRY_BYTES,
  allFinite,
  eachFilterGradientChunk,
  floatView,
  forwardShape,
  isNineTaps,
  readsPadding,
  takeFilterGradientChunks,
  writeDirect,
  writeGeometry,
} from './conv-layout.js';
import { composedMaxPoolReluFilterGradient } from '../compose.js';
import { pooledReluSource } from './max-pool-relu.js';
import { pooledNineGradient, poolsNineByTwo } from './pooled-nine.js';
import { SPARSE_FILTER_DENSITY, SPARSE_INPUT_DENSITY, density, sparseFilterFits, sparseFilterGradient, sparseInputGradient } from './conv-sparse.js';
import type { ConvExports, KernelExports, MatMulExports } from './exports.js';
import { type MatMulAccumulation, TILE_ROWS, split } from './matmul.js';
import { type Job, KINDS, type WorkerPool } from './pool.js';

type ConvKernels = Pick<
  Kernels,
  | 'conv2d'
  | 'conv2dBiasRelu'
  | 'conv2dBiasReluMaxPool'
  | 'maxPoolReluFilterGradient'
  | 'conv2dBackpropInput'
  | 'conv2dBackpropFilter'
  | 'maxPool'
  | 'maxPoolBackprop'
  | 'avgPool'
  | 'avgPoolBackprop'
>;
type Exports = MatMulExports & ConvExports;

/**
 * Bytes of patch rows (and their product rows) per thread and chunk: the patches im2col writes are still in
 * the L2 cache when the product packs them.
 */
const ROW_BYTES = 8 * CHUNK_BYTES;
/** From this many multiply-adds a convolution's products are split over the worker threads (as matMul's). */
const MIN_PARALLEL_WORK = 1 << 21;
/** Bytes of input images per chunk of a pool. */
const POOL_BYTES = 4 * CHUNK_BYTES;

const MATMUL = [KINDS.indexOf('matMulF32'), KINDS.indexOf('matMulF32Wide'), KINDS.indexOf('matMulF64')] as const;

/** Packing scratch of one thread's product, in bytes: [A panel, B panel, edge tile]. */
function scratchBytes(x: MatMulExports, kind: number): [number, number, number] {
  return kind === F32
    ? [x.MC_F32.value * x.KC_F32.value * 4, x.KC_F32.value * x.NC_F32.value * 4, x.EDGE_F32.value * 4]
    : [x.MC_F64.value * x.KC_F64.value * 8, x.KC_F64.value * x.NC_F64.value * 8, x.EDGE_F64.value * 8];
}

/** True when every input element is in some window of the pool (its output then sees every NaN of the input). */
function windowsCover(g: Conv2dGeometry): boolean {
  // Windows start at −pad and step by stride over f elements: no gap when stride ≤ f, and the last reaches the end.
  const axis = (size: number, out: number, f: number, stride: number, dilation: number, pad: number) =>
    out > 0 && dilation === 1 && stride <= f && pad >= 0 && (out - 1) * stride - pad + f >= size;
  return (
    axis(g.inHeight, g.outHeight, g.filterHeight, g.strideHeight, g.dilationHeight, g.padTop) &&
    axis(g.inWidth, g.outWidth, g.filterWidth, g.strideWidth, g.dilationWidth, g.padLeft)
  );
}

/** The multiply-adds of a convolution (and of each of its gradients). */
function convWork(g: Conv2dGeometry): number {
  return g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels;
}

/** Whether `pool` pools the output of the convolution `g`: the same batch, size and channels. */
function poolsOutput(g: Conv2dGeometry, pool: Conv2dGeometry): boolean {
  return pool.batch === g.batch && pool.inChannels === g.outChannels && pool.inHeight === g.outHeight && pool.inWidth === g.outWidth;
}

/** Pool windows without dilation (the contract's pools): their in-bounds taps are a box, as the assembly walks them. */
function boxWindows(g: Conv2dGeometry): boolean {
  return g.dilationHeight === 1 && g.dilationWidth === 1;
}

/** Where a convolution runs: the kernel module on this thread, or the threads module and its workers. */
interface Place {
  x: Exports;
  mem: Arena;
  pool: WorkerPool | null;
  parts: number;
  /** Per part: [A panel, B panel, edge tile] offsets. */
  scratch: [number, number, number][];
}

/**
 * Convolutions (float32 and float64; other dtypes run the fallback). Float32 data sums as matMul's `accumulation`
 * says (float64 by default, rounded once). On this thread, direct loops (assembly/conv.ts), an image chunk at a
 * time: the forward pass, the filter gradient, and the input gradient as col2im(dy · filterᵀ) with the product by
 * the same loop. Big calls of a set with a worker pool: im2col onto the packed matrix products (matMul's), each
 * chunk's product split over the threads (by rows of output pixels; by the pixels summed over for the filter
 * gradient, each thread with its own partial sums), the patch copies on this thread; the direct loops are not in
 * the threads module's job list (pool.ts's KINDS). Pools run on this thread, an image chunk at a time.
 */
export function wasmConv(
  w: KernelExports,
  arena: Arena,
  fallback: Kernels,
  accumulation: MatMulAccumulation,
  pool: WorkerPool | null,
  biasRelu: Kernels['biasRelu'],
  own: () => Kernels,
): ConvKernels {
  /**
   * Lays out the call's buffers with `lay` and per-part packing scratch: on the pool's memory when the work is worth
   * splitting, else (unless `threadsOnly`) on this thread's; null when there is no such place or memory cannot grow
   * that far.
   */
  function place(kind: number, work: number, threadsOnly: boolean, lay: (mem: Arena, parts: number) => void): Place | null {
    const candidates: [Exports, Arena, WorkerPool | null][] = [];
    if (pool !== null && !onThisThread(work)) candidates.push([pool.exports, pool.arena, pool]);
    if (!threadsOnly) candidates.push([w, arena, null]);
    for (const [x, mem, threads] of candidates) {
      const parts = threads ? threads.workers + 1 : 1;
      mem.reset();
      lay(mem, parts);
      const [a, b, e] = scratchBytes(x, kind);
      const scratch: [number, number, number][] = [];
      for (let t = 0; t < parts; t++) scratch.push([mem.take(a), mem.take(b), mem.take(e)]);
      if (mem.commit()) return { x, mem, pool: threads, parts, scratch };
    }
    return null;
  }

  /** Whether a call of this many multiply-adds runs on this thread (bigger ones go to the worker pool, if any). */
  function onThisThread(work: number): boolean {
    return pool === null || work < MIN_PARALLEL_WORK;
  }

  /** Runs one product job per part (job t on part t's scratch): on this thread, or spread over the pool. */
  function run(p: Place, kind: number, jobs: number[][]): void {
    for (let t = 0; t < jobs.length; t++) {
      const [packA, packB, edge] = p.scratch[t];
      jobs[t].unshift(MATMUL[kind]);
      jobs[t].push(packA, packB, edge);
    }
    if (p.pool && jobs.length > 1) {
      p.pool.start(jobs.slice(1) as Job[]);
      // Always wait: workers must not still be writing the shared memory when the next chunk is laid out.
      try {
        p.pool.runHere(jobs[0]);
      } finally {
        p.pool.wait();
      }
      return;
    }
    const fn = [p.x.matMulF32, p.x.matMulF32Wide, p.x.matMulF64][kind];
    for (const j of jobs) fn(j[1], j[2], j[3], j[4], j[5], j[6], j[7], j[8], j[9], j[10], j[11], j[12], j[13], j[14]);
  }

  /** The product kind for these arrays, or null for the fallback. */
  function kindOf(...arrays: TypedArray[]): number | null {
    const type = floatTypeOf(...arrays);
    if (type === null) return null;
    return type === 'F64' ? F64 : accumulation === 'float32' ? F32 : F32_WIDE;
  }

  /** Rows of output pixels per chunk: ROW_BYTES of patch and product rows per part, a multiple of the tile's rows. */
  function chunkRows(parts: number, rowBytes: number, total: number): number {
    const perPart = Math.max(TILE_ROWS, Math.floor(ROW_BYTES / rowBytes / TILE_ROWS) * TILE_ROWS);
    return Math.max(1, Math.min(total, perPart * parts));
  }

  /**
   * out = the direct convolution of x with the filter, on this thread; with `pooled`, out stays in the module's memory
   * and each chunk is max-pooled there instead (pooled.g over out, argMax may be null). False if memory cannot grow,
   * or, when pooling, at an output that is not finite (whose gradient would need out itself).
   */
  function directForward(
    kind: number,
    g: Conv2dGeometry,
    x: TypedArray,
    filter: TypedArray,
    bias: TypedArray | null,
    out: TypedArray,
    pooled: { out: TypedArray; argMax: Int32Array | null; g: Conv2dGeometry } | null = null,
  ): boolean {
    const s = forwardShape(g);
    const inSize = kind === F64 ? 8 : 4;
    const padSize = kind === F32 ? 4 : 8;
    const outSize = inSize;
    const nr = kind === F32 ? 8 : 4;
    const depth = s.fh * s.fw * s.c;
    const imageIn = s.h * s.w * s.c;
    const imagePadded = s.hp * s.wp * s.c;
    const pixels = s.oh * s.ow;
    const imageBytes = imageIn * inSize + imagePadded * padSize + pixels * (s.n * outSize + 4);
    const images = Math.max(1, Math.min(s.batch, Math.floor(DIRECT_BYTES / imageBytes)));
    arena.reset();
    const d = arena.take(DIRECT_BLOCK_BYTES);
    const filterAt = arena.take(depth * s.n * inSize);
    const packed = arena.take(Math.ceil(s.n / nr) * nr * depth * padSize);
    const srcAt = arena.take(images * imageIn * inSize);
    const padded = arena.take(images * imagePadded * padSize);
    const ptrs = arena.take(images * pixels * 4);
    const outAt = arena.take(images * pixels * s.n * outSize);
    const edge = arena.take(EDGE_BYTES);
    const biasAt = bias ? arena.take(s.n * outSize) : 0;
    const poolElements = pooled ? pooled.g.outHeight * pooled.g.outWidth * s.n : 0;
    const poolGeo = pooled ? arena.take(GEOMETRY_BYTES) : 0;
    const pooledAt = arena.take(images * poolElements * outSize);
    const argAt = arena.take(pooled?.argMax ? images * poolElements * 4 : 0);
    if (!arena.commit()) return false;
    if (pooled) writeGeometry(arena, poolGeo, pooled.g);
    const covers = pooled !== null && windowsCover(pooled.g);
    writeDirect(arena, d, s);
    floatView(arena, inSize).set(filter.subarray(0, depth * s.n), filterAt / inSize);
    if (bias) floatView(arena, outSize).set(bias.subarray(0, s.n), biasAt / outSize);
    const epilogue = outSize === 4 ? w.biasReluF32 : w.biasReluF64;
    [w.packFilterF32, w.packFilterF32Wide, w.packFilterF64][kind](filterAt, s.fh, s.fw, s.c, s.n, false, packed);
    // Every chunk's pixels sit at the same offsets from its padded images.
    w.pixelOffsets(d, 0, Math.min(images, s.batch) * pixels, padSize, ptrs);
    const padFn = [w.padF32, w.padF32Wide, w.padF64][kind];
    const conv = [w.directF32, w.directF32Wide, w.directF64][kind];
    for (let b0 = 0; b0 < s.batch; b0 += images) {
      const count = Math.min(images, s.batch - b0);
      floatView(arena, inSize).set(x.subarray(b0 * imageIn, (b0 + count) * imageIn), srcAt / inSize);
      padFn(srcAt, count, s.h, s.w, s.c, padded, s.hp, s.wp, s.top, s.left);
      conv(padded, d, ptrs, count * pixels, packed, outAt, edge);
      // The bias and relu while the chunk is in the cache (biasRelu's bits: the sums were rounded to out's type).
      if (bias) epilogue(outAt, biasAt, outAt, count * pixels, s.n);
      if (pooled) {
        const anyNaN = outSize === 4 ? w.anyNaNF32 : w.anyNaNF64;
        (outSize === 4 ? w.maxPoolF32 : w.maxPoolF64)(outAt, pooledAt, argAt, pooled.argMax !== null, poolGeo, count, b0 * pixels * s.n);
        // A NaN of out reaches the pooled values (the pool propagates it) when the windows cover out; else look at out.
        if (covers ? anyNaN(pooledAt, count * poolElements) : anyNaN(outAt, count * pixels * s.n)) return false;
        pooled.out.set(floatView(arena, outSize).subarray(pooledAt / outSize, pooledAt / outSize + count * poolElements), b0 * poolElements);
        pooled.argMax?.set(arena.i32.subarray(argAt / 4, argAt / 4 + count * poolElements), b0 * poolElements);
        continue;
      }
      out.set(floatView(arena, outSize).subarray(outAt / outSize, outAt / outSize + count * pixels * s.n), b0 * pixels * s.n);
    }
    return true;
  }

  /**
   * dx = col2im(dy · filterᵀ) on this thread: the product by the direct loop (dy as 1 × 1 taps, the filter's
   * transpose packed), its rows added back to the pixels they came from. Float64 sums keep the patch gradient
   * in float64 and round dx once. False if memory cannot grow.
   */
  function directInputGradient(kind: number, g: Conv2dGeometry, dy: TypedArray, filter: TypedArray, dx: TypedArray): boolean {
    const inSize = kind === F64 ? 8 : 4;
    const wideSize = kind === F32 ? 4 : 8;
    const kd = g.filterHeight * g.filterWidth * g.inChannels;
    const n = g.outChannels;
    const pixels = g.outHeight * g.outWidth;
    const imageElements = g.inHeight * g.inWidth * g.inChannels;
    const s: DirectShape = {
      batch: g.batch,
      h: g.outHeight,
      w: g.outWidth,
      c: n,
      hp: g.outHeight,
      wp: g.outWidth,
      top: 0,
      left: 0,
      oh: g.outHeight,
      ow: g.outWidth,
      n: kd,
      sh: 1,
      sw: 1,
      fh: 1,
      fw: 1,
      dh: 1,
      dw: 1,
    };
    const imageBytes = pixels * n * (inSize + wideSize) + pixels * (kd * wideSize + 4) + imageElements * wideSize;
    const images = Math.max(1, Math.min(g.batch, Math.floor(DIRECT_BYTES / imageBytes)));
    const nr = kind === F32 ? 8 : 4;
    arena.reset();
    const d = arena.take(DIRECT_BLOCK_BYTES);
    const geo = arena.take(GEOMETRY_BYTES);
    const filterAt = arena.take(kd * n * inSize);
    const packed = arena.take(Math.ceil(kd / nr) * nr * n * wideSize);
    const dyAt = arena.take(images * pixels * n * inSize);
    const dyWide = kind === F32_WIDE ? arena.take(images * pixels * n * 8) : dyAt;
    const ptrs = arena.take(images * pixels * 4);
    const dp = arena.take(images * pixels * kd * wideSize);
    const acc = arena.take(images * imageElements * wideSize);
    const edge = arena.take(EDGE_BYTES);
    if (!arena.commit()) return false;
    writeDirect(arena, d, s);
    writeGeometry(arena, geo, g);
    floatView(arena, inSize).set(filter.subarray(0, kd * n), filterAt / inSize);
    // The filter [kd, n] read as [1, 1, kd, n] and flipped: panels of its transpose.
    [w.packFilterF32, w.packFilterF32Wide, w.packFilterF64][kind](filterAt, 1, 1, kd, n, true, packed);
    w.pixelOffsets(d, 0, images * pixels, wideSize, ptrs);
    const product = kind === F32 ? w.directF32 : w.directF64;
    const col2im = kind === F32 ? w.col2imF32 : w.col2imF64;
    for (let b0 = 0; b0 < g.batch; b0 += images) {
      const count = Math.min(images, g.batch - b0);
      floatView(arena, inSize).set(dy.subarray(b0 * pixels * n, (b0 + count) * pixels * n), dyAt / inSize);
      if (kind === F32_WIDE) w.padF32Wide(dyAt, count, g.outHeight, g.outWidth, n, dyWide, g.outHeight, g.outWidth, 0, 0);
      product(dyWide, d, ptrs, count * pixels, packed, dp, edge);
      floatView(arena, wideSize).fill(0, acc / wideSize, acc / wideSize + count * imageElements);
      col2im(dp, acc, geo, 0, count * pixels);
      if (kind === F32_WIDE) w.demoteF64(acc, count * imageElements);
      dx.set(floatView(arena, inSize).subarray(acc / inSize, acc / inSize + count * imageElements), b0 * imageElements);
    }
    return true;
  }

  /**
   * dFilter = the direct filter gradient on this thread (float32 sums in float32, others in float64). False if
   * memory cannot grow, or for non-finite dy with padding.
   */
  function directFilterGradient(kind: number, g: Conv2dGeometry, x: TypedArray, dy: TypedArray | DySource, dFilter: TypedArray): boolean {
    const s = forwardShape(g);
    const inSize = kind === F64 ? 8 : 4;
    const wideSize = kind === F32 ? 4 : 8;
    const depth = s.fh * s.fw * s.c;
    const pixels = s.oh * s.ow;
    const imageBytes = s.h * s.w * s.c * inSize + s.hp * s.wp * s.c * wideSize + pixels * (s.n * (inSize + wideSize) + 4);
    const images = Math.max(1, Math.min(s.batch, Math.floor(DIRECT_BYTES / imageBytes)));
    arena.reset();
    // dy with 32 readable bytes past the last row (tiles read 8 channels), widened to float64 for float64 sums.
    const c = takeFilterGradientChunks(arena, kind, s, images, EDGE_BYTES);
    const dyWide = kind === F32_WIDE ? arena.take(images * pixels * s.n * 8 + EDGE_BYTES) : c.dyAt;
    const acc = arena.take(depth * s.n * wideSize);
    const edge = arena.take(EDGE_BYTES);
    if ('reserve' in dy) dy.reserve(images);
    if (!arena.commit()) return false;
    floatView(arena, wideSize).fill(0, acc / wideSize, acc / wideSize + depth * s.n);
    const grad = kind === F32 ? w.gradDirectF32 : w.gradDirectF64;
    // Nine-tap windows (an image's first layer) read float32 dy as it is.
    const nine = kind !== F32 && isNineTaps(s) ? (kind === F64 ? w.gradNineF64 : w.gradNineF32Wide) : null;
    const done = eachFilterGradientChunk(w, arena, kind, c, x, dy, false, (count) => {
      if (nine && nine(c.padded, c.d, c.ptrs, count * pixels, c.dyAt, acc)) return;
      if (kind === F32_WIDE) w.padF32Wide(c.dyAt, count, s.oh, s.ow, s.n, dyWide, s.oh, s.ow, 0, 0);
      grad(c.padded, c.d, c.ptrs, count * pixels, c.taps, dyWide, acc, edge);
    });
    if (!done) return false;
    if (kind === F32_WIDE) w.demoteF64(acc, depth * s.n);
    dFilter.set(floatView(arena, inSize).subarray(acc / inSize, acc / inSize + depth * s.n));
    return true;
  }

  /** conv2d, and with a bias conv2dBiasRelu. */
  function forward(x: TypedArray, filter: TypedArray, bias: TypedArray | null, out: TypedArray, g: Conv2dGeometry): void {
    const kind = bias ? kindOf(x, filter, bias, out) : kindOf(x, filter, out);
    // A non-finite weight would reach, through the padding's zeros, outputs the reference leaves alone.
    if (kind === null || (readsPadding(g) && !allFinite(filter))) {
      return bias ? fallback.conv2dBiasRelu(x, filter, bias, out, g) : fallback.conv2d(x, filter, out, g);
    }
    if (out.length === 0) return;
    const kd = g.filterHeight * g.filterWidth * g.inChannels;
    const n = g.outChannels;
    if (kd === 0) {
      out.fill(0);
      if (bias) biasRelu(out, bias, out);
      return;
    }
    const inSize = kind === F64 ? 8 : 4;
    const outSize = kind === F32 ? 4 : 8;
    const pixels = g.outHeight * g.outWidth;
    const imageElements = g.inHeight * g.inWidth * g.inChannels;
    let geo = 0,
      filterAt = 0,
      xAt = 0,
      pAt = 0,
      cAt = 0,
      images = 0,
      rows = 0;
    const p = place(kind, g.batch * pixels * kd * n, true, (mem, parts) => {
      rows = chunkRows(parts, kd * inSize + n * outSize, g.batch * pixels);
      images = Math.max(1, Math.min(g.batch, Math.floor(rows / pixels)));
      rows = Math.min(rows, images * pixels);
      geo = mem.take(GEOMETRY_BYTES);
      filterAt = mem.take(kd * n * inSize);
      xAt = mem.take(images * imageElements * inSize);
      pAt = mem.take(rows * kd * inSize);
      cAt = mem.take(images * pixels * n * outSize);
    });
    if (!p) {
      if (directForward(kind, g, x, filter, bias, out)) return;
      return bias ? fallback.conv2dBiasRelu(x, filter, bias, out, g) : fallback.conv2d(x, filter, out, g);
    }
    writeGeometry(p.mem, geo, g);
    floatView(p.mem, inSize).set(filter.subarray(0, kd * n), filterAt / inSize);
    const im2col = kind === F64 ? p.x.im2colF64 : p.x.im2colF32;
    for (let b0 = 0; b0 < g.batch; b0 += images) {
      const count = Math.min(images, g.batch - b0);
      floatView(p.mem, inSize).set(x.subarray(b0 * imageElements, (b0 + count) * imageElements), xAt / inSize);
      const total = count * pixels;
      for (let r0 = 0; r0 < total; r0 += rows) {
        const m = Math.min(rows, total - r0);
        im2col(xAt, geo, r0, m, pAt);
        // out rows = P rows · filter: A row-major (m × kd), B row-major (kd × n).
        const jobs = split(m, p.parts, TILE_ROWS).map(([s, e]) => [
          pAt + s * kd * inSize,
          filterAt,
          cAt + (r0 + s) * n * outSize,
          e - s,
          kd,
          n,
          kd,
          1,
          1,
          n,
          n,
        ]);
        run(p, kind, jobs);
      }
      if (kind === F32_WIDE) p.x.demoteF64(cAt, total * n);
      const start = cAt / inSize;
      out.set(floatView(p.mem, inSize).subarray(start, start + total * n), b0 * pixels * n);
    }
    // Across threads the output leaves the shared memory first; the bias and relu are then one more pass.
    if (bias) biasRelu(out, bias, out);
  }

  // The composition on the finished set's own calls (its fused pool gradient among them).
  const composedFilterGradient: Kernels['maxPoolReluFilterGradient'] = (...args) => composedMaxPoolReluFilterGradient(own())(...args);
  const set: ConvKernels = {
    conv2d(x, filter, out, g) {
      forward(x, filter, null, out, g);
    },

    conv2dBiasReluMaxPool(x, filter, bias, y, pooled, argMax, g, poolG) {
      // On this thread, the direct loop pools each chunk of y in the module's memory; elsewhere, the two calls.
      const kind = kindOf(x, filter, bias, y, pooled);
      const single = onThisThread(convWork(g));
      const padded = readsPadding(g) && !allFinite(filter);
      const fits = pooled.length === g.batch * poolG.outHeight * poolG.outWidth * g.outChannels && (argMax === null || argMax.length === pooled.length);
      if (
        kind !== null &&
        single &&
        !padded &&
        boxWindows(poolG) &&
        poolsOutput(g, poolG) &&
        fits &&
        y.length > 0 &&
        g.filterHeight * g.filterWidth * g.inChannels > 0
      ) {
        if (directForward(kind, g, x, filter, bias, y, { out: pooled, argMax, g: poolG })) return false;
      }
      forward(x, filter, bias, y, g);
      set.maxPool(y, pooled, argMax, poolG);
      return true;
    },

    conv2dBiasRelu(x, filter, bias, out, g) {
      forward(x, filter, bias, out, g);
    },

    maxPoolReluFilterGradient(dy, argMax, pooled, x, dz, dFilter, biasGrad, g, poolG) {
      // dz made chunk by chunk where the direct filter gradient reads it: where that is the loop conv2dBackpropFilter
      // would run (this thread; no sparse loop for these taps), the pool's windows over the convolution's output.
      const kind = kindOf(x, dy, pooled, dz, dFilter, biasGrad);
      const single = onThisThread(convWork(g));
      const sparse = kind !== null && sparseFilterFits(forwardShape(g), kind);
      const fits =
        poolsOutput(g, poolG) &&
        dz.length === g.batch * g.outHeight * g.outWidth * g.outChannels &&
        dy.length === g.batch * poolG.outHeight * poolG.outWidth * g.outChannels &&
        argMax.length === dy.length &&
        biasGrad.length === g.outChannels &&
        dFilter.length === g.filterHeight * g.filterWidth * g.inChannels * g.outChannels &&
        pooled.length === dy.length &&
        x.length === g.batch * g.inHeight * g.inWidth * g.inChannels;
      if (kind !== null && single && fits && dz.length > 0 && dFilter.length > 0) {
        // dz never made where the pool's maxima can be listed: only they are multiplied.
        if (poolsNineByTwo(w, kind, g, poolG) && pooledNineGradient(w, arena, kind, g, poolG, x, dy, argMax, pooled, dFilter, biasGrad)) return;
        if (!sparse) {
          const source = pooledReluSource(w, arena, dy, argMax, pooled, poolG);
          if (directFilterGradient(kind, g, x, source, dFilter)) return source.finish(biasGrad);
        }
      }
      composedFilterGradient(dy, argMax, pooled, x, dz, dFilter, biasGrad, g, poolG);
    },

    conv2dBackpropInput(dy, filter, dx, g) {
      const kind = kindOf(dy, filter, dx);
      if (kind === null) return fallback.conv2dBackpropInput(dy, filter, dx, g);
      if (dx.length === 0) return;
      const kd = g.filterHeight * g.filterWidth * g.inChannels;
      const n = g.outChannels;
      const pixels = g.outHeight * g.outWidth;
      if (kd === 0 || n === 0 || pixels === 0) {
        dx.fill(0);
        return;
      }
      const work = g.batch * pixels * kd * n;
      if (onThisThread(work)) {
        if (density(dy) < SPARSE_INPUT_DENSITY && allFinite(filter) && sparseInputGradient(w, arena, kind, g, dy, filter, dx)) return;
        if (directInputGradient(kind, g, dy, filter, dx)) return;
      }
      const inSize = kind === F64 ? 8 : 4;
      const outSize = kind === F32 ? 4 : 8;
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      let geo = 0,
        filterAt = 0,
        dyAt = 0,
        dpAt = 0,
        accAt = 0,
        images = 0,
        rows = 0;
      const p = place(kind, work, true, (mem, parts) => {
        rows = chunkRows(parts, kd * outSize + n * inSize, g.batch * pixels);
        images = Math.max(1, Math.min(g.batch, Math.floor(rows / pixels)));
        rows = Math.min(rows, images * pixels);
        geo = mem.take(GEOMETRY_BYTES);
        filterAt = mem.take(kd * n * inSize);
        dyAt = mem.take(images * pixels * n * inSize);
        dpAt = mem.take(rows * kd * outSize);
        accAt = mem.take(images * imageElements * outSize);
      });
      if (!p) {
        if (!directInputGradient(kind, g, dy, filter, dx)) fallback.conv2dBackpropInput(dy, filter, dx, g);
        return;
      }
      writeGeometry(p.mem, geo, g);
      floatView(p.mem, inSize).set(filter.subarray(0, kd * n), filterAt / inSize);
      const col2im = kind === F32 ? p.x.col2imF32 : p.x.col2imF64;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        floatView(p.mem, inSize).set(dy.subarray(b0 * pixels * n, (b0 + count) * pixels * n), dyAt / inSize);
        floatView(p.mem, outSize).fill(0, accAt / outSize, accAt / outSize + count * imageElements);
        const total = count * pixels;
        for (let r0 = 0; r0 < total; r0 += rows) {
          const m = Math.min(rows, total - r0);
          // dP = dy rows · filterᵀ: A row-major (m × n); op(B)(p, j) = filter[j, p], at j·n + p.
          const jobs = split(m, p.parts, TILE_ROWS).map(([s, e]) => [
            dyAt + (r0 + s) * n * inSize,
            filterAt,
            dpAt + s * kd * outSize,
            e - s,
            n,
            kd,
            n,
            1,
            n,
            1,
            kd,
          ]);
          run(p, kind, jobs);
          col2im(dpAt, accAt, geo, r0, m);
        }
        if (kind === F32_WIDE) p.x.demoteF64(accAt, count * imageElements);
        const start = accAt / inSize;
        dx.set(floatView(p.mem, inSize).subarray(start, start + count * imageElements), b0 * imageElements);
      }
    },

    conv2dBackpropFilter(x, dy, dFilter, g) {
      const kind = kindOf(x, dy, dFilter);
      if (kind === null) return fallback.conv2dBackpropFilter(x, dy, dFilter, g);
      if (dFilter.length === 0) return;
      const kd = g.filterHeight * g.filterWidth * g.inChannels;
      const n = g.outChannels;
      const pixels = g.outHeight * g.outWidth;
      if (pixels === 0 || g.batch === 0) {
        dFilter.fill(0);
        return;
      }
      const inSize = kind === F64 ? 8 : 4;
      const outSize = kind === F32 ? 4 : 8;
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      let geo = 0,
        xAt = 0,
        dyAt = 0,
        pAt = 0,
        accAt = 0,
        images = 0,
        rows = 0;
      const work = g.batch * pixels * kd * n;
      if (onThisThread(work) && density(dy) < SPARSE_FILTER_DENSITY && sparseFilterGradient(w, arena, kind, g, x, dy, dFilter)) return;
      const partial: number[] = [];
      const p = place(kind, work, true, (mem, parts) => {
        rows = chunkRows(parts, (kd + n) * inSize, g.batch * pixels);
        images = Math.max(1, Math.min(g.batch, Math.floor(rows / pixels)));
        rows = Math.min(rows, images * pixels);
        geo = mem.take(GEOMETRY_BYTES);
        xAt = mem.take(images * imageElements * inSize);
        dyAt = mem.take(images * pixels * n * inSize);
        pAt = mem.take(rows * kd * inSize);
        accAt = mem.take(kd * n * 8);
        partial.length = 0;
        for (let t = 0; t < parts; t++) partial.push(mem.take(kd * n * outSize));
      });
      if (!p) {
        if (!directFilterGradient(kind, g, x, dy, dFilter)) fallback.conv2dBackpropFilter(x, dy, dFilter, g);
        return;
      }
      writeGeometry(p.mem, geo, g);
      p.mem.f64.fill(0, accAt / 8, accAt / 8 + kd * n);
      const im2col = kind === F64 ? p.x.im2colF64 : p.x.im2colF32;
      const accumulate = kind === F32 ? p.x.accumulateF32 : p.x.accumulateF64;
      const pads = readsPadding(g);
      const finite = kind === F64 ? p.x.allFiniteF64 : p.x.allFiniteF32;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        const view = floatView(p.mem, inSize);
        view.set(x.subarray(b0 * imageElements, (b0 + count) * imageElements), xAt / inSize);
        view.set(dy.subarray(b0 * pixels * n, (b0 + count) * pixels * n), dyAt / inSize);
        if (pads && !finite(dyAt, count * pixels * n)) return fallback.conv2dBackpropFilter(x, dy, dFilter, g);
        const total = count * pixels;
        for (let r0 = 0; r0 < total; r0 += rows) {
          const m = Math.min(rows, total - r0);
          im2col(xAt, geo, r0, m, pAt);
          // Each part sums its own pixels: Pᵀ (kd × pixels; op(A)(i, q) = P[q, i], at q·kd + i) · dy rows (pixels × n).
          const ranges = split(m, p.parts, 8);
          const jobs = ranges.map(([s, e], t) => [pAt + s * kd * inSize, dyAt + (r0 + s) * n * inSize, partial[t], kd, e - s, n, 1, kd, 1, n, n]);
          run(p, kind, jobs);
          for (let t = 0; t < ranges.length; t++) accumulate(accAt, partial[t], kd * n);
        }
      }
      if (kind !== F64) p.x.demoteF64(accAt, kd * n);
      const start = accAt / inSize;
      dFilter.set(floatView(p.mem, inSize).subarray(start, start + kd * n));
    },

    maxPool(x, out, argMax, g) {
      const type = floatTypeOf(x, out);
      if (type === null || !boxWindows(g)) return fallback.maxPool(x, out, argMax, g);
      if (out.length === 0) return;
      const size = type === 'F32' ? 4 : 8;
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      const outElements = g.outHeight * g.outWidth * g.inChannels;
      const images = Math.max(1, Math.min(g.batch, Math.floor(POOL_BYTES / (imageElements * size))));
      arena.reset();
      const geo = arena.take(GEOMETRY_BYTES);
      const xAt = arena.take(images * imageElements * size);
      const outAt = arena.take(images * outElements * size);
      const argAt = arena.take(argMax ? images * outElements * 4 : 0);
      if (!arena.commit()) return fallback.maxPool(x, out, argMax, g);
      writeGeometry(arena, geo, g);
      const pool = type === 'F32' ? w.maxPoolF32 : w.maxPoolF64;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        const view = floatView(arena, size);
        view.set(x.subarray(b0 * imageElements, (b0 + count) * imageElements), xAt / size);
        pool(xAt, outAt, argAt, argMax !== null, geo, count, b0 * imageElements);
        out.set(floatView(arena, size).subarray(outAt / size, outAt / size + count * outElements), b0 * outElements);
        if (argMax) argMax.set(arena.i32.subarray(argAt / 4, argAt / 4 + count * outElements), b0 * outElements);
      }
    },

    maxPoolBackprop(dy, argMax, dx, g) {
      const type = floatTypeOf(dy, dx);
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      const outElements = g.outHeight * g.outWidth * g.inChannels;
      // Argument indices outside the batch, or arrays of other lengths, are the reference's business.
      if (type === null || argMax.length !== dy.length || dy.length !== g.batch * outElements || dx.length !== g.batch * imageElements) {
        return fallback.maxPoolBackprop(dy, argMax, dx, g);
      }
      if (dx.length === 0) return;
      if (dy.length === 0) {
        dx.fill(0);
        return;
      }
      const size = type === 'F32' ? 4 : 8;
      const images = Math.max(1, Math.min(g.batch, Math.floor(POOL_BYTES / (imageElements * 8))));
      arena.reset();
      const dyAt = arena.take(images * outElements * size);
      const argAt = arena.take(images * outElements * 4);
      const accAt = arena.take(images * imageElements * 8);
      const markAt = arena.take(images * imageElements);
      if (!arena.commit()) return fallback.maxPoolBackprop(dy, argMax, dx, g);
      const scatter = type === 'F32' ? w.maxPoolBackpropF32 : w.maxPoolBackpropF64;
      const once = type === 'F32' ? w.maxPoolScatterOnceF32 : w.maxPoolScatterOnceF64;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        floatView(arena, size).set(dy.subarray(b0 * outElements, (b0 + count) * outElements), dyAt / size);
        arena.i32.set(argMax.subarray(b0 * outElements, (b0 + count) * outElements), argAt / 4);
        // One dy per element (disjoint windows): written as it is, in dx's type.
        if (once(dyAt, argAt, count * outElements, accAt, markAt, b0 * imageElements, count * imageElements, 0)) {
          dx.set(floatView(arena, size).subarray(accAt / size, accAt / size + count * imageElements), b0 * imageElements);
          continue;
        }
        arena.f64.fill(0, accAt / 8, accAt / 8 + count * imageElements);
        // An index outside these images is no maxPool argMax of theirs: the reference gives its meaning.
        if (!scatter(dyAt, argAt, count * outElements, accAt, b0 * imageElements, count * imageElements)) {
          return fallback.maxPoolBackprop(dy, argMax, dx, g);
        }
        if (size === 4) w.demoteF64(accAt, count * imageElements);
        dx.set(floatView(arena, size).subarray(accAt / size, accAt / size + count * imageElements), b0 * imageElements);
      }
    },

    avgPool(x, out, g) {
      const type = floatTypeOf(x, out);
      if (type === null || !boxWindows(g)) return fallback.avgPool(x, out, g);
      if (out.length === 0) return;
      const size = type === 'F32' ? 4 : 8;
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      const outElements = g.outHeight * g.outWidth * g.inChannels;
      const images = Math.max(1, Math.min(g.batch, Math.floor(POOL_BYTES / (imageElements * size))));
      arena.reset();
      const geo = arena.take(GEOMETRY_BYTES);
      const row = arena.take(g.inChannels * 8);
      const xAt = arena.take(images * imageElements * size);
      const outAt = arena.take(images * outElements * size);
      if (!arena.commit()) return fallback.avgPool(x, out, g);
      writeGeometry(arena, geo, g);
      const pool = type === 'F32' ? w.avgPoolF32 : w.avgPoolF64;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        floatView(arena, size).set(x.subarray(b0 * imageElements, (b0 + count) * imageElements), xAt / size);
        pool(xAt, outAt, geo, count, row);
        out.set(floatView(arena, size).subarray(outAt / size, outAt / size + count * outElements), b0 * outElements);
      }
    },

    avgPoolBackprop(dy, dx, g) {
      const type = floatTypeOf(dy, dx);
      if (type === null || !boxWindows(g)) return fallback.avgPoolBackprop(dy, dx, g);
      if (dx.length === 0) return;
      const size = type === 'F32' ? 4 : 8;
      const imageElements = g.inHeight * g.inWidth * g.inChannels;
      const outElements = g.outHeight * g.outWidth * g.inChannels;
      const images = Math.max(1, Math.min(g.batch, Math.floor(POOL_BYTES / (imageElements * 8))));
      arena.reset();
      const geo = arena.take(GEOMETRY_BYTES);
      const row = arena.take(g.inChannels * 8);
      const dyAt = arena.take(images * outElements * size);
      const accAt = arena.take(images * imageElements * 8);
      if (!arena.commit()) return fallback.avgPoolBackprop(dy, dx, g);
      writeGeometry(arena, geo, g);
      const spread = type === 'F32' ? w.avgPoolBackpropF32 : w.avgPoolBackpropF64;
      for (let b0 = 0; b0 < g.batch; b0 += images) {
        const count = Math.min(images, g.batch - b0);
        floatView(arena, size).set(dy.subarray(b0 * outElements, (b0 + count) * outElements), dyAt / size);
        arena.f64.fill(0, accAt / 8, accAt / 8 + count * imageElements);
        spread(dyAt, accAt, geo, count, row);
        if (size === 4) w.demoteF64(accAt, count * imageElements);
        dx.set(floatView(arena, size).subarray(accAt / size, accAt / size + count * imageElements), b0 * imageElements);
      }
    },
  };
  return set;
}
