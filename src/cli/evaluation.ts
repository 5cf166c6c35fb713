import { argMax, calibration, mean, metrics, nn, Tensor, topK, type CalibrationReport, type Model } from '../index.js';
import type { Dataset, TextDataset } from '../data/node.js';
import { datasetTensors } from './samples.js';

/** Everything the evaluate command and the report show about a model on a dataset. */
export interface Evaluation {
  count: number;
  loss: number;
  accuracy: number;
  top5Accuracy: number | null;
  confusion: Int32Array;
  precision: Float64Array;
  recall: Float64Array;
  f1: Float64Array;
  /** Test examples of each class. */
  support: Int32Array;
  classes: number;
  /** Each example's cross-entropy and predicted class, to find the worst mistakes. */
  losses: Float64Array;
  predicted: Int32Array;
  /** ECE, NLL, Brier... of the probabilities the model gives (its calibration applied, when it has one). */
  calibration: CalibrationReport;
}

/** A dataset as a model's batch: features as a tensor in the model's input shape, or raw strings for a text model. */
export function modelInputs(ds: Dataset | TextDataset, net: Model): { x: Tensor | string[]; y: Tensor } {
  if ('texts' in ds) return { x: ds.texts, y: new Tensor(Int32Array.from(ds.labels), [ds.count]) };
  return datasetTensors(ds, net);
}

export function evaluateModel(net: Model, ds: Dataset | TextDataset): Evaluation {
  const { x, y } = modelInputs(ds, net);
  const logits = net.predictLogits(x);
  // The mean cross-entropy with logits, computed from the logits (a loaded model need not be compiled).
  const losses = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: y, logits });
  const loss = mean(losses).item();
  const classes = logits.shape[1];
  const predicted = argMax(logits, -1);
  const confusion = metrics.confusionMatrix(y, predicted, classes);
  const pr = metrics.precisionRecall(y, predicted, classes);
  return {
    count: ds.count,
    loss,
    accuracy: metrics.accuracy(y, logits),
    top5Accuracy: classes > 5 ? metrics.topKAccuracy(5)(y, logits) : null,
    confusion: confusion.values as Int32Array,
    precision: Float64Array.from(pr.precision),
    recall: Float64Array.from(pr.recall),
    f1: Float64Array.from(pr.f1),
    support: Int32Array.from(pr.support),
    classes,
    losses: Float64Array.from(losses.values),
    predicted: Int32Array.from(predicted.values),
    calibration: metrics.calibration(net.calibration ? calibration.applyCalibration(logits, net.calibration) : logits, y),
  };
}

/** The k most probable classes of each row of logits: class id, logit and probability. */
export function topClasses(logits: import('../index.js').Tensor, k: number): Array<Array<{ cls: number; logit: number; probability: number }>> {
  const kk = Math.min(k, logits.shape[logits.rank - 1]);
  const p = nn.softmax(logits);
  const { indices } = topK(logits, kk);
  const rows = logits.shape[0];
  const n = logits.shape[1];
  const out: Array<Array<{ cls: number; logit: number; probability: number }>> = [];
  for (let r = 0; r < rows; r++) {
    const row = [];
    for (let i = 0; i < kk; i++) {
      const c = indices.values[r * kk + i];
      row.push({ cls: c, logit: logits.values[r * n + c], probability: p.values[r * n + c] });
    }
    out.push(row);
  }
  return out;
}

/** The misclassified examples with the largest loss (the most confident mistakes), worst first. */
export function worstMistakes(e: Evaluation, labels: ArrayLike<number>, count: number): number[] {
  const wrong: number[] = [];
  for (let i = 0; i < e.count; i++) if (e.predicted[i] !== labels[i]) wrong.push(i);
  return wrong.sort((a, b) => e.losses[b] - e.losses[a] || a - b).slice(0, count);
}
