/**
 * logitkit: logits → probabilities → loss → decision, exact and fast.
 * Tensors and ops with TensorFlow's semantics and TensorFlow.js-style camelCase names.
 */
import './ops/index.js';

export {
  Tensor, tensor, scalar, fill, zeros, ones, zerosLike, onesLike, range, Random,
  type DType, type TypedArray, type TensorLike, type TensorOptions, type NestedArray,
} from './tensor/index.js';
export * from './ops/index.js';
export * as nn from './ops/nn/index.js';
export * as losses from './ops/losses.js';
export { softmax, logSoftmax } from './ops/nn/softmax.js';
export type { Reduction, LossOptions, SparseLossOptions, SigmoidLossOptions } from './ops/losses.js';
export { grad, grads, valueAndGrad, valueAndGrads, stopGradient } from './autograd/index.js';
export { kernels, setKernels, tsKernels, type Kernels } from './kernels/index.js';
export * as data from './data/index.js';
export {
  explain, explainPrediction, renderText, renderMarkdown, renderJson,
  type ExplainTrace, type ExplainInput, type ExplainOptions, type ExplainableModel, type PredictionOptions,
  type RenderOptions, type JsonOptions, type RowTrace, type NumericsNote, type CrossCheck,
} from './explain/index.js';
