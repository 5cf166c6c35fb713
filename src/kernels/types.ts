import type { TypedArray } from '../tensor/dtype.js';

/**
 * The kernel boundary: raw loops over TypedArrays, nothing about Tensor or autograd.
 * Ops validate arguments and compute shapes, then call one of these. A faster kernel set
 * (WebAssembly, workers) implements the same interface and passes the same spec suite.
 *
 * Conventions:
 * - Outputs are preallocated by the caller. The outputs of unary, binary, slice and matMul may hold stale values
 *   (the ops take them unzeroed, from the training loop's recycler): those kernels write every element.
 * - A Float32Array output rounds once from the float64 value
 *   computed in JS numbers, so float32 results are rounded a single time.
 * - "Along an axis" kernels see a tensor as (outer, n, inner): element (o, i, j) sits at
 *   o * n * inner + i * inner + j. The axis has length n and stride inner.
 */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'log1p'
  | 'square'
  | 'sqrt'
  | 'abs'
  | 'sign'
  | 'step'
  | 'relu'
  | 'sigmoid'
  | 'softplus'
  | 'logSigmoid'
  | 'tanh'
  | 'reciprocal'
  | 'isFinite'
  | 'isNaN';

export type BinaryOp =
  'add' | 'sub' | 'mul' | 'div' | 'floorDiv' | 'pow' | 'maximum' | 'minimum' | 'equal' | 'notEqual' | 'greater' | 'greaterEqual' | 'less' | 'lessEqual';

/** The constants of one Adam step (src/kernels/ts/optimizer.ts has the formula). */
export interface AdamStep {
  readonly learningRate: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  /** Bias corrections 1 − β1^t and 1 − β2^t. */
  readonly bc1: number;
  readonly bc2: number;
  /** L2 penalty added to the gradient (Adam's weightDecay); 0 for none. */
  readonly l2: number;
  /** Decoupled decay learningRate·weightDecay (AdamW); 0 for none. */
  readonly decay: number;
}

export type ReduceOp = 'sum' | 'max' | 'min' | 'logSumExp';

/**
 * The geometry of a 2-D convolution or pooling window over channels-last (NHWC) data, as TensorFlow lays it out.
 * The op has resolved the padding: output pixel (oy, ox) reads input rows oy·strideHeight − padTop +
 * fy·dilationHeight (fy < filterHeight), likewise columns; reads outside the input are zeros (convolution) or
 * skipped (pooling). For pools, outChannels = inChannels and dilations are 1.
 */
export interface Conv2dGeometry {
  readonly batch: number;
  readonly inHeight: number;
  readonly inWidth: number;
  readonly inChannels: number;
  readonly outHeight: number;
  readonly outWidth: number;
  readonly outChannels: number;
  readonly filterHeight: number;
  readonly filterWidth: number;
  readonly strideHeight: number;
  readonly strideWidth: number;
  readonly dilationHeight: number;
  readonly dilationWidth: number;
  readonly padTop: number;
  readonly padLeft: number;
}

export interface Kernels {
  readonly name: string;
  /** Threads the set's big kernels run on (the caller's and its workers); absent means 1. */
  readonly threads?: number;

  unary(op: UnaryOp, x: TypedArray, out: TypedArray): void;
  /**
   * A biased layer's relu in one pass: out[i] = relu(x[i] + bias[i mod bias.length]), the sum rounded to out's type
   * before the relu (the bits of add then relu; NaN stays NaN). One float type; x.length a multiple of bias.length.
   */
  biasRelu(x: TypedArray, bias: TypedArray, out: TypedArray): void;
  /** relu's gradient from relu's output y in one pass: out[i] = dy[i] · step(y[i]) (y > 0 exactly where relu's input was). */
  reluGrad(dy: TypedArray, y: TypedArray, out: TypedArray): void;
  /** Element-wise with NumPy broadcasting of aShape and bShape to outShape. */
  binary(op: BinaryOp, a: TypedArray, aShape: readonly number[], b: TypedArray, bShape: readonly number[], out: TypedArray, outShape: readonly number[]): void;
  /** out[i] = cond[i] != 0 ? a[i] : b[i]; all the same length (the op broadcasts first). */
  select(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray): void;
  /** Copies x into out converting the element type (int32 targets truncate toward zero). */
  cast(x: TypedArray, out: TypedArray): void;
  /** Repeats x (shape xShape, broadcastable) into out of shape outShape. */
  broadcastTo(x: TypedArray, xShape: readonly number[], out: TypedArray, outShape: readonly number[]): void;

  /** Reduces the middle axis of (outer, n, inner) into out of length outer * inner. Sums are compensated. */
  reduce(op: ReduceOp, x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /** Index of the first maximum (or minimum) along the middle axis; NaN counts as the extreme. */
  argReduce(op: 'argMax' | 'argMin', x: TypedArray, outer: number, n: number, inner: number, out: Int32Array): void;
  /** The k largest of each contiguous row of length n, sorted descending; ties keep the lower index first. */
  topK(x: TypedArray, rows: number, n: number, k: number, values: TypedArray, indices: Int32Array): void;

  /**
   * Batched matrix product: out[b] = op(A[b]) · op(B[b]), op = transpose when the flag is set.
   * A[b] starts at b * aBatchStride (0 shares one matrix across the batch), likewise B.
   * Shapes after the transposes: (m × k) · (k × n) = (m × n). Sums accumulate in float64.
   */
  matMul(
    a: TypedArray,
    b: TypedArray,
    out: TypedArray,
    batch: number,
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
    aBatchStride: number,
    bBatchStride: number,
  ): void;

  transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void;
  /** Copies the box starting at `begin` with extent `size` out of x (shape `shape`). */
  slice(x: TypedArray, shape: readonly number[], begin: readonly number[], size: readonly number[], out: TypedArray): void;
  /**
   * Concatenation along the middle axis: part p is (outer, n_p, inner) and lands at axis offset
   * sum of earlier n's in out of shape (outer, Σ n_p, inner).
   */
  concat(parts: readonly TypedArray[], ns: readonly number[], outer: number, inner: number, out: TypedArray): void;
  /** out(o, i, j) = x(o, indices[i], j); indices were validated by the op. */
  gather(x: TypedArray, outer: number, n: number, inner: number, indices: Int32Array, out: TypedArray): void;
  /** Adds dy(o, i, j) into out(o, indices[i], j): the gradient of gather. */
  scatterAdd(dy: TypedArray, outer: number, n: number, inner: number, indices: Int32Array, out: TypedArray): void;
  oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number, out: TypedArray): void;

  /** Softmax along the middle axis (subtract the max, exact-difference exponentials, compensated sum). */
  softmax(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  logSoftmax(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  /**
   * Cross-entropy with logits and soft labels along the middle axis, fused: per-(outer, inner) loss
   * Σ_i y_i (logSumExp(z) − z_i), and when dLogits is given, in the same pass the gradient
   * (Σ_i y_i)·softmax(z) − y (= softmax − labels for labels that sum to 1), times gradScale (default 1):
   * an upstream gradient that is one number (1/N of a mean) folded into the write, rounded once.
   */
  softmaxCrossEntropy(
    logits: TypedArray,
    labels: TypedArray,
    outer: number,
    n: number,
    inner: number,
    loss: TypedArray,
    dLogits: TypedArray | null,
    gradScale?: number,
  ): void;
  /** Sparse form: rows of length n, class ids validated by the op; dLogits = (softmax − onehot(id))·gradScale. */
  sparseSoftmaxCrossEntropy(
    logits: TypedArray,
    ids: Int32Array,
    rows: number,
    n: number,
    loss: TypedArray,
    dLogits: TypedArray | null,
    gradScale?: number,
  ): void;
  /**
   * Element-wise sigmoid cross-entropy with logits x, labels z and positive weight q (same length, or null for 1; TensorFlow's
   * weighted form; q = 1 is the plain one): (1 − z)·x + (1 + (q − 1)·z)·(log1p(exp(−|x|)) + max(−x, 0)).
   * Gradients to logits and labels are written when their buffers are given.
   */
  sigmoidCrossEntropy(
    logits: TypedArray,
    labels: TypedArray,
    posWeight: TypedArray | null,
    loss: TypedArray,
    dLogits: TypedArray | null,
    dLabels: TypedArray | null,
  ): void;

  /**
   * 2-D convolution (cross-correlation, as every framework): x [batch, inHeight, inWidth, inChannels], filter
   * [filterHeight, filterWidth, inChannels, outChannels] (TensorFlow's HWIO), out [batch, outHeight, outWidth,
   * outChannels], written entirely (it may hold stale values). Float32 sums accumulate as matMul's do.
   */
  conv2d(x: TypedArray, filter: TypedArray, out: TypedArray, g: Conv2dGeometry): void;
  /**
   * A hidden convolution layer with a bias and relu: out = biasRelu(conv2d(x, filter), bias), the bits of conv2d then
   * biasRelu (bias: outChannels values), in one call so that a set can apply the bias and relu while the output is
   * still in its cache.
   */
  conv2dBiasRelu(x: TypedArray, filter: TypedArray, bias: TypedArray, out: TypedArray, g: Conv2dGeometry): void;
  /** The gradient of conv2d with respect to x: dy [batch, outHeight, outWidth, outChannels] → dx (written entirely). */
  conv2dBackpropInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, g: Conv2dGeometry): void;
  /** The gradient of conv2d with respect to the filter: x and dy → dFilter [fh, fw, inChannels, outChannels] (written entirely). */
  conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, g: Conv2dGeometry): void;
  /**
   * Max pooling over each window's in-bounds elements: out [batch, outHeight, outWidth, channels] (written entirely);
   * when `argMax` is given (same length as out) it receives, per output, the flat index into x of the element
   * taken: the first maximum in window order (row-major), a NaN counting as the maximum (it propagates).
   */
  maxPool(x: TypedArray, out: TypedArray, argMax: Int32Array | null, g: Conv2dGeometry): void;
  /** The gradient of maxPool: dx (written entirely, zeros first) receives dy[i] at argMax[i], summed where windows overlap. */
  maxPoolBackprop(dy: TypedArray, argMax: Int32Array, dx: TypedArray, g: Conv2dGeometry): void;
  /**
   * The gradient through a max pool into the relu output y it pooled (a hidden convolution layer's): dx =
   * reluGrad(maxPoolBackprop(dy), y), and biasGrad [channels] = dx's column sums (the layer's bias gradient), the
   * bits of those calls and reduce('sum', dx, 1, rows, channels); in one call so that a set can do it in one pass,
   * never writing the pool's gradient out.
   */
  maxPoolBackpropRelu(dy: TypedArray, argMax: Int32Array, y: TypedArray, dx: TypedArray, biasGrad: TypedArray, g: Conv2dGeometry): void;
  /**
   * maxPoolBackpropRelu for a y the set did not write out (see conv2dBiasReluMaxPool), which has no NaN: relu's step
   * at a maximum is that of its pooled value (pooled, the pool's output), and dx is +0 everywhere else.
   */
  maxPoolBackpropReluPooled(dy: TypedArray, argMax: Int32Array, pooled: TypedArray, dx: TypedArray, biasGrad: TypedArray, g: Conv2dGeometry): void;
  /**
   * A hidden convolution layer with a bias and relu followed by a max pool (g the convolution's geometry, pool the
   * pool's over its output): pooled and argMax (may be null) as conv2dBiasRelu into y then maxPool of y give them.
   * Returns true when y holds that output; a set may instead keep it to itself (never leaving its memory) when it has
   * no NaN, and return false: the gradient then comes from maxPoolBackpropReluPooled.
   */
  /**
   * The filter and bias gradients of conv2dBiasReluMaxPool where x needs none (an image's first layer) and the set
   * kept y (conv2dBiasReluMaxPool returned false): dz = maxPoolBackpropReluPooled(dy, argMax, pooled) into the
   * scratch dz (a set may leave it unwritten, keeping dz in its own memory), dFilter = conv2dBackpropFilter(x, dz)
   * and biasGrad = dz's column sums, the bits of those calls (g the convolution's geometry, pool the pool's).
   */
  maxPoolReluFilterGradient(
    dy: TypedArray,
    argMax: Int32Array,
    pooled: TypedArray,
    x: TypedArray,
    dz: TypedArray,
    dFilter: TypedArray,
    biasGrad: TypedArray,
    g: Conv2dGeometry,
    pool: Conv2dGeometry,
  ): void;
  conv2dBiasReluMaxPool(
    x: TypedArray,
    filter: TypedArray,
    bias: TypedArray,
    y: TypedArray,
    pooled: TypedArray,
    argMax: Int32Array | null,
    g: Conv2dGeometry,
    pool: Conv2dGeometry,
  ): boolean;
  /** Average pooling: the mean of each window's in-bounds elements (padding is not counted, as TensorFlow). */
  avgPool(x: TypedArray, out: TypedArray, g: Conv2dGeometry): void;
  /** The gradient of avgPool: dx (written entirely) receives each dy spread evenly over its window's in-bounds elements. */
  avgPoolBackprop(dy: TypedArray, dx: TypedArray, g: Conv2dGeometry): void;

  /**
   * Adam's update of one parameter: m and v in place, the new parameter into `out` (which may be p:
   * training updates in place). All four arrays have p's length and type.
   */
  adamUpdate(p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, out: TypedArray, step: AdamStep): void;
}

/** The names of the Kernels interface's functions. */
export type KernelFunctionName = { [K in keyof Kernels]-?: NonNullable<Kernels[K]> extends (...args: never[]) => unknown ? K : never }[keyof Kernels];

/** Every kernel function a set must have (setKernels checks them); the compiler rejects this list if one is missing. */
export const KERNEL_FUNCTIONS = [
  'unary',
  'biasRelu',
  'reluGrad',
  'binary',
  'select',
  'cast',
  'broadcastTo',
  'reduce',
  'argReduce',
  'topK',
  'matMul',
  'transpose',
  'slice',
  'concat',
  'gather',
  'scatterAdd',
  'oneHot',
  'softmax',
  'logSoftmax',
  'softmaxCrossEntropy',
  'sparseSoftmaxCrossEntropy',
  'sigmoidCrossEntropy',
  'conv2d',
  'conv2dBiasRelu',
  'conv2dBackpropInput',
  'conv2dBackpropFilter',
  'maxPool',
  'maxPoolBackprop',
  'maxPoolBackpropRelu',
  'maxPoolBackpropReluPooled',
  'conv2dBiasReluMaxPool',
  'maxPoolReluFilterGradient',
  'avgPool',
  'avgPoolBackprop',
  'adamUpdate',
] as const satisfies readonly KernelFunctionName[];

// A compile error here names a kernel function missing from KERNEL_FUNCTIONS.
const everyFunctionListed: Record<Exclude<KernelFunctionName, (typeof KERNEL_FUNCTIONS)[number]>, never> = {};
void everyFunctionListed;
