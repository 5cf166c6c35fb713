import { allocate, dtypeOfArray, isDType, type DType, type TypedArray } from './dtype.js';
import { argError, argTypeError, describe } from './errors.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { formatTensor } from './format.js';
import { checkOptions } from './options.js';

/**
 * What autograd records on a tensor an op produced: its inputs and how to turn the gradient of this
 * tensor into gradients of each input. The tensor layer only stores it; autograd/ walks it.
 */
export interface GradRecord {
  readonly op: string;
  readonly parents: readonly Tensor[];
  readonly backward: (dy: Tensor) => ReadonlyArray<Tensor | null>;
}

let nextId = 0;

/** An n-dimensional array: row-major TypedArray storage, a shape and a dtype. Garbage-collected: no dispose. */
export class Tensor {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: DType;
  /**
   * The storage. Ops never mutate it; treat it as read-only (use `.data()` for a copy you may change). The one
   * exception is a Variable's tensor, which optimizers update in place (nn/variable.ts).
   */
  readonly values: TypedArray;
  /** Set by autograd on tensors produced from watched tensors while recording. */
  record: GradRecord | null = null;

  constructor(values: TypedArray, shape: Shape) {
    if (values.length !== sizeOf(shape)) {
      throw argError('Tensor', 'values', `${sizeOf(shape)} elements for shape [${shape.join(', ')}]`, `${values.length} elements`);
    }
    this.values = values;
    this.shape = Object.freeze(shape.slice());
    this.dtype = dtypeOfArray(values);
  }

  get size(): number {
    return this.values.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** A copy of the storage as a TypedArray of the tensor's dtype. */
  data(): TypedArray {
    return this.values.slice();
  }

  /** Nested JS arrays (a plain number for a scalar). */
  toArray(): NestedArray {
    return toNested(this.values, this.shape, 0, 0);
  }

  /** The single value of a one-element tensor. */
  item(): number {
    if (this.size !== 1) throw argError('item', 'this', 'a tensor with one element', this);
    return this.values[0];
  }

  toString(): string {
    return formatTensor(this.values, this.shape, this.dtype);
  }
}

export type NestedArray = number | NestedArray[];

function toNested(values: TypedArray, shape: Shape, dim: number, offset: number): NestedArray {
  if (dim === shape.length) return values[offset];
  const stride = sizeOf(shape.slice(dim + 1));
  const out: NestedArray[] = new Array(shape[dim]);
  for (let i = 0; i < shape[dim]; i++) out[i] = toNested(values, shape, dim + 1, offset + i * stride);
  return out;
}

export type TensorLike = number | TypedArray | NestedArray | readonly NestedArray[];

export interface TensorOptions {
  shape?: readonly number[];
  dtype?: DType;
}

/**
 * Creates a tensor from a number, nested arrays or a TypedArray. Floats default to float32; a TypedArray
 * keeps its own dtype unless `dtype` says otherwise. `shape` reshapes flat data (its size must match).
 */
export function tensor(values: TensorLike | Tensor, options: TensorOptions = {}): Tensor {
  const op = 'tensor';
  checkOptions(op, options, ['shape', 'dtype']);
  if (options.dtype !== undefined && !isDType(options.dtype)) {
    throw argTypeError(op, 'dtype', "'float32', 'float64' or 'int32'", options.dtype);
  }
  let flat: ArrayLike<number>;
  let inferredShape: number[];
  let dtype: DType;
  if (values instanceof Tensor) {
    flat = values.values;
    inferredShape = values.shape.slice();
    dtype = options.dtype ?? values.dtype;
  } else if (ArrayBuffer.isView(values)) {
    const view: unknown = values;
    if (!(view instanceof Float32Array || view instanceof Float64Array || view instanceof Int32Array)) {
      throw argTypeError(op, 'values', 'a Float32Array, Float64Array or Int32Array', (values as object).constructor.name);
    }
    flat = values;
    inferredShape = [values.length];
    dtype = options.dtype ?? dtypeOfArray(values);
  } else if (typeof values === 'number') {
    flat = [values];
    inferredShape = [];
    dtype = options.dtype ?? 'float32';
  } else if (Array.isArray(values)) {
    inferredShape = nestedShape(values);
    const out: number[] = [];
    flatten(values, inferredShape, 0, out, []);
    flat = out;
    dtype = options.dtype ?? 'float32';
  } else {
    throw argTypeError(op, 'values', 'a number, nested arrays of numbers or a TypedArray', values);
  }
  let shape = inferredShape;
  if (options.shape !== undefined) {
    shape = checkShape(op, 'shape', options.shape);
    if (sizeOf(shape) !== flat.length) {
      throw argError(op, 'shape', `a shape with ${flat.length} elements (the values given)`, shape);
    }
  }
  const storage = allocate(dtype, flat.length);
  if (dtype === 'int32') {
    for (let i = 0; i < flat.length; i++) {
      const v = flat[i];
      if (!Number.isInteger(v) || v > 2147483647 || v < -2147483648) {
        throw argError(op, 'values', 'int32 values (integers in [-2^31, 2^31 - 1])', `${v} at flat index ${i}`);
      }
      storage[i] = v;
    }
  } else {
    storage.set(flat as ArrayLike<number>);
  }
  return new Tensor(storage, shape);
}

function nestedShape(values: readonly unknown[]): number[] {
  const shape: number[] = [];
  let cur: unknown = values;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    if (cur.length === 0) break;
    cur = cur[0];
  }
  return shape;
}

function flatten(values: unknown, shape: number[], dim: number, out: number[], path: number[]): void {
  if (dim === shape.length) {
    if (typeof values !== 'number') {
      const where = path.length ? ` at [${path.join('][')}]` : '';
      if (Array.isArray(values)) {
        throw new RangeError(
          `tensor: argument 'values' must be a regular (non-ragged) nested array of shape [${shape.join(', ')}], got an array where a number belongs${where}`,
        );
      }
      throw new TypeError(`tensor: argument 'values' must be numbers, got ${describe(values)}${where}`);
    }
    out.push(values);
    return;
  }
  if (!Array.isArray(values) || values.length !== shape[dim]) {
    const got = Array.isArray(values) ? `length ${values.length}` : describe(values);
    throw argError(
      'tensor',
      'values',
      `a regular (non-ragged) nested array of shape [${shape.join(', ')}]`,
      `${got} at [${path.join('][')}] (expected length ${shape[dim]})`,
    );
  }
  for (let i = 0; i < values.length; i++) {
    path.push(i);
    flatten(values[i], shape, dim + 1, out, path);
    path.pop();
  }
}

export function scalar(value: number, dtype: DType = 'float32'): Tensor {
  return filled('scalar', [], value, dtype);
}

export function fill(shape: readonly number[], value: number, dtype: DType = 'float32'): Tensor {
  return filled('fill', shape, value, dtype);
}

/** fill, reporting errors as `op` (zeros, ones and scalar are fills too). */
function filled(op: string, shape: readonly number[], value: number, dtype: DType): Tensor {
  const s = checkShape(op, 'shape', shape);
  if (!isDType(dtype)) throw argTypeError(op, 'dtype', "'float32', 'float64' or 'int32'", dtype);
  if (typeof value !== 'number') throw argTypeError(op, 'value', 'a number', value);
  if (dtype === 'int32' && !(Number.isInteger(value) && value <= 2147483647 && value >= -2147483648)) {
    throw argError(op, 'value', 'an int32 value (an integer in [-2^31, 2^31 - 1])', value);
  }
  const storage = allocate(dtype, sizeOf(s));
  storage.fill(value);
  return new Tensor(storage, s);
}

export function zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('zeros', shape, 0, dtype);
}

export function ones(shape: readonly number[], dtype: DType = 'float32'): Tensor {
  return filled('ones', shape, 1, dtype);
}

export function zerosLike(x: Tensor): Tensor {
  return zeros(x.shape, x.dtype);
}

export function onesLike(x: Tensor): Tensor {
  return ones(x.shape, x.dtype);
}

/** Evenly spaced values in [start, stop) with the given step, like tf.range. */
export function range(start: number, stop: number, step = 1, dtype: DType = 'float32'): Tensor {
  if (typeof start !== 'number' || !Number.isFinite(start)) throw argError('range', 'start', 'a finite number', start);
  if (typeof stop !== 'number' || !Number.isFinite(stop)) throw argError('range', 'stop', 'a finite number', stop);
  if (!Number.isFinite(step) || step === 0) throw argError('range', 'step', 'a finite non-zero number', step);
  if (!isDType(dtype)) throw argTypeError('range', 'dtype', "'float32', 'float64' or 'int32'", dtype);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const storage = allocate(dtype, n);
  for (let i = 0; i < n; i++) storage[i] = start + i * step;
  return new Tensor(storage, [n]);
}
