import type { Model } from './model.js';

/**
 * What fit reports while it runs. Every hook is optional and may return a promise (fit awaits it).
 * Losses and metrics in batch logs are running means over the epoch so far; in epoch logs, over the epoch.
 */

export interface TrainBeginLogs {
  epochs: number;
  /** The first epoch this call runs (0, or where a resumed checkpoint left off). */
  initialEpoch: number;
  /** Training examples per epoch (after any validation split). */
  samplesPerEpoch: number;
  batchSize: number;
  stepsPerEpoch: number;
  validationSamples: number;
  /** Set when training resumed from a checkpoint. */
  resumedFrom?: string;
}

export interface BatchLogs {
  epoch: number;
  batch: number;
  /** Examples in this batch. */
  size: number;
  /** Examples processed so far in this epoch. */
  samplesSeen: number;
  /** Running mean loss over the epoch so far (Keras's convention). */
  loss: number;
  /** Throughput so far in this epoch. */
  samplesPerSecond: number;
  /** The learning rate of the batch's update (Keras's key). */
  learning_rate: number;
  /** Running means of the compiled metrics, by name (acc, ...). */
  [metric: string]: number;
}

export interface EpochLogs {
  loss: number;
  /** Seconds the epoch took (training and validation). */
  seconds: number;
  /** Training examples per second over the epoch. */
  samplesPerSecond: number;
  /** The learning rate of the epoch's last update (Keras's key). */
  learning_rate: number;
  /** Compiled metrics (acc, ...) and validation values (val_loss, val_acc, ...): Keras's and TF.js's names. */
  [metric: string]: number;
}

export interface TrainEndLogs {
  /** Epochs completed in total (including those before a resume). */
  epochsCompleted: number;
  /** True when training ended early through model.stopTraining. */
  stopped: boolean;
}

export interface Callback {
  /** Called by fit before onTrainBegin with the model being trained (Keras's set_model). */
  setModel?(model: Model): void;
  onTrainBegin?(logs: TrainBeginLogs): void | Promise<void>;
  onEpochBegin?(epoch: number): void | Promise<void>;
  onBatchEnd?(batch: number, logs: BatchLogs): void | Promise<void>;
  /** Called after the epoch's checkpoint (if any) was written. */
  onEpochEnd?(epoch: number, logs: EpochLogs): void | Promise<void>;
  onTrainEnd?(logs: TrainEndLogs): void | Promise<void>;
}

/** History keys recorded per epoch: loss, metrics, their val_* versions and learning_rate (not timings). */
export interface HistoryData {
  epoch: number[];
  history: Record<string, number[]>;
}

/** What fit returns: per-epoch values (Keras's History). */
export class History implements HistoryData {
  epoch: number[] = [];
  history: Record<string, number[]> = {};

  /** @internal */
  record(epoch: number, logs: Record<string, number>): void {
    this.epoch.push(epoch);
    for (const [key, value] of Object.entries(logs)) {
      if (key === 'seconds' || key === 'samplesPerSecond') continue;
      (this.history[key] ??= []).push(value);
    }
  }

  /** @internal */
  restore(data: HistoryData): void {
    this.epoch = data.epoch.slice();
    this.history = Object.fromEntries(Object.entries(data.history).map(([k, v]) => [k, v.slice()]));
  }

  toJSON(): HistoryData {
    return { epoch: this.epoch.slice(), history: Object.fromEntries(Object.entries(this.history).map(([k, v]) => [k, v.slice()])) };
  }
}
