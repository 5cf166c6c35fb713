import type { TypedArray } from '../tensor/dtype.js';
import { reluStep } from './ts/elementwise.js';
import type { Kernels } from './types.js';

// The fused kernels as the calls they stand for, on a set's own kernels: for the sets that have no fused version
// (their bits are then those of the calls by construction).

type Parts = Pick<Kernels, 'maxPoolBackprop' | 'reluGrad' | 'reduce'>;

/** dx's column sums into biasGrad, as the bias gradient's sum over all but the last axis computes them. */
function columnSums(k: Parts, dx: TypedArray, channels: number, biasGrad: TypedArray): void {
  biasGrad.fill(0);
  if (channels > 0 && dx.length > 0) k.reduce('sum', dx, 1, dx.length / channels, channels, biasGrad);
}

export function composedMaxPoolBackpropRelu(k: Parts): Kernels['maxPoolBackpropRelu'] {
  return (dy, argMax, y, dx, biasGrad, g) => {
    k.maxPoolBackprop(dy, argMax, dx, g);
    k.reluGrad(dx, y, dx);
    columnSums(k, dx, g.inChannels, biasGrad);
  };
}

export function composedMaxPoolBackpropReluPooled(k: Parts): Kernels['maxPoolBackpropReluPooled'] {
  return (dy, argMax, pooled, dx, biasGrad, g) => {
    k.maxPoolBackprop(dy, argMax, dx, g);
    // reluGrad at the maxima, whose y values are the pooled ones (a second time at one element changes no bit).
    for (let o = 0; o < argMax.length; o++) {
      const i = argMax[o];
      if (i >= 0) dx[i] = dx[i] * reluStep(pooled[o]);
    }
    columnSums(k, dx, g.inChannels, biasGrad);
  };
}

export function composedConv2dBiasReluMaxPool(k: Pick<Kernels, 'conv2dBiasRelu' | 'maxPool'>): Kernels['conv2dBiasReluMaxPool'] {
  return (x, filter, bias, y, pooled, argMax, g, pool) => {
    k.conv2dBiasRelu(x, filter, bias, y, g);
    k.maxPool(y, pooled, argMax, pool);
    return true;
  };
}

export function composedMaxPoolReluFilterGradient(
  k: Pick<Kernels, 'maxPoolBackpropReluPooled' | 'conv2dBackpropFilter'>,
): Kernels['maxPoolReluFilterGradient'] {
  return (dy, argMax, pooled, x, dz, dFilter, biasGrad, g, pool) => {
    k.maxPoolBackpropReluPooled(dy, argMax, pooled, dz, biasGrad, pool);
    k.conv2dBackpropFilter(x, dz, dFilter, g);
  };
}
