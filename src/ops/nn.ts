/** The `nn` namespace: TensorFlow's tf.nn names in camelCase. */
export { softmax, logSoftmax } from './softmax/softmax.js';
export {
  softmaxCrossEntropyWithLogits,
  sparseSoftmaxCrossEntropyWithLogits,
  sigmoidCrossEntropyWithLogits,
  weightedCrossEntropyWithLogits,
} from './softmax/cross-entropy.js';
export { relu, sigmoid, softplus, logSigmoid, tanh } from './unary.js';
export { logSumExp as reduceLogSumExp } from './softmax/log-sum-exp.js';
export { linearCrossEntropy, type LinearCrossEntropyOptions, type LinearCrossEntropyReduction } from './softmax/linear-cross-entropy.js';
