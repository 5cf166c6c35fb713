/** optim/: optimizers that update a model's variables from gradients. */
import { argError, argTypeError } from '../tensor/errors.js';
import { Adam, AdamW, type AdamConfig } from './adam.js';
import { Optimizer } from './optimizer.js';
import { SGD, type SGDConfig } from './sgd.js';

export { Optimizer, type OptimizerState, type OptimizerType, type LearningRate, type SlotState } from './optimizer.js';
export { SGD, type SGDConfig } from './sgd.js';
export { Adam, AdamW, type AdamConfig } from './adam.js';
export { sgdUpdate } from './updates.js';
export { adamUpdate } from '../kernels/ts/optimizer.js';

export const sgd = (config: SGDConfig = {}): SGD => new SGD(config);
export const adam = (config: AdamConfig = {}): Adam => new Adam(config);
export const adamw = (config: AdamConfig = {}): AdamW => new AdamW(config);

export type OptimizerSpec = Optimizer | 'sgd' | 'adam' | 'adamw';

/** An optimizer instance, or a fresh one with default settings from its name. */
export function getOptimizer(op: string, spec: unknown): Optimizer {
  if (spec instanceof Optimizer) return spec;
  if (spec === 'sgd') return new SGD();
  if (spec === 'adam') return new Adam();
  if (spec === 'adamw') return new AdamW();
  if (typeof spec === 'string') throw argError(op, 'optimizer', "'sgd', 'adam', 'adamw' or an optimizer instance", spec);
  throw argTypeError(op, 'optimizer', "'sgd', 'adam', 'adamw' or an optimizer instance (optimizers.adam({learningRate}))", spec);
}
