/**
 * Native kernels for Node: C++ compiled on the installing machine (cc/, N-API, built by
 * scripts/build-native.mjs with -march=native), so they use that machine's full vector width (AVX-512 or AVX2
 * with fused multiply-add) where WebAssembly stops at 128-bit SIMD. They read and write the typed arrays in place.
 *
 * In native code: matMul (float32, float64), conv2d with both gradients and the pools (cc/conv.cc), the softmax family
 * on contiguous rows, Adam's update, add/sub/mul with the common broadcasts, relu and its step, compensated sums;
 * everything else is the fallback's (by default the WebAssembly set, else the TypeScript one). Null outside Node or where the module was not built. Which set runs
 * is decided in ../select.ts.
 */
import {
  composedConv2dBiasReluMaxPool,
  composedMaxPoolBackpropRelu,
  composedMaxPoolBackpropReluPooled,
  composedMaxPoolReluFilterGradient,
} from '../compose.js';
import { tsKernels } from '../ts/index.js';
import type { Kernels } from '../types.js';
import { checkOptions } from '../../tensor/options.js';
import { createWasmKernelsSync, type MatMulAccumulation } from '../wasm/index.js';
import { loadNativeAddon } from './addon.js';
import { nativeConv } from './conv.js';
import { nativeElementwise } from './elementwise.js';
import { nativeMatMul } from './matmul.js';
import { nativeAdam } from './optimizer.js';
import { nativeSoftmaxFamily } from './softmax.js';

export interface NativeKernelOptions {
  /** Kernels for what native code does not cover (default: the WebAssembly set, else the TypeScript one). */
  fallback?: Kernels;
  /** Sums of float32 matrix products: 'float64' (default, rounded once) or 'float32' (opt-in, faster). */
  matMulAccumulation?: MatMulAccumulation;
  /** Threads for big matrix products, convolutions, pools, softmax-family calls and Adam, the calling one included
   *  (default 1; at most the processors OpenMP sees). */
  threads?: number;
}

const OPTION_KEYS = ['fallback', 'matMulAccumulation', 'threads'];

/** The native set, or null where the module does not load. Promise-returning twin of createNativeKernelsSync. */
export async function createNativeKernels(options: NativeKernelOptions = {}): Promise<Kernels | null> {
  return nativeKernelSet('createNativeKernels', options);
}

/** The same, synchronously (what the default choice at the first op uses). */
export function createNativeKernelsSync(options: NativeKernelOptions = {}): Kernels | null {
  return nativeKernelSet('createNativeKernelsSync', options);
}

function nativeKernelSet(op: string, options: NativeKernelOptions): Kernels | null {
  checkOptions(op, options, OPTION_KEYS);
  const addon = loadNativeAddon();
  if (!addon) return null;
  const accumulation = options.matMulAccumulation ?? 'float64';
  // More threads than processors only adds waiting (and each OpenMP thread is an OS thread).
  const threads = Math.min(Math.max(1, Math.floor(options.threads ?? 1)), Math.max(1, addon.processors()));
  const fallback = options.fallback ?? createWasmKernelsSync({ matMulAccumulation: accumulation }) ?? tsKernels;
  const set: Kernels = {
    ...fallback,
    name: `native-${addon.isa()}`,
    threads,
    ...nativeElementwise(addon, fallback),
    ...nativeSoftmaxFamily(addon, fallback, threads),
    ...nativeAdam(addon, fallback, threads),
    ...nativeConv(addon, fallback, accumulation, threads),
    matMul: nativeMatMul(addon, fallback, accumulation, threads),
  };
  // The fallback's fused kernels would be its own kernels' bits: the composition of this set's instead.
  set.maxPoolBackpropRelu = composedMaxPoolBackpropRelu(set);
  set.maxPoolBackpropReluPooled = composedMaxPoolBackpropReluPooled(set);
  set.conv2dBiasReluMaxPool = composedConv2dBiasReluMaxPool(set);
  set.maxPoolReluFilterGradient = composedMaxPoolReluFilterGradient(set);
  return set;
}

/** True where the native module loads (Node, built at install time). */
export async function hasNativeKernels(): Promise<boolean> {
  return loadNativeAddon() !== null;
}
