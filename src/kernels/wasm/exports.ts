type MatMul = (
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  ars: number,
  aps: number,
  brs: number,
  bps: number,
  ldc: number,
  packA: number,
  packB: number,
  edge: number,
) => void;

/** The matrix products (assembly/matmul-*.ts), in the kernel module and alone in the threads module. */
export interface MatMulExports {
  heapBase(): number;
  /** Packing block sizes and edge-tile size (elements). */
  readonly KC_F32: WebAssembly.Global;
  readonly MC_F32: WebAssembly.Global;
  readonly NC_F32: WebAssembly.Global;
  readonly EDGE_F32: WebAssembly.Global;
  readonly KC_F64: WebAssembly.Global;
  readonly MC_F64: WebAssembly.Global;
  readonly NC_F64: WebAssembly.Global;
  readonly EDGE_F64: WebAssembly.Global;
  matMulF32: MatMul;
  matMulF32Wide: MatMul;
  matMulF64: MatMul;
}

/** The softmax family (assembly/softmax-*.ts), in the kernel module and in the threads module. */
export interface SoftmaxExports {
  softmaxF32(x: number, out: number, rows: number, n: number, e: number): void;
  softmaxF64(x: number, out: number, rows: number, n: number, e: number): void;
  logSoftmaxF32(x: number, out: number, rows: number, n: number): void;
  logSoftmaxF64(x: number, out: number, rows: number, n: number): void;
  /** The cross-entropies take gScale: the byte offset of the float64 that multiplies dx. */
  softmaxCrossEntropyF32(x: number, y: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  softmaxCrossEntropyF64(x: number, y: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  sparseSoftmaxCrossEntropyF32(x: number, ids: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  sparseSoftmaxCrossEntropyF64(x: number, ids: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
}

/**
 * The convolutions' patch copies (assembly/conv.ts), in the kernel module and in the threads module (the calling
 * thread runs them on the shared memory around the threads' products). `g` points at the 15 int32 of a
 * Conv2dGeometry, in its order; rows count output pixels from the first image at x (or acc).
 */
export interface ConvExports {
  im2colF32(x: number, g: number, r0: number, rows: number, dst: number): void;
  im2colF64(x: number, g: number, r0: number, rows: number, dst: number): void;
  col2imF32(dp: number, acc: number, g: number, r0: number, rows: number): void;
  col2imF64(dp: number, acc: number, g: number, r0: number, rows: number): void;
  /** acc (float64) += src (float32 or float64), n elements. */
  accumulateF32(acc: number, src: number, n: number): void;
  accumulateF64(acc: number, src: number, n: number): void;
  /** Rounds n float64 at p to float32 in place (written from p on). */
  demoteF64(p: number, n: number): void;
  /** 1 (true) when the n values at p are all finite. */
  allFiniteF32(p: number, n: number): number;
  allFiniteF64(p: number, n: number): number;
  /** 1 when one of the n values at p is NaN. */
  anyNaNF32(p: number, n: number): number;
  anyNaNF64(p: number, n: number): number;
}

/**
 * The direct (implicit GEMM) convolutions (assembly/conv.ts), in the kernel module. `d` points at the direct block
 * (12 int32: padded height and width, channels, output height and width, strides, filter height and width,
 * dilations, output channels).
 */
export interface DirectConvExports {
  /** Zero-padded (and widened) copies of `images` images h × w × c into hp × wp, pixel (y, x) at (y + top, x + left). */
  padF32(src: number, images: number, h: number, w: number, c: number, dst: number, hp: number, wp: number, top: number, left: number): void;
  padF32Wide(src: number, images: number, h: number, w: number, c: number, dst: number, hp: number, wp: number, top: number, left: number): void;
  padF64(src: number, images: number, h: number, w: number, c: number, dst: number, hp: number, wp: number, top: number, left: number): void;
  /** A filter [fh, fw, c, k] in panels of output channels (8 float32, or 4 float64); `flip` of [1, 1, c, k] packs its transpose. */
  packFilterF32(f: number, fh: number, fw: number, c: number, k: number, flip: boolean, dst: number): void;
  packFilterF32Wide(f: number, fh: number, fw: number, c: number, k: number, flip: boolean, dst: number): void;
  packFilterF64(f: number, fh: number, fw: number, c: number, k: number, flip: boolean, dst: number): void;
  /** Byte offsets of output pixels [r0, r0 + rows)' first taps in the padded images (int32 each). */
  pixelOffsets(d: number, r0: number, rows: number, size: number, ptrs: number): void;
  /** Byte offsets of the taps from a pixel's first (int32 each). */
  tapOffsets(d: number, size: number, taps: number): void;
  /** out rows = taps · packed filter: float32 sums, float64 sums rounded to float32, float64. */
  directF32(src: number, d: number, ptrs: number, rows: number, packed: number, out: number, edge: number): void;
  directF32Wide(src: number, d: number, ptrs: number, rows: number, packed: number, out: number, edge: number): void;
  directF64(src: number, d: number, ptrs: number, rows: number, packed: number, out: number, edge: number): void;
  /** acc (dFilter) += the filter gradient of `pixels` pixels: float32, or float64 taps, dy and sums. */
  gradDirectF32(src: number, d: number, ptrs: number, pixels: number, taps: number, dy: number, acc: number, edge: number): void;
  gradDirectF64(src: number, d: number, ptrs: number, pixels: number, taps: number, dy: number, acc: number, edge: number): void;
  /** acc (float64) += the filter gradient of nine-tap windows (3 rows of 3 adjacent taps, even channels): float64
   * taps, float32 or float64 dy; false, with nothing done, for other shapes. */
  gradNineF32Wide(src: number, d: number, ptrs: number, pixels: number, dy: number, acc: number): number;
  gradNineF64(src: number, d: number, ptrs: number, pixels: number, dy: number, acc: number): number;
}

/** The pools (assembly/conv.ts), in the kernel module; argMax indices are offset by indexBase. */
export interface PoolExports {
  maxPoolF32(x: number, out: number, argMax: number, withArg: boolean, g: number, images: number, indexBase: number): void;
  maxPoolF64(x: number, out: number, argMax: number, withArg: boolean, g: number, images: number, indexBase: number): void;
  /** acc (float64) += dy at argMax − lo; 0 (false) at an index outside [lo, lo + length). */
  /** out[argMax[o] − lo] ·= relu's step of pooled[o] for n outputs (the pool gradient's reluGrad at the maxima). */
  maskAtMaximaF32(out: number, argMax: number, pooled: number, n: number, lo: number): void;
  maskAtMaximaF64(out: number, argMax: number, pooled: number, n: number, lo: number): void;
  maxPoolBackpropF32(dy: number, argMax: number, n: number, acc: number, lo: number, length: number): number;
  maxPoolBackpropF64(dy: number, argMax: number, n: number, acc: number, lo: number, length: number): number;
  /** out (float32 or float64, zeroed first) = dy at argMax − lo; 0 (false) at a second value for one element or an index outside [lo, lo + length). `mark`: length bytes. */
  maxPoolScatterOnceF32(dy: number, argMax: number, n: number, out: number, mark: number, lo: number, length: number, pooled: number): number;
  maxPoolScatterOnceF64(dy: number, argMax: number, n: number, out: number, mark: number, lo: number, length: number, pooled: number): number;
  /** `row`: scratch for inChannels float64. */
  avgPoolF32(x: number, out: number, g: number, images: number, row: number): void;
  avgPoolF64(x: number, out: number, g: number, images: number, row: number): void;
  /** acc: float64 images. */
  avgPoolBackpropF32(dy: number, acc: number, g: number, images: number, row: number): void;
  avgPoolBackpropF64(dy: number, acc: number, g: number, images: number, row: number): void;
}

/**
 * The convolution gradients over dy's nonzero values (assembly/conv-sparse.ts), in the kernel module. Kinds: 0
 * float32 data and sums, 1 float32 data and float64 sums, 2 float64. Values listed are in the sum type.
 */
export interface SparseConvExports {
  /** Row r's nonzero values: entries [start[r], start[r + 1]) of index (channel) and value; returns their count. */
  compressRows(kind: number, src: number, rows: number, n: number, start: number, index: number, value: number): number;
  /** Channel k's nonzero values: entries [start[k], start[k + 1]) of tag (tags[row]) and value (room for rows · n + 1); `cursor`: n int32 of scratch. */
  compressColumns(kind: number, src: number, rows: number, n: number, tags: number, start: number, cursor: number, tag: number, value: number): number;
  /** The filter [kd, n] transposed into blocks of 32 (kind 0) or 16 columns, zero-padded, in the sum type. */
  packTransposedBlocks(kind: number, filter: number, kd: number, n: number, dst: number): void;
  /** dp rows (kd each) = the listed rows · the packed transposed filter. */
  rowsTimesBlocks(
    kind: number,
    rows: number,
    start: number,
    index: number,
    value: number,
    n: number,
    packed: number,
    kd: number,
    dp: number,
    edge: number,
  ): void;
  /** accT [n, depth] += Σ over each channel's listed pixels (tags: their first taps' byte offsets) of value · their taps in the padded images at src. */
  columnsTimesTaps(kind: number, src: number, taps: number, depth: number, n: number, start: number, tag: number, value: number, accT: number): void;
  /** dst [m, n] = the transpose of n rows of m float64 sums at src (row stride ld), rounded to float32 when f32. */
  transposeSums(src: number, n: number, m: number, ld: number, dst: number, f32: boolean): void;
}

/**
 * An image's first layer's filter and bias gradients through relu and a 2 × 2 max pool, from the pool's gradient
 * (assembly/conv-pooled.ts): dy, argMax and pooled of the chunk (F32: float32 values), their sums added into
 * `sums` (POOLED_NINE_SLOTS float64 per channel) and the compensated bias sums s, e. False at an index outside its window.
 */
export interface PooledNineExports {
  readonly POOLED_NINE_SLOTS: WebAssembly.Global;
  pooledNineF32(...args: PooledNineArgs): number;
  pooledNineF64(...args: PooledNineArgs): number;
}

/** dy, argMax, pooled, pool geometry, images, lo, padded images, ptrs, rowStep, counts, tag, value, sums, s, e. */
type PooledNineArgs = [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/** What the threads module (assembly/threads.ts) exports. */
export interface ThreadExports extends MatMulExports, SoftmaxExports, ConvExports {}

/** The functions the kernel module exports; pointers are byte offsets into `memory`. */
export interface KernelExports extends MatMulExports, SoftmaxExports, ConvExports, DirectConvExports, SparseConvExports, PooledNineExports, PoolExports {
  readonly memory: WebAssembly.Memory;
  /** 1 in the relaxed-SIMD build (products and sums rounded once), else 0. */
  readonly FUSED_MULTIPLY_ADD: WebAssembly.Global;
  heapBase(): number;

  binaryF32(op: number, a: number, b: number, out: number, rows: number, c: number, bRow: boolean, swap: boolean): void;
  binaryF64(op: number, a: number, b: number, out: number, rows: number, c: number, bRow: boolean, swap: boolean): void;
  binaryPerRowF32(op: number, a: number, b: number, out: number, rows: number, c: number, swap: boolean): void;
  binaryPerRowF64(op: number, a: number, b: number, out: number, rows: number, c: number, swap: boolean): void;
  reluF32(x: number, out: number, n: number, step: boolean): void;
  reluF64(x: number, out: number, n: number, step: boolean): void;
  biasReluF32(x: number, bias: number, out: number, rows: number, c: number): void;
  biasReluF64(x: number, bias: number, out: number, rows: number, c: number): void;
  reluGradF32(dy: number, y: number, out: number, n: number): void;
  reluGradF64(dy: number, y: number, out: number, n: number): void;

  sumColumnsF32(x: number, rows: number, inner: number, s: number, c: number): void;
  sumColumnsF64(x: number, rows: number, inner: number, s: number, c: number): void;
  finishColumns(s: number, c: number, inner: number, out: number, f32: boolean): void;
  sumRowsF32(x: number, rows: number, n: number, out: number): void;
  sumRowsF64(x: number, rows: number, n: number, out: number): void;

  adamSetup(beta1: number, beta2: number, c1: number, c2: number, epsilon: number, stepSize: number, invBc2Sqrt: number, keep: number, l2: number): void;
  adamF32(p: number, g: number, m: number, v: number, n: number): void;
  adamF64(p: number, g: number, m: number, v: number, n: number): void;
}
