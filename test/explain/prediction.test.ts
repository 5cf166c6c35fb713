import { describe, expect, it } from 'vitest';
import { add, explainPrediction, matMul, relu, renderJson, renderMarkdown, renderText, tensor, type ExplainableModel, type Tensor } from '../../src/index.js';

/**
 * explainPrediction against the structural model interface, with a hand-built two-layer network:
 * h = relu(x·W1), z = h·K + b (K a Keras kernel [hidden, classes]).
 */
const W1 = tensor(
  [
    [1, 0, 0, 1, 0.5, -1],
    [0, 1, 1, 0, -0.5, 2],
  ],
  { dtype: 'float32' },
);
const K = tensor(
  [
    [0.5, -1],
    [2, 0.25],
    [-0.5, 0.5],
    [1, 1],
    [0.75, -2],
    [-0.25, 0.1],
  ],
  { dtype: 'float32' },
);
const b = tensor([0.1, -0.2], { dtype: 'float32' });
const hidden = (x: Tensor) => relu(matMul(x, W1));
const model: ExplainableModel = { lastDense: { kernel: K, bias: b }, hidden, logits: (x) => add(matMul(hidden(x), K), b) };

describe('explainPrediction', () => {
  const t = explainPrediction(model, [1, 2], { top: 2, labels: 'dog', classNames: ['cat', 'dog'] });

  it("explains the last layer z = W·h + b with W = kernelᵀ, in the model's dtype", () => {
    expect(t.dtype).toBe('float32');
    expect(t.dense!.layout).toBe('featuresByClasses');
    const h = [1, 2, 2, 1, 0, 3];
    expect(t.dense!.rows[0].features).toEqual(h);
    expect(t.dense!.weights[0]).toEqual([0.5, 2, -0.5, 1, 0.75, -0.25]);
    // z_cat = 0.5 + 4 − 1 + 1 + 0 − 0.75 + 0.1 = 3.85; z_dog = −1 + 0.5 + 1 + 1 + 0 + 0.3 − 0.2 = 1.6
    expect(t.rows[0].logits[0]).toBe(Math.fround(3.85));
    expect(t.rows[0].logits[1]).toBeCloseTo(1.6, 6); // float32: the dot 1.8 and the bias −0.2 are rounded
    expect(Array.from(model.logits!(tensor([[1, 2]], { dtype: 'float32' })).values)).toEqual(t.rows[0].logits);
    expect(t.rows[0].decision).toMatchObject({ classId: 0, className: 'cat', correct: false });
    expect(t.checks.find((c) => c.name === 'model')).toMatchObject({ ok: true, maxError: 0 });
    expect(t.checks.every((c) => c.ok)).toBe(true);
  });

  it('lists the hidden units contributing most to the winning logit', () => {
    expect(t.contributions).toHaveLength(1);
    const c = t.contributions![0];
    expect(c).toMatchObject({ row: 0, classId: 0, className: 'cat', logit: t.rows[0].logits[0], bias: Math.fround(0.1) });
    expect(c.top).toEqual([
      { unit: 1, weight: 2, activation: 2, contribution: 4 },
      { unit: 3, weight: 1, activation: 1, contribution: 1 },
    ]);
    expect(c.bottom).toEqual([
      { unit: 2, weight: -0.5, activation: 2, contribution: -1 },
      { unit: 5, weight: -0.25, activation: 3, contribution: -0.75 },
    ]);
    // The rest: unit 0 (0.5) and unit 4 (0.75·0 = 0).
    expect(c.restCount).toBe(2);
    expect(c.restSum).toBe(0.5);
    const total = [...c.top, ...c.bottom].reduce((s, e) => s + e.contribution, 0) + c.restSum + c.bias!;
    expect(Math.fround(total)).toBe(c.logit);
  });

  it('renders the breakdown', () => {
    const text = renderText(t);
    expect(text).toContain('z = f·K + b with a Keras kernel K [6 features × 2 classes]');
    expect(text).toContain('Hidden units contributing most to z[cat] (z_k = Σ_j W_kj·h_j + b_k):');
    expect(text).toMatch(/ {2}1 +2 +2 +4\n/);
    expect(text).toContain('most negative:');
    expect(text).toContain('the other 2 units add 0.5 in total, and the bias b_k adds 0.1: z[cat] = 3.85');
    expect(renderMarkdown(t)).toContain('### Hidden units contributing most to z[cat]');
    const json = JSON.parse(renderJson(t));
    expect(Object.keys(json.contributions[0])).toEqual(['row', 'classId', 'className', 'logit', 'bias', 'top', 'bottom', 'restCount', 'restSum']);
    expect(json.contributions[0].top[0]).toEqual({ unit: 1, weight: 2, activation: 2, contribution: 4 });
  });

  it('breaks down another class on request; top 0 lists none', () => {
    const d = explainPrediction(model, [1, 2], { classNames: ['cat', 'dog'], contributionsTo: 'dog' }).contributions![0];
    expect(d.classId).toBe(1);
    expect(d.top.map((e) => e.unit)).toEqual([2, 3, 1, 5]);
    expect(d.bottom.map((e) => e.unit)).toEqual([0]);
    const none = explainPrediction(model, [1, 2], { top: 0 }).contributions![0];
    expect(none.top).toEqual([]);
    expect(none.restCount).toBe(6);
  });

  it("flags a model whose logits are not h·kernel + bias (a wrong 'hidden')", () => {
    const wrong: ExplainableModel = { ...model, hidden: (x) => add(relu(matMul(x, W1)), 1) };
    const w = explainPrediction(wrong, [1, 2]);
    expect(w.checks.find((c) => c.name === 'model')!.ok).toBe(false);
    expect(w.notes.map((n) => n.kind)).toEqual(['crossCheck']);
    expect(renderText(w)).toContain("does 'hidden(x)' return the input of the last dense layer?");
  });

  it('without the optional logits() there is no model check', () => {
    const t2 = explainPrediction({ lastDense: { kernel: K, bias: null }, hidden }, [1, 2]);
    expect(t2.checks.map((c) => c.name)).not.toContain('model');
    expect(t2.dense!.bias).toBeNull();
    expect(t2.contributions![0].bias).toBeNull();
  });

  it('rejects what is not a model, with the argument named', () => {
    expect(() => explainPrediction(null as never, [1, 2])).toThrow(/^explainPrediction: argument 'model' must be a model/);
    expect(() => explainPrediction({ lastDense: { kernel: [[1]] }, hidden } as never, [1, 2])).toThrow(
      /argument 'model' must be an object whose 'lastDense.kernel' is a Tensor/,
    );
    expect(() => explainPrediction({ lastDense: { kernel: K, bias: null } } as never, [1, 2])).toThrow(/a 'hidden\(x\)' function/);
    expect(() => explainPrediction({ ...model, hidden: () => tensor([[1, 2]], { dtype: 'float32' }) }, [1, 2])).toThrow(
      /argument 'model' must be a 'hidden\(x\)' that returns \[1, 6\] for one sample/,
    );
    expect(() => explainPrediction(model, [1, 2], { top: -1 })).toThrow(/argument 'top' must be a non-negative integer/);
    expect(() => explainPrediction(model, [1, 2], { contributionsTo: 2 })).toThrow(/argument 'contributionsTo' must be a class id in \[0, 1\]/);
  });
});
