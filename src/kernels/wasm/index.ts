import { setKernels } from '../index.js';
import { tsKernels } from '../ts/index.js';
import type { Kernels } from '../types.js';
import { Arena } from './arena.js';
import { instantiateKernels } from './load.js';
import { wasmSoftmaxFamily } from './softmax.js';

export { hasWasmSimd } from './load.js';

/**
 * The WebAssembly SIMD kernel set: the hot kernels run in wasm, every other kernel (and every dtype
 * or layout a wasm kernel does not cover) is the fallback set's. Null where WebAssembly SIMD is missing.
 */
export async function createWasmKernels(fallback: Kernels = tsKernels): Promise<Kernels | null> {
  const w = await instantiateKernels();
  if (!w) return null;
  const arena = new Arena(w.memory, w.heapBase());
  return {
    ...fallback,
    name: 'wasm',
    ...wasmSoftmaxFamily(w, arena, fallback),
  };
}

/** Makes the wasm set the active kernels when the engine supports it; true if it did. */
export async function useWasmKernels(): Promise<boolean> {
  const set = await createWasmKernels();
  if (!set) return false;
  setKernels(set);
  return true;
}
