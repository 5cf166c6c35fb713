import { describe, expect, it, vi } from 'vitest';
import { Dense, input, layers, model, sequential, tensor, Tensor, softmax, argMax, matMul, add, relu } from '../../src/index.js';
import { bitsEqual } from '../helpers/train.js';

function seedsNet(seed = 7) {
  const x = input({ shape: [784] });
  const h = layers.dense({ units: 128, activation: 'relu' }).apply(x);
  const z = layers.dense({ units: 10 }).apply(h);
  return model({ inputs: x, outputs: z, seed });
}

describe('layers and models', () => {
  it('symbolic shapes flow through apply', () => {
    const x = input({ shape: [784] });
    expect(x.shape).toEqual([null, 784]);
    const h = layers.dense({ units: 128, activation: 'relu' }).apply(x);
    expect(h.shape).toEqual([null, 128]);
    expect(h.dtype).toBe('float32');
  });

  it('784 → 128 → 10 has 100,480 + 1,290 = 101,770 parameters, shown by summary()', () => {
    const m = seedsNet();
    const s = m.summary(false);
    expect(s.layers.map((r) => [r.name, r.className, r.outputShape, r.params])).toEqual([
      ['input_1', 'Input', '[null, 784]', 0],
      ['dense_1', 'Dense', '[null, 128]', 100_480],
      ['dense_2', 'Dense', '[null, 10]', 1_290],
    ]);
    expect(s.totalParams).toBe(101_770);
    expect(m.countParams()).toBe(101_770);
    expect(s.text).toContain('Total params: 101,770');
    const lines: string[] = [];
    m.summary((l) => lines.push(l));
    expect(lines.join('\n')).toBe(s.text);
    expect(m.weights.map((v) => [v.name, v.shape.join('x'), v.dtype])).toEqual([
      ['dense_1/kernel', '784x128', 'float32'],
      ['dense_1/bias', '128', 'float32'],
      ['dense_2/kernel', '128x10', 'float32'],
      ['dense_2/bias', '10', 'float32'],
    ]);
  });

  it('summary() prints its table with console.log by default, as Keras does; false prints nothing', () => {
    const m = seedsNet();
    const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const s = m.summary();
      expect(spy.mock.calls.map((c) => c[0]).join('\n')).toBe(s.text);
      expect(spy.mock.calls[0][0]).toBe('Model: "model"');
      spy.mockClear();
      expect(m.summary(false).totalParams).toBe(101_770);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
    expect(() => m.summary('yes' as never)).toThrow(/summary: argument 'print' must be a function called with each line/);
  });

  it('sequential with inputShape on the first layer equals the functional model', () => {
    const s = sequential([layers.dense({ units: 128, activation: 'relu', inputShape: [784] }), layers.dense({ units: 10 })], { seed: 7 });
    const f = seedsNet(7);
    expect(s.summary(false).totalParams).toBe(101_770);
    expect(s.className).toBe('Sequential');
    s.weights.forEach((v, i) => expect(bitsEqual(v.value, f.weights[i].value)).toBe(true));
  });

  it('a sequential model without an input shape builds on first use', () => {
    const s = sequential([layers.dense({ units: 4 })], { seed: 1 });
    expect(() => s.summary(false)).toThrow(/no input shape yet/);
    const out = s.predict(tensor([[1, 2, 3]]));
    expect(out.shape).toEqual([1, 4]);
    expect(s.inputShape).toEqual([3]);
    expect(() => s.add(layers.dense({ units: 2 }))).toThrow(/already built/);
  });

  it('same seed → bit-identical weights; another seed → different ones', () => {
    const a = seedsNet(42).getWeights();
    const b = seedsNet(42).getWeights();
    const c = seedsNet(43).getWeights();
    a.forEach((t, i) => expect(bitsEqual(t, b[i])).toBe(true));
    expect(bitsEqual(a[0], c[0])).toBe(false);
  });

  it('a model without a seed draws one and records it', () => {
    const build = (seed?: number) => {
      const x = input({ shape: [2] });
      return model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), ...(seed === undefined ? {} : { seed }) });
    };
    const m = build();
    expect(Number.isSafeInteger(m.seed)).toBe(true);
    expect(bitsEqual(build(m.seed).weights[0].value, m.weights[0].value)).toBe(true);
  });

  it('initializers: glorotUniform within its limit, heNormal spread, zeros biases', () => {
    const x = input({ shape: [400] });
    const g = layers.dense({ units: 200 });
    const he = layers.dense({ units: 300, kernelInitializer: 'heNormal', biasInitializer: 'zeros' });
    const z = layers.dense({ units: 5, kernelInitializer: 'zeros', useBias: false });
    model({ inputs: x, outputs: z.apply(he.apply(g.apply(x))), seed: 3 });
    const limit = Math.sqrt(6 / (400 + 200));
    const gv = Array.from(g.kernel.value.values);
    expect(Math.max(...gv.map(Math.abs))).toBeLessThanOrEqual(limit);
    expect(Math.max(...gv.map(Math.abs))).toBeGreaterThan(0.99 * limit);
    const hv = Array.from(he.kernel.value.values);
    const std = Math.sqrt(hv.reduce((s, v) => s + v * v, 0) / hv.length);
    expect(std).toBeCloseTo(Math.sqrt(2 / 200), 2);
    expect(Array.from(g.bias!.value.values).every((v) => v === 0)).toBe(true);
    expect(z.bias).toBeNull();
    expect(z.weights.length).toBe(1);
    expect(Array.from(z.kernel.value.values).every((v) => v === 0)).toBe(true);
  });

  it('float64 parameters on request', () => {
    const m = sequential([layers.dense({ units: 3, inputShape: [2] })], { dtype: 'float64', seed: 1 });
    expect(m.weights.every((v) => v.dtype === 'float64')).toBe(true);
    expect(m.predict(tensor([[1, 2]])).dtype).toBe('float64');
    expect(m.summary(false).text).toContain('float64');
  });

  it('dense forward is matMul + add + activation, and apply on a Tensor runs eagerly', () => {
    const d = new Dense({ units: 3, activation: 'relu' });
    const x = tensor([
      [1, -2],
      [0.5, 4],
    ]);
    const y = d.apply(x);
    const want = relu(add(matMul(x, d.kernel.value), d.bias!.value));
    expect(bitsEqual(y, want)).toBe(true);
    expect(y).toBeInstanceOf(Tensor);
  });

  it('predict gives logits, predictProba softmax, predictClasses argmax', () => {
    const m = seedsNet(1);
    const x = tensor(
      Array.from({ length: 3 * 784 }, (_, i) => ((i * 7919) % 255) / 255),
      { shape: [3, 784] },
    );
    const logits = m.predict(x);
    expect(logits.shape).toEqual([3, 10]);
    expect(bitsEqual(m.predictProba(x), softmax(logits))).toBe(true);
    expect(Array.from(m.predictClasses(x).values)).toEqual(Array.from(argMax(logits).values));
    // Batched prediction gives the same values as one pass.
    expect(bitsEqual(m.predict(x, { batchSize: 2 }), logits)).toBe(true);
  });

  it('a softmax output layer: predict gives probabilities, predictLogits the pre-activation', () => {
    const x = input({ shape: [2] });
    const out = layers.dense({ units: 3, activation: 'softmax' });
    const m = model({ inputs: x, outputs: out.apply(x), seed: 2 });
    const xs = tensor([
      [1, 2],
      [3, -1],
    ]);
    const z = m.predictLogits(xs);
    expect(bitsEqual(m.predict(xs), softmax(z))).toBe(true);
    expect(bitsEqual(m.predictProba(xs), softmax(z))).toBe(true);
  });

  it('functional DAGs: branches merged with layers.add, shared layers', () => {
    const x = input({ shape: [4] });
    const a = layers.dense({ units: 3, name: 'a' }).apply(x);
    const b = layers.dense({ units: 3, name: 'b' }).apply(x);
    const shared = layers.dense({ units: 3, name: 'shared' });
    const s = layers.add().apply([shared.apply(a), shared.apply(b)]);
    const m = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(s), seed: 5 });
    const summary = m.summary(false);
    expect(summary.layers.find((r) => r.name === 'shared')!.outputShape).toBe('multiple');
    expect(summary.text).toContain('Connected to');
    expect(m.weights.length).toBe(8);
    expect(m.predict(tensor([[1, 2, 3, 4]])).shape).toEqual([1, 2]);
  });

  it('clear errors for wrong input shapes and bad configs', () => {
    const m = seedsNet(1);
    expect(() => m.predict(tensor([[1, 2, 3]]))).toThrow(/\[n, 784\]/);
    expect(() => m.predict(tensor(new Float32Array(784)))).toThrow(/expandDims/);
    expect(() => layers.dense({ units: 0 })).toThrow(/units/);
    expect(() => layers.dense({ units: 2, activation: 'gelu' as never })).toThrow(/activation/);
    expect(() => layers.dense({ units: 2, kernelInitializer: 'orthogonal' as never })).toThrow(/kernelInitializer/);
    expect(() => input({ shape: [0] })).toThrow(/shape/);
    const x = input({ shape: [3] });
    const d = layers.dense({ units: 2, name: 'same' }).apply(x);
    expect(() => model({ inputs: x, outputs: layers.dense({ units: 2, name: 'same' }).apply(d) })).toThrow(/distinct names/);
    expect(() => model({ inputs: input({ shape: [3] }), outputs: d })).toThrow(/every input the outputs depend on/);
  });
});

describe('intermediate outputs', () => {
  it('layerOutputs gives the hidden activations feeding the last layer', () => {
    const x = input({ shape: [3] });
    const hidden = layers.dense({ units: 4, activation: 'relu', name: 'hidden' });
    const last = layers.dense({ units: 2, name: 'last' });
    const m = model({ inputs: x, outputs: last.apply(hidden.apply(x)), seed: 1 });
    const xs = tensor([
      [1, 2, 3],
      [-1, 0, 2],
    ]);
    const [h] = m.layerOutputs([xs], ['hidden']);
    expect(h.shape).toEqual([2, 4]);
    expect(bitsEqual(add(matMul(h, last.kernel.value), last.bias!.value), m.predict(xs))).toBe(true);
    expect(() => m.layerOutputs([xs], ['nope'])).toThrow(/'hidden'/);
  });
});

describe('normalization layer', () => {
  it('adapt computes per-feature mean and variance; the output is standardized; weights are non-trainable', async () => {
    const data = tensor([
      [1, 10],
      [3, 10],
      [5, 10],
    ]);
    const norm = layers.normalization().adapt(data);
    const m = sequential([norm, layers.dense({ units: 2 })], { inputShape: [2], seed: 1 });
    expect(m.weights.length).toBe(4); // builds the sequential model
    expect(Array.from(norm.mean.value.values)).toEqual([3, 10]);
    expect(norm.variance.value.values[0]).toBeCloseTo(8 / 3, 6);
    const [y] = m.layerOutputs([data], [norm.name]);
    expect(y.values[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3 + 1e-3), 6);
    expect(y.values[1]).toBe(0);
    const s = m.summary(false);
    expect(s.totalParams).toBe(4 + 6);
    expect(s.trainableParams).toBe(6);
    expect(m.trainableWeights.map((v) => v.name)).toEqual(['dense_1/kernel', 'dense_1/bias']);
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const before = norm.mean.value;
    await m.fit(data, tensor([0, 1, 0], { dtype: 'int32' }), { epochs: 2 });
    expect(norm.mean.value).toBe(before);
    expect(() => m.predict(tensor([[1, 2, 3]]))).toThrow(/\[n, 2\]/);
  });
});
