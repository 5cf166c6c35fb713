import { relu, sigmoid, tanh } from '../ops/unary.js';
import { softmax } from '../ops/softmax/softmax.js';
import type { Tensor } from '../tensor/tensor.js';
import { argError } from '../tensor/errors.js';

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
