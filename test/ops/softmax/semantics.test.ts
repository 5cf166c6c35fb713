/**
 * Issue 11 B2–B4, against PyTorch (fixtures/semantics-torch.json, made by make-semantics-reference.py, float64):
 * class weights with probability targets, TensorFlow's squeezed [batch, 1] sparse labels and weights, labels
 * broadcast against logits in softmaxCrossEntropyWithLogits, and losses.nll.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { grads, losses, nn, sum, tensor, valueAndGrad, type NestedArray, type Reduction, type Tensor } from '../../../src/index.js';
import { gradCheck } from '../../helpers/gradcheck.js';
import { expectClose, flat } from '../../helpers/numbers.js';

interface Fixture {
  classWeights: Array<{
    labelSmoothing: number;
    reduction: Reduction;
    logits: number[][];
    labels: number[][];
    classWeights: number[];
    loss: NestedArray;
    dLogits: number[][];
  }>;
  nll: Array<{
    name: string;
    reduction: 'none' | 'sum' | 'mean';
    logProbs: NestedArray;
    labels: NestedArray;
    weights: number[] | null;
    ignoreIndex: number;
    loss: NestedArray;
    dLogProbs: NestedArray;
  }>;
  nllAllIgnoredMean: string;
  broadcast: Array<{ logits: NestedArray; labels: NestedArray; loss: NestedArray; dLogits: NestedArray; dLabels: NestedArray }>;
  squeeze: Array<{ logits: number[][]; labels: number[][]; weights: number[][]; sum: number }>;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/semantics-torch.json', import.meta.url), 'utf8')) as Fixture;
const f64 = (v: NestedArray) => tensor(v, { dtype: 'float64' });
const i32 = (v: NestedArray) => tensor(v, { dtype: 'int32' });
const all = (t: Tensor) => Array.from(t.values);
const flatOf = (v: NestedArray) => flat(v as NestedArray[]);

describe('B2: losses.softmaxCrossEntropy classWeights with probability targets (PyTorch cross_entropy weight=)', () => {
  it.each(fx.classWeights.map((c) => [`ε=${c.labelSmoothing} ${c.reduction}`, c] as const))('%s', (_, c) => {
    const f = (z: Tensor) =>
      losses.softmaxCrossEntropy(f64(c.labels), z, { classWeights: c.classWeights, labelSmoothing: c.labelSmoothing, reduction: c.reduction });
    const { value, grad } = valueAndGrad((z: Tensor) => sum(f(z)))(f64(c.logits));
    expectClose(all(f(f64(c.logits))), flatOf(c.loss), 1e-14, 1e-15, 'loss');
    expectClose([value.item()], [flatOf(c.loss).reduce((a, b) => a + b, 0)], 1e-14, 1e-15, 'summed loss');
    expectClose(all(grad), flatOf(c.dLogits), 1e-13, 1e-15, 'dLogits');
  });
  it('class weights are checked (one per class, finite, non-negative)', () => {
    const c = fx.classWeights[0];
    expect(() => losses.softmaxCrossEntropy(f64(c.labels), f64(c.logits), { classWeights: [1, 2] })).toThrow(
      /losses\.softmaxCrossEntropy: argument 'classWeights' must be a vector of 3 weights/,
    );
    expect(() => losses.softmaxCrossEntropy(f64(c.labels), f64(c.logits), { classWeights: [1, -2, 1] })).toThrow(/finite non-negative/);
  });
});

describe("B3: TensorFlow's shapes", () => {
  it('sparse labels and weights shaped [batch, 1] are squeezed like tf.compat.v1.losses.sparse_softmax_cross_entropy', () => {
    for (const c of fx.squeeze) {
      const got = losses.sparseSoftmaxCrossEntropy(i32(c.labels), f64(c.logits), { weights: f64(c.weights), reduction: 'sum' });
      expect(got.shape).toEqual([]);
      expectClose([got.item()], [c.sum], 1e-14, 0, 'sum');
      const plainWeights = losses.sparseSoftmaxCrossEntropy(i32(c.labels), f64(c.logits), { weights: c.weights, reduction: 'none' });
      expect(plainWeights.shape).toEqual([c.labels.length]);
    }
  });
  it('a trailing axis of another size is still an error', () => {
    const c = fx.squeeze[0];
    expect(() => losses.sparseSoftmaxCrossEntropy(i32(c.labels.map((r) => [r[0], r[0]])), f64(c.logits))).toThrow(
      /argument 'labels' must be a tensor of shape \[4\]/,
    );
  });
  it.each(fx.broadcast.map((c, i) => [i, c] as const))(
    'softmaxCrossEntropyWithLogits broadcasts labels (case %i), with gradients reduced over the broadcast axes',
    (_, c) => {
      const z = f64(c.logits);
      const y = f64(c.labels);
      const loss = nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z });
      expectClose(all(loss), flatOf(c.loss), 1e-14, 1e-15, 'loss');
      const [dz, dy] = grads((a: Tensor, b: Tensor) => sum(nn.softmaxCrossEntropyWithLogits({ labels: b, logits: a })))([z, y]);
      expect(dy.shape).toEqual(y.shape);
      expectClose(all(dz), flatOf(c.dLogits), 1e-13, 1e-15, 'dLogits');
      expectClose(all(dy), flatOf(c.dLabels), 1e-13, 1e-15, 'dLabels');
    },
  );
  it('labels that do not broadcast name both arguments', () => {
    expect(() => nn.softmaxCrossEntropyWithLogits({ labels: tensor([[1, 0]]), logits: tensor([[1, 2, 3]]) })).toThrow(
      /softmaxCrossEntropyWithLogits: shapes of 'labels' \[1, 2\] and 'logits' \[1, 3\] cannot be broadcast/,
    );
  });
});

describe('B4: losses.nll (PyTorch nll_loss)', () => {
  it.each(fx.nll.map((c) => [`${c.name} ${c.reduction}`, c] as const))('%s', (_, c) => {
    const opts = { ignoreIndex: c.ignoreIndex, reduction: c.reduction, ...(c.weights ? { weights: c.weights } : {}) };
    const x = f64(c.logProbs);
    const { value, grad } = valueAndGrad((lp: Tensor) => sum(losses.nll(lp, i32(c.labels), opts)))(x);
    expectClose(all(losses.nll(x, i32(c.labels), opts)), flatOf(c.loss), 1e-14, 1e-15, 'loss');
    expectClose([value.item()], [flatOf(c.loss).reduce((a, b) => a + b, 0)], 1e-14, 1e-15, 'summed');
    expectClose(all(grad), flatOf(c.dLogProbs), 1e-14, 1e-15, 'dLogProbs');
  });
  it('float64 gradient check (weighted mean over [N, C, d1] with an ignored target)', () => {
    const c = fx.nll.find((k) => k.name === '3d' && k.reduction === 'mean')!;
    gradCheck((lp) => losses.nll(lp, i32(c.labels), { weights: c.weights!, ignoreIndex: c.ignoreIndex }), [f64(c.logProbs)]);
  });
  it(`every target ignored under 'mean' gives 0 (PyTorch gives ${fx.nllAllIgnoredMean}: 0/0; our losses' empty reduction is 0)`, () => {
    const c = fx.nll[0];
    expect(fx.nllAllIgnoredMean).toBe('nan');
    const lp = f64(c.logProbs);
    expect(losses.nll(lp, i32([-100, -100, -100, -100, -100])).item()).toBe(0);
  });
  it('an ignored target against a −∞ log-probability adds 0, not NaN', () => {
    expect(
      losses
        .nll(
          f64([
            [-Infinity, 0],
            [0, -Infinity],
          ]),
          i32([-100, 0]),
          { reduction: 'sum' },
        )
        .item(),
    ).toBe(0);
  });
  it('bad arguments name losses.nll and the argument', () => {
    const lp = f64([[-1, -0.5]]);
    expect(() => losses.nll(lp, i32([2]))).toThrow(/^losses\.nll: argument 'labels' must be integers in \[0, 1\] \(or the ignored value -100\)/);
    expect(() => losses.nll(lp, i32([[0]]))).toThrow(/^losses\.nll: argument 'labels' must be a tensor of shape \[1\]/);
    expect(() => losses.nll(lp, i32([0]), { reduction: 'sumByNonzeroWeights' as never })).toThrow(
      /^losses\.nll: argument 'reduction' must be one of 'none', 'sum', 'mean'/,
    );
    expect(() => losses.nll(f64(1), i32(0))).toThrow(/^losses\.nll: argument 'logProbs'/);
  });
});
