import { describe } from 'vitest';
import { tsKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { kernelSpec } from './spec.js';

async function wasmKernels(): Promise<Kernels> {
  const set = await createWasmKernels();
  if (!set) throw new Error('WebAssembly SIMD is not available in this runtime');
  return set;
}

const sets: [string, () => Promise<Kernels>][] = [
  ['ts', async () => tsKernels],
  ['wasm', wasmKernels],
];

describe.each(sets)('%s kernels', (_name, load) => kernelSpec(load));
