import { describe, expect, it } from 'vitest';
import { allocate, allocateUnzeroed } from '../../src/tensor/dtype.js';
import { BufferRecycler } from '../../src/tensor/recycler.js';
import { add, input, layers, losses, model, mul, nn, optimizers, sum, tensor, type Model, type Tensor } from '../../src/index.js';
import { bitsEqual, blobs } from '../helpers/train.js';

function classifier(seed: number): Model {
  const x = input({ shape: [5] });
  const h = layers.dense({ units: 16, activation: 'relu' }).apply(x);
  const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

describe('BufferRecycler', () => {
  it('hands released arrays out again, zero-filled, by type and length', () => {
    const r = new BufferRecycler();
    const a = r.run(() => allocate('float32', 4));
    a.fill(7);
    r.release(new Set());
    const b = r.run(() => allocate('float32', 4));
    expect(b).toBe(a);
    expect(Array.from(b)).toEqual([0, 0, 0, 0]);
    expect(r.run(() => allocate('float64', 4))).not.toBe(a);
    expect([r.created, r.reused]).toEqual([2, 1]);
  });

  it('serves allocateUnzeroed too, without the zero fill (its callers write every element)', () => {
    const r = new BufferRecycler();
    const a = r.run(() => allocate('float64', 5));
    a.fill(3);
    r.release(new Set());
    const b = r.run(() => allocateUnzeroed('float64', 5));
    expect(b).toBe(a);
    expect(Array.from(b)).toEqual([3, 3, 3, 3, 3]);
  });

  it('never hands out an array over the same memory as a kept one (a view made by another array object)', () => {
    const r = new BufferRecycler();
    const taken = r.run(() => allocate('float32', 6));
    r.release(new Set([new Float32Array(taken.buffer)]));
    expect(r.run(() => allocate('float32', 6))).not.toBe(taken);
  });

  it('never hands out a kept array, and serves nothing outside run', () => {
    const r = new BufferRecycler();
    const kept = r.run(() => allocate('int32', 3));
    r.release(new Set([kept]));
    expect(r.run(() => allocate('int32', 3))).not.toBe(kept);
    r.release(new Set());
    expect(allocate('int32', 3)).not.toBe(kept);
    expect(r.created).toBe(2);
  });
});

describe('fit recycles each step’s storage', () => {
  it('a warm step creates no new arrays: every temporary is reused', async () => {
    const { x, y } = blobs(80, 5, 3);
    const m = classifier(1);
    const createdAfter: number[] = [];
    await m.fit(x, y, {
      epochs: 2,
      batchSize: 20,
      seed: 4,
      callbacks: { onBatchEnd: () => void createdAfter.push(m.lastFitRecycler!.created) },
    });
    // Step 0 creates the working set (and step 1 the optimizer's first-step extras, if any); from then on nothing.
    expect(createdAfter[0]).toBeGreaterThan(10);
    expect(new Set(createdAfter.slice(2))).toEqual(new Set([createdAfter[2]]));
    expect(m.lastFitRecycler!.reused).toBeGreaterThan(createdAfter[0] * 5);
  });

  it('gives bit-identical weights to unrecycled steps (lossAndGradients + applyGradients)', async () => {
    const { x, y } = blobs(60, 5, 3);
    const fitted = classifier(2);
    await fitted.fit(x, y, { epochs: 2, batchSize: 20, shuffle: false });
    const manual = classifier(2);
    const opt = manual.optimizer!;
    for (let epoch = 0; epoch < 2; epoch++) {
      for (let start = 0; start < 60; start += 20) {
        const rows = (t: Tensor) => t.values.subarray(start * (t.size / 60), (start + 20) * (t.size / 60));
        const xb = new (x.constructor as typeof Tensor)(rows(x), [20, 5]);
        const yb = new (y.constructor as typeof Tensor)(rows(y), [20]);
        const { grads } = manual.lossAndGradients(xb, yb);
        opt.applyGradients(manual.trainableWeights, grads);
      }
    }
    fitted.getWeights().forEach((w, i) => expect(bitsEqual(w, manual.getWeights()[i])).toBe(true));
  });

  it('keeps the tensors a metric function saw intact after fit', async () => {
    const { x, y } = blobs(40, 5, 3);
    const m = classifier(3);
    const seen: { logits: Tensor; copy: number[] }[] = [];
    m.compile({
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: { name: 'spy', fn: (_labels, logits) => (seen.push({ logits, copy: Array.from(logits.values) }), 0) },
    });
    await m.fit(x, y, { epochs: 3, batchSize: 10, seed: 1 });
    expect(seen.length).toBe(12);
    for (const s of seen) expect(Array.from(s.logits.values)).toEqual(s.copy);
  });

  it("keeps what a user's metric builds from its inputs (it runs outside the recycler)", async () => {
    const { x, y } = blobs(40, 5, 3);
    const m = classifier(4);
    let running: Tensor | null = null;
    let shadow = 0;
    m.compile({
      optimizer: 'adam',
      loss: 'sparseCategoricalCrossentropy',
      metrics: {
        name: 'mass',
        fn: (_labels, logits) => {
          const s = sum(nn.softmax(logits));
          running = running ? add(running, s) : s;
          shadow += s.item();
          return 0;
        },
      },
    });
    await m.fit(x, y, { epochs: 3, batchSize: 10, seed: 1 });
    expect(running!.item()).toBeCloseTo(shadow, 3);
  });

  it('does not recycle under a custom loss, which may keep a tensor it makes on first use', async () => {
    const x1 = input({ shape: [5] });
    const build = () => model({ inputs: x1, outputs: layers.dense({ units: 3 }).apply(x1), seed: 1 });
    const { x, y } = blobs(30, 5, 3);
    const onehot = tensor(Array.from(y.values, (c) => [0, 1, 2].map((j) => (j === c ? 1 : 0))));
    let cw: Tensor | null = null;
    const lazy = build();
    lazy.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: (yt, z) => losses.softmaxCrossEntropy(mul(yt, (cw ??= tensor([1, 2, 3]))), z) });
    await lazy.fit(x, onehot, { epochs: 2, batchSize: 1, seed: 3 });
    expect(Array.from(cw!.values)).toEqual([1, 2, 3]);
    expect(lazy.lastFitRecycler).toBeNull();
    const fixed = tensor([1, 2, 3]);
    const eager = build();
    eager.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: (yt, z) => losses.softmaxCrossEntropy(mul(yt, fixed), z) });
    await eager.fit(x, onehot, { epochs: 2, batchSize: 1, seed: 3 });
    lazy.getWeights().forEach((w, i) => expect(bitsEqual(w, eager.getWeights()[i])).toBe(true));
  });

  it('hands a checkpoint store snapshots of the weights, not live storage (an in-memory store resumes exactly)', async () => {
    const { x, y } = blobs(60, 5, 3);
    const store = {
      location: 'memory',
      state: null as unknown,
      async load() {
        return this.state as never;
      },
      async save(_m: unknown, s: unknown) {
        this.state = s;
      },
    };
    const interrupted = classifier(5);
    await expect(
      interrupted.fit(x, y, {
        epochs: 3,
        batchSize: 10,
        seed: 5,
        checkpoint: { store },
        callbacks: {
          onBatchEnd: (b, l) => {
            if (l.epoch === 2 && b === 2) throw new Error('interrupted');
          },
        },
      }),
    ).rejects.toThrow('interrupted');
    const resumed = classifier(5);
    await resumed.fit(x, y, { epochs: 3, batchSize: 10, seed: 5, checkpoint: { store, resume: true } });
    const reference = classifier(5);
    await reference.fit(x, y, { epochs: 3, batchSize: 10, seed: 5 });
    resumed.getWeights().forEach((w, i) => expect(bitsEqual(w, reference.getWeights()[i])).toBe(true));
  });
});

describe('predict recycles the intermediates of the previous call', () => {
  it('returns the same values call after call, and earlier results stay intact', () => {
    const net = classifier(6);
    const x = tensor(
      Array.from({ length: 40 }, (_, i) => Math.sin(i)),
      { shape: [8, 5] },
    );
    const x2 = tensor(
      Array.from({ length: 40 }, (_, i) => Math.cos(i)),
      { shape: [8, 5] },
    );
    const first = net.predict(x);
    const snapshot = Float32Array.from(first.values);
    const logits = net.predictLogits(x2);
    const logitsSnapshot = Float32Array.from(logits.values);
    for (let i = 0; i < 3; i++) {
      expect(Array.from(net.predict(x).values)).toEqual(Array.from(snapshot));
      expect(Array.from(net.predictProba(x2).values).every((p) => p > 0 && p < 1)).toBe(true);
    }
    expect(Array.from(first.values)).toEqual(Array.from(snapshot));
    expect(Array.from(logits.values)).toEqual(Array.from(logitsSnapshot));
    // Batches split into chunks (the last one shorter), and a single example, agree with one pass.
    const chunked = net.predict(x, { batchSize: 3 });
    expect(Array.from(net.predict(x, { batchSize: 3 }).values)).toEqual(Array.from(snapshot));
    expect(Array.from(chunked.values)).toEqual(Array.from(snapshot));
    const one = net.predict(tensor(Array.from(x.values.slice(5, 10)), { shape: [1, 5] }));
    expect(Array.from(one.values)).toEqual(Array.from(snapshot.slice(3, 6)));
    expect(Array.from(first.values)).toEqual(Array.from(snapshot));
  });
});
