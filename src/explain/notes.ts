import { readable } from './format.js';
import type { ExplainDType, NumericsNote } from './types.js';

/** What the notes of one row are decided from: the row's numbers as the ops computed them. */
export interface RowNumbers {
  row: number;
  dtype: ExplainDType;
  /** The softmax input (z, or z/T) and what to call it. */
  zs: number[];
  zName: string;
  /** The logits the decision is taken on (z). */
  z: number[];
  p: number[];
  logp: number[];
  naiveExps: number[];
  naiveSum: number;
  naiveP: number[];
  naiveLogp: number[];
  loss: number | null;
  naiveLoss: number | null;
  targetSum: number | null;
  className: (i: number) => string;
}

const LOG_MAX: Record<ExplainDType, number> = { float32: Math.log(3.4028234663852886e38), float64: Math.log(Number.MAX_VALUE) };
const LOG_MIN: Record<ExplainDType, number> = { float32: Math.log(1.401298464324817e-45), float64: Math.log(Number.MIN_VALUE) };
const UNIT: Record<ExplainDType, number> = { float32: 2 ** -24, float64: 2 ** -53 };

const num = (v: number) => readable(v, 6);
const vec = (v: number[]) => `[${v.map(num).join(', ')}]`;

function classList(ids: number[], name: (i: number) => string): string {
  const names = ids.map((i) => name(i));
  return `${ids.length === 1 ? 'class' : 'classes'} ${names.join(', ')}`;
}

/**
 * The numerics notes of one row. Each rule fires exactly when the textbook formula and the library's stable
 * one give different answers in this dtype (see NoteKind in types.ts for the list).
 */
export function rowNotes(r: RowNumbers): NumericsNote[] {
  const notes: NumericsNote[] = [];
  const { row, dtype, zs, zName } = r;
  const n = zs.length;
  const all = Array.from({ length: n }, (_, i) => i);
  const note = (kind: NumericsNote['kind'], classes: number[], message: string, naive: NumericsNote['naive'], stable: NumericsNote['stable']) =>
    notes.push({ kind, row, classes, message, naive, stable });

  const nan = all.filter((i) => Number.isNaN(zs[i]));
  const posInf = all.filter((i) => zs[i] === Infinity);
  const negInf = all.filter((i) => zs[i] === -Infinity);
  if (nan.length > 0) {
    note(
      'nonFinite',
      nan,
      `${zName} is NaN for ${classList(nan, r.className)}: every probability, log-probability and the loss of this example are NaN (a NaN stays in its row).`,
      null,
      null,
    );
    return notes;
  }
  if (posInf.length > 0) {
    note(
      'nonFinite',
      posInf,
      `${zName} is +∞ for ${classList(posInf, r.className)}: softmax is undefined (∞ − ∞), so this example's outputs are NaN.`,
      null,
      null,
    );
    return notes;
  }
  if (negInf.length === n) {
    note('nonFinite', [], `every ${zName} is −∞ (all classes masked): there is nothing to normalize, so this example's outputs are NaN.`, null, null);
    return notes;
  }
  if (negInf.length > 0) {
    note(
      'mask',
      negInf,
      `${zName} = −∞ masks ${classList(negInf, r.className)}: p = 0 exactly and log p = −∞ (a zero target there adds 0 to the loss).`,
      null,
      null,
    );
  }

  // The decision is taken on z: several classes sharing the max means argMax picks the first.
  const zmax = Math.max(...r.z);
  const ties = all.filter((i) => r.z[i] === zmax);
  if (ties.length > 1) {
    note('tie', ties, `${classList(ties, r.className)} share the largest logit ${num(zmax)}: argMax takes the first, ${r.className(ties[0])}.`, null, null);
  }

  const finite = all.filter((i) => Number.isFinite(zs[i]));
  const over = finite.filter((i) => r.naiveExps[i] === Infinity);
  const compare = `the naive exp(${zName}_i) / Σ exp(${zName}_j) gives ${vec(r.naiveP)}; subtracting the max first, softmax gives ${vec(r.p)}`;
  if (over.length > 0) {
    note(
      'overflow',
      over,
      `exp(${zName}) overflows ${dtype} for ${classList(over, r.className)} (${zName} > ${num(LOG_MAX[dtype])}, the log of the largest ${dtype}): ${compare}.`,
      r.naiveP,
      r.p,
    );
  } else if (r.naiveSum === Infinity) {
    note('overflow', finite, `Σ exp(${zName}) overflows ${dtype} (each exp(${zName}_i) is finite, their sum is not): ${compare}.`, r.naiveP, r.p);
  }
  const under = finite.filter((i) => r.naiveExps[i] === 0 && r.p[i] !== 0);
  if (under.length > 0) {
    const zero = r.naiveSum === 0 ? ` (the naive sum is 0, so every naive p is 0/0 = NaN)` : '';
    note(
      'underflow',
      under,
      `exp(${zName}) underflows to 0 in ${dtype} for ${classList(under, r.className)} (${zName} < ${num(LOG_MIN[dtype])}) although p is not 0${zero}: ${compare}.`,
      r.naiveP,
      r.p,
    );
  }

  const one = finite.filter((i) => r.naiveLogp[i] === 0 && r.logp[i] !== 0 && Number.isFinite(r.logp[i]));
  if (one.length > 0) {
    const stable = one.map((i) => r.logp[i]);
    note(
      'logOfOne',
      one,
      `softmax rounds p to 1 in ${dtype} for ${classList(one, r.className)}, so log(softmax(${zName})) gives 0; ` +
        `log p = (${zName} − max) − log1p(Σ others) gives ${vec(stable)} (nn.logSoftmax keeps these digits).`,
      one.map(() => 0),
      stable,
    );
  }
  const zero = finite.filter((i) => r.naiveLogp[i] === -Infinity && Number.isFinite(r.logp[i]));
  if (zero.length > 0) {
    const stable = zero.map((i) => r.logp[i]);
    note(
      'logOfZero',
      zero,
      `softmax rounds p to 0 in ${dtype} for ${classList(zero, r.className)}, so log(softmax(${zName})) gives −∞; ` +
        `log p = (${zName} − max) − log1p(Σ others) gives ${vec(stable)} (nn.logSoftmax).`,
      zero.map(() => -Infinity),
      stable,
    );
  }

  if (r.loss !== null && r.naiveLoss !== null && Number.isFinite(r.loss)) {
    const nl = r.naiveLoss;
    const why =
      nl === 0
        ? 'the probability of the label rounds to 1 and log(1) = 0'
        : Number.isNaN(nl)
          ? 'a zero target meets log(0) = −∞, and 0·(−∞) = NaN'
          : !Number.isFinite(nl)
            ? 'the log of a probability that rounds to 0 is −∞'
            : '';
    if (why !== '' && (nl !== 0 || r.loss !== 0)) {
      note(
        'lossPrecision',
        [],
        `the naive −Σ y·log(softmax(${zName})) gives ${num(nl)} because ${why}; the library computes the loss from ` +
          `logSumExp − ${zName}_y = log1p(Σ others) + (max − ${zName}_y) and gets ${num(r.loss)}.`,
        nl,
        r.loss,
      );
    }
  }

  if (r.targetSum !== null && Math.abs(r.targetSum - 1) > 8 * n * UNIT[dtype]) {
    note('labelSum', [], `the target sums to ${num(r.targetSum)}, not 1: the gradient of the loss is (Σ y)·p − y, not p − y.`, null, r.targetSum);
  }
  return notes;
}
