import type { Random } from '../tensor/random.js';
import { argError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';

/**
 * Weight initializers, drawing from logitkit's seeded `Random`, so one seed gives the same weights bit for bit.
 * fanIn / fanOut are a kernel's input and output sizes ([fanIn, fanOut] for a dense kernel).
 * - glorotUniform (default for kernels): U(−l, l), l = sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010, Keras);
 * - glorotNormal: N(0, 2 / (fanIn + fanOut));
 * - heNormal: N(0, 2 / fanIn) (He et al. 2015, PyTorch's kaiming_normal_; Keras truncates it, we do not);
 * - heUniform: U(−l, l), l = sqrt(6 / fanIn);
 * - zeros (default for biases), ones.
 */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heNormal' | 'heUniform' | 'zeros' | 'ones';
export const INITIALIZERS: readonly InitializerName[] = ['glorotUniform', 'glorotNormal', 'heNormal', 'heUniform', 'zeros', 'ones'];

export function checkInitializer(op: string, arg: string, value: unknown, fallback: InitializerName): InitializerName {
  if (value === undefined || value === null) return fallback;
  if (!(INITIALIZERS as readonly unknown[]).includes(value)) {
    throw argError(op, arg, `one of ${INITIALIZERS.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as InitializerName;
}

/** Draws a tensor of `shape` in row-major order (element 0 first) from `rng`. */
export function initialize(name: InitializerName, shape: readonly number[], dtype: 'float32' | 'float64', rng: Random, fanIn: number, fanOut: number): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const values = allocate(dtype, size);
  switch (name) {
    case 'zeros':
      break;
    case 'ones':
      values.fill(1);
      break;
    case 'glorotUniform': {
      const limit = Math.sqrt(6 / Math.max(1, fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = rng.uniform(-limit, limit);
      break;
    }
    case 'heUniform': {
      const limit = Math.sqrt(6 / Math.max(1, fanIn));
      for (let i = 0; i < size; i++) values[i] = rng.uniform(-limit, limit);
      break;
    }
    case 'glorotNormal': {
      const std = Math.sqrt(2 / Math.max(1, fanIn + fanOut));
      for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
      break;
    }
    case 'heNormal': {
      const std = Math.sqrt(2 / Math.max(1, fanIn));
      for (let i = 0; i < size; i++) values[i] = rng.normal(0, std);
      break;
    }
    default:
      throw argError('initialize', 'name', 'an initializer name', name);
  }
  return new Tensor(values, shape);
}
