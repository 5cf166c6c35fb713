export * from './arithmetic.js';
export * from './unary.js';
// The shared helpers ops are built from (reduceOp, checkIndices, toTensor) stay internal: only ops are public.
export { sum, mean, max, min, argMax, argMin, topK, type Axis } from './reduce.js';
export { logSumExp } from './softmax/log-sum-exp.js';
export { reshape, expandDims, squeeze, transpose, slice, concat, stack, gather, oneHot } from './layout.js';
export * from './matmul.js';
export { broadcastTo } from './broadcast.js';
export type { TensorInput } from './convert.js';
export { conv2d, convOutputSize, type Conv2dOptions, type Padding } from './conv.js';
export { maxPool, avgPool, type Pool2dOptions } from './pool.js';
