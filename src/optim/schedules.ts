import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Registry } from '../tensor/registry.js';

/*
 * Learning-rate schedules with Keras's formulas (keras.optimizers.schedules), evaluated in float64 (Keras
 * computes in the initial rate's dtype, usually float32). `step` is the number of updates applied so far, 0 for
 * the first, as Keras's optimizer.iterations. A schedule is a function that carries its config, so an optimizer
 * saves it in checkpoints and a resumed run continues it from the restored step.
 */

export type ScheduleValue = number | boolean | null | number[];
/** A schedule as JSON: {name: 'cosineDecay', config: {...}}. */
export interface ScheduleConfig {
  name: string;
  config: Record<string, ScheduleValue>;
}

export interface LearningRateSchedule {
  (step: number, epoch?: number): number;
  readonly schedule: ScheduleConfig;
}

interface ScheduleDefinition {
  readonly name: string;
  readonly options: readonly string[];
  /** Validates the options (defaults filled in) and returns the full config and the function of the step. */
  build(op: string, o: Record<string, unknown>): { config: Record<string, ScheduleValue>; at: (step: number) => number };
}

function num(op: string, arg: string, v: unknown, fallback?: number, min = 0, positive = false): number {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || (positive && v === 0))
    throw argError(op, arg, `a finite number ${positive ? '>' : '≥'} ${min}`, v);
  return v;
}

const exponential: ScheduleDefinition = {
  name: 'exponentialDecay',
  options: ['initialLearningRate', 'decaySteps', 'decayRate', 'staircase'],
  build(op, o) {
    const lr = num(op, 'initialLearningRate', o.initialLearningRate);
    const decaySteps = num(op, 'decaySteps', o.decaySteps, undefined, 0, true);
    const decayRate = num(op, 'decayRate', o.decayRate);
    if (o.staircase !== undefined && typeof o.staircase !== 'boolean') throw argTypeError(op, 'staircase', 'a boolean', o.staircase);
    const staircase = o.staircase ?? false;
    // lr · rate^(step / decaySteps), the exponent floored with staircase.
    const at = (step: number) => lr * decayRate ** (staircase ? Math.floor(step / decaySteps) : step / decaySteps);
    return { config: { initialLearningRate: lr, decaySteps, decayRate, staircase }, at };
  },
};

const cosine: ScheduleDefinition = {
  name: 'cosineDecay',
  options: ['initialLearningRate', 'decaySteps', 'alpha', 'warmupTarget', 'warmupSteps'],
  build(op, o) {
    const lr = num(op, 'initialLearningRate', o.initialLearningRate);
    const decaySteps = num(op, 'decaySteps', o.decaySteps, undefined, 0, true);
    const alpha = num(op, 'alpha', o.alpha, 0);
    const warmupTarget = o.warmupTarget === undefined || o.warmupTarget === null ? null : num(op, 'warmupTarget', o.warmupTarget);
    const warmupSteps = num(op, 'warmupSteps', o.warmupSteps, 0);
    const decay = (step: number, from: number) => from * ((1 - alpha) * 0.5 * (1 + Math.cos((Math.PI * step) / decaySteps)) + alpha);
    const at = (step: number): number => {
      if (warmupTarget === null) return decay(Math.min(step, decaySteps), lr);
      // Linear warmup from lr to warmupTarget over warmupSteps, then cosine decay from warmupTarget.
      const s = Math.min(step, decaySteps + warmupSteps);
      return s < warmupSteps ? (warmupTarget - lr) * (s / warmupSteps) + lr : decay(s - warmupSteps, warmupTarget);
    };
    return { config: { initialLearningRate: lr, decaySteps, alpha, warmupTarget, warmupSteps }, at };
  },
};

const piecewise: ScheduleDefinition = {
  name: 'piecewiseConstantDecay',
  options: ['boundaries', 'values'],
  build(op, o) {
    const b = o.boundaries;
    const v = o.values;
    if (!Array.isArray(b) || b.some((x, i) => typeof x !== 'number' || !Number.isFinite(x) || (i > 0 && x <= b[i - 1]))) {
      throw argError(op, 'boundaries', 'an array of strictly increasing finite numbers', b);
    }
    if (!Array.isArray(v) || v.length !== b.length + 1)
      throw argError(op, 'values', `an array of ${(b as unknown[]).length + 1} numbers (one more than boundaries)`, v);
    v.forEach((x, i) => num(op, `values[${i}]`, x));
    const boundaries = (b as number[]).slice();
    const values = (v as number[]).slice();
    // values[i] for boundaries[i-1] < step ≤ boundaries[i] (Keras's intervals: a boundary belongs to the interval before it).
    const at = (step: number) => {
      let i = 0;
      while (i < boundaries.length && step > boundaries[i]) i++;
      return values[i];
    };
    return { config: { boundaries, values }, at };
  },
};

/** The learning-rate schedules (add one: its definition above and one line here). */
export const SCHEDULES = new Registry<ScheduleDefinition>('learning-rate schedule', [exponential, cosine, piecewise]);

/** Builds a schedule from its name and options (what the factories and checkpoint loading call). */
export function makeSchedule(op: string, name: string, options: unknown): LearningRateSchedule {
  const def = SCHEDULES.get(op, 'name', name);
  const o = checkOptions(op, options as Record<string, unknown> | undefined, def.options);
  const { config, at } = def.build(op, o);
  return Object.assign((step: number) => at(step), { schedule: { name: def.name, config } });
}

/** A schedule from its JSON ({name, config}), e.g. read from a checkpoint. */
export function scheduleFromConfig(op: string, json: unknown): LearningRateSchedule {
  const j = checkOptions(op, json as Record<string, unknown> | undefined, ['name', 'config'], 'schedule');
  return makeSchedule(op, j.name as string, j.config ?? {});
}

export function isSchedule(x: unknown): x is LearningRateSchedule {
  return typeof x === 'function' && typeof (x as Partial<LearningRateSchedule>).schedule === 'object';
}

export interface ExponentialDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  staircase?: boolean;
}
export interface CosineDecayConfig {
  initialLearningRate: number;
  decaySteps: number;
  alpha?: number;
  warmupTarget?: number | null;
  warmupSteps?: number;
}
export interface PiecewiseConstantDecayConfig {
  boundaries: number[];
  values: number[];
}

export const exponentialDecay = (c: ExponentialDecayConfig): LearningRateSchedule => makeSchedule('exponentialDecay', 'exponentialDecay', c);
export const cosineDecay = (c: CosineDecayConfig): LearningRateSchedule => makeSchedule('cosineDecay', 'cosineDecay', c);
export const piecewiseConstantDecay = (c: PiecewiseConstantDecayConfig): LearningRateSchedule =>
  makeSchedule('piecewiseConstantDecay', 'piecewiseConstantDecay', c);
