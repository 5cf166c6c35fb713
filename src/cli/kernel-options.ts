import { availableParallelism } from 'node:os';
import { kernels, setKernels } from '../kernels/index.js';
import type { Kernels } from '../kernels/types.js';
import { createWasmKernels, type MatMulAccumulation } from '../kernels/wasm/index.js';
import { CliError, numberOption } from './io.js';

export interface KernelOptions {
  threads?: string;
  matmulAccumulation?: string;
}

/** At most this many threads by default: the kernels' splits stop paying for themselves beyond it. */
const MAX_DEFAULT_THREADS = 4;

export const THREADS_HELP = `threads for large matrix products and softmax rows (WebAssembly kernels; default: the cores, up to ${MAX_DEFAULT_THREADS}; same bits as 1)`;
export const ACCUMULATION_HELP =
  "matrix-product sums: 'float64' (default, exact to one rounding) or 'float32' (about twice as fast, TF.js/PyTorch's error)";

/** Kernel sets made for earlier runs in this process, by options: their worker threads live on, so reuse them. */
const made = new Map<string, Promise<Kernels | null>>();

/** The threads a run gets: the option, else the cores (up to 4), or 1 when LOGITKIT_KERNELS=ts asks for plain TypeScript. */
export function threadsFor(o: KernelOptions): number {
  if (o.threads !== undefined) return numberOption('threads', o.threads, 1, { integer: true, min: 1, max: 64 });
  if (process.env.LOGITKIT_KERNELS === 'ts') return 1;
  return Math.max(1, Math.min(MAX_DEFAULT_THREADS, availableParallelism()));
}

/**
 * Runs `fn` with the kernel set the options ask for (threads, float32 matrix-product sums), then puts the
 * previous set back. One thread with float64 sums runs on the library's own choice, untouched.
 */
export async function withKernelOptions<T>(o: KernelOptions, fn: (label: string) => Promise<T>): Promise<T> {
  const threads = threadsFor(o);
  const accumulation = o.matmulAccumulation ?? 'float64';
  if (accumulation !== 'float64' && accumulation !== 'float32') {
    throw new CliError(`option --matmul-accumulation must be 'float64' or 'float32', got '${accumulation}'`, 2);
  }
  if (threads === 1 && accumulation === 'float64') return fn(kernels().name);
  const key = `${threads}:${accumulation}`;
  if (!made.has(key)) {
    made.set(key, createWasmKernels({ workers: threads - 1, matMulAccumulation: accumulation as MatMulAccumulation }).catch(() => null));
  }
  const set = await made.get(key)!;
  if (!set) {
    // Without WebAssembly SIMD the default threads quietly become one; asked-for options are an error.
    if (o.threads === undefined && accumulation === 'float64') return fn(kernels().name);
    throw new CliError('options --threads and --matmul-accumulation need WebAssembly SIMD, which this runtime lacks', 1);
  }
  const previous = setKernels(set);
  // The threads the set really got (workers that cannot start leave it with fewer).
  const got = set.threads ?? 1;
  const label = `${set.name}${got > 1 ? `, ${got} threads` : ''}${accumulation === 'float32' ? ', float32 matMul sums' : ''}`;
  try {
    return await fn(label);
  } finally {
    setKernels(previous);
  }
}
