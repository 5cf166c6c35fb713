import { record } from '../autograd/tape.js';
import { floatOf, isFloat, isDType, type DType } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels, type UnaryOp } from '../kernels/index.js';
import { zeroFilled, unfilled, toTensor, type TensorInput } from './convert.js';
import { add, div, mul, sub, where, greaterEqual, lessEqual } from './arithmetic.js';

type UnaryGrad = (dy: Tensor, x: Tensor, out: Tensor) => Tensor;

/**
 * Runs a unary kernel. Real-valued functions of int32 input compute in float32;
 * ops that keep integers integral (neg, abs, square, sign, relu) keep int32.
 */
function unaryOp(op: UnaryOp, xIn: TensorInput, rule: UnaryGrad | null, keepsInt = false): Tensor {
  let x = toTensor(op, 'x', xIn);
  if (!keepsInt && !isFloat(x.dtype)) x = cast(x, floatOf(x.dtype));
  const out = unfilled(x.dtype, x.shape);
  kernels().unary(op, x.values, out.values);
  if (!rule || !isFloat(x.dtype)) return out;
  return record(out, op, [x], (dy) => [rule(dy, x, out)]);
}

export const neg = (x: TensorInput): Tensor => unaryOp('neg', x, (dy) => neg(dy), true);
export const exp = (x: TensorInput): Tensor => unaryOp('exp', x, (dy, _x, out) => mul(dy, out));
export const log = (x: TensorInput): Tensor => unaryOp('log', x, (dy, x) => div(dy, x));
export const log1p = (x: TensorInput): Tensor => unaryOp('log1p', x, (dy, x) => div(dy, add(x, 1)));
export const square = (x: TensorInput): Tensor => unaryOp('square', x, (dy, x) => mul(dy, mul(x, 2)), true);
export const sqrt = (x: TensorInput): Tensor => unaryOp('sqrt', x, (dy, _x, out) => div(dy, mul(out, 2)));
export const abs = (x: TensorInput): Tensor => unaryOp('abs', x, (dy, x) => mul(dy, sign(x)), true);
export const sign = (x: TensorInput): Tensor => unaryOp('sign', x, null, true);
/** 1 where x > 0, else 0 (NaN stays NaN): the derivative of relu. */
export const step = (x: TensorInput): Tensor => unaryOp('step', x, null, true);
export const relu = (x: TensorInput): Tensor => unaryOp('relu', x, (dy, x) => mul(dy, step(x)), true);
/**
 * 1 / (1 + e^−x), computed without overflow for any x. The gradient is σ(x)·σ(−x), not out·(1 − out), whose
 * 1 − out cancels to 0 for x ≳ 37 (float64) or 17 (float32) although σ'(x) ≈ e^−x is representable.
 */
export const sigmoid = (x: TensorInput): Tensor => unaryOp('sigmoid', x, (dy, x, out) => mul(dy, mul(out, sigmoid(neg(x)))));
/** log(1 + e^x) = max(x, 0) + log1p(e^−|x|): exact for large |x|. */
export const softplus = (x: TensorInput): Tensor => unaryOp('softplus', x, (dy, x) => mul(dy, sigmoid(x)));
/** log σ(x) = min(x, 0) − log1p(e^−|x|). */
export const logSigmoid = (x: TensorInput): Tensor => unaryOp('logSigmoid', x, (dy, x) => mul(dy, sigmoid(neg(x))));
/** The gradient is 4·σ(2x)·σ(−2x) = 1 − tanh², without the cancellation of 1 − out² for large |x|. */
export const tanh = (x: TensorInput): Tensor => unaryOp('tanh', x, (dy, x) => mul(dy, mul(mul(sigmoid(mul(x, 2)), sigmoid(mul(x, -2))), 4)));
export const reciprocal = (x: TensorInput): Tensor => unaryOp('reciprocal', x, (dy, _x, out) => neg(mul(dy, mul(out, out))));
export const isFiniteMask = (x: TensorInput): Tensor => castTo(unaryOp('isFinite', toTensor('isFiniteMask', 'x', x), null, true), 'int32');
export const isNaNMask = (x: TensorInput): Tensor => castTo(unaryOp('isNaN', toTensor('isNaNMask', 'x', x), null, true), 'int32');

function castTo(x: Tensor, dtype: DType): Tensor {
  return x.dtype === dtype ? x : cast(x, dtype);
}

/** Converts to another dtype (float → int32 truncates toward zero). Differentiable between float dtypes. */
export function cast(xIn: TensorInput, dtype: DType): Tensor {
  const x = toTensor('cast', 'x', xIn);
  if (!isDType(dtype)) throw argTypeError('cast', 'dtype', "'float32', 'float64' or 'int32'", dtype);
  if (x.dtype === dtype) return x;
  const out = zeroFilled(dtype, x.shape);
  kernels().cast(x.values, out.values);
  if (!isFloat(dtype) || !isFloat(x.dtype)) return out;
  return record(out, 'cast', [x], (dy) => [cast(dy, x.dtype)]);
}

/** Clamps x to [low, high]; the gradient passes where x is inside the interval. */
export function clipByValue(xIn: TensorInput, low: number, high: number): Tensor {
  const op = 'clipByValue';
  const x = toTensor(op, 'x', xIn);
  if (typeof low !== 'number') throw argTypeError(op, 'low', 'a number', low);
  if (typeof high !== 'number') throw argTypeError(op, 'high', 'a number', high);
  if (Number.isNaN(low)) throw argError(op, 'low', 'a number (not NaN)', low);
  if (Number.isNaN(high) || high < low) throw argError(op, 'high', `a number ≥ low (${low})`, high);
  const inside = mul(greaterEqual(x, low), lessEqual(x, high));
  const clipped = where(greaterEqual(x, low), where(lessEqual(x, high), x, high), low);
  if (!isFloat(x.dtype)) return clipped;
  return record(new Tensor(clipped.values, clipped.shape), op, [x], (dy) => [where(inside, dy, 0)]);
}

/**
 * logit(p) = log(p / (1 − p)), computed as log(p) − log1p(−p) so p near 0 or 1 keeps its digits.
 * With eps, p is first clamped to [eps, 1 − eps] (the gradient is 0 where clamping acted, as in PyTorch).
 */
export function logit(pIn: TensorInput, eps?: number): Tensor {
  const op = 'logit';
  let p = toTensor(op, 'p', pIn);
  if (!isFloat(p.dtype)) p = cast(p, 'float32');
  if (eps !== undefined) {
    if (typeof eps !== 'number') throw argTypeError(op, 'eps', 'a number', eps);
    if (!Number.isFinite(eps) || eps < 0 || eps > 0.5) {
      throw argError(op, 'eps', 'a finite number in [0, 0.5]', eps);
    }
  }
  const q = eps === undefined ? p : clipByValue(p, eps, 1 - eps);
  return sub(log(q), log1p(neg(q)));
}
