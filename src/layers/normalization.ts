import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { allocate } from '../tensor/dtype.js';
import { add, div, sub } from '../ops/arithmetic.js';
import { sqrt } from '../ops/unary.js';
import { checkFeatureShape } from './input.js';
import { formatShape, Layer, readDType, type FloatDType, type LayerConfig, type LayerDefinition, type LayerOutput, type SymbolicShape } from './layer.js';
import { Variable } from './variable.js';

export interface NormalizationConfig {
  /** Added to the variance before the square root (default 1e-3), so constant features stay bounded. */
  epsilon?: number;
  name?: string;
  /** For the first layer of a sequential model: one example's shape. */
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/**
 * Feature-wise standardization, Keras's Normalization: y = (x − mean) / sqrt(variance + epsilon) over the last
 * axis. `mean` and `variance` are non-trainable weights (saved with the model), set by `adapt(x)` from training
 * data, so the model takes raw features and training sees standardized ones.
 */
export class Normalization extends Layer {
  readonly className = 'Normalization';
  protected readonly namePrefix = 'normalization';
  readonly epsilon: number;
  readonly inputShape?: readonly number[];
  private stats: { mean: Float64Array; variance: Float64Array } | null = null;

  constructor(config: NormalizationConfig = {}) {
    const op = 'layers.normalization';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {epsilon?, name?}', config);
    checkOptions(op, config, ['epsilon', 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    const eps = config.epsilon ?? 1e-3;
    if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw argError(op, 'epsilon', 'a finite number ≥ 0', eps);
    this.epsilon = eps;
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  /**
   * Computes each feature's mean and (population) variance over every example of `x` ([n, ..., features];
   * sums in float64) and stores them: in the weights if the layer is built, else when it is.
   */
  adapt(x: Tensor): this {
    const op = `Normalization '${this.name}'.adapt`;
    if (!(x instanceof Tensor) || x.dtype === 'int32' || x.rank < 2 || x.size === 0)
      throw argTypeError(op, 'x', 'a non-empty float tensor [n, ..., features]', x);
    const d = x.shape[x.rank - 1];
    const rows = x.size / d;
    const v = x.values;
    const mean = new Float64Array(d);
    const variance = new Float64Array(d);
    for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j] += v[r * d + j];
    for (let j = 0; j < d; j++) mean[j] /= rows;
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < d; j++) {
        const t = v[r * d + j] - mean[j];
        variance[j] += t * t;
      }
    }
    for (let j = 0; j < d; j++) variance[j] /= rows;
    for (let j = 0; j < d; j++) {
      if (!Number.isFinite(mean[j]) || !Number.isFinite(variance[j])) throw argError(op, 'x', 'finite features', `a non-finite value in feature ${j}`);
    }
    this.stats = { mean, variance };
    if (this.built) {
      const [m, s] = this.weights;
      if (m.size !== d) throw argError(op, 'x', `${m.size} features (the layer's size)`, x);
      const as = (a: Float64Array) => new Tensor(m.dtype === 'float64' ? a.slice() : Float32Array.from(a), [d]);
      m.assign(as(mean));
      s.assign(as(variance));
    }
    return this;
  }

  /** The mean Variable (after build). */
  get mean(): Variable {
    return this.requireBuilt()[0];
  }

  get variance(): Variable {
    return this.requireBuilt()[1];
  }

  private requireBuilt(): readonly Variable[] {
    if (!this.built) throw new Error(`Normalization '${this.name}': the layer has no weights yet (build it in a model)`);
    return this.weights;
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    const d = shape[shape.length - 1];
    if (shape.length < 2 || d === null) throw argError(`Normalization '${this.name}'`, 'input', 'a batch with a known last dimension', formatShape(shape));
    const size = this.built ? this.weights[0].size : this.stats?.mean.length;
    if (size !== undefined && size !== d) {
      throw argError(`Normalization '${this.name}'`, 'input', `${size} features on the last axis (the adapted size)`, formatShape(shape));
    }
    return shape;
  }

  override weightShapes(inputShapes: readonly SymbolicShape[]): Array<{ name: string; shape: number[] }> {
    const d = inputShapes[0][inputShapes[0].length - 1] as number;
    return [
      { name: 'mean', shape: [d] },
      { name: 'variance', shape: [d] },
    ];
  }

  protected override createWeights(inputShapes: readonly SymbolicShape[], dtype: FloatDType): Variable[] {
    const d = inputShapes[0][inputShapes[0].length - 1] as number;
    const mean = allocate(dtype, d);
    const variance = allocate(dtype, d);
    if (this.stats) {
      mean.set(this.stats.mean);
      variance.set(this.stats.variance);
    } else {
      variance.fill(1);
    }
    return [
      new Variable(() => `${this.name}/mean`, new Tensor(mean, [d]), false),
      new Variable(() => `${this.name}/variance`, new Tensor(variance, [d]), false),
    ];
  }

  /** Variances must not be negative (a file could hold one). */
  override checkWeights(values: readonly Tensor[]): string | null {
    const v = values[1].values;
    for (let i = 0; i < v.length; i++) if (v[i] < 0) return `variance ${v[i]} < 0 at index ${i}`;
    return null;
  }

  call(inputs: readonly Tensor[], weights: readonly Tensor[]): LayerOutput {
    return { output: div(sub(inputs[0], weights[0]), sqrt(add(weights[1], this.epsilon))) };
  }

  getConfig(): LayerConfig {
    return { epsilon: this.epsilon, ...(this.dtype !== undefined ? { dtype: this.dtype } : {}) };
  }
}

export const normalizationLayer: LayerDefinition<'normalization', NormalizationConfig | undefined, Normalization> = {
  name: 'Normalization',
  factory: 'normalization',
  type: Normalization,
  create: (config = {}) => new Normalization(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['epsilon', 'dtype'], ['epsilon']);
    const eps = check.number(`${path}.epsilon`, o.epsilon);
    if (eps < 0) check.expect(`${path}.epsilon`, 'a number ≥ 0', eps);
    readDType(check, path, o);
    return o;
  },
};
