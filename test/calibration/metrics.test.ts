import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { calibration as cal, metrics, tensor } from '../../src/index.js';

/** Fixtures from test/calibration/fixtures/make_fixtures.py: numpy's own implementation of the definitions, and PyTorch's LBFGS fit of T. */
interface FixtureCase {
  name: string;
  n: number;
  k: number;
  logits: number[][];
  labels: number[];
  accuracy: number;
  brier: number;
  nll: number;
  temperature: { T: number; nllAtT: number; nllAtOne: number; lbfgsPhase1: { T: number } };
  binned: Array<{
    bins: number;
    strategy: 'uniform' | 'quantile';
    ece: number;
    mce: number;
    classwiseEce: number;
    table: Array<{ lower: number | null; upper: number | null; count: number; confidence: number | null; accuracy: number | null }>;
  }>;
}
const fixtures = JSON.parse(readFileSync(new URL('./fixtures/calibration.json', import.meta.url), 'utf8')) as { cases: FixtureCase[] };

function close(got: number | null, want: number | null, tol: number, what: string): void {
  if (want === null || got === null) {
    expect(got, what).toBe(want);
    return;
  }
  const err = Math.abs(got - want);
  expect(err <= tol * Math.max(1, Math.abs(want)), `${what}: got ${got}, expected ${want}`).toBe(true);
}

describe('metrics.calibration equals the independent numpy implementation (1e-12)', () => {
  for (const c of fixtures.cases) {
    for (const b of c.binned) {
      it(`${c.name}: ${b.bins} ${b.strategy} bins`, () => {
        const r = metrics.calibration(tensor(c.logits, { dtype: 'float64' }), c.labels, { bins: b.bins, strategy: b.strategy });
        expect(r.examples).toBe(c.n);
        expect(r.classes).toBe(c.k);
        close(r.accuracy, c.accuracy, 1e-12, 'accuracy');
        close(r.brier, c.brier, 1e-12, 'brier');
        close(r.nll, c.nll, 1e-12, 'nll');
        close(r.ece, b.ece, 1e-12, 'ece');
        close(r.mce, b.mce, 1e-12, 'mce');
        close(r.classwiseEce, b.classwiseEce, 1e-12, 'classwiseEce');
        expect(r.bins).toHaveLength(b.bins);
        r.bins.forEach((bin, i) => {
          expect(bin.count, `bin ${i} count`).toBe(b.table[i].count);
          close(bin.lower, b.table[i].lower, 1e-12, `bin ${i} lower`);
          close(bin.upper, b.table[i].upper, 1e-12, `bin ${i} upper`);
          close(bin.confidence, b.table[i].confidence, 1e-12, `bin ${i} confidence`);
          close(bin.accuracy, b.table[i].accuracy, 1e-12, `bin ${i} accuracy`);
        });
      });
    }
  }

  it('takes probabilities with fromLogits: false and gives the same figures', () => {
    const c = fixtures.cases[2];
    const probs = c.logits.map((row) => {
      const m = Math.max(...row);
      const e = row.map((v) => Math.exp(v - m));
      const s = e.reduce((a, b) => a + b, 0);
      return e.map((v) => v / s);
    });
    const fromLogits = metrics.calibration(c.logits, c.labels);
    const fromProbs = metrics.calibration(probs, c.labels, { fromLogits: false });
    close(fromProbs.ece, fromLogits.ece, 1e-12, 'ece');
    close(fromProbs.brier, fromLogits.brier, 1e-12, 'brier');
    close(fromProbs.nll, fromLogits.nll, 1e-9, 'nll');
  });

  it('float32 logits are read exactly (widened to float64)', () => {
    const c = fixtures.cases[0];
    const z32 = tensor(c.logits, { dtype: 'float32' });
    const z64 = tensor(Array.from(z32.values), { shape: [c.n, c.k], dtype: 'float64' });
    expect(metrics.calibration(z32, c.labels)).toEqual(metrics.calibration(z64, c.labels));
  });
});

describe('fitTemperature equals PyTorch LBFGS on the same objective', () => {
  for (const c of fixtures.cases) {
    it(`${c.name}: T = ${c.temperature.T.toPrecision(8)}`, () => {
      const fit = cal.fitTemperature(tensor(c.logits, { dtype: 'float64' }), c.labels);
      // The reference is LBFGS continued to a gradient of ~1e-13 and cross-checked by bisection to ~1e-12.
      close(fit.temperature, c.temperature.T, 1e-9, 'T');
      close(fit.temperature, c.temperature.lbfgsPhase1.T, 1e-6, 'T (LBFGS, strong Wolfe, as configured)');
      close(fit.nllAfter, c.temperature.nllAtT, 1e-13, 'NLL at T');
      close(fit.nllBefore, c.temperature.nllAtOne, 1e-13, 'NLL at 1');
      expect(fit.nllAfter).toBeLessThanOrEqual(fit.nllBefore);
    });
  }

  it('refuses labels that make the NLL unbounded, saying why', () => {
    // Every label at its row's largest logit: the NLL falls forever as T → 0.
    expect(() =>
      cal.fitTemperature(
        [
          [3, 1],
          [0, 2],
          [5, -1],
        ],
        [0, 1, 0],
      ),
    ).toThrow(/fitTemperature: argument 'labels'.*T → 0.*got '3 examples, all predicted right'/);
    // Labels that the logits point away from: the NLL falls forever as T → ∞.
    expect(() =>
      cal.fitTemperature(
        [
          [3, 1],
          [0, 2],
        ],
        [1, 0],
      ),
    ).toThrow(/fitTemperature: argument 'labels'.*T → ∞/);
    // Rows with no information (all logits equal): T changes nothing.
    expect(() =>
      cal.fitTemperature(
        [
          [1, 1],
          [2, 2],
        ],
        [0, 1],
      ),
    ).toThrow(/fitTemperature: argument 'logits' must be rows that are not all constant.*got '2 constant rows'/);
  });
});

describe('fitVectorScaling', () => {
  it('reaches a stationary point of its convex NLL, never above temperature scaling', () => {
    for (const c of fixtures.cases.slice(0, 4)) {
      const z = tensor(c.logits, { dtype: 'float64' });
      const v = cal.fitVectorScaling(z, c.labels);
      const t = cal.fitTemperature(z, c.labels);
      expect(v.nllAfter).toBeLessThanOrEqual(t.nllAfter + 1e-12);
      expect(v.bias.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 12);
      // The gradient of the NLL at the fit, by central differences of the exact objective: ~0.
      const nllAt = (scale: number[], bias: number[]) =>
        metrics.calibration(
          c.logits.map((row) => row.map((x, k) => scale[k] * x + bias[k])),
          c.labels,
        ).nll;
      for (let k = 0; k < c.k; k++) {
        const h = 1e-5;
        const up = v.scale.slice();
        const down = v.scale.slice();
        up[k] += h;
        down[k] -= h;
        expect(Math.abs((nllAt(up, v.bias) - nllAt(down, v.bias)) / (2 * h))).toBeLessThan(1e-7);
      }
    }
  });

  it('refuses perfectly separable data (the scales would grow without bound)', () => {
    expect(() =>
      cal.fitVectorScaling(
        [
          [2, 1],
          [1, 2],
          [3, 0],
          [0, 3],
        ],
        [0, 1, 0, 1],
      ),
    ).toThrow(/fitVectorScaling: argument 'labels'.*diverge/);
  });
});

describe('bad input gets a clear error naming the argument', () => {
  it('shapes, labels, NaN, options', () => {
    expect(() => metrics.calibration([1, 2, 3], [0])).toThrow(/calibration: argument 'logits' must be a tensor of rank 2/);
    expect(() => metrics.calibration([[1, 2]], [2])).toThrow(/calibration: argument 'labels' must be class ids in \[0, 1\], got '2 at index 0'/);
    expect(() => metrics.calibration([[1, 2]], [0, 1])).toThrow(/calibration: argument 'labels' must be 1 class ids/);
    expect(() => metrics.calibration([[1, Number.NaN]], [0])).toThrow(/calibration: argument 'logits' must be finite values, got 'NaN at \[0, 1\]'/);
    expect(() => metrics.calibration([[1, 2]], [0], { bins: 0 })).toThrow(/argument 'bins' must be an integer in \[1, 10000\]/);
    expect(() => metrics.calibration([[1, 2]], [0], { strategy: 'equal' as 'uniform' })).toThrow(/argument 'strategy' must be one of 'uniform', 'quantile'/);
    expect(() => metrics.calibration([[1, 2]], [0], { bin: 3 } as object)).toThrow(/unknown option 'bin'/);
    expect(() => metrics.calibration([[0.5, 0.6]], [0], { fromLogits: false })).toThrow(/argument 'probabilities' must be rows that sum to 1/);
    expect(() => metrics.calibration([[-0.5, 1.5]], [0], { fromLogits: false })).toThrow(/argument 'probabilities' must be values in \[0, 1\]/);
    expect(() => cal.fitTemperature([[1, 2]], [0], { max: 3 } as unknown as Record<string, never>)).toThrow(/fitTemperature: unknown option 'max'/);
    expect(() => cal.fitTemperature(tensor([[1, 2]], { dtype: 'int32' }), [0])).toThrow(
      /fitTemperature: argument 'logits' must be a float32 or float64 tensor/,
    );
  });
});

describe('reliabilityDiagram', () => {
  it('draws one bar per non-empty bin at its accuracy, the diagonal and the ECE', () => {
    const c = fixtures.cases[1];
    const r = metrics.calibration(c.logits, c.labels, { bins: 10 });
    const svg = cal.reliabilityDiagram(r, { title: 'before <T>' });
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('before &lt;T&gt;');
    const bars = [...svg.matchAll(/class="bin" data-bin="(\d+)" data-count="(\d+)" data-accuracy="([^"]+)"/g)];
    expect(bars.map((m) => Number(m[1]))).toEqual(r.bins.flatMap((b, i) => (b.count > 0 ? [i] : [])));
    bars.forEach((m) => expect(Number(m[3])).toBe(r.bins[Number(m[1])].accuracy));
    expect(svg).toContain('class="diagonal"');
    expect(svg).toContain(`ECE ${(100 * r.ece).toFixed(2)} %`);
    expect(() => cal.reliabilityDiagram(r, { colour: 'red' } as object)).toThrow(/unknown option 'colour'/);
  });
});
