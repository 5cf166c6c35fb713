import type { Conv2dGeometry, Kernels } from '../types.js';
import type { MatMulAccumulation } from '../wasm/matmul.js';
import { floatTypeOf } from '../wasm/float-type.js';
import type { NativeAddon } from './addon.js';

type ConvKernels = Pick<
  Kernels,
  'conv2d' | 'conv2dBiasRelu' | 'conv2dBackpropInput' | 'conv2dBackpropFilter' | 'maxPool' | 'maxPoolBackprop' | 'avgPool' | 'avgPoolBackprop'
>;

/** From this many multiply-adds a convolution is split over the threads (an OpenMP wake-up costs microseconds). */
const MIN_PARALLEL_WORK = 1 << 18;
/** From this many input elements a pool is split over the threads (by image). */
const MIN_PARALLEL_ELEMENTS = 1 << 18;

/**
 * Convolution and pooling in native code for float32 and float64 (cc/conv.cc): the convolutions as products whose
 * operand is gathered from the data while it is packed, float32 sums accumulated as nativeMatMul's (float64 unless
 * `accumulation` is 'float32'), the pools as direct loops over channels. Other dtypes or mixed arrays: the fallback.
 */
export function nativeConv(addon: NativeAddon, fallback: Kernels, accumulation: MatMulAccumulation, threads: number): ConvKernels {
  const float32Sums = accumulation === 'float32';
  // The geometry crosses into C++ as one Int32Array, reused by every call (no allocation per call).
  const geometry = new Int32Array(15);
  const pack = (g: Conv2dGeometry): Int32Array => {
    geometry[0] = g.batch;
    geometry[1] = g.inHeight;
    geometry[2] = g.inWidth;
    geometry[3] = g.inChannels;
    geometry[4] = g.outHeight;
    geometry[5] = g.outWidth;
    geometry[6] = g.outChannels;
    geometry[7] = g.filterHeight;
    geometry[8] = g.filterWidth;
    geometry[9] = g.strideHeight;
    geometry[10] = g.strideWidth;
    geometry[11] = g.dilationHeight;
    geometry[12] = g.dilationWidth;
    geometry[13] = g.padTop;
    geometry[14] = g.padLeft;
    return geometry;
  };
  const convThreads = (g: Conv2dGeometry) =>
    g.batch * g.outHeight * g.outWidth * g.filterHeight * g.filterWidth * g.inChannels * g.outChannels >= MIN_PARALLEL_WORK ? threads : 1;
  const poolThreads = (g: Conv2dGeometry) => (g.batch * g.inHeight * g.inWidth * g.inChannels >= MIN_PARALLEL_ELEMENTS ? threads : 1);
  return {
    conv2d(x, filter, out, g) {
      if (floatTypeOf(x, filter, out) === null) return fallback.conv2d(x, filter, out, g);
      addon.conv2d(x, filter, out, pack(g), float32Sums, convThreads(g));
    },

    conv2dBiasRelu(x, filter, bias, out, g) {
      if (floatTypeOf(x, filter, bias, out) === null) return fallback.conv2dBiasRelu(x, filter, bias, out, g);
      addon.conv2d(x, filter, out, pack(g), float32Sums, convThreads(g));
      addon.biasRelu(out, bias, out);
    },

    conv2dBackpropInput(dy, filter, dx, g) {
      if (floatTypeOf(dy, filter, dx) === null) return fallback.conv2dBackpropInput(dy, filter, dx, g);
      addon.conv2dBackpropInput(dy, filter, dx, pack(g), float32Sums, convThreads(g));
    },

    conv2dBackpropFilter(x, dy, dFilter, g) {
      if (floatTypeOf(x, dy, dFilter) === null) return fallback.conv2dBackpropFilter(x, dy, dFilter, g);
      addon.conv2dBackpropFilter(x, dy, dFilter, pack(g), float32Sums, convThreads(g));
    },

    maxPool(x, out, argMax, g) {
      if (floatTypeOf(x, out) === null) return fallback.maxPool(x, out, argMax, g);
      addon.maxPool(x, out, argMax, pack(g), poolThreads(g));
    },

    maxPoolBackprop(dy, argMax, dx, g) {
      if (floatTypeOf(dy, dx) === null) return fallback.maxPoolBackprop(dy, argMax, dx, g);
      addon.maxPoolBackprop(dy, argMax, dx, pack(g));
    },

    avgPool(x, out, g) {
      if (floatTypeOf(x, out) === null) return fallback.avgPool(x, out, g);
      addon.avgPool(x, out, pack(g), poolThreads(g));
    },

    avgPoolBackprop(dy, dx, g) {
      if (floatTypeOf(dy, dx) === null) return fallback.avgPoolBackprop(dy, dx, g);
      addon.avgPoolBackprop(dy, dx, pack(g), poolThreads(g));
    },
  };
}
