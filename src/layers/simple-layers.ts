import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import { add } from '../ops/arithmetic.js';
import { ACTIVATIONS, activate, checkActivation, type ActivationName } from './activations.js';
import { formatShape, Layer, readDType, type FloatDType, type LayerConfig, type LayerDefinition, type LayerOutput, type SymbolicShape } from './layer.js';

export interface ActivationConfig {
  activation: ActivationName;
  name?: string;
  dtype?: FloatDType;
}

/** Applies an activation on its own (no weights): `layers.activation({activation: 'softmax'})`. */
export class Activation extends Layer {
  readonly className = 'Activation';
  protected readonly namePrefix = 'activation';
  private readonly act: ActivationName;

  constructor(config: ActivationConfig) {
    const op = 'layers.activation';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {activation}', config);
    checkOptions(op, config, ['activation', 'name', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    this.act = checkActivation(op, config.activation);
  }

  override get activation(): ActivationName {
    return this.act;
  }

  /** A mask on the input passes through to the output unchanged (Keras's supports_masking). */
  override get supportsMasking(): boolean {
    return true;
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    return inputShapes[0];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    if (this.act === 'linear') return { output: inputs[0] };
    return { output: activate(this.act, inputs[0]), preActivation: inputs[0] };
  }

  getConfig(): LayerConfig {
    return { activation: this.act, ...(this.dtype !== undefined ? { dtype: this.dtype } : {}) };
  }
}

export interface AddConfig {
  name?: string;
  dtype?: FloatDType;
}

/** Element-wise sum of 2 to 32 inputs of one shape (residual connections, merging branches). */
export class Add extends Layer {
  readonly className = 'Add';
  protected readonly namePrefix = 'add';

  constructor(config: AddConfig = {}) {
    const op = 'layers.add';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {name?}', config);
    checkOptions(op, config, ['name', 'dtype'], 'config');
    super(config.name, config.dtype, op);
  }

  protected override arity(): [number, number] {
    return [2, 32];
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const first = inputShapes[0];
    for (const s of inputShapes) {
      if (s.length !== first.length || s.some((d, i) => d !== first[i])) {
        throw argError(`Add '${this.name}'`, 'inputs', `inputs of one shape ${formatShape(first)}`, inputShapes.map(formatShape).join(', '));
      }
    }
    return first;
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    let out = inputs[0];
    for (let i = 1; i < inputs.length; i++) out = add(out, inputs[i]);
    return { output: out };
  }

  getConfig(): LayerConfig {
    return this.dtype !== undefined ? { dtype: this.dtype } : {};
  }
}

export const activationLayer: LayerDefinition<'activation', ActivationConfig, Activation> = {
  name: 'Activation',
  factory: 'activation',
  type: Activation,
  create: (config) => new Activation(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['activation', 'dtype'], ['activation']);
    check.oneOf(`${path}.activation`, o.activation, ACTIVATIONS);
    readDType(check, path, o);
    return o;
  },
};

export const addLayer: LayerDefinition<'add', AddConfig | undefined, Add> = {
  name: 'Add',
  factory: 'add',
  type: Add,
  create: (config = {}) => new Add(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['dtype']);
    readDType(check, path, o);
    return o;
  },
};
