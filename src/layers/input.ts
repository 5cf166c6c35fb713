import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import {
  Layer,
  LayerNode,
  readDType,
  type FloatDType,
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
  /** The dtype of the model's parameters and computation (default float32). */
  dtype?: FloatDType;
}

/** The entry point of a functional model: holds no weights and passes its input through. */
export class InputLayer extends Layer {
  readonly className = 'Input';
  protected readonly namePrefix = 'input';
  readonly featureShape: readonly number[];
  readonly inputDType: FloatDType;

  constructor(config: InputConfig) {
    const op = 'input';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {shape, name?, dtype?}', config);
    checkOptions(op, config, ['shape', 'name', 'dtype'], 'config');
    super(config.name, config.dtype, op);
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
    readDType(check, path, o);
    return o;
  },
};
