import { Registry } from '../tensor/registry.js';
import { adamDefinition, adamwDefinition } from './adam.js';
import type { Optimizer, OptimizerDefinition, OptimizerState } from './optimizer.js';
import { scheduleFromConfig } from './schedules.js';
import { sgdDefinition } from './sgd.js';

/** The optimizers (add one: its file with its definition, and one line here). */
export const OPTIMIZERS = new Registry<OptimizerDefinition>('optimizer', [sgdDefinition, adamDefinition, adamwDefinition]);

/**
 * A fresh optimizer from a saved type and config (a checkpoint's): a saved schedule is rebuilt, a null entry (a
 * schedule function, which is not data) takes the default. Slots and step are restored by setState.
 */
export function optimizerFromConfig(op: string, state: Pick<OptimizerState, 'type' | 'config'>): Optimizer {
  const def = OPTIMIZERS.get(op, 'type', state.type);
  const config: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(state.config)) {
    if (v === null) continue;
    config[k] = k === 'learningRate' && typeof v === 'object' ? scheduleFromConfig(op, v) : v;
  }
  return def.create(config);
}
