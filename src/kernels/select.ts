import { tsKernels } from './ts/index.js';
import { setKernels } from './index.js';
import { nativeLoadError } from './native/addon.js';
import { createNativeKernels } from './native/index.js';
import { createWasmKernels } from './wasm/index.js';

export type KernelChoice = 'auto' | 'native' | 'wasm' | 'ts';

/**
 * Chooses the kernel set at start-up by feature detection: in Node the native set where its module was built at
 * install time, else the WebAssembly SIMD set where the engine validates it, else the TypeScript reference set.
 * `LOGITKIT_KERNELS=ts` (Node) forces the reference set, `=wasm` requires the wasm set, `=native` the native one.
 * Every set passes the same spec suite; results agree to an ulp or two (docs/numerics.md).
 * Returns the name of the set now active.
 */
export async function selectDefaultKernels(choice: KernelChoice = envChoice()): Promise<string> {
  if (choice === 'ts') {
    setKernels(tsKernels);
    return tsKernels.name;
  }
  if (choice === 'auto' || choice === 'native') {
    const native = await createNativeKernels();
    if (native) {
      setKernels(native);
      return native.name;
    }
    if (choice === 'native') throw new Error(`logitkit: LOGITKIT_KERNELS=native, but the native kernels cannot load: ${nativeLoadError()}`);
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
  if (env === 'ts' || env === 'wasm' || env === 'native') return env;
  throw new Error(`logitkit: LOGITKIT_KERNELS must be 'auto', 'native', 'wasm' or 'ts', got '${env}'`);
}
