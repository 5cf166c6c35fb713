/**
 * Finite-difference gradient checks (float64) for every differentiable op outside the softmax/CE family
 * (those are in grad-losses.test.ts). Inputs stay away from kinks: relu/abs at 0, ties of max/min/maximum,
 * clip and logit-eps boundaries.
 */
import { describe, expect, it } from 'vitest';
import {
  abs,
  add,
  broadcastTo,
  cast,
  clipByValue,
  concat,
  div,
  exp,
  expandDims,
  gather,
  log,
  log1p,
  logSigmoid,
  logSumExp,
  logit,
  matMul,
  max,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  pow,
  reciprocal,
  relu,
  reshape,
  sigmoid,
  slice,
  softplus,
  grads,
  sqrt,
  square,
  squeeze,
  stack,
  stopGradient,
  sub,
  sum,
  tanh,
  tensor,
  topK,
  transpose,
  where,
  type Tensor,
} from '../../src/index.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { randomTensor, rng } from '../helpers/numbers.js';

const R = rng(20240601);
const rt = (shape: number[], opts: Parameters<typeof randomTensor>[2] = {}) => randomTensor(R, shape, opts);

describe('gradCheck itself', () => {
  it('accepts a correct gradient', () => {
    gradCheck((x) => mul(x, x), [rt([3])]);
  });
  it('rejects a wrong gradient (per element)', () => {
    // x · stopGradient(x) has value x² but its recorded gradient is x, not 2x.
    expect(() => gradCheck((x) => mul(x, stopGradient(x)), [rt([3], { avoid: [0] })])).toThrow(/gradient of input 0/);
  });
  it('rejects a wrong gradient (directional, large input)', () => {
    expect(() => gradCheck((x) => mul(x, stopGradient(x)), [rt([10, 10], { avoid: [0] })])).toThrow(/directional/);
  });
});

describe('element-wise binary ops (with broadcasting)', () => {
  const shapes: Array<[number[], number[]]> = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [
      [2, 1],
      [1, 3],
    ],
    [[2, 3], []],
    [[], [4]],
    [
      [3, 1, 2],
      [4, 1],
    ],
  ];
  for (const [sa, sb] of shapes) {
    const tag = `[${sa}] with [${sb}]`;
    it(`add ${tag}`, () => gradCheck((a, b) => add(a, b), [rt(sa), rt(sb)]));
    it(`sub ${tag}`, () => gradCheck((a, b) => sub(a, b), [rt(sa), rt(sb)]));
    it(`mul ${tag}`, () => gradCheck((a, b) => mul(a, b), [rt(sa), rt(sb)]));
    it(`div ${tag}`, () => gradCheck((a, b) => div(a, b), [rt(sa), rt(sb, { lo: 0.5, hi: 2 })]));
    it(`pow ${tag} (both arguments, positive base)`, () => gradCheck((a, b) => pow(a, b), [rt(sa, { lo: 0.3, hi: 2 }), rt(sb)]));
    it(`maximum ${tag}`, () => {
      const a = rt(sa, { lo: -2, hi: 2 });
      const b = rt(sb, { lo: -2, hi: 2 });
      // Shift b so no broadcast pair ties.
      const bb = tensor(
        Float64Array.from(b.values, (v, i) => (i % 2 ? v + 5 : v - 5)),
        { shape: [...b.shape], dtype: 'float64' },
      );
      gradCheck((x, y) => maximum(x, y), [a, bb]);
      gradCheck((x, y) => minimum(x, y), [a, bb]);
    });
  }
  it('maximum/minimum with interleaved values (both sides win somewhere)', () => {
    const a = tensor([0.1, 2, -1, 0.7, 3, -2], { dtype: 'float64' });
    const b = tensor([0.5, 1, -0.5, 0.2, 4, -3], { dtype: 'float64' });
    gradCheck((x, y) => maximum(x, y), [a, b]);
    gradCheck((x, y) => minimum(x, y), [a, b]);
  });
  it('pow with a negative base and integer exponent (gradient to the base)', () => {
    gradCheck((a) => pow(a, tensor([2, 3, 1], { dtype: 'float64' })), [tensor([-1.5, -0.7, -2], { dtype: 'float64' })]);
  });
  it('pow gradient to the exponent is 0 where the base is ≤ 0 (TensorFlow)', () => {
    const g = gradCheckFree((b) => pow(tensor([-2, 0, 3], { dtype: 'float64' }), b), tensor([2, 2, 2], { dtype: 'float64' }));
    expect(g[0]).toBe(0);
    expect(g[1]).toBe(0);
    expect(g[2]).toBeCloseTo(9 * Math.log(3), 12);
  });
  it('where (condition broadcast, both branches)', () => {
    const cond = tensor(
      [
        [1, 0, 1],
        [0, 0, 1],
      ],
      { dtype: 'int32' },
    );
    gradCheck((a, b) => where(cond, a, b), [rt([2, 3]), rt([2, 3])]);
    gradCheck((a, b) => where(cond, a, b), [rt([3]), rt([2, 1])]);
    gradCheck((a, b) => where(tensor([1, 0, 1], { dtype: 'int32' }), a, b), [rt([2, 3]), rt([])]);
  });
});

function gradCheckFree(f: (x: Tensor) => Tensor, x: Tensor): number[] {
  return Array.from(grads(f)([x])[0].values);
}

describe('element-wise unary ops', () => {
  const cases: Array<[string, (x: Tensor) => Tensor, Parameters<typeof randomTensor>[2]]> = [
    ['neg', neg, {}],
    ['exp', exp, {}],
    ['log', log, { lo: 0.1, hi: 3 }],
    ['log1p', log1p, { lo: -0.8, hi: 3 }],
    ['square', square, {}],
    ['sqrt', sqrt, { lo: 0.1, hi: 3 }],
    ['abs', abs, { avoid: [0] }],
    ['reciprocal', reciprocal, { lo: 0.3, hi: 3 }],
    ['relu', relu, { avoid: [0] }],
    ['sigmoid', sigmoid, { lo: -6, hi: 6 }],
    ['softplus', softplus, { lo: -6, hi: 6 }],
    ['logSigmoid', logSigmoid, { lo: -6, hi: 6 }],
    ['tanh', tanh, { lo: -3, hi: 3 }],
  ];
  for (const [name, f, opts] of cases) {
    it(name, () => gradCheck(f, [rt([2, 3], opts)]));
    it(`${name} (large input, directional)`, () => gradCheck(f, [rt([7, 9], opts)]));
  }
  it('sigmoid/softplus/logSigmoid far in the tails', () => {
    // (sigmoid near +30 is ≈ 1, where finite differences cannot resolve its 1e-13 slope: see the exact test below.)
    gradCheck(sigmoid, [tensor([-30, -12, -5], { dtype: 'float64' })], { atol: 1e-20 });
    const x = tensor([-30, -12, 12, 30], { dtype: 'float64' });
    gradCheck(softplus, [x], { atol: 1e-20 });
    gradCheck(logSigmoid, [x], { atol: 1e-20 });
  });
  it('sigmoid and tanh gradients keep their relative precision in the tails', () => {
    // σ'(x) = e^−|x| / (1 + e^−|x|)², tanh'(x) = 4 e^−2|x| / (1 + e^−2|x|)²: tiny but representable.
    const xs = [-40, -30, 30, 40, 700];
    const sig = gradCheckFree(sigmoid, tensor(xs, { dtype: 'float64' }));
    xs.forEach((x, i) => {
      const e = Math.exp(-Math.abs(x));
      expect(sig[i] / (e / (1 + e) ** 2)).toBeCloseTo(1, 12);
    });
    const th = gradCheckFree(tanh, tensor([-20, 20, 300], { dtype: 'float64' }));
    [-20, 20, 300].forEach((x, i) => {
      const e = Math.exp(-2 * Math.abs(x));
      expect(th[i] / ((4 * e) / (1 + e) ** 2)).toBeCloseTo(1, 12);
    });
    // float32: σ'(20) ≈ 2.06e-9 is a normal float32 number.
    const g32 = grads(sigmoid)([tensor([20, -20], { dtype: 'float32' })])[0];
    expect(g32.values[0] / Math.exp(-20)).toBeCloseTo(1, 6);
    expect(g32.values[1] / Math.exp(-20)).toBeCloseTo(1, 6);
  });
  it('logit without eps', () => gradCheck((p) => logit(p), [rt([2, 3], { lo: 0.05, hi: 0.95 })]));
  it('logit with eps (clamped elements get gradient 0)', () => {
    const p = tensor([0.01, 0.3, 0.5, 0.97, 0.999, 0.2], { dtype: 'float64' });
    gradCheck((q) => logit(q, 0.05), [p]);
    const g = gradCheckFree((q) => logit(q, 0.05), p);
    expect(g[0]).toBe(0);
    expect(g[3]).toBe(0);
    expect(g[4]).toBe(0);
    expect(g[1]).toBeCloseTo(1 / (0.3 * 0.7), 10);
  });
  it('clipByValue (inside and outside the interval)', () => {
    const x = tensor([-2, -0.5, 0.1, 0.4, 0.9, 3], { dtype: 'float64' });
    gradCheck((t) => clipByValue(t, -1, 0.7), [x]);
    expect(gradCheckFree((t) => clipByValue(t, -1, 0.7), x)).toEqual([0, 1, 1, 1, 0, 0]);
  });
  it('cast float64 → float32 → float64', () => {
    // Through a float32 intermediate the function is only float32-accurate: use a larger step and tolerance.
    gradCheck((x) => cast(mul(cast(x, 'float32'), cast(x, 'float32')), 'float64'), [rt([4], { lo: 0.5, hi: 2 })], {
      h: 1e-2,
      rtol: 1e-5,
      atol: 1e-5,
    });
    // The gradient comes back as float64, and through the float32 path is the float32 rounding of 2x.
    const x = tensor([0.1, 1.3], { dtype: 'float64' });
    const g = grads((t) => cast(square(cast(t, 'float32')), 'float64'))([x])[0];
    expect(g.dtype).toBe('float64');
    expect(Array.from(g.values)).toEqual([Math.fround(2 * Math.fround(0.1)), Math.fround(2 * Math.fround(1.3))]);
  });
  it('cast float32 input → float64 output keeps the gradient dtype float32', () => {
    const x = tensor([0.5, 2], { dtype: 'float32' });
    const g = grads((t) => square(cast(t, 'float64')))([x])[0];
    expect(g.dtype).toBe('float32');
    expect(Array.from(g.values)).toEqual([1, 4]);
  });
});

describe('matMul', () => {
  const combos: Array<[boolean, boolean]> = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ];
  for (const [ta, tb] of combos) {
    const aShape = ta ? [4, 3] : [3, 4];
    const bShape = tb ? [2, 4] : [4, 2];
    it(`2-D transposeA=${ta} transposeB=${tb}`, () => gradCheck((a, b) => matMul(a, b, ta, tb), [rt(aShape), rt(bShape)]));
    it(`batched transposeA=${ta} transposeB=${tb}`, () => gradCheck((a, b) => matMul(a, b, ta, tb), [rt([2, ...aShape]), rt([2, ...bShape])]));
    it(`broadcast batch transposeA=${ta} transposeB=${tb}`, () => {
      gradCheck((a, b) => matMul(a, b, ta, tb), [rt([2, 1, ...aShape]), rt([3, ...bShape])]);
      gradCheck((a, b) => matMul(a, b, ta, tb), [rt(aShape), rt([2, ...bShape])]);
      gradCheck((a, b) => matMul(a, b, ta, tb), [rt([2, ...aShape]), rt(bShape)]);
    });
  }
  it('matrix–vector as (n × k)·(k × 1)', () => gradCheck((a, b) => matMul(a, b), [rt([3, 3]), rt([3, 1])]));
});

describe('layout ops', () => {
  it('transpose (default and explicit perm)', () => {
    gradCheck((x) => transpose(x), [rt([2, 3])]);
    gradCheck((x) => transpose(x, [1, 2, 0]), [rt([2, 3, 4])]);
    gradCheck((x) => transpose(x, [2, 0, 1]), [rt([2, 3, 2])]);
  });
  it('reshape (with −1)', () => gradCheck((x) => reshape(x, [3, -1]), [rt([2, 3, 2])]));
  it('expandDims', () => {
    const c = rt([2, 4, 3]);
    gradCheck((x) => mul(expandDims(x, 1), c), [rt([2, 3])]);
    gradCheck((x) => expandDims(x, -1), [rt([2, 3])]);
  });
  it('squeeze', () => {
    gradCheck((x) => squeeze(x), [rt([2, 1, 3, 1])]);
    gradCheck((x) => squeeze(x, 1), [rt([2, 1, 3, 1])]);
  });
  it('concat along each axis, three inputs', () => {
    gradCheck((a, b, c) => concat([a, b, c], 0), [rt([1, 3]), rt([2, 3]), rt([1, 3])]);
    gradCheck((a, b, c) => concat([a, b, c], 1), [rt([2, 1]), rt([2, 2]), rt([2, 3])]);
    gradCheck((a, b) => concat([a, b], -1), [rt([2, 2, 1]), rt([2, 2, 2])]);
  });
  it('concat of the same tensor twice accumulates', () => gradCheck((a) => concat([a, a], 0), [rt([2, 2])]));
  it('stack along each axis', () => {
    gradCheck((a, b) => stack([a, b], 0), [rt([2, 3]), rt([2, 3])]);
    gradCheck((a, b) => stack([a, b], 1), [rt([2, 3]), rt([2, 3])]);
    gradCheck((a, b, c) => stack([a, b, c], -1), [rt([2, 2]), rt([2, 2]), rt([2, 2])]);
  });
  it('slice (inner box, to the end, whole axis)', () => {
    gradCheck((x) => slice(x, [1, 0, 1], [1, 2, 2]), [rt([3, 2, 4])]);
    gradCheck((x) => slice(x, [0, 2], [-1, -1]), [rt([2, 5])]);
    gradCheck((x) => slice(x, 1), [rt([4, 2])]);
  });
  it('gather on axis 0 and 1, repeated indices accumulate', () => {
    gradCheck((x) => gather(x, tensor([2, 0, 2], { dtype: 'int32' }), 0), [rt([3, 2])]);
    gradCheck(
      (x) =>
        gather(
          x,
          tensor(
            [
              [1, 1],
              [0, 2],
            ],
            { dtype: 'int32' },
          ),
          1,
        ),
      [rt([2, 3, 2])],
    );
    gradCheck((x) => gather(x, [3, 3, 3, 0], -1), [rt([2, 4])]);
  });
  it('broadcastTo', () => {
    gradCheck((x) => broadcastTo(x, [2, 3, 4]), [rt([3, 1])]);
    gradCheck((x) => broadcastTo(x, [2, 3]), [rt([])]);
    gradCheck((x) => broadcastTo(x, [4, 3]), [rt([1, 3])]);
  });
});

describe('reductions', () => {
  const axesCases: Array<[number[], number | number[] | undefined]> = [
    [[2, 3, 4], undefined],
    [[2, 3, 4], 0],
    [[2, 3, 4], 1],
    [[2, 3, 4], -1],
    [
      [2, 3, 4],
      [0, 2],
    ],
    [
      [2, 3, 4],
      [1, 2],
    ],
    [[5], 0],
  ];
  for (const [shape, axis] of axesCases) {
    for (const keepDims of [false, true]) {
      const tag = `shape [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`;
      it(`sum ${tag}`, () => gradCheck((x) => sum(x, axis, keepDims), [rt(shape)]));
      it(`mean ${tag}`, () => gradCheck((x) => mean(x, axis, keepDims), [rt(shape)]));
      it(`logSumExp ${tag}`, () => gradCheck((x) => logSumExp(x, axis, keepDims), [rt(shape, { lo: -5, hi: 5 })]));
      it(`max/min ${tag}`, () => {
        // Distinct values: a random permutation of well-separated numbers, so no ties.
        const n = shape.reduce((p, d) => p * d, 1);
        const vals = Array.from({ length: n }, (_, i) => i * 0.37 - 3);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(R() * (i + 1));
          [vals[i], vals[j]] = [vals[j], vals[i]];
        }
        const x = tensor(vals, { shape, dtype: 'float64' });
        gradCheck((t) => max(t, axis, keepDims), [x]);
        gradCheck((t) => min(t, axis, keepDims), [x]);
      });
    }
  }
  it('max with ties shares the gradient equally (TensorFlow)', () => {
    const g = gradCheckFree(
      (x) => max(x, -1),
      tensor(
        [
          [1, 3, 3],
          [2, 0, 1],
        ],
        { dtype: 'float64' },
      ),
    );
    expect(g).toEqual([0, 0.5, 0.5, 1, 0, 0]);
  });
  it('topK of an empty last axis has an empty gradient', () => {
    const g = grads((x) => sum(topK(x, 0).values))([tensor(new Float64Array(0), { shape: [2, 0] })])[0];
    expect([...g.shape]).toEqual([2, 0]);
  });
  it('topK values (rank 1 and rank 3)', () => {
    gradCheck((x) => topK(x, 3).values, [tensor([0.3, -1, 2.5, 0.9, 1.7], { dtype: 'float64' })]);
    const x = tensor(
      Array.from({ length: 24 }, (_, i) => ((i * 7) % 24) * 0.21 - 2),
      { shape: [2, 3, 4], dtype: 'float64' },
    );
    gradCheck((t) => topK(t, 2).values, [x]);
  });
});

describe('compositions (the seeds path)', () => {
  it('dense layer + softmax cross-entropy, gradients to W and b', async () => {
    const { nn } = await import('../../src/index.js');
    const f = rt([4, 3]);
    const labels = tensor(
      [
        [0, 1, 0],
        [1, 0, 0],
        [0, 0, 1],
        [0.2, 0.3, 0.5],
      ],
      { dtype: 'float64' },
    );
    gradCheck((W, b) => mean(nn.softmaxCrossEntropyWithLogits({ labels, logits: add(matMul(f, W, false, true), b) })), [rt([3, 3]), rt([3])]);
  });
});
