import { describe, expect, it } from 'vitest';
import { allocate, allocateUnzeroed } from '../../src/tensor/dtype.js';
import { BufferRecycler } from '../../src/tensor/recycler.js';
import { input, layers, model, optimizers, type Model, type Tensor } from '../../src/index.js';
import { bitsEqual, blobs } from './helpers.js';

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
      epochs: 2, batchSize: 20, seed: 4,
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
      optimizer: 'adam', loss: 'sparseCategoricalCrossentropy',
      metrics: { name: 'spy', fn: (_labels, logits) => (seen.push({ logits, copy: Array.from(logits.values) }), 0) },
    });
    await m.fit(x, y, { epochs: 3, batchSize: 10, seed: 1 });
    expect(seen.length).toBe(12);
    for (const s of seen) expect(Array.from(s.logits.values)).toEqual(s.copy);
  });
});
