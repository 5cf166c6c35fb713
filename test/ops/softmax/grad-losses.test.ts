/**
 * Finite-difference gradient checks (float64) for the softmax family, the fused cross-entropies and the
 * three losses.* with every option.
 */
import { describe, expect, it } from 'vitest';
import { cast, grad, losses, nn, ones, tensor, valueAndGrad, zeros, type Reduction, type Tensor } from '../../../src/index.js';
import { maxUlp } from '../../kernels/helpers.js';
import { gradCheck } from '../../helpers/gradcheck.js';
import { randomTensor, rng } from '../../helpers/numbers.js';

const R = rng(777);
const rt = (shape: number[], opts: Parameters<typeof randomTensor>[2] = {}) => randomTensor(R, shape, opts);
const ids = (v: number[] | number[][], shape?: number[]) => tensor(v, { dtype: 'int32', ...(shape ? { shape } : {}) });
const fixedLabels = tensor(
  [
    [0, 1, 1, 0],
    [1, 1, 0, 0],
    [0, 0, 0, 1],
  ],
  { dtype: 'float64' },
);
const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean', 'sumByNonzeroWeights'];

/** Random soft labels along `axis`: non-negative, normalized unless `normalized` is false. */
function softLabels(shape: number[], axis: number, normalized = true): Tensor {
  const x = rt(shape, { lo: 0.05, hi: 1 });
  if (!normalized) return x;
  const a = axis < 0 ? axis + shape.length : axis;
  const outer = shape.slice(0, a).reduce((p, d) => p * d, 1);
  const n = shape[a];
  const inner = shape.slice(a + 1).reduce((p, d) => p * d, 1);
  const v = Float64Array.from(x.values);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += v[o * n * inner + i * inner + j];
      for (let i = 0; i < n; i++) v[o * n * inner + i * inner + j] /= s;
    }
  }
  return tensor(v, { shape, dtype: 'float64' });
}

describe('softmax and logSoftmax', () => {
  const cases: Array<[number[], number]> = [
    [[5], 0],
    [[2, 4], -1],
    [[2, 4], 0],
    [[2, 3, 4], 1],
    [[2, 3, 4], 0],
    [[2, 3, 4], -1],
    [[2, 1, 3, 2], 2],
  ];
  for (const [shape, axis] of cases) {
    it(`softmax shape [${shape}] axis ${axis}`, () => gradCheck((z) => nn.softmax(z, axis), [rt(shape, { lo: -4, hi: 4 })]));
    it(`logSoftmax shape [${shape}] axis ${axis}`, () => gradCheck((z) => nn.logSoftmax(z, axis), [rt(shape, { lo: -4, hi: 4 })]));
  }
  it('default axis is the last', () => gradCheck((z) => nn.softmax(z), [rt([3, 4])]));
  it('a class axis of size 1', () => gradCheck((z) => nn.logSoftmax(z, 1), [rt([3, 1, 2])]));
});

describe('nn.softmaxCrossEntropyWithLogits', () => {
  const cases: Array<[number[], number]> = [
    [[4], -1],
    [[3, 4], -1],
    [[3, 4], 0],
    [[2, 3, 4], 1],
    [[2, 3, 4], -1],
  ];
  for (const [shape, axis] of cases) {
    const tag = `shape [${shape}] axis ${axis}`;
    it(`gradient to logits and labels, ${tag}`, () => {
      gradCheck((z, y) => nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z, axis }), [rt(shape), softLabels(shape, axis)]);
    });
    it(`non-normalized labels, ${tag}`, () => {
      gradCheck((z, y) => nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z, axis }), [rt(shape), softLabels(shape, axis, false)]);
    });
    it(`gradient to logits only (labels constant), ${tag}`, () => {
      const y = softLabels(shape, axis);
      gradCheck((z) => nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z, axis }), [rt(shape)]);
    });
  }
  it('one-hot labels and large logits', () => {
    const y = tensor(
      [
        [0, 1, 0],
        [1, 0, 0],
      ],
      { dtype: 'float64' },
    );
    gradCheck(
      (z) => nn.softmaxCrossEntropyWithLogits({ labels: y, logits: z }),
      [
        tensor(
          [
            [30, -20, 5],
            [-40, 12, 50],
          ],
          { dtype: 'float64' },
        ),
      ],
    );
  });
  it('labels computed from the logits (both paths into one input)', () => {
    gradCheck((z) => nn.softmaxCrossEntropyWithLogits({ labels: nn.softmax(z), logits: z }), [rt([2, 4])]);
  });
});

describe('nn.sparseSoftmaxCrossEntropyWithLogits', () => {
  it('rank 1 (one example)', () => gradCheck((z) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: tensor(2, { dtype: 'int32' }), logits: z }), [rt([4])]));
  it('rank 2', () => gradCheck((z) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ids([3, 0, 1]), logits: z }), [rt([3, 4])]));
  it('rank 3', () =>
    gradCheck(
      (z) =>
        nn.sparseSoftmaxCrossEntropyWithLogits({
          labels: ids([
            [2, 0],
            [1, 1],
          ]),
          logits: z,
        }),
      [rt([2, 2, 3])],
    ));
  it('large logits', () =>
    gradCheck(
      (z) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ids([0, 2]), logits: z }),
      [
        tensor(
          [
            [40, -3, 7],
            [-25, 60, 1],
          ],
          { dtype: 'float64' },
        ),
      ],
    ));
});

describe('nn.sigmoidCrossEntropyWithLogits and nn.weightedCrossEntropyWithLogits', () => {
  it('sigmoid CE: gradient to logits and labels', () =>
    gradCheck((z, y) => nn.sigmoidCrossEntropyWithLogits({ labels: y, logits: z }), [rt([3, 4], { lo: -6, hi: 6 }), rt([3, 4], { lo: 0, hi: 1 })]));
  it('sigmoid CE: large logits, hard labels', () =>
    gradCheck(
      (z) => nn.sigmoidCrossEntropyWithLogits({ labels: tensor([0, 1, 0, 1], { dtype: 'float64' }), logits: z }),
      [tensor([-30, -25, 20, 35], { dtype: 'float64' })],
      { atol: 1e-20 },
    ));
  it('weighted CE: gradient to logits, labels and a scalar posWeight', () =>
    gradCheck(
      (z, y, q) => nn.weightedCrossEntropyWithLogits({ labels: y, logits: z, posWeight: q }),
      [rt([2, 3], { lo: -5, hi: 5 }), rt([2, 3], { lo: 0, hi: 1 }), rt([], { lo: 0.5, hi: 3 })],
    ));
  it('weighted CE: per-class posWeight broadcast over rows', () =>
    gradCheck(
      (z, y, q) => nn.weightedCrossEntropyWithLogits({ labels: y, logits: z, posWeight: q }),
      [rt([4, 3], { lo: -5, hi: 5 }), rt([4, 3], { lo: 0, hi: 1 }), rt([3], { lo: 0.2, hi: 3 })],
    ));
  it('weighted CE: full-shape posWeight, number posWeight', () => {
    gradCheck(
      (z, y, q) => nn.weightedCrossEntropyWithLogits({ labels: y, logits: z, posWeight: q }),
      [rt([2, 3]), rt([2, 3], { lo: 0, hi: 1 }), rt([2, 3], { lo: 0.2, hi: 3 })],
    );
    gradCheck((z, y) => nn.weightedCrossEntropyWithLogits({ labels: y, logits: z, posWeight: 2.5 }), [rt([2, 3]), rt([2, 3], { lo: 0, hi: 1 })]);
  });
});

describe('losses.softmaxCrossEntropy', () => {
  const shape = [4, 3];
  for (const reduction of REDUCTIONS) {
    it(`reduction ${reduction}: logits and labels`, () =>
      gradCheck((z, y) => losses.softmaxCrossEntropy(y, z, { reduction }), [rt(shape), softLabels(shape, -1)]));
    it(`reduction ${reduction}: scalar weight`, () =>
      gradCheck((z, y) => losses.softmaxCrossEntropy(y, z, { reduction, weights: 0.7 }), [rt(shape), softLabels(shape, -1)]));
    it(`reduction ${reduction}: per-example weights (gradient to the weights too)`, () =>
      gradCheck((z, y, w) => losses.softmaxCrossEntropy(y, z, { reduction, weights: w }), [rt(shape), softLabels(shape, -1), rt([4], { lo: 0.2, hi: 2 })]));
    it(`reduction ${reduction}: labelSmoothing 0.2`, () =>
      gradCheck((z, y) => losses.softmaxCrossEntropy(y, z, { reduction, labelSmoothing: 0.2 }), [rt(shape), softLabels(shape, -1)]));
    it(`reduction ${reduction}: rank 3, smoothing and [n, 1] weights`, () =>
      gradCheck(
        (z, y, w) => losses.softmaxCrossEntropy(y, z, { reduction, labelSmoothing: 0.1, weights: w }),
        [rt([2, 3, 4]), softLabels([2, 3, 4], -1), rt([2, 1], { lo: 0.2, hi: 2 })],
      ));
  }
  it('some weights zero (sumByNonzeroWeights counts only the others)', () => {
    const w = tensor([0, 1.5, 0, 2], { dtype: 'float64' });
    gradCheck((z, y) => losses.softmaxCrossEntropy(y, z, { weights: w }), [rt(shape), softLabels(shape, -1)]);
  });
});

describe('losses.softmaxCrossEntropy (constant labels) and sparseSoftmaxCrossEntropy without weights: the reduction folded into the kernel', () => {
  const y = softLabels([4, 3], -1);
  const y3 = softLabels([2, 3, 4], -1);
  for (const reduction of REDUCTIONS) {
    it(`reduction ${reduction}`, () => gradCheck((z) => losses.softmaxCrossEntropy(y, z, { reduction }), [rt([4, 3])]));
    it(`reduction ${reduction}: rank 3 and labelSmoothing 0.1`, () =>
      gradCheck((z) => losses.softmaxCrossEntropy(y3, z, { reduction, labelSmoothing: 0.1 }), [rt([2, 3, 4])]));
  }
  it('no examples: the loss is 0', () => {
    const g = grad((z) => losses.softmaxCrossEntropy(zeros([0, 3]), z, { reduction: 'mean' }))(zeros([0, 3]));
    expect(g.shape).toEqual([0, 3]);
  });
  it('float32: the value as with explicit unit weights, the gradient rounded once (within an ulp), any dy', () => {
    const z = cast(rt([5, 7], { lo: -6, hi: 6 }), 'float32');
    const labels = cast(softLabels([5, 7], -1), 'float32');
    const classIds = ids([3, 0, 6, 6, 1]);
    for (const reduction of ['sum', 'mean', 'sumByNonzeroWeights'] as const) {
      for (const dy of [undefined, tensor(-2.5, { dtype: 'float32' })]) {
        const fused = valueAndGrad((x) => losses.softmaxCrossEntropy(labels, x, { reduction }))(z, dy);
        const plain = valueAndGrad((x) => losses.softmaxCrossEntropy(labels, x, { reduction, weights: ones([5]) }))(z, dy);
        expect(fused.value.values[0]).toBe(plain.value.values[0]);
        expect(maxUlp(fused.grad.values, plain.grad.values).ulp).toBeLessThanOrEqual(1);
        const sparse = valueAndGrad((x) => losses.sparseSoftmaxCrossEntropy(classIds, x, { reduction }))(z, dy);
        const sparsePlain = valueAndGrad((x) => losses.sparseSoftmaxCrossEntropy(classIds, x, { reduction, weights: ones([5]) }))(z, dy);
        expect(sparse.value.values[0]).toBe(sparsePlain.value.values[0]);
        expect(maxUlp(sparse.grad.values, sparsePlain.grad.values).ulp).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('losses.sparseSoftmaxCrossEntropy', () => {
  const labels = ids([2, 0, 1, 2, 1]);
  const shape = [5, 3];
  for (const reduction of REDUCTIONS) {
    it(`reduction ${reduction}: plain`, () => gradCheck((z) => losses.sparseSoftmaxCrossEntropy(labels, z, { reduction }), [rt(shape)]));
    it(`reduction ${reduction}: scalar and per-example weights`, () => {
      gradCheck((z) => losses.sparseSoftmaxCrossEntropy(labels, z, { reduction, weights: 1.7 }), [rt(shape)]);
      gradCheck((z, w) => losses.sparseSoftmaxCrossEntropy(labels, z, { reduction, weights: w }), [rt(shape), rt([5], { lo: 0.2, hi: 2 })]);
    });
    it(`reduction ${reduction}: classWeights (gradient to them too)`, () =>
      gradCheck((z, cw) => losses.sparseSoftmaxCrossEntropy(labels, z, { reduction, classWeights: cw }), [rt(shape), rt([3], { lo: 0.2, hi: 2 })]));
    it(`reduction ${reduction}: ignoreIndex`, () =>
      gradCheck((z) => losses.sparseSoftmaxCrossEntropy(ids([2, -100, 1, -100, 0]), z, { reduction, ignoreIndex: -100 }), [rt(shape)]));
    it(`reduction ${reduction}: labelSmoothing`, () =>
      gradCheck((z) => losses.sparseSoftmaxCrossEntropy(labels, z, { reduction, labelSmoothing: 0.15 }), [rt(shape)]));
    it(`reduction ${reduction}: everything at once`, () =>
      gradCheck(
        (z, w, cw) =>
          losses.sparseSoftmaxCrossEntropy(ids([2, 0, 1, 1, 0]), z, { reduction, weights: w, classWeights: cw, ignoreIndex: 1, labelSmoothing: 0.1 }),
        [rt(shape), rt([5], { lo: 0.2, hi: 2 }), rt([3], { lo: 0.2, hi: 2 })],
      ));
  }
  it('rank 3 logits with [batch, time] labels', () =>
    gradCheck(
      (z) =>
        losses.sparseSoftmaxCrossEntropy(
          ids([
            [0, 3],
            [2, 1],
          ]),
          z,
          { labelSmoothing: 0.1 },
        ),
      [rt([2, 2, 4])],
    ));
});

describe('losses.sigmoidCrossEntropy', () => {
  const shape = [3, 4];
  for (const reduction of REDUCTIONS) {
    it(`reduction ${reduction}: logits and labels`, () =>
      gradCheck((z, y) => losses.sigmoidCrossEntropy(y, z, { reduction }), [rt(shape, { lo: -5, hi: 5 }), rt(shape, { lo: 0, hi: 1 })]));
    it(`reduction ${reduction}: weights (scalar, per-example [3, 1], per-element)`, () => {
      gradCheck((z) => losses.sigmoidCrossEntropy(fixedLabels, z, { reduction, weights: 0.5 }), [rt(shape)]);
      gradCheck((z, w) => losses.sigmoidCrossEntropy(fixedLabels, z, { reduction, weights: w }), [rt(shape), rt([3, 1], { lo: 0.2, hi: 2 })]);
      gradCheck((z, w) => losses.sigmoidCrossEntropy(fixedLabels, z, { reduction, weights: w }), [rt(shape), rt(shape, { lo: 0.2, hi: 2 })]);
    });
    it(`reduction ${reduction}: labelSmoothing`, () =>
      gradCheck((z, y) => losses.sigmoidCrossEntropy(y, z, { reduction, labelSmoothing: 0.2 }), [rt(shape), rt(shape, { lo: 0, hi: 1 })]));
    it(`reduction ${reduction}: posWeight (number and per-class tensor, gradient to it)`, () => {
      gradCheck((z, y) => losses.sigmoidCrossEntropy(y, z, { reduction, posWeight: 3 }), [rt(shape), rt(shape, { lo: 0, hi: 1 })]);
      gradCheck(
        (z, y, q) => losses.sigmoidCrossEntropy(y, z, { reduction, posWeight: q }),
        [rt(shape), rt(shape, { lo: 0, hi: 1 }), rt([4], { lo: 0.3, hi: 3 })],
      );
    });
    it(`reduction ${reduction}: everything at once`, () =>
      gradCheck(
        (z, y, w, q) => losses.sigmoidCrossEntropy(y, z, { reduction, weights: w, labelSmoothing: 0.1, posWeight: q }),
        [rt(shape), rt(shape, { lo: 0, hi: 1 }), rt([3, 1], { lo: 0.2, hi: 2 }), rt([4], { lo: 0.3, hi: 3 })],
      ));
  }
});
