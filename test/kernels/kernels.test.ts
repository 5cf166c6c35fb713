import { describe } from 'vitest';
import { tsKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { type WasmKernelOptions, createWasmKernels } from '../../src/kernels/wasm/index.js';
import { kernelSpec } from './spec.js';

async function wasmKernels(options: WasmKernelOptions = {}): Promise<Kernels> {
  const set = await createWasmKernels(options);
  if (!set) throw new Error('WebAssembly SIMD is not available in this runtime');
  return set;
}

const sets: [string, () => Promise<Kernels>][] = [
  ['ts', async () => tsKernels],
  ['wasm', () => wasmKernels()],
  ['wasm with float64 matMul accumulation', () => wasmKernels({ matMulAccumulation: 'float64' })],
];

describe.each(sets)('%s kernels', (_name, load) => kernelSpec(load));
