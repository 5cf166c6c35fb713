import type { Tensor } from '../tensor/tensor.js';
import type { OptimizerState } from '../optim/optimizer.js';
import type { HistoryData } from './callbacks.js';
import type { Model } from './model.js';

/** The fit settings a resumed run must share with the run that wrote the checkpoint to reproduce it. */
export interface FitFingerprint {
  batchSize: number;
  shuffle: boolean;
  samples: number;
  validationSamples: number;
}

/** Everything needed to continue training exactly where an epoch ended. */
export interface TrainingState {
  /** Epochs completed. */
  epoch: number;
  /** Model parameters by variable name. */
  weights: Array<{ name: string; value: Tensor }>;
  optimizer: OptimizerState;
  /** The model generator's state (it shuffles the next epoch's batches). */
  rng: number[];
  history: HistoryData;
  fit: FitFingerprint;
}

/**
 * Where fit keeps its checkpoint. `save` must be atomic: after a crash at any moment, `load` returns the
 * previous or the new state, never a mix. logitkit/node provides `directoryCheckpoint(dir)` (one file,
 * written with temp file + fsync + rename); a browser app can keep the bytes of `checkpointToBytes` anywhere.
 */
export interface CheckpointStore {
  /** A description for messages, e.g. the file path. */
  readonly location: string;
  /** The last saved state, checked against `model`, or null when there is none yet. */
  load(model: Model): Promise<TrainingState | null>;
  save(model: Model, state: TrainingState): Promise<void>;
}

/**
 * fit's `checkpoint` option: where the state goes is a parameter, `{store}` (a CheckpointStore:
 * `directoryCheckpoint(dir)` from logitkit/node, or your own); `resume: true` continues from the saved state when
 * there is one (and starts fresh when there is none).
 */
export interface CheckpointOptions {
  store: CheckpointStore;
  resume?: boolean;
}
