import { allocateOwned, type TypedArray } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../layers/variable.js';
import { isSchedule, type ScheduleConfig } from './schedules.js';

/**
 * A learning rate: a number, or a schedule called before every update with `step` (updates applied so far,
 * 0 for the first) and `epoch` (0-based, set by fit). It must return a finite number ≥ 0.
 */
export type LearningRate = number | ((step: number, epoch: number) => number);

export type OptimizerType = 'sgd' | 'adam' | 'adamw';

/** A hyperparameter as saved: a number, a flag, a schedule's JSON, or null for a schedule function that is not data. */
export type OptimizerConfigValue = number | boolean | null | ScheduleConfig;

/** One optimizer of the registry (src/optim/registry.ts): its name, the config it saves, its slots, its constructor. */
export interface OptimizerDefinition {
  readonly name: OptimizerType;
  /** The options its config takes (and getConfig saves). */
  readonly options: readonly string[];
  /** Names of its per-variable slot buffers (checkpoints store them). */
  readonly slots: readonly string[];
  create(config?: Record<string, unknown>): Optimizer;
}

/** One slot buffer of one variable (Adam's 'm' and 'v', SGD's 'momentum'). */
export interface SlotState {
  variable: string;
  slot: string;
  value: Tensor;
}

/**
 * Everything an optimizer needs to continue exactly where it stopped: saved in checkpoints. A learning-rate
 * schedule function is not data: its config entry is null and the schedule must be passed again.
 */
export interface OptimizerState {
  type: OptimizerType;
  config: Record<string, OptimizerConfigValue>;
  /** Updates applied so far. */
  step: number;
  slots: SlotState[];
}

export function checkLearningRate(op: string, lr: unknown): LearningRate {
  if (typeof lr === 'function') return lr as LearningRate;
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0)
    throw argError(op, 'learningRate', 'a finite number ≥ 0 or a function (step, epoch) => number', lr);
  return lr;
}

export function checkNumber(op: string, arg: string, x: unknown, fallback: number, low: number, high: number, openHigh = false): number {
  if (x === undefined) return fallback;
  if (typeof x !== 'number' || !Number.isFinite(x) || x < low || (openHigh ? x >= high : x > high)) {
    throw argError(op, arg, `a number in [${low}, ${high}${openHigh ? ')' : ']'}`, x);
  }
  return x;
}

/**
 * The optimizer base: validates variables and gradients, evaluates the learning rate, owns the slot buffers
 * (keyed by variable name) and applies one update per `applyGradients` call.
 */
export abstract class Optimizer {
  abstract readonly type: OptimizerType;
  learningRate: LearningRate;
  /** Updates applied so far. */
  step = 0;
  /** The current epoch (0-based), passed to a learning-rate schedule; fit sets it. */
  epoch = 0;
  /** The learning rate of the last update. */
  lastLearningRate = Number.NaN;
  protected slots = new Map<string, Map<string, TypedArray>>();

  constructor(learningRate: LearningRate, op: string) {
    this.learningRate = checkLearningRate(op, learningRate);
  }

  /** Hyperparameters as JSON (a built-in schedule as its {name, config}; a schedule function as null). */
  abstract getConfig(): Record<string, OptimizerConfigValue>;

  protected learningRateConfig(): OptimizerConfigValue {
    const lr = this.learningRate;
    return typeof lr === 'number' ? lr : isSchedule(lr) ? lr.schedule : null;
  }

  /** Names of the per-variable slot buffers this optimizer keeps. */
  protected abstract slotNames(): string[];

  /** The update of one variable: read p and g, update slots, write the new values into out (p itself in training). */
  protected abstract update(p: TypedArray, g: TypedArray, slots: TypedArray[], out: TypedArray, lr: number): void;

  /** Hook before the variables of one step are updated (bias corrections and the like). */
  protected beginStep(_lr: number): void {}

  /** The learning rate for the next update. */
  currentLearningRate(): number {
    const lr = typeof this.learningRate === 'function' ? this.learningRate(this.step, this.epoch) : this.learningRate;
    if (typeof lr !== 'number' || !Number.isFinite(lr) || lr < 0) {
      throw argError(`${this.type}`, 'learningRate', `a schedule returning a finite number ≥ 0 (step ${this.step}, epoch ${this.epoch})`, lr);
    }
    return lr;
  }

  /** Applies one update: variables[i] moves along −grads[i]. */
  applyGradients(variables: readonly Variable[], grads: readonly Tensor[]): void {
    const op = `${this.type}.applyGradients`;
    if (!Array.isArray(variables) || !Array.isArray(grads) || variables.length !== grads.length) {
      throw argError(
        op,
        'grads',
        `one gradient per variable (${Array.isArray(variables) ? variables.length : '?'})`,
        Array.isArray(grads) ? `${grads.length} gradients` : grads,
      );
    }
    grads.forEach((g, i) => {
      const v = variables[i];
      if (!(g instanceof Tensor)) throw argTypeError(op, `grads[${i}]`, 'a Tensor', g);
      if (!shapesEqual(g.shape, v.shape) || g.dtype !== v.dtype) {
        throw argError(op, `grads[${i}]`, `a ${v.dtype} tensor of shape [${v.shape.join(', ')}] like variable '${v.name}'`, g);
      }
    });
    const lr = this.currentLearningRate();
    this.lastLearningRate = lr;
    this.beginStep(lr);
    // In place: the variables own their storage (nn/variable.ts), so a step allocates no parameter buffers.
    variables.forEach((v, i) => {
      const p = v.value.values;
      this.update(p, grads[i].values, this.slotsOf(v), p, lr);
    });
    this.step++;
  }

  private slotsOf(v: Variable): TypedArray[] {
    let map = this.slots.get(v.name);
    if (!map) {
      map = new Map();
      this.slots.set(v.name, map);
    }
    return this.slotNames().map((name) => {
      let buf = map!.get(name);
      if (!buf || buf.length !== v.size || buf instanceof Float64Array !== (v.dtype === 'float64')) {
        buf = allocateOwned(v.dtype, v.size);
        map!.set(name, buf);
      }
      return buf;
    });
  }

  /** A deep copy of the state, for checkpoints (`setState` restores it). */
  getState(): OptimizerState {
    const slots: SlotState[] = [];
    for (const [variable, map] of this.slots) {
      for (const [slot, buf] of map) slots.push({ variable, slot, value: new Tensor(buf.slice(), [buf.length]) });
    }
    return { type: this.type, config: this.getConfig(), step: this.step, slots };
  }

  /** Restores a state from `getState` (of an optimizer of the same type). Slot tensors are copied. */
  setState(state: OptimizerState): void {
    const op = `${this.type}.setState`;
    if (state === null || typeof state !== 'object') throw argTypeError(op, 'state', 'an optimizer state object', state);
    if (state.type !== this.type) throw argError(op, 'state.type', `'${this.type}' (the state of another optimizer cannot be loaded)`, state.type);
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw argError(op, 'state.step', 'a non-negative integer', state.step);
    if (!Array.isArray(state.slots)) throw argTypeError(op, 'state.slots', 'an array', state.slots);
    const names = new Set(this.slotNames());
    const next = new Map<string, Map<string, TypedArray>>();
    state.slots.forEach((s, i) => {
      if (
        s === null ||
        typeof s !== 'object' ||
        typeof s.variable !== 'string' ||
        !names.has(s.slot) ||
        !(s.value instanceof Tensor) ||
        s.value.dtype === 'int32'
      ) {
        throw argError(op, `state.slots[${i}]`, `{variable, slot: ${[...names].map((n) => `'${n}'`).join(' | ')}, value: a float tensor}`, s?.slot);
      }
      let map = next.get(s.variable);
      if (!map) next.set(s.variable, (map = new Map()));
      map.set(s.slot, s.value.values.slice());
    });
    this.slots = next;
    this.step = state.step;
  }
}
