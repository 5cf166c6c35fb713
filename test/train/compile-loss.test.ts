/**
 * compile's losses are losses.* (src/ops/softmax/compile-losses.ts): the compiled loss and its gradients are
 * those of losses.* bit for bit, the fused path folds the mean's 1/N into the kernel (no scaling multiply over
 * [batch, classes] in a fit step's backward pass), and fit's sampleWeight / classWeight follow Keras
 * (Σ w·loss / batch size), checked against plain float64 arithmetic.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  add,
  input,
  kernels,
  layers,
  losses,
  matMul,
  model,
  optimizers,
  setKernels,
  tensor,
  Tensor,
  valueAndGrads,
  LOSSES,
  METRICS,
  type Kernels,
  type Model,
} from '../../src/index.js';
import { resolveLoss } from '../../src/ops/softmax/compile-losses.js';
import { resolveMetrics } from '../../src/train/metric-registry.js';
import { bitsEqual, blobs } from '../helpers/train.js';

function linear(seed: number, features: number, classes: number, dtype: 'float32' | 'float64' = 'float32'): Model {
  const x = input({ shape: [features], dtype });
  return model({ inputs: x, outputs: layers.dense({ units: classes }).apply(x), seed });
}

const original = kernels();
afterEach(() => setKernels(original));

describe('compile losses are losses.*', () => {
  it('the compiled sparse loss and its gradients equal losses.sparseSoftmaxCrossEntropy bit for bit', () => {
    const { x, y } = blobs(12, 4, 3);
    const m = linear(3, 4, 3);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const { loss, grads } = m.lossAndGradients(x, y);
    const [w, b] = m.weights.map((v) => v.value);
    const ref = valueAndGrads((kw, kb) => losses.sparseSoftmaxCrossEntropy(y, add(matMul(x, kw), kb), { reduction: 'sumOverBatchSize' }))([w, b]);
    expect(bitsEqual(loss, ref.value)).toBe(true);
    grads.forEach((g, i) => expect(bitsEqual(g, ref.grads[i])).toBe(true));
  });

  it('the compiled categorical loss with label smoothing equals losses.softmaxCrossEntropy bit for bit', () => {
    const { x, y } = blobs(10, 4, 3, 2);
    const hot = tensor(Array.from(y.values, (c) => [0, 1, 2].map((k) => (k === c ? 1 : 0))));
    const m = linear(4, 4, 3);
    m.compile({ optimizer: 'sgd', loss: { name: 'categoricalCrossentropy', labelSmoothing: 0.1 } });
    const { loss, grads } = m.lossAndGradients(x, hot);
    const [w, b] = m.weights.map((v) => v.value);
    const ref = valueAndGrads((kw, kb) => losses.softmaxCrossEntropy(hot, add(matMul(x, kw), kb), { labelSmoothing: 0.1, reduction: 'sumOverBatchSize' }))([
      w,
      b,
    ]);
    expect(bitsEqual(loss, ref.value)).toBe(true);
    grads.forEach((g, i) => expect(bitsEqual(g, ref.grads[i])).toBe(true));
  });

  it("a fit step's backward pass makes no scaling multiply over [batch, classes] (the 1/N is in the fused kernel)", async () => {
    const batch = 16;
    const classes = 5;
    const { x, y } = blobs(batch, 6, classes);
    const m = linear(5, 6, classes);
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    const big: string[] = [];
    const base = kernels();
    setKernels(
      new Proxy(base, {
        get(target, key, receiver) {
          const f = Reflect.get(target, key, receiver);
          if (key !== 'binary' || typeof f !== 'function') return typeof f === 'function' ? f.bind(target) : f;
          return (op: string, ...rest: unknown[]) => {
            const outShape = rest[rest.length - 1] as number[];
            if ((op === 'mul' || op === 'div') && outShape.length === 2 && outShape[0] === batch && outShape[1] === classes) big.push(op);
            return (f as (...a: unknown[]) => void).call(target, op, ...rest);
          };
        },
      }) as Kernels,
    );
    await m.fit(x, y, { epochs: 1, batchSize: batch, shuffle: false });
    setKernels(original);
    expect(big).toEqual([]);
  });

  it('rejects unknown loss options and names the choices', () => {
    const head = { name: 'dense', activation: 'linear' };
    expect(() => resolveLoss('compile', { name: 'categoricalCrossentropy', smoothing: 0.1 }, head)).toThrow(/unknown option 'smoothing'/);
    expect(() => resolveLoss('compile', 'hinge', head)).toThrow(/'sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy'/);
    expect(() => resolveLoss('compile', { name: 'binaryCrossentropy', labelSmoothing: 2 }, head)).toThrow(/labelSmoothing/);
  });

  it('every loss and metric of the registries round-trips through its config', () => {
    const head = { name: 'dense', activation: 'linear' };
    for (const name of LOSSES.names()) {
      const plan = resolveLoss('compile', { name, labelSmoothing: 0.2 }, head);
      const again = resolveLoss('compile', plan.config, head);
      expect(again.config).toEqual(plan.config);
      expect(plan.config).toEqual({ name, fromLogits: true, labelSmoothing: 0.2 });
    }
    for (const name of METRICS.names()) {
      const [metric] = resolveMetrics('compile', [name], 'sparse');
      const [again] = resolveMetrics('compile', [metric.config], 'sparse');
      expect(again.name).toBe(metric.name);
      expect(again.config).toEqual(metric.config);
    }
    expect(resolveMetrics('compile', [{ name: 'topKAccuracy', k: 2 }], 'sparse')[0].name).toBe('top2Acc');
    expect(() => resolveMetrics('compile', [{ name: 'topKAccuracy', kk: 2 }], 'sparse')).toThrow(/unknown option 'kk'/);
  });
});

/** float64 cross-entropy of one row, the textbook way: log Σ exp(z) − z_y. */
function ce(z: number[], label: number): number {
  const m = Math.max(...z);
  return m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0)) - z[label];
}

describe('fit: sampleWeight and classWeight (Keras sum_over_batch_size)', () => {
  const xs = [
    [1, 0],
    [0, 1],
    [1, 1],
    [0.5, -1],
  ];
  const ys = [0, 1, 2, 1];

  /** The loss of one full-batch SGD step's starting point, read from the history, against float64 arithmetic. */
  async function firstLoss(options: { sampleWeight?: number[]; classWeight?: Record<number, number> }): Promise<{ got: number; want: number }> {
    const m = linear(7, 2, 3, 'float64');
    m.compile({ optimizer: optimizers.sgd({ learningRate: 0 }), loss: 'sparseCategoricalCrossentropy' });
    const W = m.weights[0].value.toArray() as number[][];
    const h = await m.fit(tensor(xs, { dtype: 'float64' }), tensor(ys, { dtype: 'int32' }), { epochs: 1, batchSize: 4, shuffle: false, ...options });
    const weights = options.sampleWeight ?? ys.map((c) => options.classWeight?.[c] ?? 1);
    let total = 0;
    xs.forEach((row, i) => {
      const z = [0, 1, 2].map((k) => row[0] * W[0][k] + row[1] * W[1][k]); // bias starts at 0
      total += weights[i] * ce(z, ys[i]);
    });
    return { got: h.history.loss[0], want: total / xs.length };
  }

  it('sampleWeight: Σ w·loss / batch size', async () => {
    const { got, want } = await firstLoss({ sampleWeight: [1, 0.5, 2, 0] });
    expect(Math.abs(got - want)).toBeLessThan(1e-14);
  });

  it('classWeight: each example weighted by its class, 1 for a class not listed', async () => {
    const { got, want } = await firstLoss({ classWeight: { 1: 3, 2: 0.25 } });
    expect(Math.abs(got - want)).toBeLessThan(1e-14);
    const plain = await firstLoss({});
    expect(Math.abs(got - plain.got)).toBeGreaterThan(1e-3);
  });

  it('weights change the gradients as Keras: zero-weight examples do not move the model', async () => {
    const x = tensor([
      [1, 2],
      [3, -1],
      [0, 1],
    ]);
    const y = tensor([0, 1, 1], { dtype: 'int32' });
    const a = linear(9, 2, 2);
    const b = linear(9, 2, 2);
    for (const m of [a, b]) m.compile({ optimizer: optimizers.sgd({ learningRate: 0.5 }), loss: 'sparseCategoricalCrossentropy' });
    await a.fit(x, y, { epochs: 3, batchSize: 3, shuffle: false, sampleWeight: [3, 0, 0] });
    // Only the first example counts, with weight 3 over a batch of 3: the same as that example alone with weight 1.
    await b.fit(tensor([[1, 2]]), tensor([0], { dtype: 'int32' }), { epochs: 3, batchSize: 1, shuffle: false });
    a.weights.forEach((v, i) => expect(Array.from(v.value.values)).toEqual(Array.from(b.weights[i].value.values)));
  });

  it('rejects bad weights with clear errors', async () => {
    const m = linear(1, 2, 3);
    m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = tensor(xs);
    const y = tensor(ys, { dtype: 'int32' });
    await expect(m.fit(x, y, { sampleWeight: [1, 2] })).rejects.toThrow(/sampleWeight.*4 weights/);
    await expect(m.fit(x, y, { sampleWeight: [1, 2, -1, 0] })).rejects.toThrow(/finite weights ≥ 0/);
    await expect(m.fit(x, y, { sampleWeight: [1, 1, 1, 1], classWeight: { 0: 2 } })).rejects.toThrow(/classWeight/);
    await expect(m.fit(x, y, { classWeight: { a: 2 } as unknown as Record<number, number> })).rejects.toThrow(/class ids/);
    expect(x).toBeInstanceOf(Tensor);
  });
});
