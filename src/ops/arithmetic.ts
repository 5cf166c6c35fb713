import { record } from '../autograd/tape.js';
import type { DType } from '../tensor/dtype.js';
import { broadcastShapes } from '../tensor/shape.js';
import { Tensor, tensor } from '../tensor/tensor.js';
import { kernels, type BinaryOp } from '../kernels/index.js';
import { zeroFilled, unfilled, resultDType, toTensor, type TensorInput } from './convert.js';
import { broadcastTo, unbroadcast } from './broadcast.js';
import { cast, log, neg, sign } from './unary.js';

type GradRule = (dy: Tensor, a: Tensor, b: Tensor, out: Tensor) => [Tensor | null, Tensor | null];

/** Brings both operands to one dtype; plain numbers adopt the other operand's dtype. */
function operands(op: string, aIn: TensorInput, bIn: TensorInput): [Tensor, Tensor] {
  const aWeak = !(aIn instanceof Tensor);
  const bWeak = !(bIn instanceof Tensor);
  const hint = (weak: boolean, other: TensorInput, self: TensorInput): DType | undefined => {
    if (!weak || !(other instanceof Tensor)) return undefined;
    // A fractional number never becomes int32: it lifts the op to float32.
    if (other.dtype === 'int32' && !isIntegerInput(self)) return 'float32';
    return other.dtype;
  };
  let a = toTensor(op, 'a', aIn, hint(aWeak, bIn, aIn));
  let b = toTensor(op, 'b', bIn, hint(bWeak, aIn, bIn));
  const dtype = resultDType(op, a, b, aWeak, bWeak);
  if (a.dtype !== dtype) a = cast(a, dtype);
  if (b.dtype !== dtype) b = cast(b, dtype);
  return [a, b];
}

function isIntegerInput(x: TensorInput): boolean {
  if (typeof x === 'number') return Number.isInteger(x);
  if (Array.isArray(x)) return (x as unknown[]).every((v) => isIntegerInput(v as TensorInput));
  return false;
}

function binaryOp(op: BinaryOp, aIn: TensorInput, bIn: TensorInput, rule: GradRule | null, outDType?: DType): Tensor {
  const [a, b] = operands(op, aIn, bIn);
  const shape = broadcastShapes(op, a.shape, b.shape);
  if (a.dtype === 'int32') checkIntegerOperands(op, b);
  const out = unfilled(outDType ?? (op === 'div' && a.dtype === 'int32' ? 'int32' : a.dtype), shape);
  kernels().binary(op === 'div' && a.dtype === 'int32' ? 'floorDiv' : op, a.values, a.shape, b.values, b.shape, out.values, shape);
  if (!rule) return out;
  return record(out, op, [a, b], (dy) => {
    const [da, db] = rule(dy, a, b, out);
    return [da && unbroadcast(da, a.shape), db && unbroadcast(db, b.shape)];
  });
}

/**
 * Integer division by zero and integers to negative powers have no int32 result (TensorFlow raises too);
 * without this check they would silently give 0.
 */
function checkIntegerOperands(op: BinaryOp, b: Tensor): void {
  const bad = op === 'div' ? equal(b, 0) : op === 'pow' ? less(b, 0) : null;
  if (!bad || kernelsSum(bad) === 0) return;
  const at = kernelsArgMax(bad);
  const expected = op === 'div' ? 'non-zero divisors for int32 division' : 'non-negative exponents for int32 powers (cast to float first)';
  throw new RangeError(`${op}: argument 'b' must hold ${expected}, got ${b.values[at]} at flat index ${at}`);
}

function kernelsSum(x: Tensor): number {
  const out = zeroFilled('int32', []);
  kernels().reduce('sum', x.values, 1, x.size, 1, out.values);
  return out.values[0];
}

function kernelsArgMax(x: Tensor): number {
  const out = new Int32Array(1);
  kernels().argReduce('argMax', x.values, 1, x.size, 1, out);
  return out[0];
}

export function add(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('add', a, b, (dy) => [dy, dy]);
}

export function sub(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('sub', a, b, (dy) => [dy, neg(dy)]);
}

export function mul(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('mul', a, b, (dy, x, y) => [mul(dy, y), mul(dy, x)]);
}

/** Element-wise a / b; for two int32 tensors, floor division (as in TensorFlow.js). */
export function div(a: TensorInput, b: TensorInput): Tensor {
  // d(a/b)/db = −a/b² = −out/b.
  return binaryOp('div', a, b, (dy, _x, y, out) => [div(dy, y), neg(mul(dy, div(out, y)))]);
}

/** a^b element-wise. The gradient to b uses log(a) where a > 0 and 0 elsewhere, as TensorFlow does. */
export function pow(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('pow', a, b, (dy, x, y, out) => {
    const dx = mul(dy, mul(y, pow(x, sub(y, 1))));
    const safeLog = where(greater(x, 0), log(where(greater(x, 0), x, 1)), 0);
    return [dx, mul(dy, mul(out, safeLog))];
  });
}

/** Element-wise maximum; a NaN in either operand gives NaN. Ties send the gradient to a. */
export function maximum(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('maximum', a, b, (dy, x, y) => {
    const takeA = greaterEqual(x, y);
    return [where(takeA, dy, 0), where(takeA, 0, dy)];
  });
}

/** Element-wise minimum; a NaN in either operand gives NaN. Ties send the gradient to a. */
export function minimum(a: TensorInput, b: TensorInput): Tensor {
  return binaryOp('minimum', a, b, (dy, x, y) => {
    const takeA = lessEqual(x, y);
    return [where(takeA, dy, 0), where(takeA, 0, dy)];
  });
}

/** Comparisons give int32 0/1 tensors (logitkit has no bool dtype) and no gradient. */
export const equal = (a: TensorInput, b: TensorInput): Tensor => binaryOp('equal', a, b, null, 'int32');
export const notEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('notEqual', a, b, null, 'int32');
export const greater = (a: TensorInput, b: TensorInput): Tensor => binaryOp('greater', a, b, null, 'int32');
export const greaterEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('greaterEqual', a, b, null, 'int32');
export const less = (a: TensorInput, b: TensorInput): Tensor => binaryOp('less', a, b, null, 'int32');
export const lessEqual = (a: TensorInput, b: TensorInput): Tensor => binaryOp('lessEqual', a, b, null, 'int32');

/** Picks a where condition is non-zero, else b; all three broadcast together. */
export function where(condition: TensorInput, a: TensorInput, b: TensorInput): Tensor {
  const op = 'where';
  const cond = toTensor(op, 'condition', condition);
  const [x, y] = operands(op, a, b);
  const shape = broadcastShapes(op, broadcastShapes(op, x.shape, y.shape), cond.shape, 'a and b', 'condition');
  const c = broadcastTo(cond, shape);
  const out = zeroFilled(x.dtype, shape);
  kernels().select(c.values, broadcastTo(x, shape).values, broadcastTo(y, shape).values, out.values);
  return record(out, op, [x, y], (dy) => [
    unbroadcast(where(c, dy, tensor(0, { dtype: dy.dtype })), x.shape),
    unbroadcast(where(c, tensor(0, { dtype: dy.dtype }), dy), y.shape),
  ]);
}

export { sign };
