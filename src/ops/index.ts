export * from './arithmetic.js';
export * from './unary.js';
export * from './reduce.js';
export { logSumExp } from './softmax/log-sum-exp.js';
export * from './layout.js';
export * from './matmul.js';
export { broadcastTo } from './broadcast.js';
export { toTensor, type TensorInput } from './convert.js';
