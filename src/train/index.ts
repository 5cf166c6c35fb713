/** train/: models that train (compile / fit / evaluate / predict), losses, metrics, callbacks, checkpoints. */
export { Model, type CompileArgs, type FitOptions, type BatchOptions, type ModelInput } from './model.js';
export { Sequential, model, sequential, type SequentialOptions } from './sequential.js';
export { History, type Callback, type BatchLogs, type EpochLogs, type TrainBeginLogs, type TrainEndLogs, type HistoryData } from './callbacks.js';
export type { CheckpointOptions, CheckpointStore, TrainingState, FitFingerprint } from './checkpoint.js';
export {
  LOSSES,
  LOSS_NAMES,
  type LossName,
  type LossSpec,
  type LossFunction,
  type LossPlan,
  type LossConfig,
  type LossDefinition,
} from '../ops/softmax/compile-losses.js';
export { METRICS, resolveMetrics, type MetricSpec, type MetricName, type MetricDefinition } from './metric-registry.js';
export * as metrics from './metrics.js';
export * as callbacks from './keras-callbacks.js';
export type { ModelStore, EarlyStoppingOptions, ReduceLROnPlateauOptions, ModelCheckpointOptions } from './keras-callbacks.js';
export type { MonitorMode } from './monitor.js';
export {
  trainMlpClassifier,
  buildMlpClassifier,
  MLP_CLASSIFIER_DEFAULTS,
  type MlpArchitecture,
  type MlpClassifierOptions,
  type MlpClassifierResult,
} from './mlp-classifier.js';
export { explainableModel } from './explainable.js';
