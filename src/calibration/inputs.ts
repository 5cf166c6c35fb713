import { toTensor } from '../ops/convert.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** Logits (or probabilities) [N, K] and class ids [N], read once into float64 / int32 arrays. */
export interface ScoredExamples {
  /** Row-major [N, K], widened to float64 (exact). */
  scores: Float64Array;
  labels: Int32Array;
  count: number;
  classes: number;
}

/**
 * Reads a [N, K] float matrix and N class ids for the calibration functions: every value finite, every label an
 * integer in [0, K). Labels may be a Tensor (int32, or a float tensor of whole numbers) or an array of numbers.
 */
export function readScored(op: string, scoresIn: unknown, labelsIn: unknown, scoresArg = 'logits', minClasses = 2): ScoredExamples {
  const z = toTensor(op, scoresArg, scoresIn, 'float64');
  if (z.dtype !== 'float32' && z.dtype !== 'float64') throw argTypeError(op, scoresArg, 'a float32 or float64 tensor [examples, classes]', z);
  if (z.rank !== 2) throw argError(op, scoresArg, 'a tensor of rank 2 [examples, classes]', z);
  const [count, classes] = z.shape;
  if (classes < minClasses) throw argError(op, scoresArg, `[examples, classes] with at least ${minClasses} classes`, z);
  const scores = Float64Array.from(z.values);
  for (let i = 0; i < scores.length; i++) {
    if (!Number.isFinite(scores[i])) {
      throw argError(op, scoresArg, 'finite values', `${scores[i]} at [${Math.floor(i / classes)}, ${i % classes}]`);
    }
  }
  const y = labelsIn instanceof Tensor ? labelsIn : toTensor(op, 'labels', labelsIn, 'int32');
  if (y.rank !== 1 || y.shape[0] !== count) throw argError(op, 'labels', `${count} class ids (shape [${count}], one per row of '${scoresArg}')`, y);
  const labels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const v = y.values[i];
    if (!Number.isInteger(v) || v < 0 || v >= classes) throw argError(op, 'labels', `class ids in [0, ${classes - 1}]`, `${v} at index ${i}`);
    labels[i] = v;
  }
  return { scores, labels, count, classes };
}
