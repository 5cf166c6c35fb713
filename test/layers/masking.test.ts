/**
 * Masks (Keras's mask_zero): embedding({maskZero}) → globalAveragePooling1d() is a mean over the non-padding ids,
 * checked against PyTorch's F.embedding_bag(mode='mean', padding_idx=0) (scripts/fixtures/masking_reference.py),
 * gradients included; padding never changes a logit; a mask reaching a layer without mask support is refused.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, modelToBytes, sequential, sum, mul, tensor, valueAndGrads, type Tensor } from '../../src/index.js';
import { gradCheck } from '../helpers/gradcheck.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/masking.json', import.meta.url), 'utf8')) as Record<string, number[][] | number[]>;

function maskedModel(maskZero = true) {
  const x = input({ shape: [4], dtype: 'int32' });
  const e = layers.embedding({ inputDim: 6, outputDim: 3, maskZero, dtype: 'float64' }).apply(x);
  const pooled = layers.globalAveragePooling1d().apply(e);
  const m = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(pooled), seed: 0 });
  m.setWeights([
    tensor(ref.table as number[][], { dtype: 'float64' }),
    tensor(ref.kernel as number[][], { dtype: 'float64' }),
    tensor(ref.bias as number[], { dtype: 'float64' }),
  ]);
  return m;
}

const close = (got: number[][] | number[], want: number[][] | number[], tol = 1e-14) =>
  (got.flat() as number[]).forEach((g, i) => expect(Math.abs(g - (want.flat() as number[])[i]!), `entry ${i}`).toBeLessThanOrEqual(tol));

describe('masks: embedding({maskZero}) → globalAveragePooling1d()', () => {
  const ids = tensor(ref.ids as number[][], { dtype: 'int32' });

  it('is the mean over the non-padding ids (PyTorch embedding_bag mean, padding_idx 0), an all-padding row giving zeros', () => {
    const m = maskedModel();
    close(m.layerOutputs([ids], [m.layers[2]!.name])[0]!.toArray() as number[][], ref.pooled as number[][]);
    expect((m.layerOutputs([ids], [m.layers[2]!.name])[0]!.toArray() as number[][])[2]).toEqual([0, 0, 0]);
    close(m.predict(ids).toArray() as number[][], ref.logits as number[][]);
  });

  it('its gradients match PyTorch’s, and the padding row of the table gets none', () => {
    const m = maskedModel();
    const G = tensor(ref.G as number[][], { dtype: 'float64' });
    const { grads } = valueAndGrads((...ws: Tensor[]) => sum(mul(m.forward([ids], ws).outputs[0]!, G)))(m.weights.map((v) => v.value));
    close(grads[0]!.toArray() as number[][], ref.dTable as number[][]);
    close(grads[1]!.toArray() as number[][], ref.dKernel as number[][]);
    close(grads[2]!.toArray() as number[], ref.dBias as number[]);
    expect((grads[0]!.toArray() as number[][])[0]).toEqual([0, 0, 0]);
    gradCheck((table) => m.forward([ids], [table, ...m.weights.slice(1).map((v) => v.value)]).outputs[0]!, [m.weights[0]!.value]);
  });

  it('padding never changes the logits; without maskZero it does (the mean counts the padding rows)', () => {
    const short = tensor([[2, 5, 0, 0]], { dtype: 'int32' });
    const padded = tensor([[2, 5, 0, 0]], { dtype: 'int32' });
    const m = maskedModel();
    const alone = sequential(
      [
        layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, dtype: 'float64', inputShape: [2] }),
        layers.globalAveragePooling1d(),
        layers.dense({ units: 2 }),
      ],
      { seed: 0 },
    );
    alone.setWeights(m.getWeights());
    expect(alone.predict(tensor([[2, 5]], { dtype: 'int32' })).toArray()).toEqual(m.predict(short).toArray());
    expect(maskedModel(false).predict(padded).toArray()).not.toEqual(m.predict(padded).toArray());
  });

  it('Dense, Dropout and Activation pass a mask on; other layers and model outputs refuse it, naming the layer', () => {
    const x = input({ shape: [4], dtype: 'int32' });
    const e = layers.embedding({ inputDim: 6, outputDim: 3, maskZero: true, name: 'emb' }).apply(x);
    const through = layers.activation({ activation: 'relu' }).apply(layers.dropout({ rate: 0.5 }).apply(layers.dense({ units: 4 }).apply(e)));
    expect(through.hasMask).toBe(true);
    const ok = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(layers.globalAveragePooling1d().apply(through)), seed: 1 });
    expect(ok.predict(tensor([[1, 0, 0, 0]], { dtype: 'int32' })).shape).toEqual([1, 2]);
    const flat = layers.flatten({ name: 'flat' }).apply(e);
    expect(() => model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(flat) })).toThrow(
      /Layer 'flat' \(Flatten\) does not support masks: .*'emb' \(Embedding\)/,
    );
    expect(() => model({ inputs: x, outputs: e })).toThrow(/outputs.*without a mask/);
  });

  it('trains (the loss falls), and a saved file keeps maskZero and the pooling, with the same logits', async () => {
    const m = sequential(
      [layers.embedding({ inputDim: 6, outputDim: 4, maskZero: true, inputShape: [4] }), layers.globalAveragePooling1d(), layers.dense({ units: 2 })],
      { seed: 2 },
    );
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const y = tensor([0, 1, 0, 1], { dtype: 'int32' });
    const before = m.evaluate(ids, y).loss!;
    await m.fit(ids, y, { epochs: 40, batchSize: 4, verbose: 0 });
    expect(m.evaluate(ids, y).loss).toBeLessThan(before);
    const back = modelFromBytes(modelToBytes(m));
    expect(back.predict(ids).toArray()).toEqual(m.predict(ids).toArray());
    expect(back.layers.map((l) => l.className)).toEqual(['Input', 'Embedding', 'GlobalAveragePooling1D', 'Dense']);
    expect(m.summary(false).layers.find((r) => r.className === 'GlobalAveragePooling1D')?.outputShape).toBe('[null, 4]');
  });
});
