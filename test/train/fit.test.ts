import { describe, expect, it } from 'vitest';
import { input, layers, model, optimizers, Random, sequential, tensor, Tensor, type Callback, type Model } from '../../src/index.js';
import { bitsEqual, blobs } from '../helpers/train.js';

function classifier(seed: number, inputs = 5, hidden = 16, classes = 3, head: 'linear' | 'softmax' = 'linear'): Model {
  const x = input({ shape: [inputs] });
  const h = layers.dense({ units: hidden, activation: 'relu' }).apply(x);
  return model({ inputs: x, outputs: layers.dense({ units: classes, activation: head }).apply(h), seed });
}

describe('fit', () => {
  it('overfits a tiny set with random labels to 100 % training accuracy', async () => {
    const rng = new Random(5);
    const n = 32;
    const x = new Tensor(
      Float32Array.from({ length: n * 8 }, () => rng.normal(0, 1)),
      [n, 8],
    );
    const y = new Tensor(
      Int32Array.from({ length: n }, () => rng.int(4)),
      [n],
    );
    const m = classifier(1, 8, 64, 4);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, y, { epochs: 150, batchSize: 8, seed: 1 });
    expect(h.history.acc.at(-1)).toBe(1);
    expect(m.evaluate(x, y).acc).toBe(1);
    expect(Array.from(m.predictClasses(x).values)).toEqual(Array.from(y.values));
  });

  it('records history and calls callbacks in order with logs', async () => {
    const { x, y } = blobs(60, 5, 3);
    const m = classifier(2);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy', 'topKAccuracy'] });
    const events: string[] = [];
    const epochLogs: Record<string, number>[] = [];
    const cb: Callback = {
      onTrainBegin: (l) => void events.push(`begin ${l.epochs} ${l.samplesPerEpoch} ${l.stepsPerEpoch} ${l.validationSamples}`),
      onEpochBegin: (e) => void events.push(`epoch ${e}`),
      onBatchEnd: async (b, l) => {
        await Promise.resolve();
        events.push(`batch ${b} ${l.size} ${l.samplesSeen}`);
        expect(l.samplesPerSecond).toBeGreaterThan(0);
        expect(l.loss).toBeGreaterThan(0);
        expect(l.acc).toBeGreaterThanOrEqual(0);
      },
      onEpochEnd: (e, l) => void (events.push(`end ${e}`), epochLogs.push(l)),
      onTrainEnd: (l) => void events.push(`done ${l.epochsCompleted} ${l.stopped}`),
    };
    const h = await m.fit(x, y, { epochs: 2, batchSize: 20, validationSplit: 0.25, callbacks: [cb], seed: 3 });
    expect(events).toEqual([
      'begin 2 45 3 15',
      'epoch 0',
      'batch 0 20 20',
      'batch 1 20 40',
      'batch 2 5 45',
      'end 0',
      'epoch 1',
      'batch 0 20 20',
      'batch 1 20 40',
      'batch 2 5 45',
      'end 1',
      'done 2 false',
    ]);
    expect(h.epoch).toEqual([0, 1]);
    expect(Object.keys(h.history).sort()).toEqual(['acc', 'learning_rate', 'loss', 'top5Acc', 'val_acc', 'val_loss', 'val_top5Acc']);
    expect(epochLogs[1].seconds).toBeGreaterThan(0);
    expect(epochLogs[1].samplesPerSecond).toBeGreaterThan(0);
    expect(h.history.learning_rate).toEqual([0.001, 0.001]);
    // validationSplit holds out the last 25 % (before shuffling), as Keras.
    const last = m.evaluate(sliceRows(x, 45, 15), sliceRows(y, 45, 15));
    expect(h.history.val_loss[1]).toBeCloseTo(last.loss, 6);
  });

  it('same seed → bit-identical weights and history; a different seed differs', async () => {
    const { x, y } = blobs(50, 5, 3);
    const run = async (seed: number) => {
      const m = classifier(seed);
      m.compile({
        optimizer: optimizers.sgd({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
        loss: 'sparseCategoricalCrossentropy',
        metrics: ['accuracy'],
      });
      const h = await m.fit(x, y, { epochs: 3, batchSize: 7, seed });
      return { w: m.getWeights(), h: h.toJSON() };
    };
    const a = await run(4);
    const b = await run(4);
    const c = await run(5);
    a.w.forEach((t, i) => expect(bitsEqual(t, b.w[i])).toBe(true));
    expect(a.h).toEqual(b.h);
    expect(bitsEqual(a.w[0], c.w[0])).toBe(false);
  });

  it('a softmax head with fromLogits: false trains bit-identically to logits with fromLogits: true', async () => {
    const { x, y } = blobs(40, 5, 3);
    const logits = classifier(9, 5, 8, 3, 'linear');
    const probs = classifier(9, 5, 8, 3, 'softmax');
    logits.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    probs.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: false }, metrics: ['accuracy'] });
    expect(probs.loss!.reads).toBe('preActivation');
    const h1 = await logits.fit(x, y, { epochs: 2, batchSize: 8, seed: 1 });
    const h2 = await probs.fit(x, y, { epochs: 2, batchSize: 8, seed: 1 });
    expect(h2.history).toEqual(h1.history);
    logits.getWeights().forEach((t, i) => expect(bitsEqual(t, probs.getWeights()[i])).toBe(true));
  });

  it('refuses loss and output layer combinations that would need clipped probabilities or misread them', () => {
    const softmaxHead = classifier(1, 5, 4, 3, 'softmax');
    expect(() => softmaxHead.compile({ optimizer: 'adam', loss: { name: 'sparseCategoricalCrossentropy', fromLogits: true } })).toThrow(/not logits/);
    const linearHead = classifier(1);
    expect(() => linearHead.compile({ optimizer: 'adam', loss: { name: 'categoricalCrossentropy', fromLogits: false } })).toThrow(
      /never from clipped probabilities/,
    );
    expect(() => softmaxHead.compile({ optimizer: 'adam', loss: { name: 'binaryCrossentropy', fromLogits: false } })).toThrow(/ending in sigmoid/);
    expect(() => linearHead.compile({ optimizer: 'adam', loss: 'meanSquaredError' as never })).toThrow(/one of 'sparseCategoricalCrossentropy'/);
    expect(() => linearHead.compile({ optimizer: 'rmsprop' as never, loss: 'sparseCategoricalCrossentropy' })).toThrow(/'sgd', 'adam', 'adamw'/);
    // The default for a softmax head is fromLogits: false.
    softmaxHead.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    expect(softmaxHead.loss!.fromLogits).toBe(false);
  });

  it('checks labels before training', async () => {
    const { x } = blobs(10, 5, 3);
    const m = classifier(1);
    await expect(m.fit(x, tensor([0, 1, 2]))).rejects.toThrow(/compile the model first/);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    await expect(m.fit(x, tensor([0, 1, 2]))).rejects.toThrow(/10 labels/);
    await expect(m.fit(x, tensor([0, 1, 2, 3, 0, 1, 2, 0, 1, 2]))).rejects.toThrow(/\[0, 2\]/);
    // Float labels holding integers are class ids.
    const h = await m.fit(x, tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]), { epochs: 1 });
    expect(h.epoch).toEqual([0]);
    await expect(m.fit(x, tensor([0, 1, 2, 0, 1, 2, 0, 1, 2, 0]), { batchSize: 0 })).rejects.toThrow(/batchSize/);
  });

  it('stopTraining mid-epoch drops the unfinished epoch; at epoch end it keeps it', async () => {
    const { x, y } = blobs(40, 5, 3);
    const m = classifier(1);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    let ended = false;
    const h = await m.fit(x, y, {
      epochs: 5,
      batchSize: 10,
      callbacks: { onBatchEnd: (b, l) => void (l.epoch === 1 && b === 1 && (m.stopTraining = true)), onTrainEnd: (l) => void (ended = l.stopped) },
    });
    expect(h.epoch).toEqual([0]);
    expect(ended).toBe(true);
    const h2 = await m.fit(x, y, { epochs: 5, batchSize: 10, callbacks: { onEpochEnd: (e) => void (e === 2 && (m.stopTraining = true)) } });
    expect(h2.epoch).toEqual([0, 1, 2]);
  });

  it('validationData, evaluate and a learning-rate schedule that sees the epoch', async () => {
    const { x, y } = blobs(40, 5, 3, 1);
    const val = blobs(20, 5, 3, 1);
    const m = classifier(1);
    const seen: number[] = [];
    m.compile({
      optimizer: optimizers.adam({ learningRate: (_s, epoch) => (seen.push(epoch), 0.01 / (1 + epoch)) }),
      loss: 'sparseCategoricalCrossentropy',
      metrics: ['accuracy'],
    });
    const h = await m.fit(x, y, { epochs: 3, batchSize: 20, validationData: [val.x, val.y] });
    expect(seen).toEqual([0, 0, 1, 1, 2, 2]);
    expect(h.history.learning_rate).toEqual([0.01, 0.005, 0.01 / 3]);
    const e = m.evaluate(val.x, val.y);
    expect(e.loss).toBeCloseTo(h.history.val_loss[2], 6);
    expect(e.acc).toBe(h.history.val_acc[2]);
  });

  it('binary classification: one logit, binaryCrossentropy, decisions at logit 0', async () => {
    const { x, y } = blobs(60, 3, 2, 4, 0.3);
    const m = sequential([layers.dense({ units: 8, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 1 })], { seed: 2 });
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'binaryCrossentropy', metrics: ['accuracy'] });
    const labels = tensor(Array.from(y.values), { dtype: 'float32' });
    const h = await m.fit(x, labels, { epochs: 40, batchSize: 20, seed: 1 });
    expect(h.history.acc.at(-1)).toBeGreaterThan(0.95);
    const classes = m.predictClasses(x);
    expect(classes.shape).toEqual([60]);
    const proba = m.predictProba(x);
    expect(proba.shape).toEqual([60, 1]);
    expect(Array.from(proba.values).every((p) => p > 0 && p < 1)).toBe(true);
  });

  it('categoricalCrossentropy with one-hot labels', async () => {
    const { x, y } = blobs(30, 5, 3);
    const onehot = tensor(Array.from(y.values).map((c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const m = classifier(3);
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const h = await m.fit(x, onehot, { epochs: 20, batchSize: 10, seed: 1 });
    expect(h.history.acc.at(-1)).toBeGreaterThan(0.9);
    await expect(m.fit(x, y)).rejects.toThrow(/sparseCategoricalCrossentropy/);
  });
});

function sliceRows(t: Tensor, start: number, count: number): Tensor {
  const d = t.size / t.shape[0];
  const v = t.values.slice(start * d, (start + count) * d);
  return new Tensor(v, [count, ...t.shape.slice(1)]);
}
