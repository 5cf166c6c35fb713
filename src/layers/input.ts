import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { cast } from '../ops/unary.js';
import {
  Layer,
  LayerNode,
  type InputDType,
  type LayerConfig,
  type LayerDefinition,
  type LayerOutput,
  type SymbolicShape,
  type SymbolicTensor,
} from './layer.js';

export const MAX_RANK = 8;
export const MAX_DIM = 2 ** 31 - 1;

export function checkFeatureShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
    throw argError(op, arg, `an array of 1 to ${MAX_RANK} positive integers (one example's shape, without the batch dimension)`, shape);
  }
  return shape.slice();
}

export interface InputConfig {
  /** One example's shape, without the batch dimension: [784] for flattened MNIST. */
  shape: readonly number[];
  name?: string;
  /**
   * The dtype of the model's parameters and computation (default float32), or 'int32': the model takes token
   * ids, which go into an embedding layer (whose dtype is then the computation's).
   */
  dtype?: InputDType;
}

export const INPUT_DTYPES: readonly InputDType[] = ['float32', 'float64', 'int32'];

/**
 * A batch given to a model input of `dtype`: floats are cast; for int32 ids, float values must be integers
 * (a cast would truncate 2.5 to 2 silently) within int32's range.
 */
export function conformInputDType(op: string, arg: string, x: Tensor, dtype: InputDType): Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === 'int32') {
    const v = x.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || Math.abs(v[i]) > 2 ** 31 - 1) {
        throw argError(op, arg, 'int32 token ids (or floats holding integers)', `${v[i]} at flat index ${i}`);
      }
    }
  }
  return cast(x, dtype);
}

/** The entry point of a functional model: holds no weights and passes its input through. */
export class InputLayer extends Layer {
  readonly className = 'Input';
  protected readonly namePrefix = 'input';
  readonly featureShape: readonly number[];
  readonly inputDType: InputDType;

  constructor(config: InputConfig) {
    const op = 'input';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {shape, name?, dtype?}', config);
    checkOptions(op, config, ['shape', 'name', 'dtype'], 'config');
    if (config.dtype !== undefined && !INPUT_DTYPES.includes(config.dtype)) throw argTypeError(op, 'dtype', "'float32', 'float64' or 'int32'", config.dtype);
    // An int32 input has no parameter dtype of its own: the embedding it feeds has one.
    super(config.name, config.dtype === 'int32' ? undefined : config.dtype, op);
    this.featureShape = Object.freeze(checkFeatureShape(op, 'shape', config.shape));
    this.inputDType = config.dtype ?? 'float32';
  }

  computeOutputShape(): SymbolicShape {
    return [null, ...this.featureShape];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    return { output: inputs[0] };
  }

  getConfig(): LayerConfig {
    return { shape: [...this.featureShape], dtype: this.inputDType };
  }

  /** @internal The symbolic tensor this input stands for. */
  symbolic(): SymbolicTensor {
    return new LayerNode(this, [], this.computeOutputShape(), this.inputDType).output;
  }
}

/** A model input: `input({shape: [784]})` stands for a batch of 784-feature examples, shape [null, 784]. */
export function input(config: InputConfig): SymbolicTensor {
  return new InputLayer(config).symbolic();
}

/** Input has no `layers.*` factory: `input({shape})` makes the symbolic tensor that starts a model. */
export const inputLayer: LayerDefinition<null, InputConfig, InputLayer> = {
  name: 'Input',
  factory: null,
  type: InputLayer,
  create: (config) => new InputLayer(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['shape', 'dtype'], ['shape', 'dtype']);
    check.array(`${path}.shape`, o.shape, MAX_RANK).forEach((d, i) => check.int(`${path}.shape[${i}]`, d, 1, MAX_DIM));
    if (o.dtype !== undefined) check.oneOf(`${path}.dtype`, o.dtype, INPUT_DTYPES);
    return o;
  },
};
