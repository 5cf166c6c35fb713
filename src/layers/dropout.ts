import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Random } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { mul } from '../ops/arithmetic.js';
import { unfilled } from '../ops/convert.js';
import { checkFeatureShape } from './input.js';
import { Layer, readDType, type CallContext, type FloatDType, type LayerConfig, type LayerDefinition, type LayerOutput, type SymbolicShape } from './layer.js';

export interface DropoutConfig {
  /** The fraction of inputs zeroed in training, in [0, 1). */
  rate: number;
  name?: string;
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/**
 * Keras's Dropout (inverted dropout): in training each input is zeroed with probability `rate` and the rest are
 * scaled by 1 / (1 − rate), so inference (evaluate, predict, explain) is the identity. The masks come from the
 * model's generator: a seeded fit repeats bit for bit and a resumed one continues the same stream.
 */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  protected readonly namePrefix = 'dropout';
  readonly rate: number;
  readonly inputShape?: readonly number[];

  constructor(config: DropoutConfig) {
    const op = 'layers.dropout';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {rate}', config);
    checkOptions(op, config, ['rate', 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (typeof config.rate !== 'number' || !(config.rate >= 0 && config.rate < 1)) throw argError(op, 'rate', 'a number in [0, 1)', config.rate);
    this.rate = config.rate;
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    return inputShapes[0];
  }

  /** A mask on the input passes through to the output unchanged (Keras's supports_masking). */
  override get supportsMasking(): boolean {
    return true;
  }

  call(inputs: readonly Tensor[], _weights: readonly Tensor[], context?: CallContext): LayerOutput {
    const x = inputs[0];
    if (!context?.training || this.rate === 0) return { output: x };
    if (!context.rng) throw new Error(`Dropout '${this.name}': a training call needs the model's generator (context.rng)`);
    return { output: mul(x, this.mask(x, context.rng)) };
  }

  /** 0 with probability rate, else 1 / (1 − rate); one draw per element, in row-major order. */
  private mask(x: Tensor, rng: Random): Tensor {
    const mask = unfilled(x.dtype, x.shape);
    const v = mask.values;
    const keep = 1 / (1 - this.rate);
    for (let i = 0; i < v.length; i++) v[i] = rng.next() < this.rate ? 0 : keep;
    return mask;
  }

  getConfig(): LayerConfig {
    return { rate: this.rate, ...(this.dtype !== undefined ? { dtype: this.dtype } : {}) };
  }
}

export const dropoutLayer: LayerDefinition<'dropout', DropoutConfig, Dropout> = {
  name: 'Dropout',
  factory: 'dropout',
  type: Dropout,
  create: (config) => new Dropout(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['rate', 'dtype'], ['rate']);
    const rate = check.number(`${path}.rate`, o.rate);
    if (!(rate >= 0 && rate < 1)) check.expect(`${path}.rate`, 'a number in [0, 1)', rate);
    readDType(check, path, o);
    return o;
  },
};
