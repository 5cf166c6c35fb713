import { allocate, allocateUnzeroed, isFloat, type DType, type TypedArray } from '../tensor/dtype.js';
import { argTypeError } from '../tensor/errors.js';
import { sizeOf } from '../tensor/shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor/tensor.js';

/** What ops accept where a tensor is expected: a Tensor, or anything `tensor()` takes. */
export type TensorInput = Tensor | TensorLike;

/** Converts an op argument to a Tensor (numbers and arrays become `dtype`, float32 by default). */
export function toTensor(op: string, arg: string, x: unknown, dtype?: DType): Tensor {
  if (x instanceof Tensor) return x;
  if (typeof x === 'number' || Array.isArray(x) || ArrayBuffer.isView(x)) {
    try {
      return tensor(x as TensorLike, dtype ? { dtype } : {});
    } catch (e) {
      // Re-label the error with the op and argument the user called.
      const msg = (e as Error).message.replace(/^tensor: argument 'values'/, `${op}: argument '${arg}'`);
      throw e instanceof TypeError ? new TypeError(msg) : new RangeError(msg);
    }
  }
  throw argTypeError(op, arg, 'a Tensor, a number or a (nested) array of numbers', x);
}

/** Requires a float tensor (float32/float64). */
export function floatTensor(op: string, arg: string, x: unknown): Tensor {
  const t = toTensor(op, arg, x);
  if (!isFloat(t.dtype)) throw argTypeError(op, arg, 'a float32 or float64 tensor', t);
  return t;
}

/** A new, zero-filled tensor of the given dtype and shape. */
export function zeroFilled(dtype: DType, shape: readonly number[]): Tensor {
  return new Tensor(allocate(dtype, sizeOf(shape)), shape);
}

/** A new tensor whose contents are undefined (not zeroed when big): for kernel outputs written in full. */
export function unfilled(dtype: DType, shape: readonly number[]): Tensor {
  return new Tensor(allocateUnzeroed(dtype, sizeOf(shape)), shape);
}

export function fromValues(values: TypedArray, shape: readonly number[]): Tensor {
  return new Tensor(values, shape);
}

/**
 * The dtype two operands meet in. Plain numbers take the tensor's dtype (like TensorFlow's weak types);
 * int32 meets a float as that float; float32 and float64 do not mix silently.
 */
export function resultDType(op: string, a: Tensor, b: Tensor, aIsWeak: boolean, bIsWeak: boolean): DType {
  if (a.dtype === b.dtype) return a.dtype;
  // A weak operand adopts the other's dtype, except that a fractional number (already float) lifts int32 to float.
  if (aIsWeak) return b.dtype === 'int32' ? a.dtype : b.dtype;
  if (bIsWeak) return a.dtype === 'int32' ? b.dtype : a.dtype;
  if (a.dtype === 'int32') return b.dtype;
  if (b.dtype === 'int32') return a.dtype;
  throw new TypeError(`${op}: arguments 'a' (${a.dtype}) and 'b' (${b.dtype}) must have the same float dtype; cast one with cast(x, '${a.dtype}')`);
}
