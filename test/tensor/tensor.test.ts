/**
 * Tensor basics: creation, dtypes, scalars, int32 checks, toArray/data/toString, broadcasting of every binary op
 * (against a plain-JS broadcasting reference, including rank-0 and size-0 shapes) and int32 arithmetic.
 */
import { describe, expect, it } from 'vitest';
import {
  Tensor,
  add,
  div,
  equal,
  fill,
  greater,
  greaterEqual,
  less,
  lessEqual,
  maximum,
  minimum,
  mul,
  notEqual,
  ones,
  pow,
  range,
  scalar,
  sub,
  tensor,
  where,
  zeros,
  neg,
  abs,
  square,
  sum,
  mean,
  exp,
  nn,
} from '../../src/index.js';
import { allocateUnzeroed, dtypeOfArray } from '../../src/tensor/dtype.js';
import { rng, sizeOf } from '../helpers/numbers.js';

describe('creation', () => {
  it('from a number: a float32 scalar of rank 0', () => {
    const t = tensor(2.5);
    expect(t).toBeInstanceOf(Tensor);
    expect(t.dtype).toBe('float32');
    expect([...t.shape]).toEqual([]);
    expect(t.rank).toBe(0);
    expect(t.size).toBe(1);
    expect(t.toArray()).toBe(2.5);
    expect(t.item()).toBe(2.5);
    expect(scalar(3, 'int32').dtype).toBe('int32');
  });
  it('from nested arrays: shape inferred, floats default to float32 (rounded once)', () => {
    const t = tensor([
      [0.1, 2, 3],
      [4, 5, 6],
    ]);
    expect([...t.shape]).toEqual([2, 3]);
    expect(t.dtype).toBe('float32');
    expect(t.values).toBeInstanceOf(Float32Array);
    expect(t.values[0]).toBe(Math.fround(0.1));
    expect(t.toArray()).toEqual([
      [Math.fround(0.1), 2, 3],
      [4, 5, 6],
    ]);
  });
  it('with dtype float64 keeps every digit', () => {
    const t = tensor([[0.1], [1e-300]], { dtype: 'float64' });
    expect(t.values).toBeInstanceOf(Float64Array);
    expect(t.toArray()).toEqual([[0.1], [1e-300]]);
  });
  it('rank 3 and 4 nested arrays', () => {
    const v = [
      [[[1, 2]], [[3, 4]]],
      [[[5, 6]], [[7, 8]]],
    ];
    const t = tensor(v, { dtype: 'int32' });
    expect([...t.shape]).toEqual([2, 2, 1, 2]);
    expect(t.toArray()).toEqual(v);
    expect(Array.from(t.values)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
  it("from TypedArrays: the array's dtype unless told otherwise; shape reshapes flat data", () => {
    expect(tensor(new Float64Array([1, 2])).dtype).toBe('float64');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    const t = tensor(new Float64Array([1, 2, 3, 4, 5, 6]), { shape: [3, 2] });
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const r = tensor(new Float64Array([0.1]), { dtype: 'float32' });
    expect(r.values[0]).toBe(Math.fround(0.1));
    expect(tensor(new Int32Array([7]), { dtype: 'float64' }).values).toBeInstanceOf(Float64Array);
  });
  it("does not alias the caller's TypedArray", () => {
    const src = new Float32Array([1, 2, 3]);
    const t = tensor(src);
    src[0] = 42;
    expect(t.values[0]).toBe(1);
  });
  it('a number with a shape of size 1', () => {
    const t = tensor(7, { shape: [1, 1] });
    expect(t.toArray()).toEqual([[7]]);
  });
  it('empty arrays: shape [0] and [2, 0]', () => {
    const e = tensor([]);
    expect([...e.shape]).toEqual([0]);
    expect(e.size).toBe(0);
    expect(e.toArray()).toEqual([]);
    const e2 = tensor([[], []]);
    expect([...e2.shape]).toEqual([2, 0]);
    expect(e2.toArray()).toEqual([[], []]);
  });
  it('int32: in-range integers, including the extremes', () => {
    const t = tensor([-(2 ** 31), 0, 2 ** 31 - 1], { dtype: 'int32' });
    expect(Array.from(t.values)).toEqual([-(2 ** 31), 0, 2 ** 31 - 1]);
    expect(() => tensor([2 ** 31], { dtype: 'int32' })).toThrow(RangeError);
    expect(() => tensor([0.5], { dtype: 'int32' })).toThrow(RangeError);
    expect(() => tensor([Infinity], { dtype: 'int32' })).toThrow(RangeError);
  });
  it('non-finite floats are allowed data', () => {
    const t = tensor([NaN, Infinity, -Infinity, -0], { dtype: 'float64' });
    expect(Number.isNaN(t.values[0])).toBe(true);
    expect(t.values[1]).toBe(Infinity);
    expect(Object.is(t.values[3], -0)).toBe(true);
  });
  it('from another tensor: a copy, optionally converted', () => {
    const a = tensor([1.5, 2.5], { dtype: 'float64' });
    const b = tensor(a, { dtype: 'float32' });
    expect(b.dtype).toBe('float32');
    expect(b.values).not.toBe(a.values);
  });
  it('zeros, ones, fill, range', () => {
    expect(zeros([2, 2]).toArray()).toEqual([
      [0, 0],
      [0, 0],
    ]);
    expect(ones([3], 'int32').toArray()).toEqual([1, 1, 1]);
    expect(fill([2], 0.25, 'float64').toArray()).toEqual([0.25, 0.25]);
    expect(range(0, 1, 0.25, 'float64').toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    expect(range(5, 0, -2, 'int32').toArray()).toEqual([5, 3, 1]);
    expect(range(3, 3).size).toBe(0);
  });
  it('item() of a many-element tensor throws', () => {
    expect(() => tensor([1, 2]).item()).toThrow(/item.*one element/);
  });
});

describe('toArray and data', () => {
  it("data() returns a copy of the storage, of the tensor's dtype", () => {
    const t = tensor([1, 2, 3], { dtype: 'float64' });
    const d = t.data();
    expect(d).toBeInstanceOf(Float64Array);
    d[0] = 99;
    expect(t.toArray()).toEqual([1, 2, 3]);
    expect(t.data()).not.toBe(t.data());
  });
  it('toArray() is fresh nested JS arrays', () => {
    const t = tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { dtype: 'int32' },
    );
    const a = t.toArray() as number[][];
    a[0][0] = 100;
    expect(t.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(Array.isArray(a[1])).toBe(true);
  });
  it('shape is frozen', () => {
    const t = tensor([1, 2]);
    expect(() => (t.shape as number[]).push(3)).toThrow();
  });
});

describe('toString', () => {
  it('shows dtype, shape and values', () => {
    expect(tensor(3).toString()).toBe('Tensor float32 [] 3');
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'int32' },
      ).toString(),
    ).toBe('Tensor int32 [2, 2]\n[[1, 2],\n [3, 4]]');
  });
  it('float32 values print in their shortest round-trip form', () => {
    expect(tensor([0.1, 1 / 3]).toString()).toBe('Tensor float32 [2]\n[0.1, 0.33333334]');
    expect(tensor([0.1], { dtype: 'float64' }).toString()).toBe('Tensor float64 [1]\n[0.1]');
  });
  it('elides long rows and long outer dimensions', () => {
    const s = tensor(
      Array.from({ length: 100 }, (_, i) => i),
      { dtype: 'int32' },
    ).toString();
    expect(s).toBe('Tensor int32 [100]\n[0, 1, 2, ..., 97, 98, 99]');
    const m = tensor(
      new Int32Array(40).map((_, i) => i),
      { shape: [10, 4] },
    ).toString();
    expect(m.split('\n')).toEqual([
      'Tensor int32 [10, 4]',
      '[[0, 1, 2, 3],',
      ' [4, 5, 6, 7],',
      ' [8, 9, 10, 11],',
      ' ...,',
      ' [28, 29, 30, 31],',
      ' [32, 33, 34, 35],',
      ' [36, 37, 38, 39]]',
    ]);
    expect(tensor(new Float32Array(1_000_000)).toString().length).toBeLessThan(100);
  });
  it('non-finite values and empty tensors', () => {
    expect(tensor([NaN, -Infinity], { dtype: 'float64' }).toString()).toBe('Tensor float64 [2]\n[NaN, -Infinity]');
    expect(tensor([]).toString()).toBe('Tensor float32 [0]\n[]');
  });
});

/** Plain-JS NumPy broadcasting: the reference for every binary op. */
function broadcastRef(
  f: (a: number, b: number) => number,
  a: ArrayLike<number>,
  as: number[],
  b: ArrayLike<number>,
  bs: number[],
): { shape: number[]; values: number[] } {
  const rank = Math.max(as.length, bs.length);
  const pa = [...Array(rank - as.length).fill(1), ...as];
  const pb = [...Array(rank - bs.length).fill(1), ...bs];
  const shape = pa.map((d, i) => (d === 1 ? pb[i] : d));
  const values: number[] = [];
  const n = sizeOf(shape);
  for (let flat = 0; flat < n; flat++) {
    let rem = flat;
    let ia = 0;
    let ib = 0;
    let sa = 1;
    let sb = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rem % shape[d];
      rem = Math.floor(rem / shape[d]);
      ia += (pa[d] === 1 ? 0 : idx) * sa;
      ib += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    values.push(f(a[ia], b[ib]));
  }
  return { shape, values };
}

describe('broadcasting of every binary op', () => {
  const ops: Array<[string, (a: Tensor, b: Tensor) => Tensor, (a: number, b: number) => number, boolean]> = [
    ['add', add, (a, b) => a + b, false],
    ['sub', sub, (a, b) => a - b, false],
    ['mul', mul, (a, b) => a * b, false],
    ['div', div, (a, b) => a / b, false],
    ['pow', pow, Math.pow, false],
    ['maximum', maximum, Math.max, false],
    ['minimum', minimum, Math.min, false],
    ['equal', equal, (a, b) => +(a === b), true],
    ['notEqual', notEqual, (a, b) => +(a !== b), true],
    ['greater', greater, (a, b) => +(a > b), true],
    ['greaterEqual', greaterEqual, (a, b) => +(a >= b), true],
    ['less', less, (a, b) => +(a < b), true],
    ['lessEqual', lessEqual, (a, b) => +(a <= b), true],
  ];
  const shapes: Array<[number[], number[]]> = [
    [
      [2, 3],
      [2, 3],
    ],
    [[2, 3], [3]],
    [[3], [2, 3]],
    [
      [2, 1],
      [1, 3],
    ],
    [
      [2, 3],
      [2, 1],
    ],
    [[], [2, 3]],
    [[2, 3], []],
    [[], []],
    [
      [3, 1, 2],
      [4, 1],
    ],
    [
      [2, 1, 3, 1],
      [1, 4, 1, 5],
    ],
    [[4, 1], [4]],
    [[1], [5]],
    [[1, 3], [3]],
    [[0, 3], [3]],
    [[0], [1]],
    [
      [2, 0],
      [2, 1],
    ],
    [[], [0]],
    [
      [0, 1],
      [1, 4],
    ],
  ];
  const rand = rng(31);
  for (const [name, op, f, comparison] of ops) {
    for (const dtype of ['float32', 'float64'] as const) {
      it(`${name} ${dtype}`, () => {
        for (const [sa, sb] of shapes) {
          // Values from a small grid so comparisons see equal pairs; b positive for pow/div.
          const av = Array.from({ length: sizeOf(sa) }, () => Math.round(rand() * 8 - 4) / 2 + 0); // + 0: no −0 (maximum(−0, 0) may pick either)
          const bv = Array.from({ length: sizeOf(sb) }, () =>
            name === 'pow' || name === 'div' ? 0.5 + Math.round(rand() * 6) / 4 : Math.round(rand() * 8 - 4) / 2 + 0,
          );
          const a = tensor(av, { shape: sa, dtype });
          const b = tensor(bv, { shape: sb, dtype });
          const out = op(a, b);
          const expected = broadcastRef(f, a.values, sa, b.values, sb);
          expect([...out.shape], `[${sa}] ${name} [${sb}]`).toEqual(expected.shape);
          expect(out.dtype).toBe(comparison ? 'int32' : dtype);
          const want = expected.values.map((v) => (dtype === 'float32' && !comparison ? Math.fround(v) : v));
          expect(Array.from(out.values), `[${sa}] ${name} [${sb}]`).toEqual(want);
        }
      });
    }
  }
  it('where broadcasts condition, a and b together', () => {
    const out = where(tensor([[1], [0]], { dtype: 'int32' }), tensor([1, 2, 3]), tensor(-1));
    expect(out.toArray()).toEqual([
      [1, 2, 3],
      [-1, -1, -1],
    ]);
    expect(where(tensor(1, { dtype: 'int32' }), tensor(5), tensor(6)).toArray()).toBe(5);
    expect([...where(tensor([], { dtype: 'int32' }), tensor(1), tensor(2)).shape]).toEqual([0]);
  });
  it('NaN wins in maximum and minimum (as TensorFlow and PyTorch)', () => {
    expect(Number.isNaN(maximum(tensor([NaN]), tensor([1])).values[0])).toBe(true);
    expect(Number.isNaN(minimum(tensor([1]), tensor([NaN])).values[0])).toBe(true);
  });
  it("plain numbers adopt the tensor's dtype", () => {
    const t = tensor([0.1], { dtype: 'float64' });
    const r = add(t, 0.2);
    expect(r.dtype).toBe('float64');
    expect(r.values[0]).toBe(0.1 + 0.2);
    expect(add(0.2, t).dtype).toBe('float64');
    expect(add(tensor([1]), 0.1).values[0]).toBe(Math.fround(1 + Math.fround(0.1)));
  });
});

describe('int32 arithmetic', () => {
  const i = (v: number[]) => tensor(v, { dtype: 'int32' });
  it('add / sub / mul stay int32 and wrap like int32', () => {
    expect(add(i([2147483647, 1]), 1).toArray()).toEqual([-2147483648, 2]);
    expect(sub(i([-2147483648]), 1).toArray()).toEqual([2147483647]);
    // 65537² = 4295098369 wraps to 131073; a float64 product would round first.
    const sq = mul(i([65537, 123456789]), i([65537, 987654321]));
    expect(sq.dtype).toBe('int32');
    expect(Array.from(sq.values)).toEqual([Math.imul(65537, 65537), Math.imul(123456789, 987654321)]);
  });
  it('div of two int32 tensors is floor division', () => {
    expect(div(i([7, -7, 6, -1]), i([2, 2, -4, 3])).toArray()).toEqual([3, -4, -2, -1]);
    expect(div(i([7]), i([2])).dtype).toBe('int32');
  });
  it('integral unary ops keep int32; real-valued ones give float32', () => {
    expect(neg(i([3, -4])).toArray()).toEqual([-3, 4]);
    expect(abs(i([-3])).dtype).toBe('int32');
    expect(square(i([-3])).toArray()).toEqual([9]);
    expect(exp(i([0])).dtype).toBe('float32');
    expect(sum(i([1, 2, 3])).dtype).toBe('int32');
    expect(sum(i([1, 2, 3])).item()).toBe(6);
    expect(mean(i([1, 2])).dtype).toBe('float32');
    expect(mean(i([1, 2])).item()).toBe(1.5);
  });
  it('int32 meets float as the float; a fractional number lifts int32 to float32', () => {
    const r = add(i([1, 2]), tensor([0.5, 0.5], { dtype: 'float64' }));
    expect(r.dtype).toBe('float64');
    expect(r.toArray()).toEqual([1.5, 2.5]);
    const h = add(i([3, -5]), 0.5);
    expect(h.dtype).toBe('float32');
    expect(h.toArray()).toEqual([3.5, -4.5]);
    expect(mul(i([3]), 0.5).toArray()).toEqual([1.5]);
    expect(add(i([3]), 2).dtype).toBe('int32');
    expect(maximum(i([1, 5]), 0.5).toArray()).toEqual([1, 5]);
    expect(maximum(i([0]), 0.5).toArray()).toEqual([0.5]);
  });
  it('comparisons of int32 give int32 0/1', () => {
    expect(greater(i([1, 2, 3]), 2).toArray()).toEqual([0, 0, 1]);
    expect(equal(i([1, 2]), i([1, 3])).toArray()).toEqual([1, 0]);
  });
});

describe('allocateUnzeroed (kernel outputs written in full)', () => {
  it('gives arrays of the dtype and length, each on its own buffer from offset 0, small or big', () => {
    for (const dtype of ['float32', 'float64', 'int32'] as const) {
      for (const size of [0, 5, 100_000]) {
        const a = allocateUnzeroed(dtype, size);
        expect(dtypeOfArray(a)).toBe(dtype);
        expect(a.length).toBe(size);
        expect(a.byteOffset).toBe(0);
        expect(a.buffer.byteLength).toBe(a.byteLength);
      }
    }
  });
  it('big softmax and cross-entropy outputs match a small-row computation (every element written)', () => {
    const [rows, n] = [300, 101];
    const x = tensor(
      Float32Array.from({ length: rows * n }, (_, i) => Math.sin(i) * 5),
      { shape: [rows, n] },
    );
    const p = nn.softmax(x).values;
    const row = nn.softmax(tensor(x.values.slice(0, n), { shape: [1, n] })).values;
    expect(Array.from(p.subarray((rows - 1) * n, rows * n)).some((v) => !(v > 0))).toBe(false);
    expect(Array.from(p.subarray(0, n))).toEqual(Array.from(row));
  });
});
