import type { Kernels } from './types.js';

/**
 * maxPoolBackpropRelu as the calls it stands for, on a set's own kernels: for the sets that have no fused version
 * (their bits are then those of the three calls by construction).
 */
export function composedMaxPoolBackpropRelu(k: Pick<Kernels, 'maxPoolBackprop' | 'reluGrad' | 'reduce'>): Kernels['maxPoolBackpropRelu'] {
  return (dy, argMax, y, dx, biasGrad, g) => {
    k.maxPoolBackprop(dy, argMax, dx, g);
    k.reluGrad(dx, y, dx);
    const channels = g.inChannels;
    biasGrad.fill(0);
    if (channels > 0 && dx.length > 0) k.reduce('sum', dx, 1, dx.length / channels, channels, biasGrad);
  };
}
