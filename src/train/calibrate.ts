import { fitTemperature } from '../calibration/temperature.js';
import { fitVectorScaling } from '../calibration/vector-scaling.js';
import { CALIBRATION_METHODS, type Calibration, type CalibrationMethod } from '../calibration/apply.js';
import { argError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';
import { Tensor, tensor, type TensorLike } from '../tensor/tensor.js';
import { argMax } from '../ops/reduce.js';

export interface CalibrateOptions {
  /** 'temperature' (default: one scalar T, decisions unchanged) or 'vectorScaling' (a scale and a bias per class). */
  method?: CalibrationMethod;
  /** Examples per forward pass while computing the logits (default 256, predict's). */
  batchSize?: number;
}

export interface CalibrateResult {
  calibration: Calibration;
  /** Mean NLL of the held-out examples before and after (on the data it was fitted to). */
  nllBefore: number;
  nllAfter: number;
}

/** What calibrateModel needs from a model. */
export interface CalibratableModel {
  readonly outputShape: readonly (number | null)[];
  predictLogits(x: Tensor | TensorLike | readonly string[], options?: { batchSize?: number }): Tensor;
  readonly outputActivation: string;
}

const OP = 'calibrate';

/** Class ids from labels given as ids [N] or as one-hot / soft rows [N, K]. */
export function labelIdsOf(op: string, y: Tensor | TensorLike, n: number, classes: number): Tensor {
  const t = y instanceof Tensor ? y : tensor(y as TensorLike);
  if (t.rank === 2 && t.shape[0] === n && t.shape[1] === classes) return argMax(t, -1);
  if (t.rank === 1 && t.shape[0] === n) return t;
  throw argError(op, 'y', `${n} class ids [${n}] or one-hot rows [${n}, ${classes}]`, t);
}

/**
 * Fits a calibration of the model's logits on held-out examples (never the training data: the logits of
 * examples the model was fitted to are over-confident by construction) and returns it with the NLL before
 * and after. The caller stores it on the model.
 */
export function calibrateModel(
  model: CalibratableModel,
  x: Tensor | TensorLike | readonly string[],
  y: Tensor | TensorLike,
  options?: CalibrateOptions,
): CalibrateResult {
  const o = checkOptions(OP, options, ['method', 'batchSize']);
  const method = checkChoice(OP, 'method', o.method ?? 'temperature', CALIBRATION_METHODS);
  const classes = model.outputShape.at(-1) ?? 0;
  if (classes < 2 || model.outputActivation === 'sigmoid') {
    throw argError(
      OP,
      'model',
      'a softmax classifier with at least 2 logits (temperature and vector scaling calibrate softmax(z))',
      `${classes} output(s) with activation '${model.outputActivation}'`,
    );
  }
  const logits = model.predictLogits(x, o.batchSize === undefined ? {} : { batchSize: o.batchSize });
  const labels = labelIdsOf(OP, y, logits.shape[0], classes);
  if (method === 'temperature') {
    const fit = fitTemperature(logits, labels);
    return { calibration: { method, temperature: fit.temperature }, nllBefore: fit.nllBefore, nllAfter: fit.nllAfter };
  }
  const fit = fitVectorScaling(logits, labels);
  return { calibration: { method, scale: fit.scale, bias: fit.bias }, nllBefore: fit.nllBefore, nllAfter: fit.nllAfter };
}
