import { describe, expect, it } from 'vitest';
import { input, layers, model, optimizers, tensor } from '../../src/index.js';

describe('layer.trainable (freezing, Keras semantics)', () => {
  function build() {
    const x = input({ shape: [4] });
    const hidden = layers.dense({ units: 6, activation: 'relu', name: 'body' });
    const bn = layers.batchNormalization({ name: 'bn' });
    const head = layers.dense({ units: 3, name: 'head' });
    const net = model({ inputs: x, outputs: head.apply(bn.apply(hidden.apply(x))), seed: 3 });
    return { net, hidden, bn, head };
  }
  const x = tensor(
    Array.from({ length: 64 }, (_, i) => Math.sin(i * 1.7) * 3 + (i % 4)),
    { shape: [16, 4] },
  );
  const y = tensor(
    Array.from({ length: 16 }, (_, i) => i % 3),
    { dtype: 'int32' },
  );

  it('fit leaves frozen layers exactly as they were (a frozen batch norm keeps its moving statistics) and trains the rest', async () => {
    const { net, hidden, bn, head } = build();
    hidden.trainable = false;
    bn.trainable = false;
    const before = net.getWeights().map((w) => Array.from(w.values));
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    expect(net.trainableWeights.map((v) => v.name)).toEqual(['head/kernel', 'head/bias']);
    await net.fit(x, y, { epochs: 3, batchSize: 8, seed: 1 });
    const after = net.getWeights().map((w) => Array.from(w.values));
    const frozenCount = hidden.weights.length + bn.weights.length;
    for (let i = 0; i < frozenCount; i++) expect(after[i]).toEqual(before[i]);
    expect(after.slice(frozenCount)).not.toEqual(before.slice(frozenCount));
    expect(head.weights.length).toBe(2);
    const summary = net.summary(false);
    expect(summary.trainableParams).toBe(3 * 6 + 3);
  });

  it('unfrozen, the same fit changes every layer, batch-norm statistics included', async () => {
    const { net } = build();
    const before = net.getWeights().map((w) => Array.from(w.values));
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
    await net.fit(x, y, { epochs: 1, batchSize: 8, seed: 1 });
    net.getWeights().forEach((w, i) => expect(Array.from(w.values)).not.toEqual(before[i]));
  });

  it('rejects a non-boolean', () => {
    const { hidden } = build();
    expect(() => {
      (hidden as { trainable: unknown }).trainable = 'no';
    }).toThrow(/trainable.*a boolean/);
  });
});
