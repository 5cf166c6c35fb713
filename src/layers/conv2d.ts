import type { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { conv2d, conv2dBiasRelu, convOutputSize, type Conv2dOptions, type Padding } from '../ops/conv.js';
import { checkPadding, spatialPair } from '../ops/conv-geometry.js';
import { ACTIVATIONS, biasAndActivate, checkActivation, fusesBiasRelu, type ActivationName } from './activations.js';
import { checkInitializer, INITIALIZERS, initialize, type InitializerName } from './initializers.js';
import { checkFeatureShape, MAX_DIM } from './input.js';
import {
  formatShape,
  Layer,
  readDType,
  type CallContext,
  type ConfigReader,
  type FloatDType,
  type LayerConfig,
  type LayerDefinition,
  type LayerOutput,
  type SymbolicShape,
} from './layer.js';
import { Variable } from './variable.js';

/** The largest filter side, stride or dilation a saved config may hold (the kernels' 32-bit geometry). */
const MAX_EXTENT = 2 ** 31 - 1;
export const PADDINGS: readonly Padding[] = ['valid', 'same'];

/** Reads a saved [height, width] pair from a model file. */
export function readPair(check: ConfigReader, path: string, v: unknown): void {
  check.array(path, v, 2).forEach((d, i) => check.int(`${path}[${i}]`, d, 1, MAX_EXTENT));
  if ((v as unknown[]).length !== 2) check.expect(path, 'a pair [height, width]', v);
}

/** Checks a layer's input is a batch of images [batch, height, width, channels] with known sizes. */
export function imageInput(layer: string, shape: SymbolicShape): [number, number, number] {
  if (shape.length !== 4 || shape.slice(1).some((d) => d === null)) {
    throw argError(layer, 'input', 'a batch of images [batch, height, width, channels] (channels last, as TensorFlow)', formatShape(shape));
  }
  return [shape[1] as number, shape[2] as number, shape[3] as number];
}

const SAVED = ['filters', 'kernelSize', 'strides', 'padding', 'dilationRate', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer'];

export interface Conv2DConfig {
  /** Output channels. */
  filters: number;
  /** The window: one number or [height, width]. */
  kernelSize: number | readonly [number, number];
  /** Default 1. */
  strides?: number | readonly [number, number];
  /** 'valid' (default: no padding) or 'same' (output size ceil(input / stride), TensorFlow's split). */
  padding?: Padding;
  /** Default 1 (not combined with strides > 1, as TensorFlow). */
  dilationRate?: number | readonly [number, number];
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  name?: string;
  /** For the first layer of a sequential model: one image's shape [height, width, channels]. */
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/**
 * A 2-D convolution over channels-last images, Keras's Conv2D: y = activation(conv2d(x, W) + b) with W of shape
 * [kernelHeight, kernelWidth, inChannels, filters]. The math is the op layer's conv2d, add and activation.
 */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  protected readonly namePrefix = 'conv2d';
  readonly filters: number;
  readonly kernelSize: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: Padding;
  readonly dilationRate: readonly [number, number];
  private readonly act: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly inputShape?: readonly number[];

  constructor(config: Conv2DConfig) {
    const op = 'layers.conv2d';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {filters, kernelSize, ...}', config);
    checkOptions(op, config, [...SAVED, 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (!Number.isInteger(config.filters) || config.filters < 1 || config.filters > MAX_DIM)
      throw argError(op, 'filters', 'a positive integer', config.filters);
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw argTypeError(op, 'useBias', 'a boolean', config.useBias);
    this.filters = config.filters;
    this.kernelSize = Object.freeze(spatialPair(op, 'kernelSize', config.kernelSize));
    this.strides = Object.freeze(spatialPair(op, 'strides', config.strides, [1, 1]));
    this.padding = checkPadding(op, config.padding);
    this.dilationRate = Object.freeze(spatialPair(op, 'dilationRate', config.dilationRate, [1, 1]));
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) {
      throw argError(op, 'dilationRate', 'a dilation of 1 when strides > 1 (TensorFlow does not combine them)', config.dilationRate);
    }
    this.act = checkActivation(op, config.activation);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer, 'glorotUniform');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer, 'zeros');
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  override get activation(): ActivationName {
    return this.act;
  }

  /** The kernel W [kernelHeight, kernelWidth, inChannels, filters] (after build). */
  get kernel(): Variable {
    return this.requireBuilt()[0];
  }

  get bias(): Variable | null {
    return this.useBias ? this.requireBuilt()[1] : null;
  }

  private requireBuilt(): readonly Variable[] {
    if (!this.built) throw new Error(`Conv2D '${this.name}': the layer has no weights yet (build it in a model, or apply it to a tensor)`);
    return this.weights;
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const where = `Conv2D '${this.name}'`;
    const [h, w, c] = imageInput(where, inputShapes[0]);
    if (this.built && c !== this.kernel.shape[2]) {
      throw argError(where, 'input', `${this.kernel.shape[2]} channels (the layer's kernel is [${this.kernel.shape.join(', ')}])`, formatShape(inputShapes[0]));
    }
    const oh = convOutputSize(where, 'input', h, this.kernelSize[0], this.strides[0], this.dilationRate[0], this.padding).size;
    const ow = convOutputSize(where, 'input', w, this.kernelSize[1], this.strides[1], this.dilationRate[1], this.padding).size;
    return [inputShapes[0][0], oh, ow, this.filters];
  }

  override weightShapes(inputShapes: readonly SymbolicShape[]): Array<{ name: string; shape: number[] }> {
    const c = inputShapes[0][3] as number;
    return [{ name: 'kernel', shape: [...this.kernelSize, c, this.filters] }, ...(this.useBias ? [{ name: 'bias', shape: [this.filters] }] : [])];
  }

  protected override createWeights(inputShapes: readonly SymbolicShape[], dtype: FloatDType, rng: Random): Variable[] {
    const c = inputShapes[0][3] as number;
    const area = this.kernelSize[0] * this.kernelSize[1];
    // Keras's fans for a convolution kernel: the receptive field times the channels in and out.
    const fanIn = area * c;
    const fanOut = area * this.filters;
    const kernel = initialize(this.kernelInitializer, [...this.kernelSize, c, this.filters], dtype, rng, fanIn, fanOut);
    const vars = [new Variable(() => `${this.name}/kernel`, kernel)];
    if (this.useBias) vars.push(new Variable(() => `${this.name}/bias`, initialize(this.biasInitializer, [this.filters], dtype, rng, fanIn, fanOut)));
    return vars;
  }

  call(inputs: readonly Tensor[], weights: readonly Tensor[], context?: CallContext): LayerOutput {
    // A hidden relu with a bias: the kernel adds the bias and applies the relu while the output is in its cache.
    const fused = this.biasReluOptions(context);
    if (fused) return { output: conv2dBiasRelu(inputs[0], weights[0], weights[1], fused) };
    const z0 = conv2d(inputs[0], weights[0], { strides: this.strides, padding: this.padding, dilations: this.dilationRate });
    return biasAndActivate(z0, this.useBias ? weights[1] : null, this.act, context);
  }

  /**
   * @internal The convolution's options when, in this context, the layer computes relu(conv2d + bias) in one call
   * (conv2dBiasRelu), else null: a max pool after it may then take it into its own call (MaxPooling2D.callThrough).
   */
  biasReluOptions(context?: CallContext): Conv2dOptions | null {
    return this.useBias && fusesBiasRelu(this.act, context) ? { strides: this.strides, padding: this.padding, dilations: this.dilationRate } : null;
  }

  getConfig(): LayerConfig {
    return {
      filters: this.filters,
      kernelSize: [...this.kernelSize],
      strides: [...this.strides],
      padding: this.padding,
      dilationRate: [...this.dilationRate],
      activation: this.act,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
    };
  }
}

export const conv2dLayer: LayerDefinition<'conv2d', Conv2DConfig, Conv2D> = {
  name: 'Conv2D',
  factory: 'conv2d',
  type: Conv2D,
  create: (config) => new Conv2D(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, [...SAVED, 'dtype'], SAVED);
    check.int(`${path}.filters`, o.filters, 1, MAX_DIM);
    for (const k of ['kernelSize', 'strides', 'dilationRate']) readPair(check, `${path}.${k}`, o[k]);
    check.oneOf(`${path}.padding`, o.padding, PADDINGS);
    check.oneOf(`${path}.activation`, o.activation, ACTIVATIONS);
    check.boolean(`${path}.useBias`, o.useBias);
    check.oneOf(`${path}.kernelInitializer`, o.kernelInitializer, INITIALIZERS);
    check.oneOf(`${path}.biasInitializer`, o.biasInitializer, INITIALIZERS);
    readDType(check, path, o);
    return o;
  },
};
