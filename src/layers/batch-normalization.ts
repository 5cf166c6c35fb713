import type { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { add, div, mul, sub } from '../ops/arithmetic.js';
import { mean } from '../ops/reduce.js';
import { sqrt, square } from '../ops/unary.js';
import { initialize } from './initializers.js';
import { checkFeatureShape } from './input.js';
import {
  formatShape,
  Layer,
  readDType,
  type CallContext,
  type FloatDType,
  type LayerConfig,
  type LayerDefinition,
  type LayerOutput,
  type SymbolicShape,
} from './layer.js';
import { Variable } from './variable.js';

const SAVED = ['momentum', 'epsilon', 'center', 'scale'];

export interface BatchNormalizationConfig {
  /** Weight of the old moving statistics in each update (default 0.99, Keras's). */
  momentum?: number;
  /** Added to the variance before the square root (default 1e-3, Keras's). */
  epsilon?: number;
  /** Learn an offset beta (default true). */
  center?: boolean;
  /** Learn a scale gamma (default true). */
  scale?: boolean;
  name?: string;
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/**
 * Keras's BatchNormalization over the last axis (the channels of NHWC images, the features of a dense layer).
 * In training (fit): y = γ·(x − μ_B) / sqrt(σ²_B + ε) + β with the batch's mean and (biased) variance, and the
 * moving statistics become m·moving + (1 − m)·batch, as Keras updates them (no Bessel correction, unlike
 * PyTorch). In inference (evaluate, predict, explain) the moving statistics replace the batch's. Weights, in
 * Keras's order: gamma, beta (trainable, when scale / center), movingMean, movingVariance (non-trainable).
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  protected readonly namePrefix = 'batch_normalization';
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  readonly inputShape?: readonly number[];

  constructor(config: BatchNormalizationConfig = {}) {
    const op = 'layers.batchNormalization';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {momentum?, epsilon?, center?, scale?}', config);
    checkOptions(op, config, [...SAVED, 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    const momentum = config.momentum ?? 0.99;
    if (typeof momentum !== 'number' || !(momentum >= 0 && momentum <= 1)) throw argError(op, 'momentum', 'a number in [0, 1]', momentum);
    const epsilon = config.epsilon ?? 1e-3;
    if (typeof epsilon !== 'number' || !(epsilon > 0 && Number.isFinite(epsilon))) throw argError(op, 'epsilon', 'a finite number > 0', epsilon);
    for (const k of ['center', 'scale'] as const) {
      if (config[k] !== undefined && typeof config[k] !== 'boolean') throw argTypeError(op, k, 'a boolean', config[k]);
    }
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.center = config.center ?? true;
    this.scale = config.scale ?? true;
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    const c = shape[shape.length - 1];
    if (shape.length < 2 || c === null) {
      throw argError(`BatchNormalization '${this.name}'`, 'input', 'a batch [batch, ..., channels] with a known last axis', formatShape(shape));
    }
    if (this.built && c !== this.weights[this.weights.length - 1].shape[0]) {
      throw argError(
        `BatchNormalization '${this.name}'`,
        'input',
        `${this.weights[this.weights.length - 1].shape[0]} channels on the last axis`,
        formatShape(shape),
      );
    }
    return shape;
  }

  override weightShapes(inputShapes: readonly SymbolicShape[]): Array<{ name: string; shape: number[] }> {
    const c = inputShapes[0][inputShapes[0].length - 1] as number;
    return [
      ...(this.scale ? [{ name: 'gamma', shape: [c] }] : []),
      ...(this.center ? [{ name: 'beta', shape: [c] }] : []),
      { name: 'movingMean', shape: [c] },
      { name: 'movingVariance', shape: [c] },
    ];
  }

  protected override createWeights(inputShapes: readonly SymbolicShape[], dtype: FloatDType, rng: Random): Variable[] {
    const c = inputShapes[0][inputShapes[0].length - 1] as number;
    const make = (name: string, init: 'zeros' | 'ones', trainable: boolean) =>
      new Variable(() => `${this.name}/${name}`, initialize(init, [c], dtype, rng, c, c), trainable);
    return [
      ...(this.scale ? [make('gamma', 'ones', true)] : []),
      ...(this.center ? [make('beta', 'zeros', true)] : []),
      make('movingMean', 'zeros', false),
      make('movingVariance', 'ones', false),
    ];
  }

  override checkWeights(values: readonly Tensor[]): string | null {
    const variance = values[values.length - 1].values;
    for (let i = 0; i < variance.length; i++) if (!(variance[i] >= 0)) return `movingVariance[${i}] is ${variance[i]}, a variance must be ≥ 0`;
    return null;
  }

  call(inputs: readonly Tensor[], weights: readonly Tensor[], context?: CallContext): LayerOutput {
    const x = inputs[0];
    let k = 0;
    const gamma = this.scale ? weights[k++] : null;
    const beta = this.center ? weights[k++] : null;
    let mu: Tensor;
    let variance: Tensor;
    // A frozen layer (trainable = false) runs in inference mode in fit too, as Keras's BatchNormalization does.
    if (context?.training && this.trainable) {
      const axes = x.shape.slice(0, -1).map((_, i) => i);
      mu = mean(x, axes);
      variance = mean(square(sub(x, mu)), axes);
      this.updateMovingStatistics(mu, variance);
    } else {
      mu = weights[k];
      variance = weights[k + 1];
    }
    let y = div(sub(x, mu), sqrt(add(variance, this.epsilon)));
    if (gamma) y = mul(y, gamma);
    if (beta) y = add(y, beta);
    return { output: y };
  }

  private updateMovingStatistics(mu: Tensor, variance: Tensor): void {
    const vars = this.weights;
    const movingMean = vars[vars.length - 2];
    const movingVariance = vars[vars.length - 1];
    const m = this.momentum;
    movingMean.assign(add(mul(movingMean.value, m), mul(mu, 1 - m)));
    movingVariance.assign(add(mul(movingVariance.value, m), mul(variance, 1 - m)));
  }

  getConfig(): LayerConfig {
    return {
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
    };
  }
}

export const batchNormalizationLayer: LayerDefinition<'batchNormalization', BatchNormalizationConfig | undefined, BatchNormalization> = {
  name: 'BatchNormalization',
  factory: 'batchNormalization',
  type: BatchNormalization,
  create: (config = {}) => new BatchNormalization(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, [...SAVED, 'dtype'], SAVED);
    const momentum = check.number(`${path}.momentum`, o.momentum);
    if (!(momentum >= 0 && momentum <= 1)) check.expect(`${path}.momentum`, 'a number in [0, 1]', momentum);
    const epsilon = check.number(`${path}.epsilon`, o.epsilon);
    if (!(epsilon > 0)) check.expect(`${path}.epsilon`, 'a number > 0', epsilon);
    check.boolean(`${path}.center`, o.center);
    check.boolean(`${path}.scale`, o.scale);
    readDType(check, path, o);
    return o;
  },
};
