import type { TypedArray } from '../../tensor/dtype.js';
import { stridesOf } from '../../tensor/shape.js';
import type { BinaryOp, UnaryOp } from '../types.js';

/** log(1 + e^−|x|), the shared tail of softplus, logSigmoid and sigmoid cross-entropy. */
export function log1pExpNegAbs(x: number): number {
  return Math.log1p(Math.exp(-Math.abs(x)));
}

export function sigmoidScalar(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  square: (x) => x * x,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x),
  step: (x) => (x > 0 ? 1 : x !== x ? x : 0),
  relu: (x) => (x > 0 ? x : x !== x ? x : 0),
  sigmoid: sigmoidScalar,
  softplus: (x) => Math.max(x, 0) + log1pExpNegAbs(x),
  logSigmoid: (x) => Math.min(x, 0) - log1pExpNegAbs(x),
  tanh: Math.tanh,
  reciprocal: (x) => 1 / x,
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
  isNaN: (x) => (x !== x ? 1 : 0),
};

export function unary(op: UnaryOp, x: TypedArray, out: TypedArray): void {
  const n = x.length;
  switch (op) {
    // The hot ones get their own loop so the call is not megamorphic.
    case 'relu':
      for (let i = 0; i < n; i++) {
        const v = x[i];
        out[i] = v > 0 ? v : v !== v ? v : 0;
      }
      return;
    case 'exp':
      for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]);
      return;
    case 'neg':
      for (let i = 0; i < n; i++) out[i] = -x[i];
      return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < n; i++) out[i] = f(x[i]);
    }
  }
}

function intDivFloor(a: number, b: number): number {
  return Math.floor(a / b);
}

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  floorDiv: intDivFloor,
  pow: Math.pow,
  // NaN wins, as in TensorFlow and PyTorch: a NaN never hides behind max/min.
  maximum: (a, b) => (a !== a || b !== b ? NaN : a >= b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a <= b ? a : b),
  equal: (a, b) => (a === b ? 1 : 0),
  notEqual: (a, b) => (a !== b ? 1 : 0),
  greater: (a, b) => (a > b ? 1 : 0),
  greaterEqual: (a, b) => (a >= b ? 1 : 0),
  less: (a, b) => (a < b ? 1 : 0),
  lessEqual: (a, b) => (a <= b ? 1 : 0),
};

/** relu(x + bias) per element, bias repeated along the rows (the sum rounds when stored, as add's output would). */
export function biasRelu(x: TypedArray, bias: TypedArray, out: TypedArray): void {
  const cols = bias.length;
  if (out.length !== x.length || (cols === 0 ? x.length !== 0 : x.length % cols !== 0)) {
    throw new RangeError(`biasRelu: x and out must have one length, a multiple of bias's, got ${x.length}, ${out.length} and ${cols}`);
  }
  const relu = UNARY.relu;
  // int32 sums wrap before the relu, as add's output would.
  const wrap = out instanceof Int32Array;
  for (let at = 0; at < x.length; at += cols) {
    for (let j = 0; j < cols; j++) {
      // A sum of two float32 values is > 0 exactly when its float32 rounding is, so relu may look at the float64 sum.
      const v = x[at + j] + bias[j];
      out[at + j] = relu(wrap ? v | 0 : v);
    }
  }
}

/** relu's step of one value: 1 where it is > 0, NaN where it is NaN, else 0. */
export const reluStep = UNARY.step;

/** dy · step(y): 1 where y > 0, NaN where y is NaN, else 0. */
export function reluGrad(dy: TypedArray, y: TypedArray, out: TypedArray): void {
  const step = reluStep;
  for (let i = 0; i < dy.length; i++) out[i] = dy[i] * step(y[i]);
}

export function binary(
  op: BinaryOp,
  a: TypedArray,
  aShape: readonly number[],
  b: TypedArray,
  bShape: readonly number[],
  out: TypedArray,
  outShape: readonly number[],
): void {
  // int32 products must wrap like int32, not round through a float64 product.
  const f = op === 'mul' && out instanceof Int32Array ? Math.imul : BINARY[op];
  const n = out.length;
  if (a.length === n && b.length === n) {
    if (op === 'add') for (let i = 0; i < n; i++) out[i] = a[i] + b[i];
    else if (op === 'sub') for (let i = 0; i < n; i++) out[i] = a[i] - b[i];
    else if (op === 'mul' && f !== Math.imul) for (let i = 0; i < n; i++) out[i] = a[i] * b[i];
    else for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return;
  }
  if (b.length === 1) {
    const bv = b[0];
    if (a.length === n) {
      if (op === 'mul' && f !== Math.imul) for (let i = 0; i < n; i++) out[i] = a[i] * bv;
      else for (let i = 0; i < n; i++) out[i] = f(a[i], bv);
      return;
    }
  }
  if (a.length === 1 && b.length === n) {
    const av = a[0];
    for (let i = 0; i < n; i++) out[i] = f(av, b[i]);
    return;
  }
  // Leading-block broadcast, as in scaling each row by its own number (a loss gradient times dy): a is
  // (rows × inner), b is (rows) with trailing ones. One value of b per contiguous block of a.
  if (a.length === n && b.length > 0 && isLeading(bShape, outShape)) {
    const inner = n / b.length;
    for (let r = 0, base = 0; r < b.length; r++, base += inner) {
      const bv = b[r];
      if (op === 'mul' && f !== Math.imul) for (let j = 0; j < inner; j++) out[base + j] = a[base + j] * bv;
      else for (let j = 0; j < inner; j++) out[base + j] = f(a[base + j], bv);
    }
    return;
  }
  if (b.length === n && a.length > 0 && isLeading(aShape, outShape)) {
    const inner = n / a.length;
    for (let r = 0, base = 0; r < a.length; r++, base += inner) {
      const av = a[r];
      for (let j = 0; j < inner; j++) out[base + j] = f(av, b[base + j]);
    }
    return;
  }
  // Trailing-row broadcast, as in a bias add: a is (rows × c), b is (c).
  if (a.length === n && b.length > 0 && n % b.length === 0 && isTrailing(bShape, outShape)) {
    const c = b.length;
    for (let base = 0; base < n; base += c) {
      for (let j = 0; j < c; j++) out[base + j] = f(a[base + j], b[j]);
    }
    return;
  }
  broadcastLoop(f, a, aShape, b, bShape, out, outShape);
}

/** True when `shape`, aligned to `outShape`'s rank, equals it up to some axis and is all ones after it. */
function isLeading(shape: readonly number[], outShape: readonly number[]): boolean {
  const lead = outShape.length - shape.length;
  let last = -1;
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1) last = i + lead;
  for (let i = 0; i <= last; i++) {
    const d = i < lead ? 1 : shape[i - lead];
    if (d !== outShape[i]) return false;
  }
  return true;
}

/** True when `shape` equals the trailing dimensions of `outShape` (ignoring leading ones). */
function isTrailing(shape: readonly number[], outShape: readonly number[]): boolean {
  let s = shape.length;
  while (s > 0 && shape[0] === 1 && s > 1) {
    shape = shape.slice(1);
    s--;
  }
  for (let i = 1; i <= shape.length; i++) {
    if (shape[shape.length - i] !== outShape[outShape.length - i]) return false;
  }
  return true;
}

/** Strides of `shape` aligned to `outShape`, 0 on broadcast dimensions. */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const rank = outShape.length;
  const out = new Array<number>(rank).fill(0);
  for (let i = 0; i < shape.length; i++) {
    const o = rank - shape.length + i;
    out[o] = shape[i] === 1 ? 0 : own[i];
  }
  return out;
}

function broadcastLoop(
  f: (a: number, b: number) => number,
  a: TypedArray,
  aShape: readonly number[],
  b: TypedArray,
  bShape: readonly number[],
  out: TypedArray,
  outShape: readonly number[],
): void {
  const rank = outShape.length;
  const as = broadcastStrides(aShape, outShape);
  const bs = broadcastStrides(bShape, outShape);
  const idx = new Array<number>(rank).fill(0);
  let ai = 0;
  let bi = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = f(a[ai], b[bi]);
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      ai += as[d];
      bi += bs[d];
      if (idx[d] < outShape[d]) break;
      ai -= as[d] * outShape[d];
      bi -= bs[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function broadcastTo(x: TypedArray, xShape: readonly number[], out: TypedArray, outShape: readonly number[]): void {
  const zero = new Float64Array(1);
  broadcastLoop((a) => a, x, xShape, zero, [], out, outShape);
}

export function select(cond: TypedArray, a: TypedArray, b: TypedArray, out: TypedArray): void {
  for (let i = 0; i < out.length; i++) out[i] = cond[i] !== 0 ? a[i] : b[i];
}

export function cast(x: TypedArray, out: TypedArray): void {
  if (out instanceof Int32Array) {
    for (let i = 0; i < x.length; i++) out[i] = Math.trunc(x[i]);
  } else {
    out.set(x);
  }
}
