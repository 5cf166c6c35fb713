/**
 * Finite-difference gradient checks (float64) of conv2d (both inputs), maxPool (distinct values: no ties), avgPool,
 * and of the gradient ops their rules are written with (conv2dBackpropInput, conv2dBackpropFilter, maxPoolBackprop,
 * avgPoolBackprop): those are the second-order path, a function of conv2d's gradient differentiated again.
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  avgPool,
  conv2d,
  maxPool,
  mul,
  square,
  sum,
  tensor,
  valueAndGrads,
  type Conv2dOptions,
  type Pool2dOptions,
  type Tensor,
} from '../../src/index.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../src/ops/conv.js';
import { avgPoolBackprop, maxPoolBackprop } from '../../src/ops/pool.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { distinctValues, randomTensor, rng } from '../helpers/numbers.js';

const R = rng(20261212);
const rt = (shape: number[]) => randomTensor(R, shape);
/** A tensor of distinct values at least 0.01 apart (no ties in any window, even after the stencil's steps). */
const distinct = (shape: number[]) =>
  tensor(
    Float64Array.from(
      distinctValues(
        R,
        shape.reduce((a, b) => a * b, 1),
      ),
    ),
    { shape, dtype: 'float64' },
  );

const CONV: Array<[string, number[], number[], Conv2dOptions]> = [
  // Small enough (≤ 48 elements in all) to be checked element by element.
  ['2x2 valid, per element', [1, 4, 4, 2], [2, 2, 2, 2], {}],
  ['3x3 same stride 2 (asymmetric padding), per element', [2, 4, 3, 1], [3, 3, 1, 2], { strides: 2, padding: 'same' }],
  ['3x3 valid dilation 2, batch 2', [2, 6, 7, 2], [3, 3, 2, 3], { dilations: 2 }],
  ['2x4 same (even filter), strides [1, 2]', [2, 5, 7, 3], [2, 4, 3, 2], { strides: [1, 2], padding: 'same' }],
  ['1x1 same stride 2', [2, 5, 5, 3], [1, 1, 3, 4], { strides: 2, padding: 'same' }],
  ['5x5 same on 3x4 (padding wider than the input)', [1, 3, 4, 2], [5, 5, 2, 1], { padding: 'same' }],
];

describe('conv2d: gradients to x and the filter', () => {
  it.each(CONV)('%s', (_name, xs, ws, options) => gradCheck((x, w) => conv2d(x, w, options), [rt(xs), rt(ws)]));
});

const POOLS: Array<[string, number[], Pool2dOptions]> = [
  ['2x2 valid, per element', [1, 4, 4, 2], { poolSize: 2 }],
  ['3x3 stride 2 same (asymmetric padding)', [2, 7, 8, 2], { poolSize: 3, strides: 2, padding: 'same' }],
  ['3x3 stride 1 same (overlapping windows)', [1, 5, 6, 3], { poolSize: 3, strides: 1, padding: 'same' }],
  ['2x3 strides [1, 2] valid on odd sizes', [2, 5, 7, 2], { poolSize: [2, 3], strides: [1, 2] }],
];

describe('maxPool and avgPool: gradients', () => {
  it.each(POOLS)('maxPool %s', (_name, xs, options) => gradCheck((x) => maxPool(x, options), [distinct(xs)]));
  it.each(POOLS)('avgPool %s', (_name, xs, options) => gradCheck((x) => avgPool(x, options), [rt(xs)]));
});

describe('the gradient ops are differentiable again (the second-order path)', () => {
  it.each(CONV)('conv2dBackpropInput: to dy and the filter, %s', (_name, xs, ws, options) => {
    const dyShape = [...conv2d(rt(xs), rt(ws), options).shape];
    gradCheck((dy, w) => conv2dBackpropInput(dy, w, xs, options), [rt(dyShape), rt(ws)]);
  });

  it.each(CONV)('conv2dBackpropFilter: to x and dy, %s', (_name, xs, ws, options) => {
    const dyShape = [...conv2d(rt(xs), rt(ws), options).shape];
    gradCheck((x, dy) => conv2dBackpropFilter(x, dy, ws, options), [rt(xs), rt(dyShape)]);
  });

  it('a function of both conv2d gradients, differentiated to x, the filter and dy', () => {
    // S(x, w, dy) = Σ (∂⟨dy, conv2d(x, w)⟩/∂x)² + Σ w ⊙ ∂⟨dy, conv2d(x, w)⟩/∂w: quadratic and cubic terms.
    const options: Conv2dOptions = { strides: 2, padding: 'same' };
    const xs = [2, 5, 4, 2];
    const ws = [3, 2, 2, 2];
    const x = rt(xs);
    const w = rt(ws);
    const dy = rt([...conv2d(x, w, options).shape]);
    // The gradients conv2d records are exactly these two ops.
    const recorded = valueAndGrads((a, b) => conv2d(a, b, options))([x, w], dy).grads;
    expect(Array.from(recorded[0].values)).toEqual(Array.from(conv2dBackpropInput(dy, w, xs, options).values));
    expect(Array.from(recorded[1].values)).toEqual(Array.from(conv2dBackpropFilter(x, dy, ws, options).values));
    const S = (a: Tensor, b: Tensor, d: Tensor) =>
      add(sum(square(conv2dBackpropInput(d, b, a.shape, options))), sum(mul(b, conv2dBackpropFilter(a, d, b.shape, options))));
    gradCheck(S, [x, w, dy]);
  });

  it.each(POOLS)('maxPoolBackprop: to dy (a gather at argMax), %s', (_name, xs, options) => {
    const x = distinct(xs);
    // argMax from the forward's own gradient: where a one-hot dy lands is the window's maximum.
    const y = maxPool(x, options);
    const argMax = new Int32Array(y.size);
    const ones = tensor(new Float64Array(y.size).fill(1), { shape: [...y.shape], dtype: 'float64' });
    const dx = valueAndGrads((a) => mul(maxPool(a, options), ones))([x]).grads[0];
    // With distinct values, argMax[o] is the flat index of the element of x equal to y[o].
    for (let o = 0; o < y.size; o++) argMax[o] = x.values.indexOf(y.values[o]);
    expect(argMax.every((i) => i >= 0 && dx.values[i] >= 1)).toBe(true);
    const ids = tensor(argMax, { shape: [...y.shape], dtype: 'int32' });
    gradCheck((dy) => maxPoolBackprop(dy, ids, xs, options), [rt([...y.shape])]);
  });

  it.each(POOLS)('avgPoolBackprop: to dy (avgPool), %s', (_name, xs, options) => {
    const yShape = [...avgPool(rt(xs), options).shape];
    gradCheck((dy) => avgPoolBackprop(dy, xs, options), [rt(yShape)]);
  });
});
