import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointToBytes, input, layers, model, modelToBytes, optimizers, Tensor, type Model, type Optimizer } from '../../src/index.js';
import { CHECKPOINT_FILE, directoryCheckpoint, loadCheckpoint, loadModel, saveModel } from '../../src/node.js';
import { blobs } from '../helpers/train.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-nonfinite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function net(optimizer: Optimizer = optimizers.adam({ learningRate: 0.01 })): Model {
  const x = input({ shape: [4] });
  const h = layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed: 3 });
  m.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const data = blobs(40, 4, 3, 7);

/** The same data with NaN in one feature of example `row`. */
function withNaN(row: number): Tensor {
  const v = data.x.data() as Float32Array;
  v[row * 4 + 2] = Number.NaN;
  return new Tensor(v, data.x.shape);
}

describe('a non-finite loss stops fit with a clear error and loses no progress', () => {
  it('NaN in x: names epoch, batch and the example; the checkpoint of the last good epoch survives and loads', async () => {
    const ckdir = join(dir, 'nan-x');
    const m = net();
    const store = directoryCheckpoint(ckdir);
    await m.fit(data.x, data.y, { epochs: 2, batchSize: 10, seed: 1, shuffle: false, checkpoint: { store } });
    const good = readFileSync(join(ckdir, CHECKPOINT_FILE));
    const before = m.getWeights();
    // Resume with poisoned data: epoch 3 (index 2) meets the NaN in its first batch that holds example 17.
    const err = await m.fit(withNaN(17), data.y, { epochs: 4, batchSize: 10, seed: 1, shuffle: false, checkpoint: { store, resume: true } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(
      /^fit: the loss is NaN at epoch 3 of 4, batch 2 of 4; training stopped before this batch's update\. Likely cause: x holds NaN in example 17 \(flat index 2 of the example\)/,
    );
    expect(err?.message).toMatch(/The checkpoint \(file '.*checkpoint\.lkm'\) keeps epoch 2, the last completed one\./);
    // The file on disk is the good one, byte for byte, and still loads.
    expect(Buffer.compare(readFileSync(join(ckdir, CHECKPOINT_FILE)), good)).toBe(0);
    const loaded = await loadCheckpoint(join(ckdir, CHECKPOINT_FILE));
    expect(loaded.state.epoch).toBe(2);
    await expect(loadModel(join(ckdir, CHECKPOINT_FILE))).resolves.toBeDefined();
    // In memory, the weights are those before the bad batch: finite (batch 1 of epoch 3 was applied).
    for (const w of m.getWeights()) expect(Array.from(w.values).every(Number.isFinite)).toBe(true);
    expect(m.getWeights().some((w, i) => w.values.some((v, j) => v !== before[i].values[j]))).toBe(true);
  });

  it('a huge learning rate: the error points at it, and the last finite checkpoint survives', async () => {
    const ckdir = join(dir, 'huge-lr');
    const m = net(optimizers.sgd({ learningRate: 1e30 }));
    const err = await m.fit(data.x, data.y, { epochs: 20, batchSize: 10, seed: 1, checkpoint: { store: directoryCheckpoint(ckdir) } }).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^fit: the (loss is (NaN|-?Infinity) at|weights became non-finite in) epoch \d+ of 20/);
    expect(err?.message).toMatch(/learning rate \(1e\+30\)/);
    // Whatever epoch it reached, what is on disk (if anything) loads.
    const saved = await loadCheckpoint(join(ckdir, CHECKPOINT_FILE)).catch((e: Error) => e);
    if (saved instanceof Error) expect(saved.message).toMatch(/ENOENT/);
    else expect(saved.state.epoch).toBeGreaterThanOrEqual(1);
  });

  it('modelToBytes, saveModel and checkpointToBytes refuse non-finite weights and leave the old file', async () => {
    const m = net();
    const path = join(dir, 'model.lkm');
    await saveModel(m, path);
    const good = readFileSync(path);
    const w = m.getWeights();
    w[1].values[2] = Number.POSITIVE_INFINITY;
    m.setWeights(w);
    expect(() => modelToBytes(m)).toThrow(/^modelToBytes: tensor 'dense_1\/bias' holds a non-finite value Infinity at flat index 2; nothing was written/);
    await expect(saveModel(m, path)).rejects.toThrow(/^saveModel: tensor 'dense_1\/bias' holds a non-finite value Infinity/);
    expect(Buffer.compare(readFileSync(path), good)).toBe(0);
    const state = {
      epoch: 1,
      weights: m.weights.map((v) => ({ name: v.name, value: v.value })),
      optimizer: m.optimizer!.getState(),
      rng: [1, 2, 3, 4],
      history: { epoch: [], history: {} },
      fit: { batchSize: 1, shuffle: true, samples: 1, validationSamples: 0 },
    };
    expect(() => checkpointToBytes(m, state)).toThrow(/^checkpointToBytes: tensor 'dense_1\/bias' holds a non-finite value Infinity/);
  });

  it('refuses what the loader refuses beyond finiteness too (a negative normalization variance)', () => {
    const x = input({ shape: [2] });
    const norm = layers.normalization();
    const m = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(norm.apply(x)), seed: 1 });
    const w = m.getWeights();
    w[1].values[0] = -1; // normalization_1/variance
    m.setWeights(w);
    expect(() => modelToBytes(m)).toThrow(/^modelToBytes: layer 'normalization_1' has invalid weights: variance -1 < 0 at index 0; nothing was written/);
  });
});

describe('one fit at a time', () => {
  it('a second fit while the first is running is refused; the first finishes as if alone', async () => {
    const alone = net();
    const hAlone = await alone.fit(data.x, data.y, { epochs: 3, batchSize: 10, seed: 2 });

    const m = net();
    const slow = { onBatchEnd: () => new Promise<void>((r) => setTimeout(r, 1)) };
    const first = m.fit(data.x, data.y, { epochs: 3, batchSize: 10, seed: 2, callbacks: slow });
    const second = m.fit(data.x, data.y, { epochs: 3, batchSize: 10, seed: 9 });
    await expect(second).rejects.toThrow(/^fit: this model is already training \(an earlier fit\(\) has not finished\): await it before calling fit again$/);
    const h = await first;
    expect(h.toJSON()).toEqual(hAlone.toJSON());
    m.getWeights().forEach((t, i) => expect(Array.from(t.values)).toEqual(Array.from(alone.getWeights()[i].values)));
    // Once it is done, the model trains again.
    await expect(m.fit(data.x, data.y, { epochs: 1, batchSize: 10 })).resolves.toBeDefined();
  });

  it('a fit that failed does not block the next one', async () => {
    const m = net();
    await expect(m.fit(withNaN(0), data.y, { epochs: 1, batchSize: 10 })).rejects.toThrow(/loss is NaN/);
    await expect(m.fit(data.x, data.y, { epochs: 1, batchSize: 10 })).resolves.toBeDefined();
  });
});
