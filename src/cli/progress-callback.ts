import type { Callback } from '../index.js';
import type { ProgressSink } from './progress.js';

/** Adapts a fit() callback to a progress sink (bar, plain lines or JSON lines). */
export function progressCallback(sink: ProgressSink): Callback {
  return {
    onTrainBegin: (logs) => sink.trainBegin({ epochs: logs.epochs, samplesPerEpoch: logs.samplesPerEpoch, initialEpoch: logs.initialEpoch }),
    onEpochBegin: (epoch) => sink.epochBegin(epoch),
    onBatchEnd: (_batch, logs) => sink.batchEnd(logs.epoch, logs.samplesSeen, { loss: logs.loss, acc: logs.acc, samplesPerSecond: logs.samplesPerSecond }),
    onEpochEnd: (epoch, logs) =>
      sink.epochEnd(epoch, {
        loss: logs.loss,
        acc: logs.acc,
        val_loss: logs.val_loss,
        val_acc: logs.val_acc,
        seconds: logs.seconds,
        samplesPerSecond: logs.samplesPerSecond,
      }),
    onTrainEnd: () => sink.trainEnd(),
  };
}
