import { kernels, setKernels } from '../kernels/index.js';
import { createActiveFamilyKernels } from '../kernels/select.js';
import type { Kernels } from '../kernels/types.js';
import type { MatMulAccumulation } from '../kernels/wasm/index.js';
import { CliError, numberOption } from './io.js';

export interface KernelOptions {
  threads?: string;
  matmulAccumulation?: string;
}

export const THREADS_HELP =
  "threads for large matrix products, softmax rows and (native) Adam's update (native or WebAssembly kernels; default 1; same bits as 1)";
export const ACCUMULATION_HELP = "matrix-product sums: 'float64' (default, exact to one rounding) or 'float32' (about twice as fast, TF.js/PyTorch's error)";

/** Kernel sets made for earlier runs in this process, by options: their worker threads live on, so reuse them. */
const made = new Map<string, Promise<Kernels | null>>();

/**
 * The threads a run gets: the option, else 1. One is the default because a second thread pays little on this
 * training and can cost a lot: with the native kernels 1.2–1.3× on a Fashion-MNIST epoch (2 cores), but a threaded
 * product waits for the slower thread, so when the other core is busy it ran 10× slower than on one thread
 * (3.2 vs 37 GFLOP/s); with the wasm kernels 0–12 %, while the worker spins on a core of its own.
 */
export function threadsFor(o: KernelOptions): number {
  return numberOption('threads', o.threads, 1, { integer: true, min: 1, max: 64 });
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
  // The options build on the active family: native where it runs (LOGITKIT_KERNELS=wasm keeps to wasm).
  const key = `${kernels().name}:${threads}:${accumulation}`;
  if (!made.has(key)) {
    made.set(
      key,
      createActiveFamilyKernels({ threads, matMulAccumulation: accumulation as MatMulAccumulation }).catch(() => null),
    );
  }
  const set = await made.get(key)!;
  if (!set) {
    throw new CliError('options --threads and --matmul-accumulation need the native or WebAssembly SIMD kernels, which this runtime lacks', 1);
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
