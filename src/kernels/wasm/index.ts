/**
 * WebAssembly SIMD128 kernels (built from assembly/ by scripts/build-wasm.mjs, embedded as base64, so
 * Node and browsers load them the same way with no file fetch).
 *
 *   import { useWasmKernels } from './kernels/wasm/index.js';
 *   await useWasmKernels();            // kernels() now returns the wasm set where SIMD is available
 *
 * In wasm: matMul (float32, float64), softmax, logSoftmax, softmaxCrossEntropy, sparseSoftmaxCrossEntropy
 * (contiguous rows, float32/float64), binary add/sub/mul (same shape, scalar, bias row, one value per row),
 * relu and step,
Adam's update,
 * reduce('sum') (compensated, float32/float64); slice of a contiguous box is one block copy (layout.ts).
 * Everything else, and other dtypes or layouts, runs the fallback (TypeScript) kernels.
 *
 * Memory: each kernel lays its buffers out in the module's memory (arena.ts, grow-only, never freed);
 * row kernels stream their arrays through it in cache-sized chunks (chunks.ts), matMul copies A and B in
 * once and C out once per batch item.
 */
import { setKernels } from '../index.js';
import { tsKernels } from '../ts/index.js';
import type { Kernels } from '../types.js';
import { Arena } from './arena.js';
import { wasmElementwise } from './elementwise.js';
import { fastSlice } from './layout.js';
import { wasmAdam } from './optimizer.js';
import { type WasmFlavor, bestWasmFlavor, instantiateKernels } from './load.js';
import { type MatMulAccumulation, wasmMatMul } from './matmul.js';
import { createWorkerPool } from './pool.js';
import { wasmReduce } from './reduce.js';
import { wasmSoftmaxFamily } from './softmax.js';

export { type WasmFlavor, bestWasmFlavor, hasWasmRelaxedSimd, hasWasmSimd } from './load.js';
export type { MatMulAccumulation } from './matmul.js';

export interface WasmKernelOptions {
  /** Kernels for everything wasm does not cover (default: the TypeScript reference set). */
  fallback?: Kernels;
  /**
   * Accumulation of float32 matrix products (see MatMulAccumulation). Default 'float64', DESIGN.md's rule for
   * float32 sums (exact to a rounding of the result); 'float32' is about twice as fast, with the error of TF.js
   * and PyTorch (a mean of ~17 ulp at k = 512).
   */
  matMulAccumulation?: MatMulAccumulation;
  /** Which build to run; default the best the engine validates (relaxed SIMD, else SIMD128). */
  flavor?: WasmFlavor;
  /**
   * Worker threads that share big matrix products and softmax-family calls with the calling thread
   * (default 0). Node: worker_threads; browsers: Web Workers, only inside a Web Worker of a cross-origin isolated
   * page (elsewhere there is no pool). The caller blocks while they run: this pays off when cores are idle.
   */
  workers?: number;
}

/**
 * The WebAssembly SIMD kernel set: the hot kernels run in wasm, every other kernel (and every dtype
 * or layout a wasm kernel does not cover) is the fallback set's. Null where WebAssembly SIMD is missing.
 */
export async function createWasmKernels(options: WasmKernelOptions = {}): Promise<Kernels | null> {
  const fallback = options.fallback ?? tsKernels;
  const flavor = options.flavor ?? bestWasmFlavor();
  const w = await instantiateKernels(flavor);
  if (!w) return null;
  const arena = new Arena(w.memory, w.heapBase());
  const pool = flavor ? await createWorkerPool(options.workers ?? 0, flavor) : null;
  return {
    ...fallback,
    name: `wasm-${flavor}`,
    threads: pool ? pool.workers + 1 : 1,
    ...wasmElementwise(w, arena, fallback),
    ...wasmSoftmaxFamily(w, arena, fallback, pool),
    ...wasmReduce(w, arena, fallback),
    ...fastSlice(fallback),
    ...wasmAdam(w, arena, fallback),
    matMul: wasmMatMul(w, arena, fallback, options.matMulAccumulation ?? 'float64', pool),
  };
}

/** Makes the wasm set the active kernels when the engine supports it; true if it did. */
export async function useWasmKernels(options: WasmKernelOptions = {}): Promise<boolean> {
  const set = await createWasmKernels(options);
  if (!set) return false;
  setKernels(set);
  return true;
}
