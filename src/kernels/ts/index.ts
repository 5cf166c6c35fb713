import {
  composedConv2dBiasReluMaxPool,
  composedMaxPoolBackpropRelu,
  composedMaxPoolBackpropReluPooled,
  composedMaxPoolReluFilterGradient,
} from '../compose.js';
import type { Kernels } from '../types.js';
import { avgPool, avgPoolBackprop, conv2d, conv2dBackpropFilter, conv2dBackpropInput, conv2dBiasRelu, maxPool, maxPoolBackprop } from './conv.js';
import { biasRelu, binary, broadcastTo, cast, reluGrad, select, unary } from './elementwise.js';
import { concat, gather, oneHot, scatterAdd, slice, transpose } from './layout.js';
import { matMul } from './matmul.js';
import { adamUpdate } from './optimizer.js';
import { argReduce, reduce, topK } from './reduce.js';
import { sigmoidCrossEntropy } from './sigmoid-ce.js';
import { logSoftmax, softmax, softmaxCrossEntropy, sparseSoftmaxCrossEntropy } from './softmax.js';

/** The reference kernel set: plain TypeScript loops, available everywhere, the fallback for faster sets. */
export const tsKernels: Kernels = {
  name: 'ts',
  unary,
  biasRelu,
  reluGrad,
  binary,
  select,
  cast,
  broadcastTo,
  reduce,
  argReduce,
  topK,
  matMul,
  transpose,
  slice,
  concat,
  gather,
  scatterAdd,
  oneHot,
  softmax,
  logSoftmax,
  softmaxCrossEntropy,
  sparseSoftmaxCrossEntropy,
  sigmoidCrossEntropy,
  conv2d,
  conv2dBiasRelu,
  conv2dBackpropInput,
  conv2dBackpropFilter,
  maxPool,
  maxPoolBackprop,
  maxPoolBackpropRelu: composedMaxPoolBackpropRelu({ maxPoolBackprop, reluGrad, reduce }),
  maxPoolBackpropReluPooled: composedMaxPoolBackpropReluPooled({ maxPoolBackprop, reluGrad, reduce }),
  conv2dBiasReluMaxPool: composedConv2dBiasReluMaxPool({ conv2dBiasRelu, maxPool }),
  maxPoolReluFilterGradient: composedMaxPoolReluFilterGradient({
    maxPoolBackpropReluPooled: composedMaxPoolBackpropReluPooled({ maxPoolBackprop, reluGrad, reduce }),
    conv2dBackpropFilter,
  }),
  avgPool,
  avgPoolBackprop,
  adamUpdate,
};
