import { argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2dBiasReluMaxPool, convOutputSize, type Padding } from '../ops/conv.js';
import { avgPool, maxPool } from '../ops/pool.js';
import { mean } from '../ops/reduce.js';
import { checkFeatureShape } from './input.js';
import { checkPadding, spatialPair } from '../ops/conv-geometry.js';
import { Conv2D, imageInput, PADDINGS, readPair } from './conv2d.js';
import { Layer, readDType, type CallContext, type FloatDType, type LayerConfig, type LayerDefinition, type LayerOutput, type SymbolicShape } from './layer.js';

export interface Pooling2DConfig {
  /** The window: one number or [height, width]; default 2. */
  poolSize?: number | readonly [number, number];
  /** Default: the pool size (non-overlapping windows), as Keras. */
  strides?: number | readonly [number, number];
  /** 'valid' (default) or 'same'; padded positions are never taken (max) or counted (average). */
  padding?: Padding;
  name?: string;
  /** For the first layer of a sequential model: one image's shape [height, width, channels]. */
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

const POOL_SAVED = ['poolSize', 'strides', 'padding'];

/** Max or average pooling over windows of channels-last images (Keras's MaxPooling2D / AveragePooling2D). */
abstract class Pooling2D extends Layer {
  readonly poolSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly inputShape?: readonly number[];

  constructor(op: string, config: Pooling2DConfig) {
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {poolSize?, strides?, padding?}', config);
    checkOptions(op, config, [...POOL_SAVED, 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    this.poolSize = Object.freeze(spatialPair(op, 'poolSize', config.poolSize, [2, 2]));
    this.strides = Object.freeze(spatialPair(op, 'strides', config.strides, this.poolSize));
    this.padding = checkPadding(op, config.padding);
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const where = `${this.className} '${this.name}'`;
    const [h, w, c] = imageInput(where, inputShapes[0]);
    const oh = convOutputSize(where, 'input', h, this.poolSize[0], this.strides[0], 1, this.padding).size;
    const ow = convOutputSize(where, 'input', w, this.poolSize[1], this.strides[1], 1, this.padding).size;
    return [inputShapes[0][0], oh, ow, c];
  }

  protected options() {
    return { poolSize: this.poolSize, strides: this.strides, padding: this.padding };
  }

  getConfig(): LayerConfig {
    return {
      poolSize: [...this.poolSize],
      strides: [...this.strides],
      padding: this.padding,
      ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
    };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  protected readonly namePrefix = 'max_pooling2d';

  constructor(config: Pooling2DConfig = {}) {
    super('layers.maxPooling2d', config);
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    return { output: maxPool(inputs[0], this.options()) };
  }

  /**
   * A hidden Conv2D with a bias and relu before it, in one call with it (conv2dBiasReluMaxPool): the bits of the two
   * layers' calls and of their gradients, without the convolution's output leaving the kernel set's memory.
   */
  override callThrough(previous: Layer, inputs: readonly Tensor[], weights: readonly Tensor[], context?: CallContext): Tensor | null {
    const options = previous instanceof Conv2D ? previous.biasReluOptions(context) : null;
    return options ? conv2dBiasReluMaxPool(inputs[0], weights[0], weights[1], options, this.options()) : null;
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  protected readonly namePrefix = 'average_pooling2d';

  constructor(config: Pooling2DConfig = {}) {
    super('layers.averagePooling2d', config);
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    return { output: avgPool(inputs[0], this.options()) };
  }
}

export interface GlobalAveragePooling2DConfig {
  name?: string;
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/** The mean of each channel over the whole image: [batch, height, width, channels] → [batch, channels]. */
export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';
  protected readonly namePrefix = 'global_average_pooling2d';
  readonly inputShape?: readonly number[];

  constructor(config: GlobalAveragePooling2DConfig = {}) {
    const op = 'layers.globalAveragePooling2d';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {name?}', config);
    checkOptions(op, config, ['name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const [, , c] = imageInput(`GlobalAveragePooling2D '${this.name}'`, inputShapes[0]);
    return [inputShapes[0][0], c];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    return { output: mean(inputs[0], [1, 2]) };
  }

  getConfig(): LayerConfig {
    return this.dtype !== undefined ? { dtype: this.dtype } : {};
  }
}

function poolDefinition<F extends string, L extends Pooling2D>(
  name: string,
  factory: F,
  type: new (config?: Pooling2DConfig) => L,
): LayerDefinition<F, Pooling2DConfig | undefined, L> {
  return {
    name,
    factory,
    type,
    create: (config = {}) => new type(config),
    readConfig(check, path, v) {
      const o = check.object(path, v, [...POOL_SAVED, 'dtype'], POOL_SAVED);
      readPair(check, `${path}.poolSize`, o.poolSize);
      readPair(check, `${path}.strides`, o.strides);
      check.oneOf(`${path}.padding`, o.padding, PADDINGS);
      readDType(check, path, o);
      return o;
    },
  };
}

export const maxPooling2dLayer = poolDefinition('MaxPooling2D', 'maxPooling2d', MaxPooling2D);
export const averagePooling2dLayer = poolDefinition('AveragePooling2D', 'averagePooling2d', AveragePooling2D);

export const globalAveragePooling2dLayer: LayerDefinition<'globalAveragePooling2d', GlobalAveragePooling2DConfig | undefined, GlobalAveragePooling2D> = {
  name: 'GlobalAveragePooling2D',
  factory: 'globalAveragePooling2d',
  type: GlobalAveragePooling2D,
  create: (config = {}) => new GlobalAveragePooling2D(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['dtype']);
    readDType(check, path, o);
    return o;
  },
};
