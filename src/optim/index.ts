/** optim/: optimizers that update a model's variables from gradients. */
import { argTypeError } from '../tensor/errors.js';
import { OPTIMIZERS } from './registry.js';
import { Adam, AdamW, type AdamConfig } from './adam.js';
import { Optimizer } from './optimizer.js';
import { SGD, type SGDConfig } from './sgd.js';

export { OPTIMIZERS, optimizerFromConfig } from './registry.js';
export {
  SCHEDULES,
  exponentialDecay,
  cosineDecay,
  piecewiseConstantDecay,
  scheduleFromConfig,
  isSchedule,
  type LearningRateSchedule,
  type ScheduleConfig,
  type ExponentialDecayConfig,
  type CosineDecayConfig,
  type PiecewiseConstantDecayConfig,
} from './schedules.js';
export {
  Optimizer,
  type OptimizerDefinition,
  type OptimizerConfigValue,
  type OptimizerState,
  type OptimizerType,
  type LearningRate,
  type SlotState,
} from './optimizer.js';
export { SGD, type SGDConfig } from './sgd.js';
export { Adam, AdamW, type AdamConfig } from './adam.js';
export { sgdUpdate } from './updates.js';
export { adamUpdate } from '../kernels/ts/optimizer.js';

export const sgd = (config: SGDConfig = {}): SGD => new SGD(config);
export const adam = (config: AdamConfig = {}): Adam => new Adam(config);
export const adamw = (config: AdamConfig = {}): AdamW => new AdamW(config);

export type OptimizerSpec = Optimizer | 'sgd' | 'adam' | 'adamw';

/** An optimizer instance, or a fresh one with default settings from its registry name. */
export function getOptimizer(op: string, spec: unknown): Optimizer {
  if (spec instanceof Optimizer) return spec;
  if (typeof spec !== 'string')
    throw argTypeError(
      op,
      'optimizer',
      `${OPTIMIZERS.names()
        .map((n) => `'${n}'`)
        .join(', ')} or an optimizer instance (optimizers.adam({learningRate}))`,
      spec,
    );
  return OPTIMIZERS.get(op, 'optimizer', spec).create();
}
