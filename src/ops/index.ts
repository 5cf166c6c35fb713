import { installGradOps } from '../autograd/grad.js';
import { onesLike, zerosLike } from '../tensor/tensor.js';
import { add } from './arithmetic.js';
import { cast } from './unary.js';

export * from './arithmetic.js';
export * from './unary.js';
export * from './reduce.js';
export { logSumExp } from './softmax/log-sum-exp.js';
export * from './layout.js';
export * from './matmul.js';
export { broadcastTo } from './broadcast.js';
export { toTensor, type TensorInput } from './convert.js';

// Autograd knows no op; it gets the four it needs from here.
installGradOps({ add, cast, onesLike, zerosLike });
