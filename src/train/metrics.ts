import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { argMax } from '../ops/reduce.js';

/** ECE, MCE, class-wise ECE, Brier score, NLL and the reliability table (docs/calibration.md). */
export { calibration, type CalibrationOptions, type CalibrationReport, type CalibrationBin } from '../calibration/metrics.js';

/**
 * Classification metrics over label and logit tensors. They read logits, never probabilities: argmax and
 * "logit > 0" make the same decisions as argmax and "p > 0.5" on the softmax/sigmoid outputs, without
 * computing them. Labels are int32 class ids [n] or one-hot / soft labels [n, C] (their argmax is the class).
 */

/** A metric over one batch: the mean value over its examples (fit weights batches by their size). */
export type MetricFn = (labels: Tensor, logits: Tensor) => number;

export interface Metric {
  /** The key in logs and history ('acc', 'top5Acc'; validation adds Keras's 'val_' prefix: 'val_acc'). */
  name: string;
  fn: MetricFn;
  /** True for logitkit's own metrics, which keep no reference to the tensors they get (fit may reuse them). */
  readonly builtIn?: boolean;
  /** A registry metric's settings ({name: 'topKAccuracy', k: 3}): compile's `metrics` accepts them back. */
  readonly config?: { name: string; [option: string]: unknown };
}

function checkTensors(op: string, labels: unknown, logits: unknown): [Tensor, Tensor] {
  if (!(labels instanceof Tensor)) throw argTypeError(op, 'labels', 'a Tensor', labels);
  if (!(logits instanceof Tensor)) throw argTypeError(op, 'logits', 'a Tensor', logits);
  if (logits.rank < 1) throw argError(op, 'logits', 'a tensor of rank ≥ 1 (classes on the last axis)', logits);
  return [labels, logits];
}

/** Class ids from int32 ids (shape = logits' shape without the class axis) or one-hot labels (logits' shape). */
function labelIds(op: string, labels: Tensor, logits: Tensor): Int32Array {
  const batchShape = logits.shape.slice(0, -1);
  if (labels.dtype === 'int32' && shapesEqual(labels.shape, batchShape)) return labels.values as Int32Array;
  if (shapesEqual(labels.shape, logits.shape)) return argMax(labels, -1).values as Int32Array;
  throw argError(op, 'labels', `int32 class ids of shape [${batchShape.join(', ')}] or one-hot labels of shape [${logits.shape.join(', ')}]`, labels);
}

/** Fraction of examples whose largest logit is at the true class. */
export function categoricalAccuracy(labels: Tensor, logits: Tensor): number {
  const op = 'categoricalAccuracy';
  [labels, logits] = checkTensors(op, labels, logits);
  const ids = labelIds(op, labels, logits);
  if (ids.length === 0) return Number.NaN;
  const pred = argMax(logits, -1).values;
  let correct = 0;
  for (let i = 0; i < ids.length; i++) if (pred[i] === ids[i]) correct++;
  return correct / ids.length;
}

/** Fraction of binary decisions (logit > 0, i.e. p > 0.5) that match labels > 0.5, over all elements. */
export function binaryAccuracy(labels: Tensor, logits: Tensor): number {
  const op = 'binaryAccuracy';
  [labels, logits] = checkTensors(op, labels, logits);
  if (labels.size !== logits.size) throw argError(op, 'labels', `${logits.size} labels (one per logit)`, labels);
  const y = labels.values;
  const z = logits.values;
  if (z.length === 0) return Number.NaN;
  let correct = 0;
  for (let i = 0; i < z.length; i++) if (z[i] > 0 === y[i] > 0.5) correct++;
  return correct / z.length;
}

/**
 * Accuracy with the kind read from the shapes: a single logit per example ([n] or [n, 1]) is binary
 * (logit > 0); otherwise categorical (argmax), with int32 ids or one-hot labels.
 */
export function accuracy(labels: Tensor, logits: Tensor): number {
  [labels, logits] = checkTensors('accuracy', labels, logits);
  if (logits.rank === 1 || logits.shape[logits.rank - 1] === 1) return binaryAccuracy(labels, logits);
  return categoricalAccuracy(labels, logits);
}

/**
 * A metric: the fraction of examples whose true class is among the k largest logits. Ties at the boundary
 * count as inside (TensorFlow's in_top_k): the true class is in the top k when fewer than k logits exceed it.
 * A NaN logit at the true class never counts.
 */
export function topKAccuracy(k = 5): MetricFn {
  if (!Number.isInteger(k) || k < 1) throw argError('topKAccuracy', 'k', 'a positive integer', k);
  return (labels: Tensor, logits: Tensor): number => {
    const op = `topKAccuracy(${k})`;
    [labels, logits] = checkTensors(op, labels, logits);
    const ids = labelIds(op, labels, logits);
    const c = logits.shape[logits.rank - 1];
    const z = logits.values;
    if (ids.length === 0) return Number.NaN;
    let hits = 0;
    for (let r = 0; r < ids.length; r++) {
      const row = r * c;
      const target = z[row + ids[r]];
      if (Number.isNaN(target)) continue;
      let above = 0;
      for (let j = 0; j < c && above < k; j++) if (z[row + j] > target || Number.isNaN(z[row + j])) above++;
      if (above < k) hits++;
    }
    return hits / ids.length;
  };
}

/** Predicted class ids from logits [n, C] (argmax, no softmax) or from int32 ids [n] given as they are. */
function predictedIds(op: string, predictions: Tensor, n: number): Int32Array {
  if (predictions.dtype === 'int32' && predictions.rank === 1) return predictions.values as Int32Array;
  if (predictions.rank === 2) return argMax(predictions, -1).values as Int32Array;
  throw argError(op, 'predictions', `logits [${n}, classes] or int32 class ids [${n}]`, predictions);
}

/**
 * The confusion matrix: an int32 tensor [C, C] whose entry [i, j] counts examples of true class i predicted
 * as class j. `predictions` are logits [n, C] (argmax is taken) or int32 class ids [n]; labels are ids [n]
 * or one-hot [n, C]. C defaults to the logits' class count (or 1 + the largest id seen).
 */
export function confusionMatrix(labels: Tensor, predictions: Tensor, numClasses?: number): Tensor {
  const op = 'confusionMatrix';
  if (!(labels instanceof Tensor)) throw argTypeError(op, 'labels', 'a Tensor', labels);
  if (!(predictions instanceof Tensor)) throw argTypeError(op, 'predictions', 'a Tensor', predictions);
  const n = labels.shape[0] ?? 0;
  const truth =
    labels.rank === 2 ? (argMax(labels, -1).values as Int32Array) : labels.dtype === 'int32' && labels.rank === 1 ? (labels.values as Int32Array) : null;
  if (truth === null) throw argError(op, 'labels', 'int32 class ids [n] or one-hot labels [n, C]', labels);
  const pred = predictedIds(op, predictions, n);
  if (pred.length !== truth.length) throw argError(op, 'predictions', `${truth.length} predictions (one per label)`, predictions);
  let c = numClasses;
  if (c === undefined) {
    c = predictions.rank === 2 ? predictions.shape[1] : 0;
    if (labels.rank === 2) c = Math.max(c, labels.shape[1]);
    for (let i = 0; i < truth.length; i++) c = Math.max(c, truth[i] + 1, pred[i] + 1);
  }
  if (!Number.isInteger(c) || c < 1 || c > 65_536) throw argError(op, 'numClasses', 'an integer in [1, 65536]', c);
  const counts = new Int32Array(c * c);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i];
    const p = pred[i];
    if (t < 0 || t >= c) throw argError(op, 'labels', `class ids in [0, ${c - 1}]`, `${t} at index ${i}`);
    if (p < 0 || p >= c) throw argError(op, 'predictions', `class ids in [0, ${c - 1}]`, `${p} at index ${i}`);
    counts[t * c + p]++;
  }
  return new Tensor(counts, [c, c]);
}

export interface PerClassScores {
  /** precision[c] = true positives / predicted as c (0 when nothing was predicted as c, as Keras and scikit-learn). */
  precision: number[];
  /** recall[c] = true positives / examples of class c (0 when the class has no examples). */
  recall: number[];
  /** Harmonic mean of the two (0 when both are 0). */
  f1: number[];
  /** Examples of each class. */
  support: number[];
}

/** Per-class precision, recall, F1 and support from labels and logits (or predicted ids). */
export function precisionRecall(labels: Tensor, predictions: Tensor, numClasses?: number): PerClassScores {
  const cm = confusionMatrix(labels, predictions, numClasses);
  const c = cm.shape[0];
  const v = cm.values;
  const out: PerClassScores = { precision: [], recall: [], f1: [], support: [] };
  for (let k = 0; k < c; k++) {
    let predicted = 0;
    let actual = 0;
    for (let j = 0; j < c; j++) {
      predicted += v[j * c + k];
      actual += v[k * c + j];
    }
    const tp = v[k * c + k];
    const p = predicted === 0 ? 0 : tp / predicted;
    const r = actual === 0 ? 0 : tp / actual;
    out.precision.push(p);
    out.recall.push(r);
    out.f1.push(p + r === 0 ? 0 : (2 * p * r) / (p + r));
    out.support.push(actual);
  }
  return out;
}
