import { argError, argTypeError } from '../../tensor/errors.js';
import { checkChoice, checkOptions } from '../../tensor/options.js';
import { shapesEqual } from '../../tensor/shape.js';
import { fill, tensor, type Tensor } from '../../tensor/tensor.js';
import { floatTensor, toTensor, type TensorInput } from '../convert.js';
import { mul, notEqual, where } from '../arithmetic.js';
import { gather, reshape, transpose } from '../layout.js';
import { cast, neg } from '../unary.js';
import { checkIgnoreIndex, classWeightsFor, reduce } from './loss-reduction.js';

export type NllReduction = 'none' | 'sum' | 'mean';

export interface NllOptions {
  /** One weight per class (PyTorch's `weight`). */
  weights?: TensorInput;
  /** Targets with this value add nothing and are not counted (default −100, PyTorch's). */
  ignoreIndex?: number;
  /** 'mean' (default) divides by the summed weights of the counted targets (PyTorch's rule); 0 if none is counted. */
  reduction?: NllReduction;
}

/**
 * PyTorch's nll_loss: −w[t]·logProbs[…, t, …] per target, for logProbs [C] (target a scalar), [N, C] (targets [N])
 * or [N, C, d1, …] (targets [N, d1, …]); the class axis is 1 (0 for [C]).
 */
export function nll(logProbs: TensorInput, labels: TensorInput, options?: NllOptions): Tensor {
  const op = 'losses.nll';
  const o = checkOptions(op, options, ['weights', 'ignoreIndex', 'reduction']);
  const reduction = o.reduction === undefined ? 'mean' : checkChoice(op, 'reduction', o.reduction, ['none', 'sum', 'mean'] as const);
  const x = floatTensor(op, 'logProbs', logProbs);
  if (x.rank === 0) throw argError(op, 'logProbs', 'a tensor of shape [C], [N, C] or [N, C, d1, ...]', x);
  const axis = x.rank === 1 ? 0 : 1;
  const classes = x.shape[axis];
  if (classes === 0) throw argError(op, 'logProbs', 'a non-empty class axis', x);
  const t = toTensor(op, 'labels', labels, 'int32');
  if (t.dtype !== 'int32') throw argTypeError(op, 'labels', 'an int32 tensor of class ids', t);
  const targetShape = x.shape.filter((_, i) => i !== axis);
  if (!shapesEqual(t.shape, targetShape)) {
    throw argError(op, 'labels', `a tensor of shape [${targetShape.join(', ')}] (the logProbs' shape without the class axis ${axis})`, t);
  }
  const ignore = checkIgnoreIndex(op, o.ignoreIndex) ?? -100;
  const ids = t.values as Int32Array;
  for (let i = 0; i < ids.length; i++) {
    if ((ids[i] < 0 || ids[i] >= classes) && ids[i] !== ignore) {
      throw argError(op, 'labels', `integers in [0, ${classes - 1}] (or the ignored value ${ignore})`, `${ids[i]} at flat index ${i}`);
    }
  }
  const classWeights = classWeightsFor(op, o.weights, classes, x.dtype);
  // The class axis last, flattened: each target picks element row·C + t (ignored targets pick class 0, masked below).
  const perm = x.shape.map((_, i) => i).filter((i) => i !== axis);
  const rows = reshape(transpose(x, [...perm, axis]), [-1]);
  const flat = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) flat[i] = i * classes + (ids[i] === ignore ? 0 : ids[i]);
  const picked = reshape(gather(rows, tensor(flat)), t.shape);
  const counted = notEqual(t, ignore);
  const safe = where(counted, t, 0);
  const w = classWeights ? mul(reshape(gather(classWeights, reshape(safe, [-1])), t.shape), cast(counted, x.dtype)) : cast(counted, x.dtype);
  // where, not a product with 0: an ignored target may pick a −∞ log-probability.
  const losses = where(counted, neg(mul(picked, w)), fill(t.shape, 0, x.dtype));
  return reduce(losses, w, reduction);
}
