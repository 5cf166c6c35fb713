import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Callback, EpochLogs } from './callbacks.js';
import { createMonitor, type MonitorMode } from './monitor.js';
import type { Model } from './model.js';

/** Keras's built-in callbacks, with Keras 3's rules (exported as `callbacks`). Each instance may be reused across fits. */

function nonNegativeInt(op: string, arg: string, x: unknown, fallback: number): number {
  if (x === undefined) return fallback;
  if (!Number.isSafeInteger(x) || (x as number) < 0) throw argError(op, arg, 'an integer ≥ 0', x);
  return x as number;
}

function optionalNumber(op: string, arg: string, x: unknown): number | null {
  if (x === undefined || x === null) return null;
  if (typeof x !== 'number' || !Number.isFinite(x)) throw argError(op, arg, 'a finite number', x);
  return x;
}

function modelOf(op: string, model: Model | null): Model {
  if (!model) throw new Error(`${op}: this callback works inside fit (pass it in fit's callbacks)`);
  return model;
}

export interface EarlyStoppingOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** An improvement must beat the best by more than this (absolute). Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  mode?: MonitorMode;
  /** Training stops unless the monitored value beats this too (wait is reset only then). */
  baseline?: number;
  /** At the end of training, put back the weights of the best epoch (whether or not training stopped early). */
  restoreBestWeights?: boolean;
  /** Epochs (counted from 0, as fit's) before monitoring starts. Default 0. */
  startFromEpoch?: number;
}

/** Stops fit when the monitored quantity has stopped improving (Keras's EarlyStopping). */
export function earlyStopping(options?: EarlyStoppingOptions): Callback & { readonly stoppedEpoch: number; readonly bestEpoch: number } {
  const op = 'callbacks.earlyStopping';
  const o = checkOptions(op, options, ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights', 'startFromEpoch']);
  const monitor = createMonitor(op, o.monitor ?? 'val_loss', o.mode, o.minDelta);
  const patience = nonNegativeInt(op, 'patience', o.patience, 0);
  const baseline = optionalNumber(op, 'baseline', o.baseline);
  const startFromEpoch = nonNegativeInt(op, 'startFromEpoch', o.startFromEpoch, 0);
  if (o.restoreBestWeights !== undefined && typeof o.restoreBestWeights !== 'boolean')
    throw argTypeError(op, 'restoreBestWeights', 'a boolean', o.restoreBestWeights);
  let model: Model | null = null;
  let wait = 0;
  let best: number | null = null;
  let bestWeights: Tensor[] | null = null;
  const state = { stoppedEpoch: 0, bestEpoch: 0 };
  return {
    get stoppedEpoch() {
      return state.stoppedEpoch;
    },
    get bestEpoch() {
      return state.bestEpoch;
    },
    setModel: (m) => void (model = m),
    onTrainBegin() {
      wait = 0;
      best = null;
      bestWeights = null;
      state.stoppedEpoch = 0;
      state.bestEpoch = 0;
    },
    onEpochEnd(epoch: number, logs: EpochLogs) {
      const m = modelOf(op, model);
      const current = monitor.read(logs);
      if (epoch < startFromEpoch) return;
      if (o.restoreBestWeights && bestWeights === null) {
        bestWeights = m.getWeights();
        state.bestEpoch = epoch;
      }
      wait++;
      if (monitor.improves(current, best)) {
        best = current;
        state.bestEpoch = epoch;
        if (o.restoreBestWeights) bestWeights = m.getWeights();
        // wait restarts only when the value beats both the previous best and the baseline.
        if (baseline === null || monitor.improves(current, baseline)) wait = 0;
        return;
      }
      if (wait >= patience && epoch > 0) {
        state.stoppedEpoch = epoch;
        m.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (o.restoreBestWeights && bestWeights !== null) modelOf(op, model).setWeights(bestWeights);
    },
  };
}

export interface ReduceLROnPlateauOptions {
  /** Default 'val_loss'. */
  monitor?: string;
  /** new lr = lr · factor, in (0, 1). Default 0.1. */
  factor?: number;
  /** Epochs without improvement before reducing. Default 10. */
  patience?: number;
  mode?: MonitorMode;
  /** Default 1e-4. */
  minDelta?: number;
  /** Epochs after a reduction during which no epoch counts as waiting. Default 0. */
  cooldown?: number;
  /** The learning rate never goes below this. Default 0. */
  minLr?: number;
}

/**
 * Multiplies the optimizer's learning rate by `factor` when the monitored quantity has stopped improving
 * (Keras's ReduceLROnPlateau). The learning rate must be a number: with a schedule there is no rate to set
 * (an error, as in Keras).
 */
export function reduceLROnPlateau(options?: ReduceLROnPlateauOptions): Callback {
  const op = 'callbacks.reduceLROnPlateau';
  const o = checkOptions(op, options, ['monitor', 'factor', 'patience', 'mode', 'minDelta', 'cooldown', 'minLr']);
  const monitor = createMonitor(op, o.monitor ?? 'val_loss', o.mode, o.minDelta ?? 1e-4);
  const factor = o.factor ?? 0.1;
  if (typeof factor !== 'number' || !(factor > 0 && factor < 1)) throw argError(op, 'factor', 'a number in (0, 1) (Keras refuses factor ≥ 1)', factor);
  const patience = nonNegativeInt(op, 'patience', o.patience, 10);
  const cooldown = nonNegativeInt(op, 'cooldown', o.cooldown, 0);
  const minLr = o.minLr ?? 0;
  if (typeof minLr !== 'number' || !Number.isFinite(minLr) || minLr < 0) throw argError(op, 'minLr', 'a finite number ≥ 0', minLr);
  let model: Model | null = null;
  let wait = 0;
  let cooldownCounter = 0;
  let best: number | null = null;
  return {
    setModel: (m) => void (model = m),
    onTrainBegin() {
      const optimizer = modelOf(op, model).optimizer;
      if (optimizer && typeof optimizer.learningRate !== 'number') {
        throw new TypeError(`${op}: the optimizer's learningRate is a schedule, so there is no rate to reduce: use a number, or the schedule alone`);
      }
      wait = 0;
      cooldownCounter = 0;
      best = null;
    },
    onEpochEnd(_epoch: number, logs: EpochLogs) {
      const optimizer = modelOf(op, model).optimizer!;
      const current = monitor.read(logs);
      if (cooldownCounter > 0) {
        cooldownCounter--;
        wait = 0;
      }
      if (monitor.improves(current, best)) {
        best = current;
        wait = 0;
      } else if (cooldownCounter === 0) {
        wait++;
        const lr = optimizer.learningRate as number;
        // Keras compares with min_lr rounded to float32.
        if (wait >= patience && lr > Math.fround(minLr)) {
          optimizer.learningRate = Math.max(lr * factor, minLr);
          cooldownCounter = cooldown;
          wait = 0;
        }
      }
    },
  };
}

/** Where modelCheckpoint writes: `save` must be atomic (logitkit/node's `modelFile(path)` is). */
export interface ModelStore {
  /** A description for messages, e.g. the file path. */
  readonly location: string;
  save(model: Model, info: { epoch: number; logs: EpochLogs }): Promise<void>;
}

export interface ModelCheckpointOptions {
  /** Where the model goes (required): `modelFile('best.lkm')` from logitkit/node, or your own ModelStore. */
  store: ModelStore;
  /** Default 'val_loss'. */
  monitor?: string;
  mode?: MonitorMode;
  /** Save only when the monitored quantity improves on the best so far. Default false: every epoch. */
  saveBestOnly?: boolean;
  /** With saveBestOnly, the value to beat before the first save (Keras's initial_value_threshold). */
  initialValueThreshold?: number;
}

/** Saves the model after every epoch, or only when it is the best so far (Keras's ModelCheckpoint). */
export function modelCheckpoint(options: ModelCheckpointOptions): Callback {
  const op = 'callbacks.modelCheckpoint';
  const o = checkOptions(op, options, ['store', 'monitor', 'mode', 'saveBestOnly', 'initialValueThreshold']);
  const store = o.store as unknown;
  if (store === null || typeof store !== 'object' || typeof (store as ModelStore).save !== 'function') {
    throw argTypeError(op, 'store', "a ModelStore {location, save(model, {epoch, logs})} (Node: modelFile(path) from 'logitkit/node')", store);
  }
  if (o.saveBestOnly !== undefined && typeof o.saveBestOnly !== 'boolean') throw argTypeError(op, 'saveBestOnly', 'a boolean', o.saveBestOnly);
  const threshold = optionalNumber(op, 'initialValueThreshold', o.initialValueThreshold);
  // Only saveBestOnly reads the monitor, so its direction is only needed (and checked) then.
  const monitor = o.saveBestOnly ? createMonitor(op, o.monitor ?? 'val_loss', o.mode, 0) : null;
  let model: Model | null = null;
  let best = threshold;
  return {
    setModel: (m) => void (model = m),
    onTrainBegin() {
      best = threshold;
    },
    async onEpochEnd(epoch: number, logs: EpochLogs) {
      const m = modelOf(op, model);
      if (monitor) {
        const current = monitor.read(logs);
        if (!monitor.improves(current, best)) return;
        best = current;
      }
      await (store as ModelStore).save(m, { epoch, logs });
    },
  };
}
