import { add } from '../ops/arithmetic.js';
import { biasRelu } from '../ops/bias-relu.js';
import { relu, sigmoid, tanh } from '../ops/unary.js';
import { softmax } from '../ops/softmax/softmax.js';
import type { Tensor } from '../tensor/tensor.js';
import { argError } from '../tensor/errors.js';
import type { CallContext, LayerOutput } from './layer.js';

/** Activations a layer can apply after its affine map; 'linear' (the default) leaves logits as they are. */
export type ActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
export const ACTIVATIONS: readonly ActivationName[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

const table: Record<ActivationName, (x: Tensor) => Tensor> = {
  linear: (x) => x,
  relu: (x) => relu(x),
  sigmoid: (x) => sigmoid(x),
  tanh: (x) => tanh(x),
  // The class axis is the last one, as everywhere in logitkit.
  softmax: (x) => softmax(x, -1),
};

export function checkActivation(op: string, value: unknown): ActivationName {
  if (value === undefined || value === null) return 'linear';
  if (!(ACTIVATIONS as readonly unknown[]).includes(value)) {
    throw argError(op, 'activation', `one of ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as ActivationName;
}

/** Applies a named activation with the op layer's functions (the ops own the gradients). */
export function activate(name: ActivationName, x: Tensor): Tensor {
  return table[name](x);
}

/** Whether a biased layer computes relu(z0 + bias) in one pass: a relu whose preActivation the context does not ask for. */
export function fusesBiasRelu(name: ActivationName, context?: CallContext): boolean {
  return name === 'relu' && !context?.preActivation;
}

/**
 * A layer's output from its affine map z0 (before the bias): z = z0 + bias, then the activation, with z as the
 * preActivation. A hidden relu layer (the context does not ask for its preActivation) computes relu(z0 + bias) in
 * one pass and never stores z (its gradient comes from the output).
 */
export function biasAndActivate(z0: Tensor, bias: Tensor | null, name: ActivationName, context?: CallContext): LayerOutput {
  if (bias && fusesBiasRelu(name, context)) return { output: biasRelu(z0, bias) };
  const z = bias ? add(z0, bias) : z0;
  if (name === 'linear') return { output: z };
  return { output: activate(name, z), preActivation: z };
}
