/**
 * Accuracy of the softmax family against the mpmath oracle fixtures (test/fixtures/oracle, written by
 * scripts/accuracy/make_fixtures.py; `npm run accuracy` prints the full table). No Python needed here.
 *
 * Error = |ours − exact| / ulp(exact rounded to the dtype) (scripts/accuracy/lib.mjs, ulpError): ≤ 0.5 is correctly
 * rounded; an expected NaN must be NaN and an expected ±Infinity the same infinity. Float32 ops compute in float64
 * and round once, so their bound is 0.5 plus double rounding.
 *
 * Gradients that are a difference of two nearly equal numbers (soft labels close to the softmax, sigmoid close to
 * the label) lose relative precision in any implementation that computes the softmax to working precision; those
 * entries are held to a bound in ulps of the larger operand instead (see `operandUlps`).
 *
 * The kernel inaccuracies this suite found (KNOWN-1 to KNOWN-3 below) are fixed; their tests stay, with the inputs
 * that showed them. A new known inaccuracy would be an `it.fails` with its inputs until fixed.
 */
import { describe, expect, it } from 'vitest';
import * as lk from '../../../../src/index.js';
import {
  apiAdapter,
  cancellation,
  formatUlp,
  loadFixtures,
  lseCancels,
  measure,
  oneHot,
  operandUlps,
  sigmoidGradTerms,
  softGradTerms,
  type DType,
  type Entry,
} from '../../../../scripts/accuracy/lib.mjs';

const fixtures = loadFixtures();
const results = measure(apiAdapter(lk), fixtures, { keepEntries: true });

function entries(op: string, dtype: DType): Entry[] {
  const b = results.get(`${op}|${dtype}`);
  if (!b) throw new Error(`no measurement for ${op} ${dtype}`);
  return b.entries;
}

/** Fails with the worst offenders (input, ours, exact) when an entry's error exceeds the bound. */
function expectWithin(list: Entry[], bound: number, what: string, score: (e: Entry) => number = (e) => e.err): void {
  expect(list.length, `${what}: nothing measured`).toBeGreaterThan(0);
  const bad = list
    .map((e) => ({ e, s: score(e) }))
    .filter(({ s }) => !(s <= bound))
    .sort((a, b) => b.s - a.s);
  const lines = bad.slice(0, 5).map(({ e, s }) => `  ${formatUlp(s)} ulp: ${e.where} → ${e.ours} (exact ${e.r})`);
  expect(bad.length, `${what}: ${bad.length} of ${list.length} values above ${bound} ulp\n${lines.join('\n')}`).toBe(0);
}

const F32 = 0.501; // correctly rounded up to double rounding (0.5 + a float64 error of a few 2^-29 float32 ulps)

// ---------------------------------------------------------------------------------------------------------
// Classification of entries (helpers in scripts/accuracy/lib.mjs)

const softTerms = (e: Entry): [number, number] => softGradTerms(e);
const sigmoidTerms = (dtype: DType, e: Entry): [number, number] => sigmoidGradTerms(fixtures, dtype, e);
const hardLabel = (dtype: DType, e: Entry): boolean => {
  const z = fixtures[dtype].elementwise.ceLabels[e.i];
  return z === 0 || z === 1;
};

// ---------------------------------------------------------------------------------------------------------

describe('oracle fixtures', () => {
  it('load, with the generated 100,000-class rows reproduced exactly', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const rows = fixtures[dtype].rows;
      expect(rows.length).toBeGreaterThan(80);
      expect(rows.filter((r) => r.n === 100_000)).toHaveLength(2);
      expect(rows.some((r) => r.n === 1000 && r.group === 'random')).toBe(true);
      for (const r of rows) expect(r.x.length).toBe(r.n);
    }
  });
});

// Bounds: strict ulps of the exactly rounded value, from the measurement of the TypeScript kernels (max in the comment).
const BOUNDS: Record<string, Record<DType, number>> = {
  softmax: { float32: F32, float64: 3 }, // f64 2.75 (exp ≤ 1 ulp, the division, the compensated sum)
  logSoftmax: { float32: F32, float64: 1.5 }, // f64 1.19
  logSumExp: { float32: F32, float64: 1 }, // f64 0.85 where m + log1p(s) does not cancel, 0.5 where it does (KNOWN-1, fixed)
  softmaxCrossEntropyWithLogits: { float32: F32, float64: 1.5 }, // f64 5.80 before the compensated label sum (KNOWN-3, fixed)
  sparseSoftmaxCrossEntropyWithLogits: { float32: F32, float64: 1 }, // f64 0.98
  sigmoidCrossEntropyWithLogits: { float32: F32, float64: 1.5 }, // f64 1.14
  sigmoid: { float32: F32, float64: 2 }, // f64 1.60
  softplus: { float32: F32, float64: 1.5 }, // f64 1.03
  logSigmoid: { float32: F32, float64: 1.5 }, // f64 1.33
};
/** Soft-label CE gradient entries without cancellation (factor ≤ 2), strict ulps (f64 21.6 before the KNOWN-3 fix). */
const SOFT_GRAD_STRICT: Record<DType, number> = { float32: F32, float64: 5 };
/** All soft-label CE gradient entries, in ulps of the larger operand (f64 12.6 before the KNOWN-3 fix). */
const SOFT_GRAD_OPERAND: Record<DType, number> = { float32: F32, float64: 3 };
/** The targets of KNOWN-3, met by a prototype with a compensated label sum. */
const KNOWN3 = { loss: 1.5, strict: 5, operand: 3 };
/** Sigmoid CE gradient: strict where σ(x) − z does not cancel (f64 2.04), in operand ulps everywhere (f64 1.69). */
const SIGMOID_GRAD_STRICT: Record<DType, number> = { float32: F32, float64: 2.5 };
const SIGMOID_GRAD_OPERAND: Record<DType, number> = { float32: F32, float64: 2 };

for (const dtype of ['float32', 'float64'] as const) {
  describe(`accuracy ${dtype} (public API vs mpmath)`, () => {
    const b = (op: string): number => BOUNDS[op][dtype];

    for (const op of [
      'softmax',
      'logSoftmax',
      'softmaxCrossEntropyWithLogits',
      'sparseSoftmaxCrossEntropyWithLogits',
      'sigmoidCrossEntropyWithLogits',
      'sigmoid',
      'softplus',
      'logSigmoid',
    ]) {
      it(`${op} within ${b(op)} ulp`, () => expectWithin(entries(op, dtype), b(op), op));
    }
    it(`logSumExp within ${b('logSumExp')} ulp`, () => expectWithin(entries('logSumExp', dtype), b('logSumExp'), 'logSumExp'));

    // Gradients (valueAndGrad of the per-example loss)
    it(`sparse CE gradient off the label (the softmax) within ${b('softmax')} ulp`, () =>
      expectWithin(
        entries('sparseSoftmaxCrossEntropyWithLogits grad', dtype).filter((e) => e.row!.ids[e.label] !== e.i),
        b('softmax'),
        'sparse CE grad, i ≠ label',
      ));
    it(`soft CE gradient where (Σy)·softmax − y does not cancel, within ${SOFT_GRAD_STRICT[dtype]} ulp`, () =>
      expectWithin(
        entries('softmaxCrossEntropyWithLogits grad', dtype).filter((e) => !oneHot(e.row!.labels[e.label]) && cancellation(softTerms(e), e.r) <= 2),
        SOFT_GRAD_STRICT[dtype],
        'soft CE grad, no cancellation',
      ));
    it(`soft CE gradient within ${SOFT_GRAD_OPERAND[dtype]} ulp of the larger of (Σy)·softmax and y`, () =>
      expectWithin(entries('softmaxCrossEntropyWithLogits grad', dtype), SOFT_GRAD_OPERAND[dtype], 'soft CE grad, operand ulps', (e) =>
        operandUlps(dtype, softTerms(e), e),
      ));
    it(`sigmoid CE gradient where σ(x) − z does not cancel, within ${SIGMOID_GRAD_STRICT[dtype]} ulp`, () =>
      expectWithin(
        entries('sigmoidCrossEntropyWithLogits grad', dtype).filter((e) => cancellation(sigmoidTerms(dtype, e), e.r) <= 2),
        SIGMOID_GRAD_STRICT[dtype],
        'sigmoid CE grad, no cancellation',
      ));
    it(`sigmoid CE gradient within ${SIGMOID_GRAD_OPERAND[dtype]} ulp of the larger of σ(x) and z`, () =>
      expectWithin(entries('sigmoidCrossEntropyWithLogits grad', dtype), SIGMOID_GRAD_OPERAND[dtype], 'sigmoid CE grad, operand ulps', (e) =>
        operandUlps(dtype, sigmoidTerms(dtype, e), e),
      ));
    it(`sigmoid CE gradient with labels 0 and 1 (σ(x) − 1 = −σ(−x): no cancellation) within ${SIGMOID_GRAD_STRICT[dtype]} ulp`, () =>
      expectWithin(
        entries('sigmoidCrossEntropyWithLogits grad', dtype).filter((e) => hardLabel(dtype, e)),
        SIGMOID_GRAD_STRICT[dtype],
        'sigmoid CE grad, hard labels',
      ));

    // ----- known inaccuracies of the kernels (it.fails until fixed) -----

    // KNOWN-1 (fixed in the kernel: a slow path): logSumExp near 0. m + log1p(s) cancels when m < 0 and log1p(s) ≈ −m,
    // and log1p(s) carries ~1 ulp of |m|. float64 [-1.0986122886681098 ×3] (ln 1/3) gave -2.220446049250313e-16, exact
    // -9.07129723500153e-17; [-0.6931471805599453 ×2] gave 0, exact 2.3190468138462996e-17; float32 [-1, -0.45867515] gave
    // -4.5248666e-10 (0.62 ulp). Now rows whose condition number (|m| + log1p(s))/|result| exceeds 2 are recomputed from the
    // fast result c as c + log1p(Σ e^{z_i − c} − 1), each exponential to 2^-118 relative and the sum exact
    // (src/kernels/ts/double-double.ts): all these entries are correctly rounded (≤ 0.5 ulp).
    it(`KNOWN-1 (fixed) logSumExp within ${b('logSumExp')} ulp where m + log1p(s) cancels`, () =>
      expectWithin(entries('logSumExp', dtype).filter(lseCancels), b('logSumExp'), 'logSumExp near 0'));

    // KNOWN-2 (fixed in the kernels: the formulas below): the cross-entropy gradient at the label, p_k − 1, is computed as a difference with 1, so it loses its
    // relative precision exactly when the loss is tiny (the loss itself keeps it). It is −(s − expm1(z_k − m))/(1 + s),
    // which does not cancel (and −s/(1 + s) when k is the argmax). Float32 is worse: softmax_k is rounded into the float32
    // output before 1 is subtracted (sparse kernel: dLogits[base + k] -= 1). Examples, sparse label 0:
    // float32 [5, 0, 0] → -0.013296723, exact -0.013296709 (15 ulp); [16, 0, 0] → -2.3841858e-7, exact -2.2507029e-7;
    // [20, 0, 0] → 0, exact -4.1223074e-9; float64 [20, 0, 0] → -4.122307162290895e-9, exact -4.122307227883698e-9;
    // [50, 0, 0] → 0, exact -3.8574996959278356e-22. The soft-label gradient at the argmax, (Σy)/(1 + s) − y_m, likewise:
    // it is ((Σ_{i≠m} y_i) − y_m·s)/(1 + s).
    it(`KNOWN-2 (fixed) sparse CE gradient at the label within ${b('softmax')} ulp`, () =>
      expectWithin(
        entries('sparseSoftmaxCrossEntropyWithLogits grad', dtype).filter((e) => e.row!.ids[e.label] === e.i),
        b('softmax'),
        'sparse CE grad at the label',
      ));
    it(`KNOWN-2 (fixed) soft CE gradient with one-hot labels within ${b('softmax')} ulp`, () =>
      expectWithin(
        entries('softmaxCrossEntropyWithLogits grad', dtype).filter((e) => oneHot(e.row!.labels[e.label])),
        b('softmax'),
        'soft CE grad, one-hot labels',
      ));

    if (dtype === 'float64') {
      // KNOWN-3 (fixed: the label sum is compensated now): the label sum Y = Σ y_i is a plain sum (DESIGN.md: sums are compensated); Y multiplies log1p(s) in the
      // loss and the softmax in the gradient. float64 'normal(sd=1) n=1000' labels#0: loss 7.419608457018398, exact
      // 7.419608457018393 (5.8 ulp); 'ties -log(1000) n=1000' (every x_i = -6.907755278982137, y_i = 0.001): gradient
      // 6.505213034913027e-19 where the exact value is 0. (Float32 rounds these away.)
      it(`KNOWN-3 (fixed) soft CE loss within ${KNOWN3.loss} ulp`, () =>
        expectWithin(entries('softmaxCrossEntropyWithLogits', dtype), KNOWN3.loss, 'soft CE loss'));
      it(`KNOWN-3 (fixed) soft CE gradient without cancellation within ${KNOWN3.strict} ulp`, () =>
        expectWithin(
          entries('softmaxCrossEntropyWithLogits grad', dtype).filter((e) => !oneHot(e.row!.labels[e.label]) && cancellation(softTerms(e), e.r) <= 2),
          KNOWN3.strict,
          'soft CE grad, no cancellation',
        ));
      it(`KNOWN-3 (fixed) soft CE gradient within ${KNOWN3.operand} operand ulp`, () =>
        expectWithin(entries('softmaxCrossEntropyWithLogits grad', dtype), KNOWN3.operand, 'soft CE grad, operand ulps', (e) =>
          operandUlps(dtype, softTerms(e), e),
        ));
    }
  });
}

describe('layout: the class axis anywhere gives the same bits', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: rows stacked along axis 0 match one row at a time`, () => {
      const rows = fixtures[dtype].rows.filter((r) => r.n === 10 && r.group === 'random');
      expect(rows.length).toBeGreaterThanOrEqual(4);
      const n = 10;
      const B = rows.length;
      const Arr = dtype === 'float32' ? Float32Array : Float64Array;
      // columns are rows: x[i, b] = rows[b].x[i]
      const x = new Arr(n * B);
      const y = new Arr(n * B);
      rows.forEach((r, b) =>
        r.x.forEach((v, i) => {
          x[i * B + b] = v;
          y[i * B + b] = r.labels[0][i];
        }),
      );
      const xt = lk.tensor(x, { dtype, shape: [n, B] });
      const yt = lk.tensor(y, { dtype, shape: [n, B] });
      const sm = lk.nn.softmax(xt, 0).values;
      const lsm = lk.nn.logSoftmax(xt, 0).values;
      const lse = lk.logSumExp(xt, 0).values;
      const ce = lk.nn.softmaxCrossEntropyWithLogits({ labels: yt, logits: xt, axis: 0 }).values;
      rows.forEach((r, b) => {
        const one = lk.tensor(r.x, { dtype, shape: [n] });
        const smOne = lk.nn.softmax(one).values;
        const lsmOne = lk.nn.logSoftmax(one).values;
        for (let i = 0; i < n; i++) {
          expect(sm[i * B + b]).toBe(smOne[i]);
          expect(lsm[i * B + b]).toBe(lsmOne[i]);
        }
        expect(lse[b]).toBe(lk.logSumExp(one).values[0]);
        expect(ce[b]).toBe(lk.nn.softmaxCrossEntropyWithLogits({ labels: lk.tensor(r.labels[0], { dtype, shape: [n] }), logits: one }).values[0]);
      });
    });
  }
});
