import { record } from '../autograd/tape.js';
import { isFloat } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { kernels } from '../kernels/index.js';
import { add } from './arithmetic.js';
import { unbroadcast } from './broadcast.js';
import { unfilled, toTensor, type TensorInput } from './convert.js';
import { relu } from './unary.js';

/**
 * relu(x + bias) for a bias along x's last axis, as a biased layer with a relu computes it, in one pass: the bits
 * of relu(add(x, bias)) and of its gradients, without storing the sum (the gradient comes from the output, which is
 * > 0 exactly where the sum was). A convolution's [batch, h, w, filters] output is read and written once instead of
 * three times forward and five times backward. Other dtypes: the composition.
 */
export function biasRelu(xIn: TensorInput, biasIn: TensorInput): Tensor {
  const op = 'biasRelu';
  const x = toTensor(op, 'x', xIn);
  const bias = toTensor(op, 'bias', biasIn);
  const last = x.rank > 0 ? x.shape[x.rank - 1] : 0;
  if (x.rank < 1 || last === 0) throw argError(op, 'x', 'a tensor of rank ≥ 1 with a non-empty last axis', x);
  if (bias.rank !== 1 || bias.shape[0] !== last) throw argError(op, 'bias', `a vector of ${last} values (x's last axis)`, bias);
  if (!isFloat(x.dtype) || bias.dtype !== x.dtype) return relu(add(x, bias));
  const out = unfilled(x.dtype, x.shape);
  kernels().biasRelu(x.values, bias.values, out.values);
  markBiasReluOutput(out);
  return record(out, op, [x, bias], (dy) => biasReluGradients(dy, out, bias.shape, true));
}

/** Outputs of biasRelu and conv2dBiasRelu: a max pool over one may take its gradient through the relu too. */
const reluOutputs = new WeakSet<Tensor>();
/** Gradients already taken through the relu of y (dz = reluGrad(·, y)), with dz's column sums (the bias's). */
const throughRelu = new WeakMap<Tensor, { y: Tensor; columnSums: Tensor }>();

/** Marks y as the output of a biased relu (conv2dBiasRelu's; biasRelu marks its own). */
export function markBiasReluOutput(y: Tensor): void {
  reluOutputs.add(y);
}

export function isBiasReluOutput(y: Tensor): boolean {
  return reluOutputs.has(y);
}

/**
 * Records that dz, the gradient a rule returns for the biased relu output y (its sole consumer, see soleConsumer),
 * is already reluGrad(·, y), with dz's sums over all but the last axis: y's rule then takes both as they are. They
 * are the bits that rule would compute (reluGrad(reluGrad(d, y), y) is reluGrad(d, y), bit for bit).
 */
export function markThroughRelu(dz: Tensor, y: Tensor, columnSums: Tensor): void {
  throughRelu.set(dz, { y, columnSums });
}

/**
 * A biased relu's gradients from the cotangent dy of its output y: dz = reluGrad(dy, y) for its input, and dz summed
 * over all but the last axis for its bias (null unless needBias); both as a max pool's rule left them, if it did.
 */
export function biasReluGradients(dy: Tensor, y: Tensor, biasShape: readonly number[], needBias: boolean): [Tensor, Tensor | null] {
  const done = throughRelu.get(dy);
  if (done && done.y === y) return [dy, needBias ? done.columnSums : null];
  const dz = reluGrad(dy, y);
  return [dz, needBias ? unbroadcast(dz, biasShape) : null];
}

/** relu's gradient from relu's output y: dy · step(y), the bits of mul(dy, step(x)) for y = relu(x). */
export function reluGrad(dyIn: TensorInput, y: Tensor): Tensor {
  const op = 'reluGrad';
  const dy = toTensor(op, 'dy', dyIn);
  if (dy.dtype !== y.dtype || !isFloat(dy.dtype)) throw argTypeError(op, 'dy', `a ${y.dtype} tensor like y (a float dtype)`, dy);
  if (!shapesEqual(dy.shape, y.shape)) {
    throw argError(op, 'dy', `a tensor of y's shape [${y.shape.join(', ')}]`, dy);
  }
  const out = unfilled(dy.dtype, dy.shape);
  kernels().reluGrad(dy.values, y.values, out.values);
  return record(out, op, [dy], (g) => [reluGrad(g, y)]);
}
