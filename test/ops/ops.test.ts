/**
 * Forward values of the ops (the gradient checks only test consistency with the forward): element-wise
 * functions against Math/closed forms, matMul against a naive triple loop, layout ops and reductions against
 * plain-JS index arithmetic.
 */
import { describe, expect, it } from 'vitest';
import {
  abs,
  argMax,
  argMin,
  cast,
  clipByValue,
  concat,
  exp,
  expandDims,
  gather,
  log,
  log1p,
  logit,
  logSigmoid,
  logSumExp,
  matMul,
  max,
  mean,
  min,
  neg,
  oneHot,
  relu,
  reshape,
  sigmoid,
  slice,
  softplus,
  sqrt,
  square,
  squeeze,
  stack,
  sum,
  tanh,
  tensor,
  topK,
  transpose,
  reciprocal,
  type Tensor,
} from '../../src/index.js';
import { expectAllUlp, expectClose, FLOAT_DTYPES, randomTensor, rng, sizeOf } from '../helpers/numbers.js';

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.values);
const R = rng(4242);

describe.each(FLOAT_DTYPES)('element-wise functions (%s)', (dtype) => {
  const xs = [-40, -3.5, -1, -0.25, 0, 0.3, 1, 2.5, 40];
  const r = (v: number) => (dtype === 'float32' ? Math.fround(v) : v);
  const cases: Array<[string, (x: Tensor) => Tensor, (x: number) => number, number[]]> = [
    ['neg', neg, (x) => -x, xs],
    ['abs', abs, Math.abs, xs],
    ['square', square, (x) => x * x, xs],
    ['exp', exp, Math.exp, xs.slice(1, -1)],
    ['log', log, Math.log, [0.001, 0.5, 1, 3, 1e10]],
    ['log1p', log1p, Math.log1p, [-0.5, 1e-10, 0.3, 5]],
    ['sqrt', sqrt, Math.sqrt, [0, 0.25, 2, 1e6]],
    ['reciprocal', reciprocal, (x) => 1 / x, [-2, 0.5, 3]],
    ['relu', relu, (x) => Math.max(x, 0), xs],
    ['tanh', tanh, Math.tanh, xs],
    // Closed forms that are exact enough in float64 for these inputs.
    ['sigmoid', sigmoid, (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))), xs],
    ['softplus', softplus, (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))), xs],
    ['logSigmoid', logSigmoid, (x) => Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x))), xs],
  ];
  for (const [name, op, f, inputs] of cases) {
    it(name, () => {
      const x = tensor(inputs, { dtype });
      const y = op(x);
      expect(y.dtype).toBe(dtype);
      expectAllUlp(
        y.values,
        Array.from(x.values, (v) => r(f(v))),
        dtype === 'float32' ? 1 : 2,
        dtype,
        name,
      );
    });
  }
  it('the logistic functions are stable at ±1e4 (no overflow, no NaN)', () => {
    const x = tensor([-1e4, 1e4], { dtype });
    expect(arr(sigmoid(x))).toEqual([0, 1]);
    expect(arr(softplus(x))).toEqual([0, 1e4]);
    const ls = arr(logSigmoid(x));
    expect(ls[0]).toBe(-1e4);
    expect(ls[1] === 0).toBe(true);
  });
  it('softplus and logSigmoid keep tiny values (e^−30 is representable)', () => {
    // log1p(e^−30) = e^−30 − e^−60/2 + …, relative 4.7e-14 below e^−30.
    const truth = Math.exp(-30) * (1 - Math.exp(-30) / 2);
    const y = softplus(tensor([-30], { dtype })).values[0];
    expect(y / truth).toBeCloseTo(1, dtype === 'float64' ? 15 : 6);
    const z = logSigmoid(tensor([30], { dtype })).values[0];
    expect(z / -truth).toBeCloseTo(1, dtype === 'float64' ? 15 : 6);
  });
  it('logit(p) = log(p / (1 − p)), precise near 0 and 1; eps clamps', () => {
    const p = tensor([1e-20, 0.1, 0.5, 0.9, 1 - 2 ** -20], { dtype });
    const ref = Array.from(p.values, (v) => r(Math.log(v) - Math.log1p(-v)));
    expectAllUlp(logit(p).values, ref, 2, dtype, 'logit');
    const c = logit(tensor([0, 0.01, 0.5, 1], { dtype }), 0.05);
    const e = r(0.05);
    expectAllUlp(
      c.values,
      [Math.log(e) - Math.log1p(-e), Math.log(e) - Math.log1p(-e), 0, Math.log1p(-r(1 - 0.05)) - Math.log(r(1 - 0.05))].map((v, i) => (i === 3 ? -v : r(v))),
      2,
      dtype,
      'logit eps',
    );
    expect(arr(logit(tensor([0, 1], { dtype })))).toEqual([-Infinity, Infinity]);
  });
  it('clipByValue', () => {
    expect(arr(clipByValue(tensor([-5, -1, 0, 2, 7], { dtype }), -1, 2))).toEqual([-1, -1, 0, 2, 2]);
  });
});

describe('cast', () => {
  it('float → int32 truncates toward zero; float64 → float32 rounds once', () => {
    expect(arr(cast(f64([1.9, -1.9, 0.5, -0.5]), 'int32'))).toEqual([1, -1, 0, 0]);
    const c = cast(f64([0.1, 1 + 2 ** -30]), 'float32');
    expect(c.dtype).toBe('float32');
    expect(arr(c)).toEqual([Math.fround(0.1), 1]);
    expect(cast(tensor([3], { dtype: 'int32' }), 'float64').dtype).toBe('float64');
  });
});

/** Naive reference: (batch, m, k) · (batch, k, n) with explicit transposes. */
function naiveMatMul(a: Tensor, b: Tensor, ta: boolean, tb: boolean): { shape: number[]; values: number[] } {
  const A = a.shape.slice(-2);
  const B = b.shape.slice(-2);
  const [m, k] = ta ? [A[1], A[0]] : A;
  const n = tb ? B[0] : B[1];
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const rank = Math.max(batchA.length, batchB.length);
  const pa = [...Array(rank - batchA.length).fill(1), ...batchA];
  const pb = [...Array(rank - batchB.length).fill(1), ...batchB];
  const batch = pa.map((d, i) => Math.max(d, pb[i]));
  const out: number[] = [];
  for (let bi = 0; bi < sizeOf(batch); bi++) {
    let rem = bi;
    let oa = 0;
    let ob = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      oa += (pa[d] === 1 ? 0 : idx) * sa;
      ob += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    const aOff = oa * A[0] * A[1];
    const bOff = ob * B[0] * B[1];
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let p = 0; p < k; p++) {
          const av = ta ? a.values[aOff + p * A[1] + i] : a.values[aOff + i * A[1] + p];
          const bv = tb ? b.values[bOff + j * B[1] + p] : b.values[bOff + p * B[1] + j];
          s += av * bv;
        }
        out.push(s);
      }
    }
  }
  return { shape: [...batch, m, n], values: out };
}

describe('matMul', () => {
  const shapes: Array<[number[], number[]]> = [
    [
      [3, 4],
      [4, 5],
    ],
    [
      [1, 7],
      [7, 1],
    ],
    [
      [2, 3, 4],
      [2, 4, 2],
    ],
    [
      [2, 1, 3, 4],
      [3, 4, 5],
    ],
    [
      [3, 4],
      [2, 4, 2],
    ],
    [
      [2, 3, 4],
      [4, 2],
    ],
    [
      [17, 33],
      [33, 9],
    ],
    [
      [0, 3],
      [3, 2],
    ],
    [
      [2, 0],
      [0, 3],
    ],
  ];
  for (const dtype of FLOAT_DTYPES) {
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
      [true, true],
    ] as const) {
      it(`${dtype} transposeA=${ta} transposeB=${tb}`, () => {
        for (const [sa, sb] of shapes) {
          const aShape = ta ? [...sa.slice(0, -2), sa.at(-1)!, sa.at(-2)!] : sa;
          const bShape = tb ? [...sb.slice(0, -2), sb.at(-1)!, sb.at(-2)!] : sb;
          const a = randomTensor(R, aShape, { dtype });
          const b = randomTensor(R, bShape, { dtype });
          const out = matMul(a, b, ta, tb);
          const want = naiveMatMul(a, b, ta, tb);
          expect([...out.shape]).toEqual(want.shape);
          // float64: summation order may differ; float32: accumulated in float64, rounded once.
          if (dtype === 'float64') expectClose(out.values, want.values, 1e-13, 1e-13);
          else expectAllUlp(out.values, want.values.map(Math.fround), 1, 'float32', `[${aShape}]·[${bShape}]`);
        }
      });
    }
  }
  it('exact small integers', () => {
    expect(
      matMul(
        f64([
          [1, 2],
          [3, 4],
        ]),
        f64([
          [5, 6],
          [7, 8],
        ]),
      ).toArray(),
    ).toEqual([
      [19, 22],
      [43, 50],
    ]);
    expect(
      matMul(
        f64([
          [1, 2],
          [3, 4],
        ]),
        f64([
          [5, 6],
          [7, 8],
        ]),
        true,
        true,
      ).toArray(),
    ).toEqual([
      [23, 31],
      [34, 46],
    ]);
  });
  it('int32 matMul', () => {
    const a = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int32' },
    );
    const out = matMul(a, a);
    expect(out.dtype).toBe('int32');
    expect(out.toArray()).toEqual([
      [7, 10],
      [15, 22],
    ]);
  });
});

describe('layout ops', () => {
  const x = tensor(
    Array.from({ length: 24 }, (_, i) => i),
    { shape: [2, 3, 4], dtype: 'int32' },
  );
  const at = (i: number, j: number, k: number) => i * 12 + j * 4 + k;
  it('transpose with a permutation', () => {
    const t = transpose(x, [2, 0, 1]);
    expect([...t.shape]).toEqual([4, 2, 3]);
    for (let k = 0; k < 4; k++) for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) expect(t.values[k * 6 + i * 3 + j]).toBe(at(i, j, k));
    expect(transpose(tensor([[1, 2, 3]])).toArray()).toEqual([[1], [2], [3]]);
  });
  it('reshape, expandDims, squeeze', () => {
    expect([...reshape(x, [4, -1]).shape]).toEqual([4, 6]);
    expect(arr(reshape(x, [24]))).toEqual(arr(x));
    expect([...expandDims(x, 1).shape]).toEqual([2, 1, 3, 4]);
    expect([...expandDims(x, -1).shape]).toEqual([2, 3, 4, 1]);
    expect([...squeeze(tensor([[[1], [2]]])).shape]).toEqual([2]);
    expect([...reshape(tensor(5), [1, 1]).shape]).toEqual([1, 1]);
  });
  it('slice', () => {
    const s = slice(x, [1, 1, 2], [1, 2, -1]);
    expect(s.toArray()).toEqual([
      [
        [at(1, 1, 2), at(1, 1, 3)],
        [at(1, 2, 2), at(1, 2, 3)],
      ],
    ]);
    expect(slice(tensor([1, 2, 3, 4]), 1, 2).toArray()).toEqual([2, 3]);
    expect(slice(x, [0, 3, 0], [-1, -1, -1]).size).toBe(0);
  });
  it('concat and stack', () => {
    const a = tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = tensor([[5, 6]]);
    expect(concat([a, b]).toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(concat([a, tensor([[7], [8]])], 1).toArray()).toEqual([
      [1, 2, 7],
      [3, 4, 8],
    ]);
    expect(concat([a, tensor(new Float32Array(0), { shape: [0, 2] })]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])]).toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(stack([tensor([1, 2]), tensor([3, 4])], 1).toArray()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(stack([tensor(1), tensor(2)]).toArray()).toEqual([1, 2]);
  });
  it('gather along an axis with nested indices', () => {
    const g = gather(
      x,
      tensor(
        [
          [2, 0],
          [1, 1],
        ],
        { dtype: 'int32' },
      ),
      1,
    );
    expect([...g.shape]).toEqual([2, 2, 2, 4]);
    expect(g.values[1 * 16 + 0 * 8 + 1 * 4 + 3]).toBe(at(1, 0, 3));
    expect(g.values[0 * 16 + 1 * 8 + 0 * 4 + 0]).toBe(at(0, 1, 0));
    expect(gather(tensor([10, 20, 30]), [2, 2, 0]).toArray()).toEqual([30, 30, 10]);
  });
  it('oneHot with on/off values and dtype', () => {
    expect(oneHot([0, 2], 3).toArray()).toEqual([
      [1, 0, 0],
      [0, 0, 1],
    ]);
    const o = oneHot(tensor([[1]], { dtype: 'int32' }), 2, 5, -1, 'float64');
    expect(o.dtype).toBe('float64');
    expect(o.toArray()).toEqual([[[-1, 5]]]);
  });
});

describe('reductions', () => {
  const shape = [2, 3, 4];
  const vals = Array.from({ length: 24 }, () => Math.round(R() * 200 - 100) / 8);
  /** Plain-JS reduction of `vals` over `axes`. */
  function refReduce(axes: number[], f: (xs: number[]) => number): number[] {
    const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
    const groups = new Map<string, number[]>();
    for (let flat = 0; flat < 24; flat++) {
      const idx = [Math.floor(flat / 12), Math.floor(flat / 4) % 3, flat % 4];
      const key = kept.map((i) => idx[i]).join(',');
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key)!.push(vals[flat]);
    }
    return [...groups.values()].map(f);
  }
  const fns: Array<[string, (x: Tensor, axis?: number | number[], keep?: boolean) => Tensor, (xs: number[]) => number]> = [
    ['sum', sum, (xs) => xs.reduce((a, b) => a + b, 0)],
    ['mean', mean, (xs) => xs.reduce((a, b) => a + b, 0) / xs.length],
    ['max', max, (xs) => Math.max(...xs)],
    ['min', min, (xs) => Math.min(...xs)],
    [
      'logSumExp',
      logSumExp,
      (xs) => {
        const m = Math.max(...xs);
        return m + Math.log(xs.reduce((a, v) => a + Math.exp(v - m), 0));
      },
    ],
  ];
  const axesList: Array<number[] | undefined> = [undefined, [0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]];
  for (const [name, op, f] of fns) {
    it(`${name} over every axis set, with and without keepDims`, () => {
      const x = tensor(vals, { shape, dtype: 'float64' });
      for (const axes of axesList) {
        const all = axes ?? [0, 1, 2];
        const want = refReduce(all, f);
        const out = op(x, axes, false);
        expect([...out.shape]).toEqual(shape.filter((_, i) => !all.includes(i)));
        expectClose(out.values, want, 1e-14, 1e-14, `${name} ${axes}`);
        const kept = op(x, axes, true);
        expect([...kept.shape]).toEqual(shape.map((d, i) => (all.includes(i) ? 1 : d)));
        expectClose(kept.values, want, 1e-14, 1e-14);
      }
      // A negative axis and a single number work too.
      expectClose(op(x, -1).values, refReduce([2], f), 1e-14, 1e-14);
    });
  }
  it('sum of nothing is 0; mean of int32 is float32', () => {
    expect(sum(tensor(new Float32Array(0), { shape: [0, 3] }), 0).toArray()).toEqual([0, 0, 0]);
    expect(sum(tensor([])).item()).toBe(0);
    expect(mean(tensor([1, 2, 4], { dtype: 'int32' })).item()).toBe(Math.fround(7 / 3));
  });
  it('compensated sums: 1 + many tiny values', () => {
    const v = new Float64Array(1001).fill(1e-16);
    v[0] = 1;
    expect(sum(tensor(v)).item()).toBe(1 + 1000 * 1e-16);
  });
  it('logSumExp: −∞ for an all −∞ row, +∞ with a +∞, NaN stays NaN', () => {
    expect(
      arr(
        logSumExp(
          f64([
            [-Infinity, -Infinity],
            [Infinity, 1],
            [NaN, 1],
          ]),
          1,
        ),
      ),
    ).toEqual([-Infinity, Infinity, NaN]);
  });
  it('argMax / argMin: default last axis, first index on ties, NaN counts as extreme', () => {
    const x = f64([
      [1, 3, 3],
      [5, -1, -1],
      [2, NaN, 9],
    ]);
    expect(arr(argMax(x))).toEqual([1, 0, 1]);
    expect(arr(argMin(x))).toEqual([0, 1, 1]);
    expect(arr(argMax(x, 0))).toEqual([1, 2, 2]);
    expect(argMax(x).dtype).toBe('int32');
  });
  it('topK: values and indices, largest first, ties by lower index', () => {
    const { values, indices } = topK(
      f64([
        [1, 5, 3, 5],
        [0, -1, 2, 2],
      ]),
      3,
    );
    expect(values.toArray()).toEqual([
      [5, 5, 3],
      [2, 2, 0],
    ]);
    expect(indices.toArray()).toEqual([
      [1, 3, 2],
      [2, 3, 0],
    ]);
    expect(indices.dtype).toBe('int32');
    expect([...topK(f64([1, 2]), 0).values.shape]).toEqual([0]);
  });
});
