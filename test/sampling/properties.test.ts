import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topK as topKKernel } from '../../src/kernels/ts/reduce.js';
import * as sampling from '../../src/sampling/index.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

const row = fc.array(fc.oneof(fc.double({ min: -20, max: 20, noNaN: true }), fc.constantFrom(-Infinity, 0, 1, 1.5)), { minLength: 1, maxLength: 60 });
const finiteCount = (v: ArrayLike<number>): number => Array.from(v).filter((x) => x !== -Infinity).length;

function probs(v: number[]): number[] {
  const m = Math.max(...v);
  const e = v.map((x) => (x === -Infinity ? 0 : Math.exp(x - m)));
  const z = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / z);
}

/** Masking processors return, entry by entry, the input or −Infinity. */
function expectMask(input: number[], out: ArrayLike<number>): void {
  input.forEach((v, i) => {
    if (out[i] !== -Infinity) expect(Object.is(out[i], Math.fround(v))).toBe(true);
  });
}

describe('processor properties (fast-check)', () => {
  it('top-k keeps min(k, finite entries) or more (ties), all >= the k-th value; masks only', () => {
    fc.assert(
      fc.property(row, fc.integer({ min: 1, max: 70 }), (v, k) => {
        const out = sampling.topK(tensor(v), k).values;
        const finite = finiteCount(Float32Array.from(v));
        expect(finiteCount(out)).toBeGreaterThanOrEqual(Math.min(k, finite));
        expectMask(v, out);
        const kept = Array.from(out).filter((x) => x !== -Infinity);
        const removed = Array.from(Float32Array.from(v)).filter((x, i) => out[i] === -Infinity && x !== -Infinity);
        if (kept.length && removed.length) expect(Math.min(...kept)).toBeGreaterThan(Math.max(...removed));
      }),
    );
  });
  it('top-p keeps mass >= p, and dropping its least probable kept token would fall below p', () => {
    fc.assert(
      fc.property(row, fc.double({ min: 0.01, max: 0.99, noNaN: true }), (v, p) => {
        if (!v.some((x) => x > -Infinity)) return;
        const x = Array.from(Float64Array.from(v));
        const out = sampling.topP(tensor(x, { dtype: 'float64' }), p).values;
        expectMask(
          x.map((a) => a),
          Array.from(out).map((a) => (a === -Infinity ? a : Math.fround(a))),
        );
        const pr = probs(x);
        const keptIdx = x.map((_, i) => i).filter((i) => out[i] !== -Infinity);
        const mass = keptIdx.reduce((a, i) => a + pr[i], 0);
        expect(mass).toBeGreaterThanOrEqual(p - 1e-12);
        const least = Math.min(...keptIdx.map((i) => pr[i]));
        if (keptIdx.length > 1) expect(mass - least).toBeLessThan(p + 1e-12);
      }),
    );
  });
  it('min-p keeps the top token and every token with probability >= p × the top one', () => {
    fc.assert(
      fc.property(row, fc.double({ min: 0, max: 1, noNaN: true }), (v, p) => {
        if (!v.some((x) => x > -Infinity)) return;
        const x = Array.from(Float64Array.from(v));
        const out = sampling.minP(tensor(x, { dtype: 'float64' }), p).values;
        const pr = probs(x);
        const top = Math.max(...pr);
        x.forEach((_, i) => {
          if (pr[i] >= p * top * (1 + 1e-12)) expect(out[i]).toBe(x[i]);
          if (pr[i] < p * top * (1 - 1e-12)) expect(out[i]).toBe(-Infinity);
        });
      }),
    );
  });
  it('typical-p and the pipeline keep at least minTokensToKeep finite entries', () => {
    fc.assert(
      fc.property(row, fc.integer({ min: 1, max: 5 }), (v, minKeep) => {
        const finite = finiteCount(Float32Array.from(v));
        for (const spec of [
          { type: 'typicalP', p: 0.3, minTokensToKeep: minKeep },
          { type: 'topP', p: 0.2, minTokensToKeep: minKeep },
          { type: 'minP', p: 0.9, minTokensToKeep: minKeep },
          { type: 'topK', k: 1, minTokensToKeep: minKeep },
        ] as const) {
          const out = sampling.pipeline([spec]).apply(tensor(v)).values;
          expect(finiteCount(out), spec.type).toBeGreaterThanOrEqual(Math.min(minKeep, finite));
          expectMask(v, out);
        }
      }),
    );
  });
  it('never mutates the input; apply equals the processors one after the other', () => {
    fc.assert(
      fc.property(fc.array(fc.double({ min: -8, max: 8, noNaN: true }), { minLength: 10, maxLength: 40 }), (v) => {
        const x = tensor([v, v.map((a) => -a)]);
        const copy = Float32Array.from(x.values);
        const prev = [[1, 2, 2], [3]];
        const p = sampling.pipeline([
          { type: 'repetitionPenalty', penalty: 1.3 },
          { type: 'temperature', temperature: 0.7 },
          { type: 'topK', k: 8 },
          { type: 'topP', p: 0.8 },
          { type: 'minP', p: 0.1 },
        ]);
        const all = p.apply(x, { previousTokens: prev });
        const steps = sampling.minP(sampling.topP(sampling.topK(sampling.temperature(sampling.repetitionPenalty(x, 1.3, prev), 0.7), 8), 0.8), 0.1);
        expect(Array.from(all.values)).toEqual(Array.from(steps.values));
        expect(Array.from(x.values)).toEqual(Array.from(copy));
      }),
    );
  });
});

describe('trace', () => {
  it('one step per processor: labels, removed ids, kept counts and renormalised probabilities', () => {
    const p = sampling.pipeline([
      { type: 'temperature', temperature: 0.5 },
      { type: 'topK', k: 3 },
      { type: 'topP', p: 0.6, minTokensToKeep: 1 },
    ]);
    const t = p.trace([1, 4, 3, 2, 0], {});
    expect(t.steps.map((s) => s.processor)).toEqual(['temperature(0.5)', 'topK(k=3)', 'topP(p=0.6)']);
    expect(t.input.kept).toBe(5);
    expect(Array.from(t.steps[1].removed)).toEqual([0, 4]);
    expect(t.steps[1].kept).toBe(3);
    const last = t.steps[2];
    expect(last.kept).toBe(finiteCount(last.logits));
    expect(Array.from(last.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    last.probabilities.forEach((q, i) => expect(q === 0).toBe(last.logits[i] === -Infinity));
    expect(() =>
      p.trace([
        [1, 2],
        [3, 4],
      ]),
    ).toThrow(/pipeline.trace: argument 'logits' must be one row/);
  });
});

describe('decoding', () => {
  it('greedy: argmax per row, ties by lowest index; scalar for [vocab]', () => {
    expect(
      Array.from(
        sampling.greedy([
          [1, 3, 3],
          [-Infinity, 0, -1],
        ]).values,
      ),
    ).toEqual([1, 1]);
    const g = sampling.greedy([0, 2, 2]);
    expect(g.shape).toEqual([]);
    expect(g.item()).toBe(1);
  });
  it('sample never draws a removed token, and a row that cannot be normalised is an error', () => {
    const x = sampling.topK(tensor([[0.1, 0.2, 5, 0.3, 4.9]]), 2);
    const rng = new Random(3);
    for (let i = 0; i < 200; i++) expect([2, 4]).toContain(sampling.sample(x, { rng }).values[0]);
    expect(() => sampling.sample([[-Infinity, -Infinity]], { seed: 1 })).toThrow(/sample: argument 'logits' must be a row with a finite maximum/);
    expect(() => sampling.sample([1, NaN], { seed: 1 })).toThrow(RangeError);
    expect(() => sampling.sample([1, 2], {} as never)).toThrow(/sample: argument 'options.seed'/);
    expect(() => sampling.sample([1, 2], { seed: 1, rng: new Random(1) } as never)).toThrow(/either a seed or an rng/);
  });
  it('sequenceLogLikelihood: ignored targets count for nothing; no counted token gives perplexity 1', () => {
    const r = sampling.sequenceLogLikelihood(
      [
        [0, 0],
        [5, 1],
      ],
      [-100, -100],
    );
    expect(r).toEqual({ logLikelihood: 0, tokenCount: 0, perplexity: 1 });
    expect(() => sampling.sequenceLogLikelihood([[0, 0]], [2])).toThrow(/sequenceLogLikelihood: argument 'targets\[0\]'/);
    expect(() => sampling.perplexity([0, 0], [0])).toThrow(/perplexity: argument 'logits' must be a tensor of shape \[T, vocab\]/);
    expect(() => sampling.sequenceLogLikelihood([[0, 0]], [0], { chunkSize: 0 })).toThrow(/'chunkSize'/);
  });
});

describe('top-p at p = 0 (HF accepts it)', () => {
  // HF's warper: cumulative probabilities (ascending) <= 1 − 0 are all removed, then the last minTokensToKeep
  // stay: the minTokensToKeep most probable tokens (checked in PyTorch float64 on these logits).
  it.each([
    [1, [1]],
    [2, [1, 2]],
    [3, [1, 2, 4]],
  ])('minTokensToKeep %i keeps %j', (minTokensToKeep, kept) => {
    const out = sampling.topP(tensor([1, 3, 2.5, 0.5, 2], { dtype: 'float64' }), 0, { minTokensToKeep }).values;
    expect([...out.keys()].filter((i) => out[i]! > -Infinity)).toEqual(kept);
  });
});

describe('argument errors', () => {
  const x = tensor([[1, 2, 3]]);
  const cases: [string, () => unknown, RegExp][] = [
    ['k = 0', () => sampling.topK(x, 0), /^topK: argument 'k' must be a positive integer, got 0/],
    ['fractional k', () => sampling.topK(x, 1.5), /topK: argument 'k'/],
    ['p < 0', () => sampling.topP(x, -0.1), /^topP: argument 'p' must be a number in \[0, 1\], got -0.1/],
    ['p > 1', () => sampling.topP(x, 1.01), /topP: argument 'p'/],
    ['min-p < 0', () => sampling.minP(x, -0.1), /minP: argument 'p' must be a number in \[0, 1\]/],
    ['typical p = 1', () => sampling.typicalP(x, 1), /typicalP: argument 'p' must be a number in \(0, 1\)/],
    ['temperature 0', () => sampling.temperature(x, 0), /^temperature: argument 'temperature' must be a finite number > 0, got 0/],
    ['temperature < 0', () => sampling.temperature(x, -1), /temperature: argument 'temperature'/],
    ['minTokensToKeep 0', () => sampling.topP(x, 0.5, { minTokensToKeep: 0 }), /topP: argument 'minTokensToKeep'/],
    ['unknown option', () => sampling.topP(x, 0.5, { minKeep: 2 } as never), /topP: unknown option 'minKeep'/],
    ['penalty 0', () => sampling.repetitionPenalty(x, 0, [[0]]), /repetitionPenalty: argument 'penalty'/],
    [
      'token out of range',
      () => sampling.repetitionPenalty(x, 1.2, [[3]]),
      /repetitionPenalty: argument 'context.previousTokens\[0\]' must be a token id: an integer in \[0, 2\], got 3/,
    ],
    [
      'wrong number of rows',
      () =>
        sampling.presencePenalty(
          tensor([
            [1, 2],
            [3, 4],
          ]),
          1,
          [[0]],
        ),
      /presencePenalty: argument 'context.previousTokens' must be one sequence of token ids per row \(2 rows\)/,
    ],
    [
      'bias id out of range',
      () => sampling.logitBias(x, { 7: 1 }),
      /logitBias: argument 'logitBias\(7:\+1\)' must be token ids below the vocabulary size 3, got 7/,
    ],
    ['bias NaN', () => sampling.logitBias(x, { 0: NaN }), /logitBias: argument 'bias\[0\]'/],
    ['banned id negative', () => sampling.bannedTokens(x, [-1]), /bannedTokens: argument 'ids\[0\]'/],
    ['int32 logits', () => sampling.topK(tensor([1, 2], { dtype: 'int32' }), 1), /topK: argument 'logits' must be a float32 or float64 tensor/],
    ['rank 3 logits', () => sampling.topK(tensor([[[1, 2]]]), 1), /topK: argument 'logits' must be a tensor of shape \[vocab\] or \[batch, vocab\]/],
    ['n-gram 0', () => sampling.noRepeatNgram(x, 0, [[1]]), /noRepeatNgram: argument 'n'/],
    [
      'missing previous tokens',
      () => sampling.pipeline([{ type: 'repetitionPenalty', penalty: 1.1 }]).apply(x),
      /pipeline.apply: argument 'context.previousTokens' must be the previous tokens of each row \(repetitionPenalty\(1.1\) reads them\)/,
    ],
    [
      'unknown type',
      () => sampling.pipeline([{ type: 'topQ' } as never]),
      /^pipeline: argument 'specs\[0\].type' must be one of 'temperature', 'topK', 'topP', 'minP', 'typicalP', 'repetitionPenalty'/,
    ],
    ['unknown spec option', () => sampling.pipeline([{ type: 'topK', k: 2, p: 0.5 } as never]), /pipeline: unknown option 'p' in 'specs\[0\]'/],
    [
      'bad value in a pipeline',
      () =>
        sampling.pipeline([
          { type: 'temperature', temperature: 1 },
          { type: 'topK', k: -2 },
        ]),
      /pipeline: argument 'specs\[1\].k' must be a positive integer, got -2/,
    ],
    ['topLogprobs n too large', () => sampling.topLogprobs(x, 4), /topLogprobs: argument 'n' must be an integer in \[0, 3\]/],
    ['unknown context key', () => sampling.pipeline([]).apply(x, { tokens: [] } as never), /pipeline.apply: unknown option 'tokens' in 'context'/],
  ];
  for (const [name, f, re] of cases) it(name, () => expect(f).toThrow(re));
});

describe('ts topK kernel (selection) equals a full sort', () => {
  it('on random rows with ties, NaN and infinities, every k', () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.integer({ min: -5, max: 5 }), fc.constantFrom(NaN, Infinity, -Infinity, 0.5)), { minLength: 1, maxLength: 80 }),
        fc.nat(),
        (v, kk) => {
          const n = v.length;
          const k = kk % (n + 1);
          const x = Float64Array.from(v);
          const values = new Float64Array(k);
          const indices = new Int32Array(k);
          topKKernel(x, 1, n, k, values, indices);
          const order = v
            .map((_, i) => i)
            .sort((a, b) => {
              const na = Number.isNaN(v[a]);
              const nb = Number.isNaN(v[b]);
              if (na || nb) return na && nb ? a - b : na ? -1 : 1;
              return v[a] > v[b] ? -1 : v[a] < v[b] ? 1 : a - b;
            });
          expect(Array.from(indices)).toEqual(order.slice(0, k));
        },
      ),
      { numRuns: 500 },
    );
  });
  it('on a long sorted and a constant row (quickselect worst shapes)', () => {
    for (const x of [Float64Array.from({ length: 5000 }, (_, i) => i), new Float64Array(5000), Float64Array.from({ length: 5000 }, (_, i) => -i)]) {
      const values = new Float64Array(7);
      const indices = new Int32Array(7);
      topKKernel(x, 1, 5000, 7, values, indices);
      const order = Array.from(x, (_, i) => i).sort((a, b) => x[b] - x[a] || a - b);
      expect(Array.from(indices)).toEqual(order.slice(0, 7));
    }
  });
});
