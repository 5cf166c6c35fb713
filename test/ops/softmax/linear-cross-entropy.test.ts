/**
 * nn.linearCrossEntropy: the chunked cross-entropy of hidden·weightᵀ + bias. Values and gradients against PyTorch
 * (F.cross_entropy on materialised float64 logits, fixtures from scripts/fixtures/linear_cross_entropy.py), against
 * our own materialised path (matMul + losses.sparseSoftmaxCrossEntropy) in float32 and float64 for many chunk
 * sizes, a float64 finite-difference check, the argument errors, and the allocations (no [N, V] buffer).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { valueAndGrads } from '../../../src/autograd/index.js';
import { BufferRecycler } from '../../../src/tensor/recycler.js';
import type { DType, TypedArray } from '../../../src/tensor/dtype.js';
import { tensor, type Tensor } from '../../../src/tensor/tensor.js';
import { add } from '../../../src/ops/arithmetic.js';
import { matMul } from '../../../src/ops/matmul.js';
import { cast } from '../../../src/ops/unary.js';
import * as nn from '../../../src/ops/nn.js';
import { sparseSoftmaxCrossEntropy } from '../../../src/ops/softmax/losses.js';
import {
  defaultChunkSize,
  linearCrossEntropy,
  type LinearCrossEntropyOptions,
  type LinearCrossEntropyReduction,
} from '../../../src/ops/softmax/linear-cross-entropy.js';
import { gradCheck } from '../../helpers/gradcheck.js';
import { randomTensor, rng } from '../../helpers/numbers.js';

interface TorchCase {
  name: string;
  shape: [number, number, number];
  hidden: number[];
  weight: number[];
  bias?: number[];
  labels: number[];
  options: { ignoreIndex: number; labelSmoothing: number; reduction: LinearCrossEntropyReduction };
  loss: number[];
  dHidden: number[];
  dWeight: number[];
  dBias?: number[];
  cotangent?: number[];
}

const TORCH = JSON.parse(readFileSync(new URL('./fixtures/linear-cross-entropy-torch.json', import.meta.url), 'utf8')) as { cases: TorchCase[] };

/** max |a − b| ≤ tol · max(1, max |b|): one scale per tensor, so tiny elements of a large gradient are not over-weighted. */
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  expect(actual.length, `${what}: length`).toBe(expected.length);
  let scale = 1;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err <= tol * scale)) expect.fail(`${what}[${i}]: ${actual[i]} vs ${expected[i]} (error ${err}, allowed ${tol * scale})`);
  }
}

const ids = (v: number[]) => tensor(v, { dtype: 'int32' });

/** Loss and gradients (hidden, weight, bias if given) of `f`, with upstream gradient dy (ones by default). */
function run(f: (...xs: Tensor[]) => Tensor, xs: Tensor[], dy?: Tensor): { value: Tensor; grads: Tensor[] } {
  return valueAndGrads(f)(xs, dy);
}

describe('linearCrossEntropy against PyTorch (float64 fixtures)', () => {
  for (const c of TORCH.cases) {
    for (const chunkSize of [1, 2, 5, undefined]) {
      it(`${c.name}, chunkSize ${chunkSize ?? 'default'}`, () => {
        const [n, d, v] = c.shape;
        const h = tensor(c.hidden, { shape: [n, d], dtype: 'float64' });
        const w = tensor(c.weight, { shape: [v, d], dtype: 'float64' });
        const b = c.bias ? tensor(c.bias, { dtype: 'float64' }) : null;
        const labels = ids(c.labels);
        const xs = b ? [h, w, b] : [h, w];
        const f = (hh: Tensor, ww: Tensor, bb?: Tensor) => linearCrossEntropy(hh, ww, labels, { ...c.options, chunkSize, ...(bb ? { bias: bb } : {}) });
        const dy = c.cotangent ? tensor(c.cotangent, { dtype: 'float64' }) : undefined;
        const { value, grads } = run(f, xs, dy);
        expect(value.shape).toEqual(c.options.reduction === 'none' ? [n] : []);
        expectClose(value.values, c.loss, 1e-13, 'loss');
        expectClose(grads[0].values, c.dHidden, 1e-13, 'dHidden');
        expectClose(grads[1].values, c.dWeight, 1e-13, 'dWeight');
        if (c.dBias) expectClose(grads[2].values, c.dBias, 1e-13, 'dBias');
      });
    }
  }
});

/** A random problem: N rows, D features, V classes, some rows ignored. */
function problem(seed: number, N: number, D: number, V: number, dtype: 'float32' | 'float64', ignored = 0, ignore = -100) {
  const R = rng(seed);
  const h = randomTensor(R, [N, D], { lo: -2, hi: 2 });
  const w = randomTensor(R, [V, D], { lo: -1, hi: 1 });
  const b = randomTensor(R, [V], { lo: -1, hi: 1 });
  const labels = Array.from({ length: N }, () => Math.floor(R() * V));
  for (let k = 0; k < ignored; k++) labels[Math.floor(R() * N)] = ignore;
  const dy = randomTensor(R, [N], { lo: 0.5, hi: 1.5 });
  const to = (t: Tensor) => (dtype === 'float64' ? t : cast(t, 'float32'));
  return { h: to(h), w: to(w), b: to(b), labels: ids(labels), dy: to(dy) };
}

describe('linearCrossEntropy equals the materialised path (matMul + losses.sparseSoftmaxCrossEntropy)', () => {
  const reductions: LinearCrossEntropyReduction[] = ['mean', 'sum', 'none'];
  // Float64: the products and sums are rounded differently (per chunk), a few ulps of the largest element.
  // Float32: dHidden is rounded once in both; dWeight and dBias are rounded once per chunk here (16 chunks at most):
  // 10 ulps of the largest element.
  const TOL: Record<'float32' | 'float64', number> = { float32: 10 * 2 ** -24, float64: 1e-13 };
  for (const dtype of ['float64', 'float32'] as const) {
    for (const reduction of reductions) {
      for (const [label, opts] of [
        ['bias', { bias: true }],
        ['no bias', { bias: false }],
        ['bias, ignored rows', { bias: true, ignored: 5 }],
        ['no bias, smoothing 0.2, ignored rows', { bias: false, ignored: 4, smoothing: 0.2 }],
        ['bias, smoothing 0.05, ignoreIndex 0', { bias: true, ignored: 3, smoothing: 0.05, ignore: 0 }],
      ] as const) {
        it(`${dtype}, ${reduction}, ${label}, chunk sizes 1, 3, 4, 7, 16, 17, 100`, () => {
          const o = opts as { bias: boolean; ignored?: number; smoothing?: number; ignore?: number };
          const N = 16;
          const D = 6;
          const V = 37;
          const ignore = o.ignore ?? -100;
          const p = problem(dtype === 'float64' ? 11 : 12, N, D, V, dtype, o.ignored ?? 0, ignore);
          const xs = o.bias ? [p.h, p.w, p.b] : [p.h, p.w];
          const dy = reduction === 'none' ? p.dy : undefined;
          const materialised = (h: Tensor, w: Tensor, b?: Tensor) => {
            const logits = matMul(h, w, false, true);
            return sparseSoftmaxCrossEntropy(p.labels, b ? add(logits, b) : logits, {
              reduction,
              ignoreIndex: ignore,
              labelSmoothing: o.smoothing ?? 0,
            });
          };
          const want = run(materialised, xs, dy);
          for (const chunkSize of [1, 3, 4, 7, 16, 17, 100]) {
            const chunked = (h: Tensor, w: Tensor, b?: Tensor) =>
              linearCrossEntropy(h, w, p.labels, { reduction, ignoreIndex: ignore, labelSmoothing: o.smoothing ?? 0, chunkSize, ...(b ? { bias: b } : {}) });
            const got = run(chunked, xs, dy);
            expect(got.value.dtype).toBe(dtype);
            expect(got.value.shape).toEqual(want.value.shape);
            expectClose(got.value.values, want.value.values, TOL[dtype], `chunk ${chunkSize}: loss`);
            got.grads.forEach((g, i) => {
              expect(g.dtype).toBe(dtype);
              expect(g.shape).toEqual(want.grads[i].shape);
              expectClose(g.values, want.grads[i].values, TOL[dtype], `chunk ${chunkSize}: gradient ${['hidden', 'weight', 'bias'][i]}`);
            });
          }
        });
      }
    }
  }

  it('float32, V = 3000, 4 chunks: the loss and dHidden are the materialised bits; dWeight and dBias within 4 ulps', () => {
    const p = problem(5, 40, 8, 3000, 'float32');
    const f = (h: Tensor, w: Tensor, b: Tensor) => linearCrossEntropy(h, w, p.labels, { bias: b, chunkSize: 11 });
    const m = (h: Tensor, w: Tensor, b: Tensor) => sparseSoftmaxCrossEntropy(p.labels, add(matMul(h, w, false, true), b), { reduction: 'mean' });
    const got = run(f, [p.h, p.w, p.b]);
    const want = run(m, [p.h, p.w, p.b]);
    // Same kernels, same gradient scale (1/N folded into the cross-entropy kernel's write), same rounding.
    expect(Array.from(got.value.values)).toEqual(Array.from(want.value.values));
    expect(Array.from(got.grads[0].values)).toEqual(Array.from(want.grads[0].values));
    expectClose(got.grads[1].values, want.grads[1].values, 4 * 2 ** -24, 'dWeight');
    expectClose(got.grads[2].values, want.grads[2].values, 4 * 2 ** -24, 'dBias');
  });

  it('an upstream gradient other than 1 scales the precomputed gradients (mean and sum)', () => {
    const p = problem(9, 10, 4, 13, 'float64', 2);
    for (const reduction of ['mean', 'sum'] as const) {
      const f = (h: Tensor, w: Tensor, b: Tensor) => linearCrossEntropy(h, w, p.labels, { bias: b, reduction, chunkSize: 3 });
      const m = (h: Tensor, w: Tensor, b: Tensor) => sparseSoftmaxCrossEntropy(p.labels, add(matMul(h, w, false, true), b), { reduction, ignoreIndex: -100 });
      const dy = tensor(-2.5, { dtype: 'float64' });
      const got = run(f, [p.h, p.w, p.b], dy);
      const want = run(m, [p.h, p.w, p.b], dy);
      got.grads.forEach((g, i) => expectClose(g.values, want.grads[i].values, 1e-13, `${reduction} gradient ${i}`));
    }
  });

  it('is nn.linearCrossEntropy, and works outside a gradient call (same value)', () => {
    const p = problem(3, 9, 4, 10, 'float64', 2);
    expect(nn.linearCrossEntropy).toBe(linearCrossEntropy);
    const inGrad = run((h) => linearCrossEntropy(h, p.w, p.labels, { bias: p.b, chunkSize: 4 }), [p.h]).value;
    const plain = linearCrossEntropy(p.h, p.w, p.labels, { bias: p.b, chunkSize: 4 });
    expect(plain.values).toEqual(inGrad.values);
  });

  it('every row ignored: mean and sum are 0 with zero gradients; none gives zeros', () => {
    const p = problem(4, 5, 3, 6, 'float64');
    const labels = ids([-100, -100, -100, -100, -100]);
    for (const reduction of ['mean', 'sum', 'none'] as const) {
      const { value, grads } = run((h, w, b) => linearCrossEntropy(h, w, labels, { bias: b, reduction }), [p.h, p.w, p.b]);
      expect(Array.from(value.values)).toEqual(reduction === 'none' ? [0, 0, 0, 0, 0] : [0]);
      for (const g of grads) expect(Array.from(g.values).every((x) => x === 0)).toBe(true);
    }
  });

  it('keeps tiny losses and huge logits exact (log-sum-exp as max + log1p)', () => {
    // logits [20, 0, 0] for label 0: 4.1223072e-9 (numerics.md), through hidden [1] · weight [[20], [0], [0]].
    const loss = linearCrossEntropy(tensor([[1]], { dtype: 'float32' }), tensor([[20], [0], [0]], { dtype: 'float32' }), ids([0]));
    expect(loss.values[0]).toBe(Math.fround(4.1223072e-9));
    const big = linearCrossEntropy(tensor([[1e300]], { dtype: 'float64' }), tensor([[1], [-1]], { dtype: 'float64' }), ids([1]), { reduction: 'none' });
    expect(big.values[0]).toBe(2e300);
  });
});

describe('linearCrossEntropy gradient check (float64, finite differences)', () => {
  const R = rng(4242);
  const h = randomTensor(R, [7, 3], { lo: -1, hi: 1 });
  const w = randomTensor(R, [5, 3], { lo: -1, hi: 1 });
  const b = randomTensor(R, [5], { lo: -1, hi: 1 });
  const labels = ids([0, 4, -100, 2, 2, 1, 3]);
  const cases: Array<[string, LinearCrossEntropyOptions]> = [
    ['mean', {}],
    ['sum, smoothing 0.3', { reduction: 'sum', labelSmoothing: 0.3 }],
    ['none, smoothing 0.1', { reduction: 'none', labelSmoothing: 0.1 }],
    ['none', { reduction: 'none' }],
  ];
  for (const [name, opts] of cases) {
    it(`${name}, chunkSize 2, with bias`, () => {
      gradCheck((hh, ww, bb) => linearCrossEntropy(hh, ww, labels, { ...opts, chunkSize: 2, bias: bb }), [h, w, b], { maxPerElement: 64 });
    });
    it(`${name}, chunkSize 3, without bias`, () => {
      gradCheck((hh, ww) => linearCrossEntropy(hh, ww, labels, { ...opts, chunkSize: 3 }), [h, w], { maxPerElement: 64 });
    });
  }
  it('a gradient to hidden alone (weight constant) and to weight alone', () => {
    gradCheck((hh) => linearCrossEntropy(hh, w, labels, { bias: b, chunkSize: 2 }), [h]);
    gradCheck((ww) => linearCrossEntropy(h, ww, labels, { bias: b, chunkSize: 2, reduction: 'none' }), [w]);
  });
});

/** Records the size of every tensor storage allocated while it runs. */
class SizeSpy extends BufferRecycler {
  readonly sizes: number[] = [];
  override take(dtype: DType, size: number, zero = true): TypedArray {
    this.sizes.push(size);
    return super.take(dtype, size, zero);
  }
}

function allocations(f: () => unknown): number[] {
  const spy = new SizeSpy();
  spy.run(f);
  return spy.sizes;
}

describe('linearCrossEntropy memory: no [N, V] buffer', () => {
  const N = 64;
  const D = 3;
  const V = 50;
  const p = problem(21, N, D, V, 'float32', 5);
  const chunkSize = 8;
  // The scratch: the chunk's logits and one eighth of a chunk's rows in front (the gradient lands there).
  const scratch = (chunkSize + Math.ceil(chunkSize / 8)) * V;

  it('the materialised path allocates [N, V] buffers (the spy sees them)', () => {
    const sizes = allocations(() =>
      run((h, w, b) => sparseSoftmaxCrossEntropy(p.labels, add(matMul(h, w, false, true), b), { ignoreIndex: -100 }), [p.h, p.w, p.b]),
    );
    expect(Math.max(...sizes)).toBe(N * V);
  });

  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const smoothing of [0, 0.1]) {
      it(`${reduction}, smoothing ${smoothing}: the largest allocation is the chunk scratch (${scratch} < N·V = ${N * V})`, () => {
        const sizes = allocations(() =>
          run(
            (h, w, b) => linearCrossEntropy(h, w, p.labels, { bias: b, reduction, chunkSize, labelSmoothing: smoothing }),
            [p.h, p.w, p.b],
            reduction === 'none' ? p.dy : undefined,
          ),
        );
        expect(Math.max(...sizes)).toBe(scratch);
        // Every other buffer is at most a gradient's or a row's size, or the chunk's logits alone ('none' forward, no
        // gradient rows), or the smoothed targets of the rows per kernel call.
        const others = sizes.filter((s) => s !== scratch && s !== chunkSize * V && s !== Math.ceil(chunkSize / 8) * V);
        expect(Math.max(...others)).toBeLessThanOrEqual(Math.max(V * D, N * D, V));
      });
    }
  }

  it('inference (no gradient recorded) allocates only the chunk logits and the losses: no gradient buffers', () => {
    const sizes = allocations(() => linearCrossEntropy(p.h, p.w, p.labels, { bias: p.b, chunkSize }));
    expect(Math.max(...sizes)).toBe(chunkSize * V);
    expect(sizes).not.toContain(V * D);
  });

  it('a constant weight gets no dWeight buffer', () => {
    const sizes = allocations(() => run((h) => linearCrossEntropy(h, p.w, p.labels, { bias: p.b, chunkSize }), [p.h]));
    expect(sizes).not.toContain(V * D);
  });

  it('the default chunk holds about 8M logits, at least 64 rows', () => {
    expect(defaultChunkSize(65536)).toBe(128);
    expect(defaultChunkSize(32000)).toBe(262);
    expect(defaultChunkSize(256000)).toBe(64);
    expect(defaultChunkSize(10)).toBe(838860);
  });
});

describe('linearCrossEntropy argument errors', () => {
  const h = tensor(
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    { dtype: 'float64' },
  );
  const w = tensor(
    [
      [1, 0],
      [0, 1],
      [1, 1],
      [2, 0],
    ],
    { dtype: 'float64' },
  );
  const l = ids([0, 3, 1]);
  const cases: Array<[string, () => unknown, RegExp, typeof RangeError | typeof TypeError]> = [
    [
      'hidden not a float tensor',
      () => linearCrossEntropy(ids([1, 2]), w, l),
      /^linearCrossEntropy: argument 'hidden' must be a float32 or float64 tensor/,
      TypeError,
    ],
    [
      'hidden of rank 1',
      () => linearCrossEntropy(tensor([1, 2], { dtype: 'float64' }), w, l),
      /argument 'hidden' must be a tensor of shape \[N, D\]/,
      RangeError,
    ],
    ['weight dtype', () => linearCrossEntropy(h, cast(w, 'float32'), l), /argument 'weight' must be a float64 tensor like 'hidden'/, TypeError],
    [
      'weight width',
      () => linearCrossEntropy(h, tensor([[1, 2, 3]], { dtype: 'float64' }), l),
      /argument 'weight' must be a tensor of shape \[V, 2\]/,
      RangeError,
    ],
    ['empty vocabulary', () => linearCrossEntropy(h, tensor([], { shape: [0, 2], dtype: 'float64' }), l), /argument 'weight' .*V ≥ 1/, RangeError],
    ['labels dtype', () => linearCrossEntropy(h, w, tensor([0, 1, 2], { dtype: 'float32' })), /argument 'labels' must be an int32 tensor/, TypeError],
    ['labels length', () => linearCrossEntropy(h, w, ids([0, 1])), /argument 'labels' must be a tensor of shape \[3\]/, RangeError],
    [
      'label out of range',
      () => linearCrossEntropy(h, w, ids([0, 4, 1])),
      /argument 'labels' must be integers in \[0, 3\] \(or the ignored value -100\), got .*4 at index 1/,
      RangeError,
    ],
    ['negative label', () => linearCrossEntropy(h, w, ids([0, -1, 1])), /argument 'labels' must be integers in \[0, 3\]/, RangeError],
    [
      'bias shape',
      () => linearCrossEntropy(h, w, l, { bias: tensor([1, 2, 3], { dtype: 'float64' }) }),
      /argument 'bias' must be a tensor of shape \[4\]/,
      RangeError,
    ],
    [
      'bias dtype',
      () => linearCrossEntropy(h, w, l, { bias: tensor([1, 2, 3, 4], { dtype: 'float32' }) }),
      /argument 'bias' must be a float64 tensor/,
      TypeError,
    ],
    ['ignoreIndex', () => linearCrossEntropy(h, w, l, { ignoreIndex: 1.5 }), /argument 'ignoreIndex' must be an integer/, RangeError],
    [
      'labelSmoothing above 1',
      () => linearCrossEntropy(h, w, l, { labelSmoothing: 1.5 }),
      /argument 'labelSmoothing' must be a number in \[0, 1\]/,
      RangeError,
    ],
    ['labelSmoothing NaN', () => linearCrossEntropy(h, w, l, { labelSmoothing: NaN }), /argument 'labelSmoothing'/, RangeError],
    ['labelSmoothing string', () => linearCrossEntropy(h, w, l, { labelSmoothing: '0.1' as unknown as number }), /argument 'labelSmoothing'/, TypeError],
    [
      'reduction',
      () => linearCrossEntropy(h, w, l, { reduction: 'sumByNonzeroWeights' as 'sum' }),
      /argument 'reduction' must be one of 'none', 'sum', 'mean'/,
      RangeError,
    ],
    ['chunkSize 0', () => linearCrossEntropy(h, w, l, { chunkSize: 0 }), /argument 'chunkSize' must be a positive integer/, RangeError],
    ['chunkSize 2.5', () => linearCrossEntropy(h, w, l, { chunkSize: 2.5 }), /argument 'chunkSize' must be a positive integer/, RangeError],
    ['chunkSize Infinity', () => linearCrossEntropy(h, w, l, { chunkSize: Infinity }), /argument 'chunkSize'/, RangeError],
    ['unknown option', () => linearCrossEntropy(h, w, l, { chunk: 2 } as LinearCrossEntropyOptions), /^linearCrossEntropy: unknown option 'chunk'/, TypeError],
    [
      'options not an object',
      () => linearCrossEntropy(h, w, l, 3 as unknown as LinearCrossEntropyOptions),
      /argument 'options' must be an options object/,
      TypeError,
    ],
  ];
  for (const [name, f, message, type] of cases) {
    it(name, () => {
      expect(f).toThrow(type);
      expect(f).toThrow(message);
    });
  }
  it('ignoreIndex inside the class range ignores that class; labels equal to it are not range-checked', () => {
    expect(() => linearCrossEntropy(h, w, ids([7, 3, 7]), { ignoreIndex: 7 })).not.toThrow();
    const a = linearCrossEntropy(h, w, ids([0, 3, 1]), { ignoreIndex: 3, reduction: 'none' });
    expect(a.values[1]).toBe(0);
  });
});
