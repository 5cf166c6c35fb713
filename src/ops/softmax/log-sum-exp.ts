import { record } from '../../autograd/tape.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { TensorInput } from '../convert.js';
import { mul, sub } from '../arithmetic.js';
import { reshape } from '../layout.js';
import { reduceOp, type Axis } from '../reduce.js';
import { exp } from '../unary.js';

/**
 * log Σ exp(x) over an axis or axes, as max + log1p(Σ of the other exponentials): no overflow,
 * full relative precision. All −∞ gives −∞ and a +∞ gives +∞ (TensorFlow's reduce_logsumexp).
 */
export function logSumExp(xIn: TensorInput, axis?: Axis, keepDims = false): Tensor {
  const { out, x, keepDimsShape } = reduceOp('logSumExp', 'logSumExp', xIn, axis, keepDims);
  return record(out, 'logSumExp', [x], (dy) => [mul(reshape(dy, keepDimsShape), exp(sub(x, reshape(out, keepDimsShape))))]);
}
