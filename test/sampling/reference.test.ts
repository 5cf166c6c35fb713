import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as sampling from '../../src/sampling/index.js';
import type { ProcessorSpec } from '../../src/sampling/index.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

/** Fixtures from scripts/fixtures/sampling_reference.py (HF's definitions in NumPy / PyTorch 1.13, mpmath). */
type Enc = number | '-inf' | 'inf' | 'nan';
interface Case {
  name?: string;
  spec?: ProcessorSpec & { bias?: unknown };
  specs?: ProcessorSpec[];
  dtype: 'float32' | 'float64';
  logits: Enc[][];
  previousTokens: number[][];
  expected: Enc[][];
}
const ref = JSON.parse(readFileSync(new URL('./fixtures/sampling-reference.json', import.meta.url), 'utf8')) as {
  random: Case[];
  fixed: Case[];
  pipeline: Case[];
  topLogprobs: { dtype: 'float32' | 'float64'; logits: Enc[][]; logSoftmax: Enc[][] }[];
  likelihood: { dtype: 'float32' | 'float64'; logits: Enc[][]; targets: number[]; logLikelihood: number; tokenCount: number; perplexity: number }[];
  sample: { logits: Enc[]; probabilities: number[]; pinned: number[] };
};

const dec = (v: Enc): number => (v === '-inf' ? -Infinity : v === 'inf' ? Infinity : v === 'nan' ? NaN : v);
const decRows = (rows: Enc[][]): number[][] => rows.map((r) => r.map(dec));

function decodeSpec(spec: ProcessorSpec & { bias?: unknown }): ProcessorSpec {
  if (spec.type !== 'logitBias') return spec;
  return { type: 'logitBias', bias: (spec.bias as [number, Enc][]).map(([id, v]) => [id, dec(v)] as [number, number]) };
}

/** Same kept set and every logit equal (bit for bit: these definitions are exact in the logits' dtype). */
function expectRows(actual: ArrayLike<number>, expected: number[][], label: string): void {
  const flat = expected.flat();
  expect(actual.length, label).toBe(flat.length);
  for (let i = 0; i < flat.length; i++) {
    if (!Object.is(actual[i], flat[i]) && !(actual[i] === 0 && flat[i] === 0)) {
      throw new Error(`${label}: entry ${i} (row ${Math.floor(i / expected[0].length)}) is ${actual[i]}, reference ${flat[i]}`);
    }
  }
}

function caseLabel(c: Case, i: number): string {
  return `${i}: ${c.name ?? ''} ${JSON.stringify(c.spec ?? c.specs)} ${c.dtype}`;
}

describe('processors equal the reference (HF definitions, NumPy/PyTorch)', () => {
  for (const [i, c] of ref.random.entries()) {
    it(`random rows ${caseLabel(c, i)}`, () => {
      const x = tensor(decRows(c.logits), { dtype: c.dtype });
      const out = sampling.pipeline([decodeSpec(c.spec!)]).apply(x, { previousTokens: c.previousTokens });
      expect(out.dtype).toBe(c.dtype);
      expectRows(out.values, decRows(c.expected), caseLabel(c, i));
    });
  }
  for (const [i, c] of ref.fixed.entries()) {
    it(`${c.name} (${c.dtype})`, () => {
      const x = tensor(decRows(c.logits), { dtype: c.dtype });
      const out = sampling.pipeline([decodeSpec(c.spec!)]).apply(x, { previousTokens: c.previousTokens });
      expectRows(out.values, decRows(c.expected), caseLabel(c, i));
    });
  }
  for (const [i, c] of ref.pipeline.entries()) {
    it(`pipeline ${c.specs!.map((s) => s.type).join(' → ')} at V = 2000 (${c.dtype})`, () => {
      const x = tensor(decRows(c.logits), { dtype: c.dtype });
      const p = sampling.pipeline(c.specs!);
      const out = p.apply(x, { previousTokens: c.previousTokens });
      expectRows(out.values, decRows(c.expected), caseLabel(c, i));
      // The trace of row 0 ends where apply does, and its steps chain.
      const trace = p.trace(decRows(c.logits)[0].length ? tensor([decRows(c.logits)[0]], { dtype: c.dtype }) : x, { previousTokens: [c.previousTokens[0]] });
      expectRows(trace.steps[trace.steps.length - 1].logits, [decRows(c.expected)[0]], 'trace');
      expect(trace.steps.map((s) => s.processor)).toEqual(p.labels);
    });
  }
  it('the single-processor functions give the pipeline’s values', () => {
    const c = ref.random.find((r) => r.spec!.type === 'topP' && r.dtype === 'float32')!;
    const x = tensor(decRows(c.logits), { dtype: 'float32' });
    const spec = c.spec as { p: number };
    expectRows(sampling.topP(x, spec.p).values, decRows(c.expected), 'topP');
    const r = ref.random.find((q) => q.spec!.type === 'repetitionPenalty' && q.dtype === 'float32')!;
    expectRows(
      sampling.repetitionPenalty(tensor(decRows(r.logits)), (r.spec as { penalty: number }).penalty, r.previousTokens).values,
      decRows(r.expected),
      'rep',
    );
    const n = ref.random.find((q) => q.spec!.type === 'noRepeatNgram' && (q.spec as { n: number }).n === 2)!;
    expectRows(sampling.noRepeatNgram(tensor(decRows(n.logits), { dtype: n.dtype }), 2, n.previousTokens).values, decRows(n.expected), 'ngram');
  });
});

describe('log-probabilities and likelihood against mpmath', () => {
  for (const c of ref.topLogprobs) {
    it(`topLogprobs ${c.dtype} rows of ${c.logits.map((r) => r.length).join(', ')}`, () => {
      const rows = decRows(c.logits);
      const want = decRows(c.logSoftmax);
      for (let r = 0; r < rows.length; r++) {
        const n = Math.min(5, rows[r].length);
        const { logprobs, indices } = sampling.topLogprobs(tensor(rows[r], { dtype: c.dtype }), n);
        // Indices: the n largest logits, ties by lower index (an independent stable sort).
        const order = rows[r].map((v, i) => i).sort((a, b) => rows[r][b] - rows[r][a] || a - b);
        expect(Array.from(indices.values)).toEqual(order.slice(0, n));
        for (let j = 0; j < n; j++) {
          const got = logprobs.values[j];
          const w = want[r][order[j]];
          if (w === -Infinity) {
            expect(got).toBe(-Infinity);
            continue;
          }
          expect(Math.abs(got - w), `row ${r} rank ${j}: ${got} vs ${w}`).toBeLessThanOrEqual(2 * Math.abs(w) * Number.EPSILON);
        }
      }
    });
  }
  for (const c of ref.likelihood) {
    it(`sequenceLogLikelihood ${c.dtype}: ignoreIndex, and every chunk size gives the same bits`, () => {
      const x = tensor(decRows(c.logits), { dtype: c.dtype });
      const whole = sampling.sequenceLogLikelihood(x, c.targets, { chunkSize: 1000 });
      expect(whole.tokenCount).toBe(c.tokenCount);
      expect(Math.abs(whole.logLikelihood - c.logLikelihood)).toBeLessThanOrEqual(4 * Math.abs(c.logLikelihood) * Number.EPSILON);
      expect(Math.abs(whole.perplexity - c.perplexity)).toBeLessThanOrEqual(1e-14 * c.perplexity);
      for (const chunkSize of [1, 2, 5, 36, 37]) expect(sampling.sequenceLogLikelihood(x, c.targets, { chunkSize })).toEqual(whole);
      expect(sampling.perplexity(x, c.targets)).toBe(whole.perplexity);
    });
  }
});

describe('sample', () => {
  const x = tensor(ref.sample.logits.map(dec), { dtype: 'float64' });
  it('draws the tokens a Python re-implementation of Random and the inverse-CDF rule draws (pinned stream)', () => {
    const rng = new Random(2024);
    const draws = Array.from({ length: 20 }, () => sampling.sample(x, { rng }).item());
    expect(draws).toEqual(ref.sample.pinned);
  });
  it('same seed, same tokens; batch rows take successive draws', () => {
    const b = tensor([ref.sample.logits.map(dec), ref.sample.logits.map(dec)], { dtype: 'float64' });
    expect(Array.from(sampling.sample(b, { seed: 7 }).values)).toEqual(Array.from(sampling.sample(b, { seed: 7 }).values));
    const rng = new Random(2024);
    expect(Array.from(sampling.sample(tensor([ref.sample.logits.map(dec), ref.sample.logits.map(dec)], { dtype: 'float64' }), { rng }).values)).toEqual(
      ref.sample.pinned.slice(0, 2),
    );
  });
  it('follows softmax(logits): chi-square over 40,000 draws with a fixed seed, and never draws a −∞ token', () => {
    const rng = new Random(99);
    const counts = new Array<number>(ref.sample.probabilities.length).fill(0);
    const N = 40000;
    for (let i = 0; i < N; i++) counts[sampling.sample(x, { rng }).item()]++;
    let chi2 = 0;
    let df = -1;
    ref.sample.probabilities.forEach((p, i) => {
      if (p === 0) {
        expect(counts[i]).toBe(0);
        return;
      }
      chi2 += (counts[i] - N * p) ** 2 / (N * p);
      df++;
    });
    // 6 degrees of freedom: P(chi2 > 22.46) = 0.001.
    expect(df).toBe(6);
    expect(chi2).toBeLessThan(22.46);
  });
});
