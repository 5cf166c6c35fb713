import { withoutTape } from '../autograd/tape.js';
import { grad } from '../autograd/grad.js';
import { add, div, equal, mul, sub, where } from '../ops/arithmetic.js';
import { expandDims, oneHot, reshape } from '../ops/layout.js';
import { softmaxCrossEntropy, sparseSoftmaxCrossEntropy, type Reduction } from '../ops/softmax/losses.js';
import { matMul } from '../ops/matmul.js';
import { logSoftmax, softmax } from '../ops/softmax/softmax.js';
import { argMax, max, sum } from '../ops/reduce.js';
import { logSumExp } from '../ops/softmax/log-sum-exp.js';
import { abs, exp, log, log1p, neg } from '../ops/unary.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import { parseInput, type Parsed } from './input.js';
import { rowNotes } from './notes.js';
import type { CrossCheck, DenseTrace, ExplainDType, ExplainInput, ExplainTrace, LossOp, NumericsNote, RowTrace } from './types.js';

const UNIT: Record<ExplainDType, number> = { float32: 2 ** -24, float64: 2 ** -53 };

const vec = (t: Tensor): number[] => Array.from(t.values);
function rowsOf(t: Tensor): number[][] {
  const n = t.shape[t.rank - 1];
  const v = vec(t);
  const out: number[][] = [];
  for (let i = 0; i < v.length; i += n) out.push(v.slice(i, i + n));
  return out;
}

/**
 * Compares a trace piece built from elementary ops with the library op that computes it in one go:
 * max over elements of |a − b| / max(|a|, |b|, scale). NaN = NaN and equal infinities agree.
 * `rowOk` limits the comparison to rows whose outputs are defined.
 */
function crossCheck(
  name: string,
  compares: string,
  a: Tensor,
  b: Tensor,
  tolerance: number,
  scale: Tensor | null = null,
  rowOk: boolean[] | null = null,
): CrossCheck {
  const av = a.values;
  const bv = b.values;
  const sv = scale ? scale.values : null;
  const perRow = rowOk ? av.length / rowOk.length : av.length;
  let maxError = 0;
  for (let i = 0; i < av.length; i++) {
    if (rowOk && !rowOk[Math.floor(i / perRow)]) continue;
    const x = av[i];
    const y = bv[i];
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!Number.isFinite(x) || !Number.isFinite(y)) {
      maxError = Infinity;
      continue;
    }
    const denom = Math.max(Math.abs(x), Math.abs(y), sv ? sv[i] : 0, Number.MIN_VALUE);
    maxError = Math.max(maxError, Math.abs(x - y) / denom);
  }
  return { name, compares, ok: maxError <= tolerance, maxError, tolerance };
}

/**
 * Explains one softmax classification step by step: (a dense layer's z = W·f + b,) the max subtracted, the
 * exponentials and their sum, the probabilities and log-probabilities, the cross-entropy and its gradient,
 * and the decision, with notes wherever the textbook formula would overflow, underflow or lose all precision.
 *
 * Every number comes from a library op in the trace's dtype: z from matMul/add, p from nn.softmax, log p from
 * nn.logSoftmax, log Σ exp from logSumExp, the loss from losses.*, the gradient from autograd. The intermediate
 * pieces (max, z − max, the exps, their sum) come from max/sub/exp/sum and are cross-checked against those ops
 * (see `checks`). The result is plain data: arrays, numbers and strings.
 */
export function explain(input: ExplainInput): ExplainTrace {
  return withoutTape(() => build(parseInput(input)));
}

function build(P: Parsed): ExplainTrace {
  const { dtype, classes: C, rows: B } = P;
  const u = UNIT[dtype];
  const checks: CrossCheck[] = [];

  // z = W·f + b, and its pieces.
  let z: Tensor;
  let dense: DenseTrace | null = null;
  if (P.dense) {
    const { W, K, b, f, layout } = P.dense;
    const dots = K ? matMul(f, K) : matMul(f, W, false, true);
    z = b ? add(dots, b) : dots;
    const products = mul(expandDims(W, 0), expandDims(f, 1)); // [B, C, F]
    checks.push(crossCheck('dense', 'Σ_j W_ij·f_j (mul, sum) vs W·f (matMul)', sum(products, -1), dots, 16 * u, sum(abs(products), -1)));
    const productRows = rowsOf(products);
    const dotRows = rowsOf(dots);
    dense = {
      layout,
      weights: rowsOf(W),
      bias: b ? vec(b) : null,
      rows: rowsOf(f).map((features, r) => ({
        features,
        products: productRows.slice(r * C, (r + 1) * C),
        dots: dotRows[r],
      })),
    };
  } else {
    z = P.logits!;
  }

  // The softmax input and the library's stable pieces.
  const T = P.temperature;
  const zs = T === 1 ? z : div(z, T);
  const m = max(zs, -1, true);
  const maxIndex = argMax(zs, -1);
  const shifted = sub(zs, m);
  const exps = exp(shifted);
  const others = oneHot(maxIndex, C, 0, 1, dtype);
  const sumOthers = sum(mul(exps, others), -1);
  const total = add(sumOthers, 1);
  const l1p = log1p(sumOthers);
  const lse = logSumExp(zs, -1);
  const p = softmax(zs);
  const logp = logSoftmax(zs);
  const mv = vec(m);
  const zsRows = rowsOf(zs);
  const rowOk = zsRows.map((row, r) => Number.isFinite(mv[r]) && !row.some(Number.isNaN));
  // The exps of the shifted logits are exact to |z − max|·u (the rounding of the difference), beyond which they are 0.
  const spread = Math.min(Math.max(0, ...vec(abs(shifted)).filter(Number.isFinite)), 750);
  const tol = 16 * u * (1 + spread);
  checks.push(
    crossCheck('softmax', 'exp(z − max) / (1 + Σ others) (max, sub, exp, sum, div) vs nn.softmax', div(exps, expandDims(total, -1)), p, tol, null, rowOk),
  );
  checks.push(crossCheck('logSumExp', 'max + log1p(Σ others) (max, sum, log1p, add) vs logSumExp', add(reshape(m, [B]), l1p), lse, tol, null, rowOk));
  checks.push(crossCheck('logSoftmax', '(z − max) − log1p(Σ others) (sub, log1p) vs nn.logSoftmax', sub(shifted, expandDims(l1p, -1)), logp, tol, null, rowOk));

  // What the textbook formulas give in the same dtype.
  const nexp = exp(zs);
  const nsum = sum(nexp, -1, true);
  const np = div(nexp, nsum);
  const nlogp = log(p);

  // Labels: the target, the loss (the sparse op for class ids, the soft one for distributions) and its gradient.
  let q: Tensor | null = null;
  let perExample: Tensor | null = null;
  let reduced: number | null = null;
  let g: Tensor | null = null;
  let gz: Tensor | null = null;
  let naiveLoss: Tensor | null = null;
  let lossOp: LossOp | null = null;
  const L = P.labels;
  if (L) {
    const eps = P.labelSmoothing;
    const given = tensor(L.dists, { dtype });
    let lossFn: (x: Tensor, reduction: Reduction) => Tensor;
    if (L.ids) {
      const ids = tensor(L.ids, { dtype: 'int32' });
      const hot = oneHot(ids, C, 1, 0, dtype);
      q = eps > 0 ? add(mul(hot, 1 - eps), eps / C) : hot;
      lossOp = 'losses.sparseSoftmaxCrossEntropy';
      lossFn = (x, reduction) => sparseSoftmaxCrossEntropy(ids, x, { labelSmoothing: eps, reduction });
    } else {
      q = eps > 0 ? add(mul(given, 1 - eps), eps / C) : given;
      lossOp = 'losses.softmaxCrossEntropy';
      lossFn = (x, reduction) => softmaxCrossEntropy(given, x, { labelSmoothing: eps, reduction });
    }
    perExample = lossFn(zs, 'none');
    reduced = P.reduction === 'none' ? null : lossFn(zs, P.reduction).item();
    g = grad((x) => lossFn(x, 'sum'))(zs);
    if (T !== 1) gz = grad((x) => lossFn(div(x, T), 'sum'))(z);
    naiveLoss = neg(sum(mul(q, nlogp), -1));
    const qTerms = where(equal(q, 0), 0, mul(q, neg(logp)));
    checks.push(crossCheck('loss', '−Σ target·log p (mul, sum) vs ' + lossOp, sum(qTerms, -1), perExample, tol, null, rowOk));
    const qSum = sum(q, -1, true);
    const expected = sub(mul(qSum, p), q);
    checks.push(crossCheck('gradient', '(Σ target)·p − target (mul, sub) vs autograd of ' + lossOp, expected, g, tol, add(abs(mul(qSum, p)), abs(q))));
  }

  // The decision is taken on the logits themselves: softmax (and a temperature T > 0) keep their order.
  const decided = vec(argMax(z, -1));
  const pRows = rowsOf(p);
  const decisionCheck = decided.every((k, r) => !rowOk[r] || pRows[r][k] === Math.max(...pRows[r]));
  checks.push({ name: 'decision', compares: 'p[argMax(z)] vs max(p)', ok: decisionCheck, maxError: decisionCheck ? 0 : Infinity, tolerance: 0 });

  const name = (i: number) => (P.classNames ? P.classNames[i] : String(i));
  const zRows = rowsOf(z);
  const shiftedRows = rowsOf(shifted);
  const expRows = rowsOf(exps);
  const logpRows = rowsOf(logp);
  const nexpRows = rowsOf(nexp);
  const nsumV = vec(nsum);
  const npRows = rowsOf(np);
  const nlogpRows = rowsOf(nlogp);
  const qRows = q ? rowsOf(q) : null;
  const qSums = q ? vec(sum(q, -1)) : null;
  const gRows = g ? rowsOf(g) : null;
  const gzRows = gz ? rowsOf(gz) : null;
  const lossV = perExample ? vec(perExample) : null;
  const nlossV = naiveLoss ? vec(naiveLoss) : null;
  const sumOthersV = vec(sumOthers);
  const totalV = vec(total);
  const l1pV = vec(l1p);
  const lseV = vec(lse);
  const maxIndexV = vec(maxIndex);

  const notes: NumericsNote[] = [];
  const rows: RowTrace[] = [];
  for (let r = 0; r < B; r++) {
    const k = decided[r];
    const classId = L ? L.classIds[r] : null;
    rows.push({
      index: r,
      logits: zRows[r],
      scaledLogits: T === 1 ? null : zsRows[r],
      max: mv[r],
      maxIndex: maxIndexV[r],
      shifted: shiftedRows[r],
      exps: expRows[r],
      sumOthers: sumOthersV[r],
      sum: totalV[r],
      log1pSumOthers: l1pV[r],
      logSumExp: lseV[r],
      probabilities: pRows[r],
      logProbabilities: logpRows[r],
      naive: {
        exps: nexpRows[r],
        sum: nsumV[r],
        probabilities: npRows[r],
        logProbabilities: nlogpRows[r],
        loss: nlossV ? nlossV[r] : null,
      },
      target: L ? { classId, given: L.dists[r].map((v) => (dtype === 'float32' ? Math.fround(v) : v)), distribution: qRows![r] } : null,
      loss: lossV ? lossV[r] : null,
      gradient: gRows ? gRows[r] : null,
      gradientWrtLogits: gzRows ? gzRows[r] : null,
      decision: {
        classId: k,
        className: P.classNames ? P.classNames[k] : null,
        logit: zRows[r][k],
        probability: pRows[r][k],
        correct: classId === null ? null : classId === k,
      },
    });
    notes.push(
      ...rowNotes({
        row: r,
        dtype,
        zs: zsRows[r],
        zName: T === 1 ? 'z' : 'z/T',
        z: zRows[r],
        p: pRows[r],
        logp: logpRows[r],
        naiveExps: nexpRows[r],
        naiveSum: nsumV[r],
        naiveP: npRows[r],
        naiveLogp: nlogpRows[r],
        loss: lossV ? lossV[r] : null,
        naiveLoss: nlossV ? nlossV[r] : null,
        targetSum: qSums ? qSums[r] : null,
        className: name,
      }),
    );
  }
  for (const c of checks) {
    if (!c.ok) {
      notes.push({
        kind: 'crossCheck',
        row: -1,
        classes: [],
        message: `cross-check '${c.name}' failed: ${c.compares} differ by ${c.maxError} (tolerance ${c.tolerance}); please report this as a bug.`,
        naive: null,
        stable: null,
      });
    }
  }

  return {
    format: 'logitkit.explain/1',
    dtype,
    batched: P.batched,
    classCount: C,
    classNames: P.classNames,
    temperature: dtype === 'float32' ? Math.fround(T) : T,
    labelSmoothing: P.labelSmoothing,
    reduction: P.reduction,
    dense,
    rows,
    loss: perExample ? { op: lossOp!, perExample: lossV!, reduction: P.reduction, value: reduced } : null,
    contributions: null,
    notes,
    checks,
  };
}
