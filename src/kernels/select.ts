import { tsKernels } from './ts/index.js';
import { setKernels } from './index.js';
import { createWasmKernels } from './wasm/index.js';

export type KernelChoice = 'auto' | 'wasm' | 'ts';

/**
 * Chooses the kernel set at start-up by feature detection: the WebAssembly SIMD set where the engine validates
 * it, else the TypeScript reference set. `LOGITKIT_KERNELS=ts` (Node) forces the reference set, `=wasm` requires
 * the wasm set. Both sets pass the same spec suite; results agree to an ulp or two (docs/numerics.md).
 * Returns the name of the set now active.
 */
export async function selectDefaultKernels(choice: KernelChoice = envChoice()): Promise<string> {
  if (choice === 'ts') {
    setKernels(tsKernels);
    return tsKernels.name;
  }
  const wasm = await createWasmKernels();
  if (wasm) {
    setKernels(wasm);
    return wasm.name;
  }
  if (choice === 'wasm') throw new Error('logitkit: LOGITKIT_KERNELS=wasm, but this engine has no WebAssembly SIMD');
  setKernels(tsKernels);
  return tsKernels.name;
}

function envChoice(): KernelChoice {
  const env = typeof process !== 'undefined' && process.env ? process.env.LOGITKIT_KERNELS : undefined;
  if (env === undefined || env === '' || env === 'auto') return 'auto';
  if (env === 'ts' || env === 'wasm') return env;
  throw new Error(`logitkit: LOGITKIT_KERNELS must be 'auto', 'wasm' or 'ts', got '${env}'`);
}
