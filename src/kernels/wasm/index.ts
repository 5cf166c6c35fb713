/**
 * WebAssembly SIMD128 kernels (built from assembly/ by scripts/build-wasm.mjs, embedded as base64, so
 * Node and browsers load them the same way with no file fetch). Which set runs is decided in ../select.ts.
 *
 * In wasm: matMul (float32, float64), softmax, logSoftmax, softmaxCrossEntropy, sparseSoftmaxCrossEntropy
 * (contiguous rows, float32/float64), binary add/sub/mul (same shape, scalar, bias row, one value per row),
 * relu and step,
Adam's update,
 * reduce('sum') (compensated, float32/float64); slice of a contiguous box is one block copy (layout.ts);
 * conv2d and its two gradients (im2col onto matMul's products), max and average pools and their gradients (conv.ts).
 * Everything else, and other dtypes or layouts, runs the fallback (TypeScript) kernels.
 *
 * Memory: each kernel lays its buffers out in the module's memory (arena.ts, grow-only, never freed);
 * row kernels stream their arrays through it in cache-sized chunks (chunks.ts), matMul copies A and B in
 * once and C out once per batch item.
 */
import { checkOptions } from '../../tensor/options.js';
import { composedMaxPoolBackpropRelu, composedMaxPoolBackpropReluPooled } from '../compose.js';
import { tsKernels } from '../ts/index.js';
import type { Kernels } from '../types.js';
import { Arena } from './arena.js';
import type { KernelExports } from './exports.js';
import { wasmConv } from './conv.js';
import { wasmElementwise } from './elementwise.js';
import { fastSlice } from './layout.js';
import { wasmAdam } from './optimizer.js';
import { type WasmFlavor, bestWasmFlavor, instantiateKernels } from './load.js';
import { type MatMulAccumulation, wasmMatMul } from './matmul.js';
import { wasmMaxPoolBackpropRelu, wasmMaxPoolBackpropReluPooled } from './max-pool-relu.js';
import { type WorkerPool, createWorkerPool } from './pool.js';
import { availableProcessors } from './processors.js';
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
   * At most the processors available less one (the calling thread): more would only wait on each other.
   */
  workers?: number;
}

const OPTION_KEYS = ['fallback', 'matMulAccumulation', 'flavor', 'workers'] as const;

/**
 * The WebAssembly SIMD kernel set: the hot kernels run in wasm, every other kernel (and every dtype
 * or layout a wasm kernel does not cover) is the fallback set's. Null where WebAssembly SIMD is missing.
 * `workers` is clamped to the processors available less one.
 */
export async function createWasmKernels(options: WasmKernelOptions = {}): Promise<Kernels | null> {
  const { flavor, w } = instantiate('createWasmKernels', options, OPTION_KEYS);
  if (!w) return null;
  const workers = Math.min(Math.max(0, Math.floor(options.workers ?? 0)), availableProcessors() - 1);
  const pool = flavor && workers > 0 ? await createWorkerPool(workers, flavor) : null;
  return wasmKernelSet(w, flavor, pool, options);
}

/** The same set with no worker threads, built synchronously (what the default choice at the first op uses). */
export function createWasmKernelsSync(options: Omit<WasmKernelOptions, 'workers'> = {}): Kernels | null {
  const { flavor, w } = instantiate(
    'createWasmKernelsSync',
    options,
    OPTION_KEYS.filter((k) => k !== 'workers'),
  );
  return w && wasmKernelSet(w, flavor, null, options);
}

function instantiate(op: string, options: WasmKernelOptions, keys: readonly string[]) {
  checkOptions(op, options, keys);
  const flavor = options.flavor ?? bestWasmFlavor();
  return { flavor, w: instantiateKernels(flavor) };
}

function wasmKernelSet(w: KernelExports, flavor: WasmFlavor | null, pool: WorkerPool | null, options: WasmKernelOptions): Kernels {
  const fallback = options.fallback ?? tsKernels;
  const arena = new Arena(w.memory, w.heapBase());
  const elementwise = wasmElementwise(w, arena, fallback);
  const set: Kernels = {
    ...fallback,
    name: `wasm-${flavor}`,
    threads: pool ? pool.workers + 1 : 1,
    ...elementwise,
    ...wasmSoftmaxFamily(w, arena, fallback, pool),
    ...wasmReduce(w, arena, fallback),
    ...fastSlice(fallback),
    ...wasmAdam(w, arena, fallback),
    matMul: wasmMatMul(w, arena, fallback, options.matMulAccumulation ?? 'float64', pool),
    ...wasmConv(w, arena, fallback, options.matMulAccumulation ?? 'float64', pool, elementwise.biasRelu, () => set),
  };
  set.maxPoolBackpropRelu = wasmMaxPoolBackpropRelu(w, arena, composedMaxPoolBackpropRelu(set));
  set.maxPoolBackpropReluPooled = wasmMaxPoolBackpropReluPooled(w, arena, composedMaxPoolBackpropReluPooled(set));
  return set;
}
