/**
 * losses.contrastive (CLIP / InfoNCE): values and gradients (a, b, a log-temperature) against PyTorch in float64
 * (fixtures/make_contrastive.py), a finite-difference gradient check, the fused cross-entropy it is built on,
 * float32, and its argument errors.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cast, div, exp, losses, matMul, mul, nn, scalar, tensor, transpose, valueAndGrads, type Tensor } from '../../../src/index.js';
import type { ContrastiveOptions } from '../../../src/ops/softmax/losses.js';
import { gradCheck } from '../../helpers/gradcheck.js';
import { expectClose, randomTensor, rng } from '../../helpers/numbers.js';

interface Case {
  name: string;
  a: number[][];
  b: number[][];
  options: { normalize: boolean; symmetric: boolean; reduction: 'none' | 'sum' | 'mean' };
  expected: number | number[];
  gradA: number[][];
  gradB: number[][];
  logT?: number;
  gradLogT?: number;
  temperature?: number;
  cotangent?: number[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/contrastive-torch.json', import.meta.url), 'utf8')) as { cases: Case[] };
const f64 = (v: number | number[] | number[][]) => tensor(v, { dtype: 'float64' });

/** |actual − expected| ≤ 1e-12·(|expected| + max |expected| of the array): relative to the values' scale. */
function expectRelative(actual: ArrayLike<number>, expected: number[], what: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  expectClose(actual, expected, 1e-12, 1e-12 * scale, what);
}

describe('losses.contrastive matches PyTorch (float64, 1e-12 relative)', () => {
  it('covers the grid of the brief', () => {
    const sizes = new Set(fixture.cases.map((c) => `${c.a.length}x${c.a[0].length}`));
    expect([...sizes]).toEqual(expect.arrayContaining(['5x3', '3x7', '1x4', '8x16']));
    expect(fixture.cases.length).toBeGreaterThanOrEqual(52);
  });

  it.each(fixture.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const a = f64(c.a);
    const b = f64(c.b);
    const logT = scalar(c.logT ?? 0, 'float64');
    const f = (x: Tensor, y: Tensor, lt: Tensor) =>
      losses.contrastive(x, y, { ...c.options, temperature: c.temperature !== undefined ? c.temperature : exp(lt) });
    const dy = c.cotangent ? f64(c.cotangent) : undefined;
    const { value, grads } = valueAndGrads(f)([a, b, logT], dy);
    const expected = Array.isArray(c.expected) ? c.expected : [c.expected];
    expect([...value.shape]).toEqual(Array.isArray(c.expected) ? [c.a.length] : []);
    expect(value.dtype).toBe('float64');
    expectRelative(value.values, expected, 'loss');
    expectRelative(grads[0].values, c.gradA.flat(), 'd/da');
    expectRelative(grads[1].values, c.gradB.flat(), 'd/db');
    if (c.gradLogT !== undefined) expectRelative(grads[2].values, [c.gradLogT], 'd/dlogT');
    else expect(Array.from(grads[2].values)).toEqual([0]);
  });
});

describe('losses.contrastive', () => {
  const R = rng(4242);
  const a = randomTensor(R, [4, 3]);
  const b = randomTensor(R, [4, 3]);

  it("defaults: temperature 0.07, normalize, symmetric, 'mean'", () => {
    const explicit = losses.contrastive(a, b, { temperature: 0.07, normalize: true, symmetric: true, reduction: 'mean' });
    expect(losses.contrastive(a, b).item()).toBe(explicit.item());
    expect(losses.contrastive(a, b, {}).item()).toBe(explicit.item());
  });

  it('is the fused sparse cross-entropy of the similarity logits, rows and columns', () => {
    const an = a.values.slice();
    const bn = b.values.slice();
    for (const v of [an, bn]) {
      for (let i = 0; i < 4; i++) {
        const r = Math.hypot(v[3 * i], v[3 * i + 1], v[3 * i + 2]);
        for (let j = 0; j < 3; j++) v[3 * i + j] /= r;
      }
    }
    const s = div(matMul(tensor(an, { shape: [4, 3], dtype: 'float64' }), tensor(bn, { shape: [4, 3], dtype: 'float64' }), false, true), 0.5);
    const ids = tensor([0, 1, 2, 3], { dtype: 'int32' });
    const rows = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ids, logits: s }).values;
    const cols = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ids, logits: transpose(s) }).values;
    const perPair = Array.from(rows, (r, i) => (r + cols[i]) / 2);
    expectClose(losses.contrastive(a, b, { temperature: 0.5, reduction: 'none' }).values, perPair, 1e-14, 0);
    expectClose(losses.contrastive(a, b, { temperature: 0.5, reduction: 'none', symmetric: false }).values, Array.from(rows), 1e-14, 0);
    const total = perPair.reduce((p, v) => p + v, 0);
    expectClose([losses.contrastive(a, b, { temperature: 0.5, reduction: 'sum' }).item()], [total], 1e-14, 0);
    expectClose([losses.contrastive(a, b, { temperature: 0.5 }).item()], [total / 4], 1e-14, 0);
  });

  it('a number and an equal scalar tensor temperature give the same bits', () => {
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      const x = losses.contrastive(a, b, { temperature: 0.3, reduction });
      const y = losses.contrastive(a, b, { temperature: scalar(0.3, 'float64'), reduction });
      expect(Array.from(y.values)).toEqual(Array.from(x.values));
    }
  });

  it('a perfectly aligned batch with well separated pairs has a small loss; a swapped one a large loss', () => {
    const eye = f64([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    const good = losses.contrastive(eye, eye).item();
    expect(good).toBeGreaterThan(0);
    expect(good).toBeLessThan(1e-5);
    const swapped = f64([
      [0, 1, 0],
      [1, 0, 0],
      [0, 0, 1],
    ]);
    expect(losses.contrastive(eye, swapped).item()).toBeGreaterThan(9);
  });

  it('n = 1: the loss is 0 and so are the gradients', () => {
    const one = randomTensor(R, [1, 5]);
    const { value, grads } = valueAndGrads((x: Tensor, y: Tensor) => losses.contrastive(x, y))([one, randomTensor(R, [1, 5])]);
    expect(value.item()).toBe(0);
    expect(Array.from(grads[0].values).every((v) => v === 0)).toBe(true);
  });

  it('float32 embeddings give a float32 loss close to float64', () => {
    const a32 = cast(a, 'float32');
    const b32 = cast(b, 'float32');
    for (const reduction of ['none', 'mean'] as const) {
      const l32 = losses.contrastive(a32, b32, { reduction, temperature: scalar(0.1, 'float32') });
      expect(l32.dtype).toBe('float32');
      const l64 = losses.contrastive(cast(a32, 'float64'), cast(b32, 'float64'), { reduction, temperature: Math.fround(0.1) });
      expectClose(l32.values, Array.from(l64.values), 2e-6, 1e-6, reduction);
    }
    const g = valueAndGrads((x: Tensor, lt: Tensor) => losses.contrastive(x, b32, { temperature: exp(lt) }))([a32, scalar(Math.log(0.1), 'float32')]);
    expect(g.grads[0].dtype).toBe('float32');
    expect(g.grads[1].dtype).toBe('float32');
  });

  describe('finite-difference gradient check (float64)', () => {
    const cases: Array<[string, number, number, ContrastiveOptions]> = [
      ['normalized, symmetric, mean', 5, 3, {}],
      ['normalized, rows only, none', 4, 6, { symmetric: false, reduction: 'none' }],
      ['raw, symmetric, sum', 3, 4, { normalize: false, reduction: 'sum' }],
      ['raw, rows only, mean', 6, 2, { normalize: false, symmetric: false }],
    ];
    it.each(cases)('%s', (_name, n, d, options) => {
      const x = randomTensor(R, [n, d]);
      const y = randomTensor(R, [n, d]);
      const lt = scalar(Math.log(options.normalize === false ? 1.3 : 0.2), 'float64');
      gradCheck((p, q, t) => losses.contrastive(p, q, { ...options, temperature: exp(t) }), [x, y, lt]);
    });
    it('d loss / d logT against a central difference of a number temperature', () => {
      const x = randomTensor(R, [5, 4]);
      const y = randomTensor(R, [5, 4]);
      const lt = scalar(Math.log(0.3), 'float64');
      const { grads } = valueAndGrads((p: Tensor, t: Tensor) => losses.contrastive(p, y, { temperature: exp(t) }))([x, lt]);
      expect(grads[1].item()).not.toBe(0);
      const sLoss = (t: number) => losses.contrastive(x, y, { temperature: t }).item();
      const h = 1e-6;
      const numeric = (sLoss(0.3 * Math.exp(h)) - sLoss(0.3 * Math.exp(-h))) / (2 * h);
      expect(Math.abs(numeric - grads[1].item())).toBeLessThan(1e-7 * Math.max(1, Math.abs(numeric)));
    });
  });

  it('gradients flow to a learnable temperature through mul as well (logit scale)', () => {
    // CLIP parametrizes 1/T = exp(logitScale): temperature = exp(−logitScale).
    const x = randomTensor(R, [3, 2]);
    const y = randomTensor(R, [3, 2]);
    const scale = scalar(Math.log(1 / 0.07), 'float64');
    gradCheck((t) => losses.contrastive(x, y, { temperature: exp(mul(t, -1)) }), [scale]);
  });
});

describe('losses.contrastive errors', () => {
  const a = tensor(
    [
      [1, 2],
      [3, 4],
    ],
    { dtype: 'float64' },
  );
  const cases: Array<[string, () => unknown, RegExp, ErrorConstructor]> = [
    [
      'rank-1 a',
      () => losses.contrastive(tensor([1, 2], { dtype: 'float64' }), a),
      /argument 'a' must be a \[n, d\] tensor of embeddings \(rank 2\), got a float64 tensor of shape \[2\]/,
      RangeError,
    ],
    ['rank-3 b', () => losses.contrastive(a, tensor([[[1, 2]]], { dtype: 'float64' })), /argument 'b' must be a \[n, d\] tensor/, RangeError],
    [
      'int32 a',
      () => losses.contrastive(tensor([[1, 2]], { dtype: 'int32' }), a),
      /argument 'a' must be a float32 or float64 tensor, got an int32 tensor/,
      TypeError,
    ],
    [
      'mixed dtypes',
      () => losses.contrastive(a, cast(a, 'float32')),
      /argument 'b' must be a float64 tensor like 'a', got a float32 tensor of shape \[2, 2\]/,
      TypeError,
    ],
    [
      'n differs',
      () => losses.contrastive(a, tensor([[1, 2]], { dtype: 'float64' })),
      /argument 'b' must be 2 rows like 'a'.*got a float64 tensor of shape \[1, 2\]/,
      RangeError,
    ],
    [
      'd differs',
      () =>
        losses.contrastive(
          a,
          tensor(
            [
              [1, 2, 3],
              [4, 5, 6],
            ],
            { dtype: 'float64' },
          ),
        ),
      /argument 'b' must be 2 columns like 'a'/,
      RangeError,
    ],
    [
      'n = 0',
      () => losses.contrastive(tensor([], { shape: [0, 2], dtype: 'float64' }), tensor([], { shape: [0, 2], dtype: 'float64' })),
      /at least one row \(n ≥ 1\), got a float64 tensor of shape \[0, 2\]/,
      RangeError,
    ],
    [
      'd = 0',
      () => losses.contrastive(tensor([], { shape: [2, 0], dtype: 'float64' }), tensor([], { shape: [2, 0], dtype: 'float64' })),
      /at least one feature/,
      RangeError,
    ],
    ['temperature 0', () => losses.contrastive(a, a, { temperature: 0 }), /argument 'temperature' must be a finite number > 0, got 0/, RangeError],
    ['temperature < 0', () => losses.contrastive(a, a, { temperature: -0.1 }), /argument 'temperature' must be a finite number > 0, got -0.1/, RangeError],
    ['temperature NaN', () => losses.contrastive(a, a, { temperature: NaN }), /argument 'temperature' must be a finite number > 0, got NaN/, RangeError],
    ['temperature Infinity', () => losses.contrastive(a, a, { temperature: Infinity }), /got Infinity/, RangeError],
    [
      'temperature string',
      () => losses.contrastive(a, a, { temperature: '0.1' as unknown as number }),
      /argument 'temperature' must be a finite number > 0 or a scalar float64 tensor, got '0.1'/,
      TypeError,
    ],
    [
      'temperature tensor of rank 1',
      () => losses.contrastive(a, a, { temperature: tensor([0.1], { dtype: 'float64' }) }),
      /argument 'temperature' must be a scalar float64 tensor \(shape \[\]\)/,
      RangeError,
    ],
    [
      'temperature tensor float32',
      () => losses.contrastive(a, a, { temperature: scalar(0.1, 'float32') }),
      /argument 'temperature' must be a scalar float64 tensor \(the embeddings' dtype\), got a float32 tensor/,
      TypeError,
    ],
    [
      'temperature tensor negative',
      () => losses.contrastive(a, a, { temperature: scalar(-1, 'float64') }),
      /argument 'temperature' must be a tensor holding a finite number > 0, got -1/,
      RangeError,
    ],
    ['temperature tensor NaN', () => losses.contrastive(a, a, { temperature: scalar(NaN, 'float64') }), /got NaN/, RangeError],
    [
      'normalize not boolean',
      () => losses.contrastive(a, a, { normalize: 1 as unknown as boolean }),
      /argument 'normalize' must be true or false, got 1/,
      TypeError,
    ],
    [
      'symmetric not boolean',
      () => losses.contrastive(a, a, { symmetric: 'yes' as unknown as boolean }),
      /argument 'symmetric' must be true or false, got 'yes'/,
      TypeError,
    ],
    [
      'bad reduction',
      () => losses.contrastive(a, a, { reduction: 'sumByNonzeroWeights' as 'sum' }),
      /argument 'reduction' must be one of 'none', 'sum', 'mean', got 'sumByNonzeroWeights'/,
      RangeError,
    ],
    [
      'unknown option',
      () => losses.contrastive(a, a, { temprature: 0.1 } as ContrastiveOptions),
      /unknown option 'temprature' in 'options'; known options: one of 'temperature', 'normalize', 'symmetric', 'reduction'/,
      TypeError,
    ],
    ['options not an object', () => losses.contrastive(a, a, 3 as unknown as ContrastiveOptions), /argument 'options' must be an options object/, TypeError],
    [
      'a not a tensor',
      () => losses.contrastive('x' as unknown as Tensor, a),
      /argument 'a' must be a Tensor, a number or a \(nested\) array of numbers, got 'x'/,
      TypeError,
    ],
  ];
  it.each(cases)('%s', (_name, f, message, type) => {
    let error: unknown;
    try {
      f();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message.startsWith('losses.contrastive: ')).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it('accepts nested arrays (as float32)', () => {
    const l = losses.contrastive(
      [
        [1, 0],
        [0, 1],
      ],
      [
        [1, 0],
        [0, 1],
      ],
      { temperature: 1 },
    );
    expect(l.dtype).toBe('float32');
    expect(l.item()).toBeCloseTo(Math.log(1 + Math.exp(-1)), 6);
  });
});
