import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';
import type { TensorInput } from '../ops/convert.js';
import { Tensor } from '../tensor/tensor.js';
import { logSumExp } from '../ops/softmax/log-sum-exp.js';
import { softmax } from '../ops/softmax/softmax.js';
import { readScored } from './inputs.js';

/*
 * Calibration metrics (docs/calibration.md has the definitions and their sources). Everything is computed in
 * float64 from the logits: p = softmax(z) per row, the NLL from log-sum-exp (never the log of a rounded p).
 */

export type BinningStrategy = 'uniform' | 'quantile';

export interface CalibrationOptions {
  /** Number of bins M (default 15, as Guo et al. 2017). */
  bins?: number;
  /** 'uniform': M equal-width bins over [0, 1]; 'quantile': M bins with equal example counts. Default 'uniform'. */
  strategy?: BinningStrategy;
  /** true (default): the first argument is logits; false: probabilities (rows in [0, 1] that sum to 1). */
  fromLogits?: boolean;
}

/** One bin of the top-label reliability table. */
export interface CalibrationBin {
  /** The bin's range: its boundaries (uniform) or its smallest and largest confidence (quantile; null when empty). */
  lower: number | null;
  upper: number | null;
  count: number;
  /** Mean top-label confidence in the bin (null when empty). */
  confidence: number | null;
  /** Fraction of the bin's examples whose prediction is right (null when empty). */
  accuracy: number | null;
}

export interface CalibrationReport {
  examples: number;
  classes: number;
  strategy: BinningStrategy;
  /** Fraction of examples whose largest logit is at the label. */
  accuracy: number;
  /** Expected calibration error of the top label: Σ_m (n_m / N)·|acc_m − conf_m|. */
  ece: number;
  /** Maximum calibration error: the largest |acc_m − conf_m| over non-empty bins. */
  mce: number;
  /** Class-wise ECE (Kull et al. 2019): the mean over classes k of the ECE of p_k against [y = k]. */
  classwiseEce: number;
  /** Brier score: mean over examples of Σ_k (p_k − [y = k])², in [0, 2]. */
  brier: number;
  /** Negative log-likelihood: mean of −log p_y (from logits: logsumexp(z) − z_y). */
  nll: number;
  bins: CalibrationBin[];
}

const OP = 'calibration';
const MAX_BINS = 10_000;
/** How far a probability row's sum may be from 1 (float32 rows of 1,000 classes stay well inside). */
const PROBABILITY_SUM_TOLERANCE = 1e-4;

/**
 * Calibration of a classifier's probabilities on labelled examples: ECE, MCE, class-wise ECE, Brier score, NLL,
 * accuracy and the reliability table. `logitsOrProbs` is [N, K] (logits by default; `fromLogits: false` for
 * probabilities), labels are N class ids.
 */
export function calibration(logitsOrProbs: TensorInput, labelsIn: TensorInput, options?: CalibrationOptions): CalibrationReport {
  const o = checkOptions(OP, options, ['bins', 'strategy', 'fromLogits']);
  const bins = o.bins ?? 15;
  if (typeof bins !== 'number') throw argTypeError(OP, 'bins', 'an integer in [1, 10000]', bins);
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) throw argError(OP, 'bins', `an integer in [1, ${MAX_BINS}]`, bins);
  const strategy = checkChoice(OP, 'strategy', o.strategy ?? 'uniform', ['uniform', 'quantile'] as const);
  const fromLogits = o.fromLogits ?? true;
  if (typeof fromLogits !== 'boolean') throw argTypeError(OP, 'fromLogits', 'a boolean', fromLogits);
  const arg = fromLogits ? 'logits' : 'probabilities';
  const { scores, labels, count: n, classes: k } = readScored(OP, logitsOrProbs, labelsIn, arg);
  if (n === 0) throw argError(OP, arg, 'at least one example', `[0, ${k}]`);
  // The library's own float64 softmax and log-sum-exp of the logits (one pass each over [N, K]).
  const z = fromLogits ? new Tensor(scores, [n, k]) : null;
  const p = z ? (softmax(z, -1).values as Float64Array) : checkedProbabilities(scores, n, k);
  const lse = z ? logSumExp(z, -1).values : null;

  const confidence = new Float64Array(n);
  const correct = new Float64Array(n);
  let nll = 0;
  let brier = 0;
  for (let i = 0; i < n; i++) {
    // The decision is argmax of the scores (first on ties), as argMax and predictClasses take it.
    let best = i * k;
    for (let j = i * k + 1; j < (i + 1) * k; j++) if (scores[j] > scores[best]) best = j;
    confidence[i] = p[best];
    correct[i] = best - i * k === labels[i] ? 1 : 0;
    const y = i * k + labels[i];
    nll += lse ? lse[i] - scores[y] : -Math.log(p[y]);
    for (let j = i * k; j < (i + 1) * k; j++) {
      const d = p[j] - (j === y ? 1 : 0);
      brier += d * d;
    }
  }
  const top = binned(confidence, correct, bins, strategy);
  let classwise = 0;
  const pk = new Float64Array(n);
  const isK = new Float64Array(n);
  for (let c = 0; c < k; c++) {
    for (let i = 0; i < n; i++) {
      pk[i] = p[i * k + c];
      isK[i] = labels[i] === c ? 1 : 0;
    }
    classwise += binned(pk, isK, bins, strategy).ece;
  }
  return {
    examples: n,
    classes: k,
    strategy,
    accuracy: correct.reduce((a, b) => a + b, 0) / n,
    ece: top.ece,
    mce: top.mce,
    classwiseEce: classwise / k,
    brier: brier / n,
    nll: nll / n,
    bins: top.table,
  };
}

function checkedProbabilities(p: Float64Array, n: number, k: number): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = i * k; j < (i + 1) * k; j++) {
      if (p[j] < 0 || p[j] > 1) throw argError(OP, 'probabilities', 'values in [0, 1] (pass fromLogits: true for logits)', `${p[j]} at [${i}, ${j - i * k}]`);
      s += p[j];
    }
    if (Math.abs(s - 1) > PROBABILITY_SUM_TOLERANCE) {
      throw argError(
        OP,
        'probabilities',
        `rows that sum to 1 (within ${PROBABILITY_SUM_TOLERANCE}; pass fromLogits: true for logits)`,
        `row ${i} summing to ${s}`,
      );
    }
  }
  return p;
}

/**
 * Bins values v_i with outcomes o_i ∈ {0, 1} and returns ECE, MCE and the table. Uniform: bin m holds
 * m/M < v ≤ (m+1)/M (bin 0 also holds 0), the boundaries being the float64 quotients m/M. Quantile: the examples
 * sorted by value (ties by index), bin m holds sorted positions [⌊mN/M⌋, ⌊(m+1)N/M⌋).
 */
export function binned(v: Float64Array, o: Float64Array, bins: number, strategy: BinningStrategy): { ece: number; mce: number; table: CalibrationBin[] } {
  const n = v.length;
  const bin = new Int32Array(n);
  const lower: (number | null)[] = [];
  const upper: (number | null)[] = [];
  if (strategy === 'uniform') {
    for (let i = 0; i < n; i++) bin[i] = uniformBin(v[i], bins);
    for (let m = 0; m < bins; m++) {
      lower.push(m / bins);
      upper.push((m + 1) / bins);
    }
  } else {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => v[a] - v[b] || a - b);
    for (let m = 0; m < bins; m++) {
      const from = Math.floor((m * n) / bins);
      const to = Math.floor(((m + 1) * n) / bins);
      for (let r = from; r < to; r++) bin[order[r]] = m;
      lower.push(to > from ? v[order[from]] : null);
      upper.push(to > from ? v[order[to - 1]] : null);
    }
  }
  const count = new Float64Array(bins);
  const vSum = new Float64Array(bins);
  const oSum = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    count[bin[i]]++;
    vSum[bin[i]] += v[i];
    oSum[bin[i]] += o[i];
  }
  let ece = 0;
  let mce = 0;
  const table: CalibrationBin[] = [];
  for (let m = 0; m < bins; m++) {
    const c = count[m];
    const conf = c > 0 ? vSum[m] / c : null;
    const acc = c > 0 ? oSum[m] / c : null;
    if (conf !== null && acc !== null) {
      const gap = Math.abs(acc - conf);
      ece += (c / n) * gap;
      mce = Math.max(mce, gap);
    }
    table.push({ lower: lower[m], upper: upper[m], count: c, confidence: conf, accuracy: acc });
  }
  return { ece, mce, table };
}

/** The uniform bin of v: m with m/M < v ≤ (m+1)/M, compared against the float64 boundaries themselves. */
function uniformBin(v: number, bins: number): number {
  let m = Math.min(bins - 1, Math.max(0, Math.ceil(v * bins) - 1));
  while (m > 0 && v <= m / bins) m--;
  while (m < bins - 1 && v > (m + 1) / bins) m++;
  return m;
}
