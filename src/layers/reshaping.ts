import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { reshape } from '../ops/layout.js';
import { checkFeatureShape, MAX_DIM, MAX_RANK } from './input.js';
import { formatShape, Layer, readDType, type FloatDType, type LayerConfig, type LayerDefinition, type LayerOutput, type SymbolicShape } from './layer.js';

export interface FlattenConfig {
  name?: string;
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/** Keeps the batch axis and joins the others: [batch, h, w, c] → [batch, h·w·c] (row-major, as Keras). */
export class Flatten extends Layer {
  readonly className = 'Flatten';
  protected readonly namePrefix = 'flatten';
  readonly inputShape?: readonly number[];

  constructor(config: FlattenConfig = {}) {
    const op = 'layers.flatten';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {name?}', config);
    checkOptions(op, config, ['name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    if (shape.length < 2 || shape.slice(1).some((d) => d === null)) {
      throw argError(`Flatten '${this.name}'`, 'input', 'a batch [batch, ...] with known sizes after the batch axis', formatShape(shape));
    }
    return [shape[0], (shape.slice(1) as number[]).reduce((a, b) => a * b, 1)];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    const x = inputs[0];
    return { output: reshape(x, [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)]) };
  }

  getConfig(): LayerConfig {
    return this.dtype !== undefined ? { dtype: this.dtype } : {};
  }
}

export interface ReshapeConfig {
  /** One example's new shape (without the batch axis); one entry may be −1, inferred. */
  targetShape: readonly number[];
  name?: string;
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

function checkTargetShape(op: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_RANK || !v.every((d) => Number.isInteger(d) && (d === -1 || (d >= 1 && d <= MAX_DIM)))) {
    throw argError(op, 'targetShape', `an array of 1 to ${MAX_RANK} positive integers, one of which may be -1`, v);
  }
  if (v.filter((d) => d === -1).length > 1) throw argError(op, 'targetShape', 'at most one -1', v);
  return v.slice();
}

/** Gives each example a new shape with the same number of values: Keras's Reshape (the batch axis stays). */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  protected readonly namePrefix = 'reshape';
  readonly targetShape: readonly number[];
  readonly inputShape?: readonly number[];

  constructor(config: ReshapeConfig) {
    const op = 'layers.reshape';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {targetShape}', config);
    checkOptions(op, config, ['targetShape', 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    this.targetShape = Object.freeze(checkTargetShape(op, config.targetShape));
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    const where = `Reshape '${this.name}'`;
    if (shape.length < 2 || shape.slice(1).some((d) => d === null)) {
      throw argError(where, 'input', 'a batch [batch, ...] with known sizes after the batch axis', formatShape(shape));
    }
    const size = (shape.slice(1) as number[]).reduce((a, b) => a * b, 1);
    const known = this.targetShape.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    const fits = this.targetShape.includes(-1) ? size % known === 0 : size === known;
    if (!fits) throw argError(where, 'input', `examples whose ${size} values fill the target shape [${this.targetShape.join(', ')}]`, formatShape(shape));
    return [shape[0], ...this.targetShape.map((d) => (d === -1 ? size / known : d))];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    const x = inputs[0];
    return { output: reshape(x, [x.shape[0], ...this.targetShape]) };
  }

  getConfig(): LayerConfig {
    return { targetShape: [...this.targetShape], ...(this.dtype !== undefined ? { dtype: this.dtype } : {}) };
  }
}

export const flattenLayer: LayerDefinition<'flatten', FlattenConfig | undefined, Flatten> = {
  name: 'Flatten',
  factory: 'flatten',
  type: Flatten,
  create: (config = {}) => new Flatten(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['dtype']);
    readDType(check, path, o);
    return o;
  },
};

export const reshapeLayer: LayerDefinition<'reshape', ReshapeConfig, Reshape> = {
  name: 'Reshape',
  factory: 'reshape',
  type: Reshape,
  create: (config) => new Reshape(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['targetShape', 'dtype'], ['targetShape']);
    check.array(`${path}.targetShape`, o.targetShape, MAX_RANK).forEach((d, i) => {
      if (d !== -1) check.int(`${path}.targetShape[${i}]`, d, 1, MAX_DIM);
    });
    readDType(check, path, o);
    return o;
  },
};
