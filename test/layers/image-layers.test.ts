/**
 * The layers of convolutional networks: shapes and parameter counts as Keras gives them, values against PyTorch
 * (fixtures/make_image_fixtures.py), training vs inference (dropout, batch normalization) as Keras, files.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, modelToBytes, optimizers, sequential, tensor, Tensor } from '../../src/index.js';
import { kernels, setKernels } from '../../src/kernels/index.js';
import { Random } from '../../src/tensor/random.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { expectClose } from '../helpers/numbers.js';

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/image-layers.json', import.meta.url), 'utf8'));

/** The issue's network: conv(32) → pool → conv(64) → pool → flatten → dense(128) → dropout → dense(10). */
function issueNetwork(seed = 1) {
  return sequential(
    [
      layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 128, activation: 'relu' }),
      layers.dropout({ rate: 0.3 }),
      layers.dense({ units: 10 }),
    ],
    { seed },
  );
}

describe('convolutional layers', () => {
  it("summary: Keras's output shapes and parameter counts for the issue's network", () => {
    const s = issueNetwork().summary(false);
    expect(s.layers.slice(1).map((r) => [r.className, r.outputShape, r.params])).toEqual([
      ['Conv2D', '[null, 26, 26, 32]', 320],
      ['MaxPooling2D', '[null, 13, 13, 32]', 0],
      ['Conv2D', '[null, 11, 11, 64]', 18_496],
      ['MaxPooling2D', '[null, 5, 5, 64]', 0],
      ['Flatten', '[null, 1600]', 0],
      ['Dense', '[null, 128]', 204_928],
      ['Dropout', '[null, 128]', 0],
      ['Dense', '[null, 10]', 1_290],
    ]);
    expect(s.totalParams).toBe(225_034);
  });

  it('a small CNN computes the logits PyTorch computes with the same weights (float64)', () => {
    const f = fixtures.cnn;
    const x = input({ shape: f.xShape.slice(1), dtype: 'float64' });
    let h = layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    h = layers.maxPooling2d().apply(h);
    h = layers.conv2d({ filters: 3, kernelSize: 2 }).apply(h);
    h = layers.averagePooling2d({ poolSize: 2 }).apply(h);
    h = layers.flatten().apply(h);
    const z = layers.dense({ units: 5 }).apply(h);
    const m = model({ inputs: x, outputs: z, seed: 3 });
    m.setWeights(
      [
        [f.w1, [3, 3, 2, 4]],
        [f.b1, [4]],
        [f.w2, [2, 2, 4, 3]],
        [f.b2, [3]],
        [f.wd, [3, 5]],
        [f.bd, [5]],
      ].map(([v, shape]) => tensor(v as number[], { shape: shape as number[], dtype: 'float64' })),
    );
    const out = m.predict(tensor(f.x, { shape: f.xShape, dtype: 'float64' }));
    expect(out.shape).toEqual(f.logitsShape);
    expectClose(out.values, f.logits, 1e-12, 1e-12, 'logits');
  });

  it('the loss of a small CNN has the gradients finite differences give (float64)', () => {
    const x = input({ shape: [6, 5, 2], dtype: 'float64' });
    let h = layers.conv2d({ filters: 3, kernelSize: [3, 2], padding: 'same', activation: 'tanh' }).apply(x);
    h = layers.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(h);
    h = layers.conv2d({ filters: 2, kernelSize: 2, strides: 2 }).apply(h);
    h = layers.globalAveragePooling2d().apply(h);
    const z = layers.dense({ units: 3 }).apply(h);
    const m = model({ inputs: x, outputs: z, seed: 5 });
    const rand = new Random(9);
    const xb = tensor(
      Array.from({ length: 2 * 6 * 5 * 2 }, () => rand.uniform(-1, 1)),
      { shape: [2, 6, 5, 2], dtype: 'float64' },
    );
    gradCheck(
      (...ws: Tensor[]) => m.forward([xb], ws).outputs[0],
      m.weights.map((v) => v.value),
      { rtol: 1e-6 },
    );
  });

  it('errors name the layer, the argument, what was expected and what came', () => {
    expect(() => layers.conv2d({ filters: 0, kernelSize: 3 })).toThrow(/layers\.conv2d.*filters.*positive integer/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: [3] as unknown as number })).toThrow(/kernelSize.*pair/);
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, padding: 'full' as 'same' })).toThrow(
      /layers.conv2d: argument 'padding' must be one of 'valid', 'same', got 'full'/,
    );
    expect(() => layers.conv2d({ filters: 2, kernelSize: 3, strides: 2, dilationRate: 2 })).toThrow(/dilationRate/);
    expect(() => layers.maxPooling2d({ poolSize: 2, stride: 2 } as never)).toThrow(/unknown option 'stride'/);
    expect(() => layers.dropout({ rate: 1 })).toThrow(/layers\.dropout.*rate.*\[0, 1\)/);
    expect(() => layers.reshape({ targetShape: [-1, -1] })).toThrow(/at most one -1/);
    expect(() => layers.batchNormalization({ epsilon: 0 })).toThrow(/epsilon/);
    // A dense input where images are expected, and a kernel larger than the image.
    expect(() => sequential([layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [784] })]).summary(false)).toThrow(
      /Conv2D 'conv2d(_1)?'.*images \[batch, height, width, channels\].*\[null, 784\]/,
    );
    expect(() => sequential([layers.conv2d({ filters: 2, kernelSize: 5, inputShape: [4, 4, 1] })]).summary(false)).toThrow(/Conv2D 'conv2d(_1)?'.*input/);
    expect(() => sequential([layers.reshape({ targetShape: [3, 3] }), layers.flatten()], { inputShape: [10] }).summary(false)).toThrow(
      /Reshape.*10 values.*\[3, 3\]/,
    );
  });

  it('flatten and reshape keep the row-major (NHWC) order', () => {
    const x = tensor(
      Array.from({ length: 24 }, (_, i) => i),
      { shape: [2, 2, 3, 2] },
    );
    const flat = layers.flatten().apply(x);
    expect(flat.shape).toEqual([2, 12]);
    expect(Array.from(flat.values)).toEqual(Array.from(x.values));
    const back = layers.reshape({ targetShape: [3, -1] }).apply(flat);
    expect(back.shape).toEqual([2, 3, 4]);
  });
});

describe('dropout: training vs inference, as Keras', () => {
  const layer = layers.dropout({ rate: 0.3 });
  const x = tensor(new Float64Array(20_000).fill(2), { shape: [200, 100], dtype: 'float64' });
  layer.apply(x); // builds (no weights)

  it('is the identity in inference (predict, evaluate, explain)', () => {
    expect(layer.call([x], []).output).toBe(x);
    expect(layer.call([x], [], { training: false, rng: new Random(1) }).output).toBe(x);
  });

  it('in training zeroes about rate of the inputs and scales the rest by 1 / (1 − rate), reproducibly from the generator', () => {
    const y = layer.call([x], [], { training: true, rng: new Random(1) }).output;
    const v = Array.from(y.values);
    const zeros = v.filter((e) => e === 0).length / v.length;
    // 20,000 Bernoulli(0.3) draws: the fraction is 0.3 ± 0.0032 (1 sd).
    expect(Math.abs(zeros - 0.3)).toBeLessThan(0.015);
    expect(v.every((e) => e === 0 || Math.abs(e - 2 / 0.7) < 1e-15)).toBe(true);
    const again = layer.call([x], [], { training: true, rng: new Random(1) }).output;
    expect(Array.from(again.values)).toEqual(v);
    const other = layer.call([x], [], { training: true, rng: new Random(2) }).output;
    expect(Array.from(other.values)).not.toEqual(v);
  });
});

describe('batch normalization: training vs inference, as Keras', () => {
  const f = fixtures.batchNorm;
  function build() {
    const inp = input({ shape: f.xShape.slice(1), dtype: 'float64' });
    const bn = layers.batchNormalization({ momentum: f.momentum, epsilon: f.epsilon });
    const m = model({ inputs: inp, outputs: bn.apply(inp), seed: 1 });
    m.setWeights([f.gamma, f.beta, f.movingMean, f.movingVariance].map((v: number[]) => tensor(v, { dtype: 'float64' })));
    return { m, bn };
  }
  const x = tensor(f.x, { shape: f.xShape, dtype: 'float64' });

  it('weights in Keras order; the moving statistics are not trainable', () => {
    const { m } = build();
    expect(m.weights.map((v) => [v.name, v.trainable])).toEqual([
      ['batch_normalization_1/gamma', true],
      ['batch_normalization_1/beta', true],
      ['batch_normalization_1/movingMean', false],
      ['batch_normalization_1/movingVariance', false],
    ]);
    expect(m.summary(false).trainableParams).toBe(6);
  });

  it('training normalizes with the batch statistics and updates the moving ones (biased variance, as Keras); inference uses them', () => {
    const { m } = build();
    const before = m.predict(x);
    const y = m.forward([x], undefined, { training: true }).outputs[0];
    expectClose(y.values, f.yTrain, 1e-12, 1e-12, 'training output');
    expectClose(m.weights[2].value.values, f.movingMeanAfter, 1e-14, 1e-14, 'moving mean');
    expectClose(m.weights[3].value.values, f.movingVarianceAfter, 1e-14, 1e-14, 'moving variance');
    const after = m.predict(x);
    expectClose(after.values, f.yInference, 1e-12, 1e-12, 'inference output');
    expect(Array.from(after.values)).not.toEqual(Array.from(before.values));
    // Inference leaves the statistics alone.
    m.predict(x);
    expectClose(m.weights[2].value.values, f.movingMeanAfter, 1e-14, 1e-14, 'moving mean after predict');
  });

  it('a model file keeps the moving statistics and refuses a negative variance', () => {
    const { m } = build();
    m.forward([x], undefined, { training: true });
    const back = modelFromBytes(modelToBytes(m));
    expect(Array.from(back.predict(x).values)).toEqual(Array.from(m.predict(x).values));
    const bad = build().m;
    bad.weights[3].assign(tensor([0.5, -1, 0.5], { dtype: 'float64' }));
    expect(() => modelFromBytes(modelToBytes(bad))).toThrow(/movingVariance\[1\] is -1/);
  });
});

describe('training a CNN', () => {
  it('fit lowers the loss of a small CNN with batch normalization and dropout; a file restores its predictions', async () => {
    // Two classes of 8×8 images: a bright vertical bar or a bright horizontal bar, at random places, with noise.
    const rand = new Random(4);
    const n = 96;
    const xs = new Float32Array(n * 64);
    const ys = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      ys[i] = i % 2;
      const at = 1 + Math.floor(rand.next() * 6);
      for (let r = 0; r < 8; r++) {
        for (let c = 0; c < 8; c++) {
          const on = ys[i] === 0 ? c === at : r === at;
          xs[i * 64 + r * 8 + c] = (on ? 1 : 0) + 0.1 * rand.uniform(-1, 1);
        }
      }
    }
    const x = new Tensor(xs, [n, 8, 8, 1]);
    const y = new Tensor(ys, [n]);
    const m = sequential(
      [
        layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [8, 8, 1] }),
        layers.batchNormalization(),
        layers.activation({ activation: 'relu' }),
        layers.maxPooling2d(),
        layers.flatten(),
        layers.dropout({ rate: 0.2 }),
        layers.dense({ units: 2 }),
      ],
      { seed: 2 },
    );
    m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const before = m.evaluate(x, y);
    const movingMean = Array.from(m.getLayer('batch_normalization_1').weights[2].value.values);
    const h = await m.fit(x, y, { epochs: 15, batchSize: 16, verbose: 0 });
    const after = m.evaluate(x, y);
    expect(after.loss).toBeLessThan(before.loss * 0.5);
    expect(Object.keys(after)).toEqual(['loss', 'acc']);
    expect(after.acc).toBeGreaterThan(0.9);
    expect(h.history.loss.at(-1)!).toBeLessThan(h.history.loss[0]);
    expect(Array.from(m.getLayer('batch_normalization_1').weights[2].value.values)).not.toEqual(movingMean);
    const back = modelFromBytes(modelToBytes(m));
    expect(Array.from(back.predict(x).values)).toEqual(Array.from(m.predict(x).values));
  });

  it('a seeded fit with dropout repeats bit for bit', async () => {
    const rand = new Random(6);
    const x = new Tensor(
      Float32Array.from({ length: 32 * 5 * 5 }, () => rand.next()),
      [32, 5, 5, 1],
    );
    const y = new Tensor(
      Int32Array.from({ length: 32 }, (_, i) => i % 3),
      [32],
    );
    const run = async () => {
      const m = sequential(
        [
          layers.conv2d({ filters: 2, kernelSize: 2, activation: 'relu', inputShape: [5, 5, 1] }),
          layers.flatten(),
          layers.dropout({ rate: 0.5 }),
          layers.dense({ units: 3 }),
        ],
        { seed: 8 },
      );
      m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
      await m.fit(x, y, { epochs: 3, batchSize: 8, verbose: 0, seed: 11 });
      return m.getWeights().map((w) => Array.from(w.values));
    };
    expect(await run()).toEqual(await run());
  });

  it('a hidden Conv2D with relu then MaxPooling2D run as one op (conv2dBiasReluMaxPool): the bits of the two layers, forward and in fit', async () => {
    const rand = new Random(7);
    const x = new Tensor(
      Float32Array.from({ length: 16 * 8 * 8 * 2 }, () => rand.next() - 0.3),
      [16, 8, 8, 2],
    );
    const y = new Tensor(
      Int32Array.from({ length: 16 }, (_, i) => i % 3),
      [16],
    );
    // The same network with the relu as a layer of its own: nothing to fuse.
    const build = (fused: boolean) =>
      sequential(
        [
          layers.conv2d({ filters: 4, kernelSize: 3, activation: fused ? 'relu' : 'linear', inputShape: [8, 8, 2] }),
          ...(fused ? [] : [layers.activation({ activation: 'relu' })]),
          layers.maxPooling2d({ poolSize: 2 }),
          layers.flatten(),
          layers.dense({ units: 3 }),
        ],
        { seed: 9 },
      );
    const calls = { n: 0 };
    const set = kernels();
    setKernels({
      ...set,
      conv2dBiasReluMaxPool(...args) {
        calls.n++;
        return set.conv2dBiasReluMaxPool(...args);
      },
    });
    try {
      const [a, b] = [build(true), build(false)];
      b.setWeights(a.getWeights());
      expect(Array.from(a.predict(x).values)).toEqual(Array.from(b.predict(x).values));
      expect(calls.n).toBe(1);
      // layerOutputs asks for the convolution's own output: no fusion there.
      const named = (m: typeof a, className: string) => m.layers.find((l) => l.className === className)!.name;
      const [convOut, reluOut] = [a.layerOutputs([x], [named(a, 'Conv2D')])[0], b.layerOutputs([x], [named(b, 'Activation')])[0]];
      expect(convOut.shape).toEqual([16, 6, 6, 4]);
      expect(Array.from(convOut.values)).toEqual(Array.from(reluOut.values));
      expect(calls.n).toBe(1);
      for (const m of [a, b]) m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
      const [ha, hb] = [
        await a.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false }),
        await b.fit(x, y, { epochs: 2, batchSize: 8, verbose: 0, shuffle: false }),
      ];
      expect(calls.n).toBe(1 + 4);
      expect(ha.history.loss).toEqual(hb.history.loss);
      expect(a.getWeights().map((w) => Array.from(w.values))).toEqual(b.getWeights().map((w) => Array.from(w.values)));
    } finally {
      setKernels(set);
    }
  });
});

describe('hostile sizes', () => {
  it('a pool window of 10^9 with same padding costs only its in-bounds part (a model file may ask for it)', () => {
    const m = sequential([layers.maxPooling2d({ poolSize: 1e9, strides: 1, padding: 'same', inputShape: [2, 2, 1] }), layers.flatten()], { seed: 1 });
    const back = modelFromBytes(modelToBytes(m));
    expect(Array.from(back.predict(tensor([1, 5, 3, 2], { shape: [1, 2, 2, 1] })).values)).toEqual([5, 5, 5, 5]);
    const avg = sequential([layers.averagePooling2d({ poolSize: [1e9, 3], strides: 1, padding: 'same', inputShape: [2, 2, 1] })], { seed: 1 });
    expect(Array.from(avg.predict(tensor([1, 5, 3, 2], { shape: [1, 2, 2, 1] })).values)).toEqual([2.75, 2.75, 2.75, 2.75]);
  });
});
