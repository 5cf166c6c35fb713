import { describe, expect, it } from 'vitest';
import { MLP_CLASSIFIER_DEFAULTS, trainMlpClassifier, type EpochLogs } from '../../src/index.js';
import type { Dataset } from '../../src/data/index.js';
import { blobs } from '../helpers/train.js';

function dataset(n: number, seed: number): Dataset {
  const { x, y } = blobs(n, 12, 4, seed, 0.8);
  return { images: x.values as Float32Array, labels: y.values as Int32Array, count: n, featureShape: [12], numClasses: 4 };
}

describe('trainMlpClassifier (the MNIST MLP preset, the library side of npm start)', () => {
  it('trains input → normalization → dense(relu) → dense(logits) and reports test accuracy and timings', async () => {
    const epochs: number[] = [];
    const r = await trainMlpClassifier(
      { train: dataset(200, 1), test: dataset(80, 1) },
      { epochs: 3, batchSize: 16, learningRate: 0.03, hiddenUnits: 8, seed: 3, onProgress: { onEpochEnd: (e: number, _l: EpochLogs) => void epochs.push(e) } },
    );
    expect(epochs).toEqual([0, 1, 2]);
    expect(r.secondsPerEpoch.length).toBe(3);
    expect(r.testAccuracy).toBeGreaterThan(0.9);
    expect(r.trainSize).toBe(200);
    expect(r.model.layers.map((l) => l.className)).toEqual(['Input', 'Normalization', 'Dense', 'Dense']);
    expect(r.model.summary(false).trainableParams).toBe(12 * 8 + 8 + 8 * 4 + 4);
    expect(r.history.history.acc.length).toBe(3);
    const again = await trainMlpClassifier(
      { train: dataset(200, 1), test: dataset(80, 1) },
      { epochs: 3, batchSize: 16, learningRate: 0.03, hiddenUnits: 8, seed: 3 },
    );
    expect(again.testAccuracy).toBe(r.testAccuracy);
    expect(Array.from(again.model.weights[2].value.values)).toEqual(Array.from(r.model.weights[2].value.values));
  });

  it('standardize: false gives the plain MLP; defaults are PyTorch reference settings', async () => {
    const r = await trainMlpClassifier({ train: dataset(40, 2), test: dataset(20, 2) }, { epochs: 1, hiddenUnits: 4, standardize: false });
    expect(r.model.layers.map((l) => l.className)).toEqual(['Input', 'Dense', 'Dense']);
    expect(MLP_CLASSIFIER_DEFAULTS).toMatchObject({ epochs: 10, batchSize: 32, learningRate: 1e-3, hiddenUnits: 128 });
    await expect(trainMlpClassifier({ train: dataset(40, 2), test: dataset(20, 2) }, { learningRate: -1 })).rejects.toThrow(/learningRate/);
  });
});
