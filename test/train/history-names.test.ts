import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { input, layers, model, tensor, type EpochLogs } from '../../src/index.js';

// The reference is TensorFlow.js 4.22 itself (node_modules), not our reading of its source.
async function tfjsHistoryKeys(): Promise<string[]> {
  const m = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [2] })] });
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const h = await m.fit(
    tf.tensor2d([
      [0, 1],
      [1, 0],
      [1, 1],
      [0, 0],
    ]),
    tf.tensor1d([0, 1, 2, 0]),
    { epochs: 1, validationSplit: 0.5, verbose: 0 },
  );
  return Object.keys(h.history).sort();
}

describe("history and logs use Keras's and TF.js's names", () => {
  it("metrics: ['accuracy'] with validation gives TF.js's keys (plus learning_rate, Keras's key for it)", async () => {
    const x = input({ shape: [2] });
    const net = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(x), seed: 1 });
    net.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    let logs: EpochLogs | null = null;
    const h = await net.fit(
      tensor([
        [0, 1],
        [1, 0],
        [1, 1],
        [0, 0],
      ]),
      tensor([0, 1, 2, 0], { dtype: 'int32' }),
      {
        epochs: 1,
        validationSplit: 0.5,
        callbacks: { onEpochEnd: (_e, l) => void (logs = l) },
      },
    );
    const reference = await tfjsHistoryKeys();
    expect(reference).toEqual(['acc', 'loss', 'val_acc', 'val_loss']);
    expect(Object.keys(h.history).sort()).toEqual([...reference, 'learning_rate'].sort());
    for (const key of reference) expect(logs![key]).toBe(h.history[key][0]);
  });
});
