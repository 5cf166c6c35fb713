import { describe, expect, it } from 'vitest';
import { div, explain, grad, losses, nn, renderText, sum, tensor, type ExplainTrace } from '../../src/index.js';

const z = [2.0, 1.0, 0.1];
const classNames = ['news', 'entertainment', 'technology'];
const agree = (t: ExplainTrace) => expect(t.checks.filter((c) => !c.ok)).toEqual([]);
const f64 = (x: number[] | number[][]) => tensor(x, { dtype: 'float64' });

describe('temperature', () => {
  const t1 = explain({ logits: z, labels: 0 });
  const t2 = explain({ logits: z, labels: 0, temperature: 2 });

  it('divides the logits before softmax, the loss and the gradient', () => {
    expect(t1.rows[0].scaledLogits).toBeNull();
    expect(t1.rows[0].gradientWrtLogits).toBeNull();
    const r = t2.rows[0];
    expect(t2.temperature).toBe(2);
    expect(r.logits).toEqual(z);
    expect(r.scaledLogits).toEqual([1, 0.5, 0.05]);
    expect(r.probabilities).toEqual(Array.from(nn.softmax(div(f64(z), 2)).values));
    expect(r.loss).toBe(losses.sparseSoftmaxCrossEntropy([0], div(f64([z]), 2), { reduction: 'none' }).item());
    // Flatter: the winner's probability drops and the loss grows.
    expect(r.probabilities[0]).toBeLessThan(t1.rows[0].probabilities[0]);
    expect(r.loss!).toBeGreaterThan(t1.rows[0].loss!);
    // dloss/d(z/T) = p − y; through the division dloss/dz = (p − y)/T.
    r.gradient!.forEach((g, i) => expect(g).toBeCloseTo(r.probabilities[i] - (i === 0 ? 1 : 0), 15));
    r.gradientWrtLogits!.forEach((g, i) => expect(g).toBeCloseTo(r.gradient![i] / 2, 15));
    const byAutograd = grad((x) => sum(losses.sparseSoftmaxCrossEntropy([0], div(x, 2), { reduction: 'sum' })))(f64([z]));
    expect(r.gradientWrtLogits).toEqual(Array.from(byAutograd.values));
    agree(t2);
  });

  it('keeps the decision and says so', () => {
    expect(t2.rows[0].decision.classId).toBe(0);
    const cold = explain({ logits: z, temperature: 0.25 });
    expect(cold.rows[0].decision.classId).toBe(0);
    expect(cold.rows[0].probabilities[0]).toBeGreaterThan(t1.rows[0].probabilities[0]);
    const text = renderText(t2);
    expect(text).toContain('temperature T = 2');
    expect(text).toContain('temperature: z_i/T with T = 2');
    expect(text).toContain('z[0]/T = 2 / 2 = 1');
    expect(text).toContain('and so does dividing by T > 0');
    expect(text).toContain('| dloss/dz'.slice(2));
  });

  it('is stored as the value the ops used (float32-rounded in a float32 trace)', () => {
    expect(explain({ logits: z, temperature: 0.1, dtype: 'float32' }).temperature).toBe(Math.fround(0.1));
  });
});

describe('label smoothing', () => {
  it('mixes the target with the uniform distribution, for class ids', () => {
    const eps = 0.1;
    const t = explain({ logits: z, classNames, labels: 'news', labelSmoothing: eps });
    const r = t.rows[0];
    expect(r.target!.given).toEqual([1, 0, 0]);
    expect(r.target!.classId).toBe(0);
    r.target!.distribution.forEach((q, i) => expect(q).toBeCloseTo((i === 0 ? 1 - eps : 0) + eps / 3, 15));
    expect(r.loss).toBe(losses.sparseSoftmaxCrossEntropy([0], f64([z]), { labelSmoothing: eps, reduction: 'none' }).item());
    const plain = explain({ logits: z, labels: 'news', classNames }).rows[0];
    expect(r.loss!).toBeGreaterThan(plain.loss!);
    r.gradient!.forEach((g, i) => expect(g).toBeCloseTo(r.probabilities[i] - r.target!.distribution[i], 15));
    // p and the decision do not change.
    expect(r.probabilities).toEqual(plain.probabilities);
    expect(t.notes).toEqual([]);
    expect(renderText(t)).toContain('label smoothing ε = 0.1');
    agree(t);
  });

  it('mixes soft targets the same way (TensorFlow rule)', () => {
    const y = [0.7, 0.2, 0.1];
    const t = explain({ logits: z, labels: y, labelSmoothing: 0.3 });
    expect(t.loss!.op).toBe('losses.softmaxCrossEntropy');
    t.rows[0].target!.distribution.forEach((q, i) => expect(q).toBeCloseTo(0.7 * y[i] + 0.1, 15));
    expect(t.rows[0].loss).toBe(losses.softmaxCrossEntropy(f64([y]), f64([z]), { labelSmoothing: 0.3, reduction: 'none' }).item());
    agree(t);
  });
});

describe('labels in every form', () => {
  const byId = explain({ logits: z, labels: 1 });
  it('id, name, one-hot, tensor: the same loss', () => {
    for (const labels of ['entertainment', [0, 1, 0], tensor(1, { dtype: 'int32' }), tensor([0, 1, 0], { dtype: 'float64' })]) {
      const t = explain({ logits: z, classNames, labels });
      expect(t.rows[0].loss).toBeCloseTo(byId.rows[0].loss!, 15);
      expect(t.rows[0].target!.classId).toBe(1);
    }
  });

  it('a batch: ids, names, distributions, mixed, tensors', () => {
    const rows = [z, [0, 3, 1]];
    const ids = explain({ logits: rows, labels: [1, 2] });
    expect(ids.loss!.op).toBe('losses.sparseSoftmaxCrossEntropy');
    const named = explain({ logits: rows, labels: ['entertainment', 'technology'], classNames });
    expect(named.loss!.perExample).toEqual(ids.loss!.perExample);
    const mixed = explain({ logits: rows, labels: [1, [0, 0, 1]] });
    expect(mixed.loss!.op).toBe('losses.softmaxCrossEntropy');
    mixed.loss!.perExample.forEach((l, i) => expect(l).toBeCloseTo(ids.loss!.perExample[i], 15));
    expect(mixed.rows.map((r) => r.target!.classId)).toEqual([1, 2]);
    const soft = explain({
      logits: rows,
      labels: [
        [0.5, 0.5, 0],
        [0.2, 0.3, 0.5],
      ],
    });
    expect(soft.rows.map((r) => r.target!.classId)).toEqual([null, null]);
    expect(soft.rows.map((r) => r.decision.correct)).toEqual([null, null]);
    expect(explain({ logits: rows, labels: tensor([1, 2], { dtype: 'int32' }) }).loss!.perExample).toEqual(ids.loss!.perExample);
  });
});

describe('reductions', () => {
  const rows = [
    [0.5, 1.5, 0.1],
    [2.2, 1.3, 1.7],
  ];
  const labels = [1, 2];
  it("'mean' by default; 'sum', 'sumByNonzeroWeights' and 'none' as losses.* computes them", () => {
    const per = explain({ logits: rows, labels }).loss!;
    expect(per.reduction).toBe('mean');
    for (const reduction of ['sum', 'mean', 'sumByNonzeroWeights'] as const) {
      const t = explain({ logits: rows, labels, reduction });
      expect(t.loss!.value).toBe(losses.sparseSoftmaxCrossEntropy(labels, f64(rows), { reduction }).item());
      expect(t.loss!.perExample).toEqual(per.perExample);
    }
    const none = explain({ logits: rows, labels, reduction: 'none' });
    expect(none.loss!.value).toBeNull();
    expect(renderText(none)).toContain("reduction 'none'");
    expect(renderText(explain({ logits: rows, labels, reduction: 'sum' }))).toContain("reduction 'sum': 0.479011 + 1.19968 ≈ 1.67869");
  });
});

describe('dtype', () => {
  it('float64 by default for arrays; float32 on request; a float32 tensor keeps float32', () => {
    expect(explain({ logits: z }).dtype).toBe('float64');
    const t = explain({ logits: z, dtype: 'float32', labels: 0 });
    expect(t.dtype).toBe('float32');
    for (const v of [...t.rows[0].logits, ...t.rows[0].probabilities, ...t.rows[0].exps, t.rows[0].loss!]) expect(Math.fround(v)).toBe(v);
    expect(t.rows[0].probabilities).toEqual(Array.from(nn.softmax(tensor(z, { dtype: 'float32' })).values));
    expect(explain({ logits: tensor(z) }).dtype).toBe('float32');
    expect(explain({ logits: tensor(z), dtype: 'float64' }).dtype).toBe('float64');
    agree(t);
  });
});

describe('dense layer layouts', () => {
  const W = [
    [1.0, -1.0, 0.5],
    [0.8, 0.5, -0.3],
    [-0.5, 1.2, 1.0],
  ];
  const K = W[0].map((_, j) => W.map((row) => row[j])); // Kᵀ = W: a Keras kernel [features, classes]
  const b = [0.2, -0.1, 0.5];
  const f = [0.5, 0.8, 1.2];

  it("a Keras kernel [features, classes] with weightsLayout 'featuresByClasses' gives the same trace", () => {
    const a = explain({ weights: W, bias: b, features: f });
    const k = explain({ weights: K, bias: b, features: f, weightsLayout: 'featuresByClasses' });
    expect(k.dense!.layout).toBe('featuresByClasses');
    expect(k.dense!.weights).toEqual(W);
    expect(k.dense!.rows[0].products).toEqual(a.dense!.rows[0].products);
    k.rows[0].logits.forEach((v, i) => expect(v).toBeCloseTo(a.rows[0].logits[i], 15));
    expect(renderText(k)).toContain('z = f·K + b with a Keras kernel K [3 features × 3 classes]; below W = Kᵀ');
  });

  it('a batch of features, no bias, rectangular W', () => {
    const t = explain({
      weights: [
        [1, 2],
        [3, 4],
        [5, 6],
      ],
      features: [
        [1, 0],
        [0, 1],
      ],
      labels: [2, 0],
    });
    expect(t.batched).toBe(true);
    expect(t.dense!.bias).toBeNull();
    expect(t.rows.map((r) => r.logits)).toEqual([
      [1, 3, 5],
      [2, 4, 6],
    ]);
    expect(t.dense!.rows[1].products).toEqual([
      [0, 2],
      [0, 4],
      [0, 6],
    ]);
    expect(renderText(t)).toContain('z[0] = (1·0) + (2·1) = 0 + 2 = 2');
    agree(t);
  });

  it('long sums are elided in the text, kept whole in the trace', () => {
    const F = 40;
    const t = explain({ weights: [Array(F).fill(0.5), Array(F).fill(-0.25)], features: Array.from({ length: F }, (_, j) => j) });
    expect(t.dense!.rows[0].products[0]).toHaveLength(F);
    const text = renderText(t);
    expect(text).toContain('… (33 more)');
    expect(text).toContain(
      'z[0] = (0.5·0) + (0.5·1) + (0.5·2) + (0.5·3) + … (33 more) + (0.5·37) + (0.5·38) + (0.5·39) = 0 + 0.5 + 1 + 1.5 + … (33 more terms) + 18.5 + 19 + 19.5 = 390',
    );
    expect(renderText(t, { maxTerms: 100 })).not.toContain('more terms');
  });
});

describe('many classes', () => {
  it('lists the most probable classes (and the decision and label) and summarizes the rest', () => {
    const logits = Array.from({ length: 100 }, (_, i) => Math.sin(i));
    const t = explain({ logits, labels: 50 });
    const text = renderText(t, { maxClasses: 5 });
    expect(text).toContain('(95 more classes, with the smallest probabilities)');
    expect(text).toContain('p(50)');
    expect(text).toContain(`p(${t.rows[0].decision.classId})`);
    expect(t.rows[0].probabilities).toHaveLength(100);
  });
});

describe('inside a gradient computation', () => {
  it("records nothing on the caller's tape and leaves its inputs alone", () => {
    const x = tensor([[2, 1, 0.1]], { dtype: 'float64' });
    const g = grad((v) => {
      const t = explain({ logits: v, labels: [0] });
      expect(t.rows[0].loss).toBeCloseTo(0.41703001627783354, 15);
      return sum(v);
    })(x);
    expect(Array.from(g.values)).toEqual([1, 1, 1]);
    expect(Array.from(x.values)).toEqual([2, 1, 0.1]);
  });
});
