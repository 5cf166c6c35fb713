import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import type { TensorInput } from '../ops/convert.js';
import { readScored, type ScoredExamples } from './inputs.js';

export interface TemperatureFit {
  /** The fitted T > 0: p = softmax(z / T). */
  temperature: number;
  /** Mean NLL of the examples at T = 1 and at the fitted T. */
  nllBefore: number;
  nllAfter: number;
  /** Newton / bisection steps taken. */
  iterations: number;
}

const OP = 'fitTemperature';
const MAX_ITERATIONS = 500;
/** β = 1/T is searched below this; the doubling that brackets the minimum stops here. */
const BETA_LIMIT = 1e300;

/** Mean NLL at β = 1/T and its first two derivatives in β (the NLL is convex in β). */
function nllAndDerivatives(d: ScoredExamples, beta: number): { f: number; df: number; d2f: number } {
  const { scores: z, labels, count: n, classes: k } = d;
  let f = 0;
  let df = 0;
  let d2f = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    for (let j = i * k; j < (i + 1) * k; j++) if (z[j] > m) m = z[j];
    // p_j ∝ exp(β(z_j − m)); f_i = β m + log Σ exp(β(z_j − m)) − β z_y; f_i' = E_p[z] − z_y; f_i'' = Var_p[z].
    let s = 0;
    let s1 = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const e = Math.exp(beta * (z[j] - m));
      s += e;
      s1 += e * (z[j] - m);
    }
    const mean = s1 / s; // E_p[z − m]
    let s2 = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      const dz = z[j] - m - mean;
      s2 += Math.exp(beta * (z[j] - m)) * dz * dz;
    }
    const zy = z[i * k + labels[i]] - m;
    f += Math.log(s) - beta * zy;
    df += mean - zy;
    d2f += s2 / s;
  }
  return { f: f / n, df: df / n, d2f: d2f / n };
}

/**
 * Temperature scaling (Guo et al. 2017): the T > 0 that minimises the mean NLL of softmax(z / T) on held-out
 * logits and labels. The NLL is convex in β = 1/T, so its minimum is the root of the derivative, found by a
 * safeguarded Newton iteration inside a bracket that always holds it, to float64 precision. When no finite T > 0
 * minimises it (every label already has the largest logit, or the logits carry no information about the labels),
 * this is an error saying which.
 */
export function fitTemperature(logits: TensorInput, labels: TensorInput, options?: Record<string, never>): TemperatureFit {
  checkOptions(OP, options, []);
  const d = readScored(OP, logits, labels);
  if (d.count === 0) throw argError(OP, 'logits', 'at least one example', `[0, ${d.classes}]`);
  const { scores: z, labels: y, count: n, classes: k } = d;
  // f'(0+) = mean(mean_j z_j − z_y) and f'(∞) = mean(max_j z_j − z_y): the minimum is inside (0, ∞) iff f'(0+) < 0 < f'(∞).
  let atZero = 0;
  let atInfinity = 0;
  let flatRows = 0;
  for (let i = 0; i < n; i++) {
    let m = -Infinity;
    let low = Infinity;
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      if (z[j] > m) m = z[j];
      if (z[j] < low) low = z[j];
      s += z[j];
    }
    if (low === m) flatRows++;
    atZero += s / k - z[i * k + y[i]];
    atInfinity += m - z[i * k + y[i]];
  }
  if (flatRows === n)
    throw argError(OP, 'logits', 'rows that are not all constant (softmax(z / T) of a constant row is uniform whatever T)', `${n} constant rows`);
  if (atInfinity <= 0) {
    throw argError(
      OP,
      'labels',
      'labels some logits get wrong: with every label at its row\u2019s largest logit the NLL keeps falling as T \u2192 0 and no T > 0 minimises it (fit on held-out examples that include mistakes)',
      `${n} examples, all predicted right`,
    );
  }
  if (atZero >= 0) {
    throw argError(
      OP,
      'labels',
      'labels the logits inform: the NLL is smallest as T \u2192 \u221e (the labels\u2019 logits are no larger than their row\u2019s mean on average)',
      `a mean (row mean \u2212 label logit) of ${atZero / n}`,
    );
  }
  let lo = 0; // f'(lo) < 0
  let hi = 1;
  let iterations = 0;
  while (nllAndDerivatives(d, hi).df < 0) {
    lo = hi;
    hi *= 2;
    iterations++;
    if (hi > BETA_LIMIT) throw argError(OP, 'logits', 'logits whose NLL has a minimum at T > 1e-300', 'a minimum beyond it');
  }
  let beta = lo === 0 ? hi / 2 : (lo + hi) / 2;
  for (; iterations < MAX_ITERATIONS; iterations++) {
    const { df, d2f } = nllAndDerivatives(d, beta);
    if (df === 0) break;
    if (df < 0) lo = beta;
    else hi = beta;
    const newton = beta - df / d2f;
    // A Newton step of at most a couple of ulps: β is the root to float64 precision.
    if (d2f > 0 && Math.abs(newton - beta) <= 2 * Number.EPSILON * beta) {
      if (newton > lo && newton < hi) beta = newton;
      break;
    }
    const next = d2f > 0 && newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (next <= lo || next >= hi) break; // the bracket is down to adjacent floats
    beta = next;
  }
  return { temperature: 1 / beta, nllBefore: nllAndDerivatives(d, 1).f, nllAfter: nllAndDerivatives(d, beta).f, iterations };
}
