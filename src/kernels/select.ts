import { tsKernels } from './ts/index.js';
import { nativeLoadError } from './native/addon.js';
import { createNativeKernels, createNativeKernelsSync } from './native/index.js';
import { KERNEL_FUNCTIONS, type Kernels } from './types.js';
import { createWasmKernels, createWasmKernelsSync, type MatMulAccumulation } from './wasm/index.js';

/*
 * The one place that decides which kernel set ops run on. Nothing is chosen at import: the first kernels() call
 * chooses (synchronously), and that set stays for the whole process unless setKernels or selectDefaultKernels
 * replaces it, so every result of a run comes from one set.
 */

export type KernelChoice = 'auto' | 'native' | 'wasm' | 'ts';

let active: Kernels | null = null;

/** The kernel set ops call: the one set with setKernels, else the default chosen at the first call. */
export function kernels(): Kernels {
  return (active ??= defaultKernels(envChoice()));
}

/**
 * Makes `next` the kernel set ops call; returns the previous one. Throws a TypeError naming the first kernel
 * function `next` lacks, before anything changes.
 */
export function setKernels(next: Kernels): Kernels {
  if (next === null || typeof next !== 'object') {
    throw new TypeError(`setKernels: argument 'next' must be a kernel set (an object with the Kernels functions), got ${next === null ? 'null' : typeof next}`);
  }
  const missing = KERNEL_FUNCTIONS.find((f) => typeof next[f] !== 'function');
  if (missing) throw new TypeError(`setKernels: argument 'next' must be a kernel set, but its '${missing}' is not a function`);
  if (typeof next.name !== 'string') throw new TypeError(`setKernels: argument 'next' must be a kernel set, but its 'name' is not a string`);
  const previous = kernels();
  active = next;
  return previous;
}

/**
 * Chooses the kernel set by feature detection and makes it active: in Node the native set where its module was built
 * at install time, else the WebAssembly SIMD set where the engine validates it, else the TypeScript reference set.
 * `LOGITKIT_KERNELS=ts` (Node) forces the reference set, `=wasm` requires the wasm set, `=native` the native one.
 * The first kernels() call does the same with the environment's choice. Every set passes the same spec suite;
 * results agree to an ulp or two (docs/numerics.md). Returns the name of the set now active.
 */
export function selectDefaultKernels(choice: KernelChoice = envChoice()): string {
  const set = defaultKernels(choice);
  active = set;
  return set.name;
}

function defaultKernels(choice: KernelChoice): Kernels {
  if (choice === 'ts') return tsKernels;
  if (choice === 'auto' || choice === 'native') {
    const native = createNativeKernelsSync();
    if (native) return native;
    if (choice === 'native') throw new Error(`logitkit: LOGITKIT_KERNELS=native, but the native kernels cannot load: ${nativeLoadError()}`);
  }
  const wasm = createWasmKernelsSync();
  if (wasm) return wasm;
  if (choice === 'wasm') throw new Error('logitkit: LOGITKIT_KERNELS=wasm, but this engine has no WebAssembly SIMD');
  return tsKernels;
}

function envChoice(): KernelChoice {
  const env = typeof process !== 'undefined' && process.env ? process.env.LOGITKIT_KERNELS : undefined;
  if (env === undefined || env === '' || env === 'auto') return 'auto';
  if (env === 'ts' || env === 'wasm' || env === 'native') return env;
  throw new Error(`logitkit: LOGITKIT_KERNELS must be 'auto', 'native', 'wasm' or 'ts', got '${env}'`);
}

/**
 * A set of the active family with other speed options: native where the active set is native, else wasm (so
 * LOGITKIT_KERNELS=wasm keeps to wasm); `threads` counts the calling thread. Null where neither runs here.
 */
export function createActiveFamilyKernels(options: { threads: number; matMulAccumulation: MatMulAccumulation }): Promise<Kernels | null> {
  const { threads, matMulAccumulation } = options;
  return kernels().name.startsWith('native')
    ? createNativeKernels({ threads, matMulAccumulation })
    : createWasmKernels({ workers: threads - 1, matMulAccumulation });
}
