import type { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { matMul } from '../ops/matmul.js';
import { ACTIVATIONS, biasAndActivate, checkActivation, type ActivationName } from './activations.js';
import { checkInitializer, INITIALIZERS, initialize, type InitializerName } from './initializers.js';
import { checkFeatureShape, MAX_DIM } from './input.js';
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

const SAVED = ['units', 'activation', 'useBias', 'kernelInitializer', 'biasInitializer'];

export interface DenseConfig {
  /** Number of outputs. */
  units: number;
  /** Applied after x·W + b; default 'linear' (none): the layer outputs logits. */
  activation?: ActivationName;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  name?: string;
  /** For the first layer of a sequential model: one example's shape, e.g. [784]. */
  inputShape?: readonly number[];
  /** Parameter dtype; default: the dtype of the input. */
  dtype?: FloatDType;
}

/**
 * A fully connected layer: y = activation(x · W + b), W of shape [inputs, units], on the last axis of
 * [batch, ..., inputs] (each step of a sequence on its own, passing a mask on). The math is the op layer's matMul,
 * add and activation: Dense owns the parameters, the ops own the arithmetic and the gradients.
 */
export class Dense extends Layer {
  readonly className = 'Dense';
  protected readonly namePrefix = 'dense';
  readonly units: number;
  private readonly act: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  readonly inputShape?: readonly number[];

  constructor(config: DenseConfig) {
    const op = 'layers.dense';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {units, activation?, ...}', config);
    checkOptions(op, config, [...SAVED, 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (!Number.isInteger(config.units) || config.units < 1 || config.units > MAX_DIM) {
      throw argError(op, 'units', 'a positive integer', config.units);
    }
    if (config.useBias !== undefined && typeof config.useBias !== 'boolean') throw argTypeError(op, 'useBias', 'a boolean', config.useBias);
    this.units = config.units;
    this.act = checkActivation(op, config.activation);
    this.useBias = config.useBias ?? true;
    this.kernelInitializer = checkInitializer(op, 'kernelInitializer', config.kernelInitializer, 'glorotUniform');
    this.biasInitializer = checkInitializer(op, 'biasInitializer', config.biasInitializer, 'zeros');
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  override get activation(): ActivationName {
    return this.act;
  }

  /** A mask on the input passes through to the output unchanged (Keras's supports_masking). */
  override get supportsMasking(): boolean {
    return true;
  }

  /** The kernel W [inputs, units] (after build). */
  get kernel(): Variable {
    return this.requireBuilt()[0];
  }

  /** The bias b [units], or null with useBias: false. */
  get bias(): Variable | null {
    return this.useBias ? this.requireBuilt()[1] : null;
  }

  private requireBuilt(): readonly Variable[] {
    if (!this.built) throw new Error(`Dense '${this.name}': the layer has no weights yet (build it in a model, or apply it to a tensor)`);
    return this.weights;
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    const inDim = shape[shape.length - 1];
    if (shape.length < 2 || inDim === null) {
      throw argError(`Dense '${this.name}'`, 'input', 'a batch of examples with a known last dimension, shape [batch, ..., features]', formatShape(shape));
    }
    if (this.built && inDim !== this.kernel.shape[0]) {
      throw argError(
        `Dense '${this.name}'`,
        'input',
        `${this.kernel.shape[0]} features on the last axis (the layer's kernel is [${this.kernel.shape.join(', ')}])`,
        formatShape(shape),
      );
    }
    return [...shape.slice(0, -1), this.units];
  }

  override weightShapes(inputShapes: readonly SymbolicShape[]): Array<{ name: string; shape: number[] }> {
    const inDim = inputShapes[0][inputShapes[0].length - 1] as number;
    return [{ name: 'kernel', shape: [inDim, this.units] }, ...(this.useBias ? [{ name: 'bias', shape: [this.units] }] : [])];
  }

  protected override createWeights(inputShapes: readonly SymbolicShape[], dtype: FloatDType, rng: Random): Variable[] {
    const inDim = inputShapes[0][inputShapes[0].length - 1] as number;
    const kernel = initialize(this.kernelInitializer, [inDim, this.units], dtype, rng, inDim, this.units);
    const vars = [new Variable(() => `${this.name}/kernel`, kernel)];
    if (this.useBias) vars.push(new Variable(() => `${this.name}/bias`, initialize(this.biasInitializer, [this.units], dtype, rng, inDim, this.units)));
    return vars;
  }

  call(inputs: readonly Tensor[], weights: readonly Tensor[], context?: CallContext): LayerOutput {
    const z0 = matMul(inputs[0], weights[0]);
    return biasAndActivate(z0, this.useBias ? weights[1] : null, this.act, context);
  }

  getConfig(): LayerConfig {
    return {
      units: this.units,
      activation: this.act,
      useBias: this.useBias,
      kernelInitializer: this.kernelInitializer,
      biasInitializer: this.biasInitializer,
      ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
    };
  }
}

export const denseLayer: LayerDefinition<'dense', DenseConfig, Dense> = {
  name: 'Dense',
  factory: 'dense',
  type: Dense,
  create: (config) => new Dense(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, [...SAVED, 'dtype'], SAVED);
    check.int(`${path}.units`, o.units, 1, MAX_DIM);
    check.oneOf(`${path}.activation`, o.activation, ACTIVATIONS);
    check.boolean(`${path}.useBias`, o.useBias);
    check.oneOf(`${path}.kernelInitializer`, o.kernelInitializer, INITIALIZERS);
    check.oneOf(`${path}.biasInitializer`, o.biasInitializer, INITIALIZERS);
    readDType(check, path, o);
    return o;
  },
};
