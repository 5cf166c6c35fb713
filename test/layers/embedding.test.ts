/**
 * layers.embedding: Keras's Embedding through the gather op (maskZero: test/layers/masking.test.ts). Values and the table's gradient
 * against PyTorch's F.embedding (fixtures/make_embedding_fixtures.py), a float64 finite-difference check, Keras's
 * semantics (shapes, float ids cast, the default initializer), errors, and models that take int32 token ids
 * through fit/evaluate/predict and model files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkpointFromBytes,
  checkpointToBytes,
  input,
  layers,
  model,
  modelFromBytes,
  modelToBytes,
  optimizers,
  sequential,
  sum,
  mul,
  tensor,
  valueAndGrads,
  type Model,
} from '../../src/index.js';
import type { TrainingState } from '../../src/train/checkpoint.js';
import { Embedding } from '../../src/layers/embedding.js';
import { gradCheck } from '../helpers/gradcheck.js';

const ref = JSON.parse(readFileSync(new URL('./fixtures/embedding.json', import.meta.url), 'utf8')) as {
  table: number[][];
  ids: number[][];
  out: number[][][];
  cotangent: number[][][];
  tableGrad: number[][];
};

function built(config: ConstructorParameters<typeof Embedding>[0]): Embedding {
  const e = new Embedding(config);
  const x = input({ shape: [3], dtype: 'int32' });
  model({ inputs: x, outputs: e.apply(x), seed: 1 });
  return e;
}

describe('layers.embedding', () => {
  const table = tensor(ref.table, { dtype: 'float64' });
  const ids = tensor(ref.ids, { dtype: 'int32' });

  it('looks up rows as PyTorch F.embedding does, and scatter-adds the gradient into the table', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 3, dtype: 'float64' });
    const out = e.call([ids], [table]).output;
    expect(out.shape).toEqual([2, 3, 3]);
    expect(out.toArray()).toEqual(ref.out);
    const cot = tensor(ref.cotangent, { dtype: 'float64' });
    const { grads } = valueAndGrads((w) => sum(mul(e.call([ids], [w]).output, cot)))([table]);
    const g = grads[0].toArray() as number[][];
    // Row 4 is read three times: its gradient is the sum of three cotangent rows (rounding may differ by an ulp).
    g.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(ref.tableGrad[i][j], 14)));
    expect(g[3]).toEqual([0, 0, 0]); // never read
  });

  it('passes a float64 finite-difference gradient check', () => {
    const e = new Embedding({ inputDim: 5, outputDim: 3, dtype: 'float64' });
    gradCheck((w) => e.call([ids], [w]).output, [table]);
  });

  it("has Keras's semantics: [batch, ...] → [batch, ..., outputDim], float ids cast, U(−0.05, 0.05) by default", () => {
    const e = built({ inputDim: 50, outputDim: 4 });
    const w = e.embeddings.value;
    expect(w.shape).toEqual([50, 4]);
    expect(w.dtype).toBe('float32');
    const v = Array.from(w.values);
    expect(Math.max(...v)).toBeLessThanOrEqual(0.05);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-0.05);
    expect(Math.max(...v) - Math.min(...v)).toBeGreaterThan(0.08); // spread over the interval, not zeros
    // Eager calls: ids of any rank after the batch axis; float ids holding integers give the same rows.
    const fromInt = e.apply(
      tensor(
        [
          [1, 2],
          [49, 0],
        ],
        { dtype: 'int32' },
      ),
    );
    expect(fromInt.shape).toEqual([2, 2, 4]);
    expect(
      e
        .apply(
          tensor([
            [1, 2],
            [49, 0],
          ]),
        )
        .toArray(),
    ).toEqual(fromInt.toArray());
    expect(e.apply(tensor([7], { dtype: 'int32' })).toArray()).toEqual([Array.from(w.values.slice(28, 32))]);
    // Symbolic: the output shape, and the model computes in the embedding's dtype.
    const x = input({ shape: [2, 3], dtype: 'int32' });
    const y = layers.embedding({ inputDim: 9, outputDim: 6, dtype: 'float64' }).apply(x);
    expect(y.shape).toEqual([null, 2, 3, 6]);
    expect(y.dtype).toBe('float64');
    expect(model({ inputs: x, outputs: y, seed: 0 }).dtype).toBe('float64');
  });

  it('refuses out-of-range and non-integer ids, bad configs, and int32 ids into other layers', () => {
    const e = built({ inputDim: 5, outputDim: 2, name: 'emb' });
    expect(() => e.apply(tensor([[0, 5]], { dtype: 'int32' }))).toThrow(
      /Embedding 'emb': argument 'inputs' must be token ids: integers in \[0, 4\] \(inputDim 5\), got '5 at flat index 1'/,
    );
    expect(() => e.apply(tensor([[-1]], { dtype: 'int32' }))).toThrow(/integers in \[0, 4\].*got '-1 at flat index 0'/);
    expect(() => e.apply(tensor([[1.5]]))).toThrow(/got 'the non-integer 1.5 at flat index 0'/);
    expect(() => layers.embedding({ inputDim: 0, outputDim: 2 })).toThrow(/layers\.embedding: argument 'inputDim' must be a positive integer/);
    expect(() => layers.embedding({ inputDim: 3, outputDim: 2.5 })).toThrow(/argument 'outputDim' must be a positive integer/);
    expect(() => layers.embedding({ inputDim: 3, outputDim: 2, embeddingsInitializer: 'uniform' as never })).toThrow(
      /embeddingsInitializer' must be one of 'randomUniform', 'glorotUniform'/,
    );
    expect(() => layers.embedding({ inputDim: 3, outputDim: 2, maskZero: 'yes' } as never)).toThrow(/maskZero.*boolean/);
    expect(() => layers.embedding({ inputDim: 3, outputDim: 2, maskzero: true } as never)).toThrow(/unknown option 'maskzero'/);
    const x = input({ shape: [3], dtype: 'int32' });
    expect(() => layers.dense({ units: 2 }).apply(x)).toThrow(/must be float inputs \(int32 token ids go through an embedding layer first\)/);
    expect(() => input({ shape: [3], dtype: 'int64' as never })).toThrow(/'float32', 'float64' or 'int32'/);
  });

  it('a model of int32 ids trains with fit, evaluates, predicts, shows in summary() and round-trips through its file', async () => {
    // The next id is the previous one + 1 (mod 6): learnable only from the ids.
    const x = input({ shape: [2], dtype: 'int32' });
    const h = layers.flatten().apply(layers.embedding({ inputDim: 6, outputDim: 4 }).apply(x));
    const net = model({ inputs: x, outputs: layers.dense({ units: 6 }).apply(h), seed: 3 });
    const xs = tensor(
      Array.from({ length: 36 }, (_, i) => [i % 6, (i * 5) % 6]),
      { dtype: 'int32' },
    );
    const ys = tensor(
      Array.from({ length: 36 }, (_, i) => (((i * 5) % 6) + 1) % 6),
      { dtype: 'int32' },
    );
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const before = net.evaluate(xs, ys).loss;
    const history = await net.fit(xs, ys, { epochs: 60, batchSize: 12, seed: 1, verbose: 0 });
    expect(history.history.loss.at(-1)!).toBeLessThan(before / 2);
    expect(net.evaluate(xs, ys).acc).toBe(1);
    // Float ids holding integers are accepted; a fraction is refused with the argument named.
    expect(net.predict(tensor([[1, 2]])).toArray()).toEqual(net.predict(tensor([[1, 2]], { dtype: 'int32' })).toArray());
    expect(() => net.predict(tensor([[1, 2.5]]))).toThrow(
      /predict: argument 'x' must be int32 token ids \(or floats holding integers\), got '2.5 at flat index 1'/,
    );

    const rows = net.summary(false);
    expect(rows.layers[1]).toMatchObject({ className: 'Embedding', outputShape: '[null, 2, 4]', params: 24 });
    expect(rows.text).toMatch(/embedding_1 \(Embedding\)\s+\[null, 2, 4\]\s+24/);

    const back = modelFromBytes(modelToBytes(net));
    expect(back.inputDType).toBe('int32');
    expect(back.layers.map((l) => l.className)).toEqual(['Input', 'Embedding', 'Flatten', 'Dense']);
    expect(back.predict(xs).toArray()).toEqual(net.predict(xs).toArray());
  });

  it('a sequential model takes ids with dtype int32', () => {
    const net = sequential([layers.embedding({ inputDim: 4, outputDim: 2, inputShape: [3] }), layers.flatten(), layers.dense({ units: 4 })], {
      dtype: 'int32',
      seed: 2,
    });
    expect(net.predict(tensor([[0, 1, 3]], { dtype: 'int32' })).shape).toEqual([1, 4]);
    const back = modelFromBytes(modelToBytes(net));
    expect(back.className).toBe('Sequential');
    expect(back.predict(tensor([[0, 1, 3]], { dtype: 'int32' })).toArray()).toEqual(net.predict(tensor([[0, 1, 3]], { dtype: 'int32' })).toArray());
  });

  it('a model of ids resumes from a checkpoint file bit for bit', async () => {
    const build = () => {
      const x = input({ shape: [2], dtype: 'int32' });
      const h = layers.flatten().apply(layers.embedding({ inputDim: 5, outputDim: 3 }).apply(x));
      const m = model({ inputs: x, outputs: layers.dense({ units: 5 }).apply(h), seed: 9 });
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      return m;
    };
    let bytes: Uint8Array | null = null;
    const store = {
      location: 'memory',
      load: async (m: Model) => (bytes ? checkpointFromBytes(bytes, { expect: m }).state : null),
      save: async (m: Model, state: TrainingState) => void (bytes = checkpointToBytes(m, state)),
    };
    const xs = tensor(
      [
        [0, 1],
        [2, 3],
        [4, 0],
        [1, 1],
      ],
      { dtype: 'int32' },
    );
    const ys = tensor([1, 2, 3, 4], { dtype: 'int32' });
    const whole = build();
    await whole.fit(xs, ys, { epochs: 4, batchSize: 2, seed: 1, verbose: 0 });
    const first = build();
    await first.fit(xs, ys, { epochs: 2, batchSize: 2, seed: 1, verbose: 0, checkpoint: { store } });
    const resumed = build();
    await resumed.fit(xs, ys, { epochs: 4, batchSize: 2, seed: 1, verbose: 0, checkpoint: { store, resume: true } });
    expect(resumed.getWeights().map((t) => Array.from(t.values))).toEqual(whole.getWeights().map((t) => Array.from(t.values)));
  });
});
