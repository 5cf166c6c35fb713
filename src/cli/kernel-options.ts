import { kernels, setKernels } from '../kernels/index.js';
import { createWasmKernels, type MatMulAccumulation } from '../kernels/wasm/index.js';
import { CliError, numberOption } from './io.js';

export interface KernelOptions {
  threads?: string;
  matmulAccumulation?: string;
}

export const THREADS_HELP = 'threads for large matrix products and softmax rows (WebAssembly kernels; default 1)';
export const ACCUMULATION_HELP =
  "matrix-product sums: 'float64' (default, exact to one rounding) or 'float32' (about twice as fast, TF.js/PyTorch's error)";

/**
 * Runs `fn` with the kernel set the options ask for (threads, float32 matrix-product sums), then puts the
 * previous set back. With the defaults it runs on the library's own choice, untouched.
 */
export async function withKernelOptions<T>(o: KernelOptions, fn: () => Promise<T>): Promise<T> {
  const threads = numberOption('threads', o.threads, 1, { integer: true, min: 1, max: 64 });
  const accumulation = o.matmulAccumulation ?? 'float64';
  if (accumulation !== 'float64' && accumulation !== 'float32') {
    throw new CliError(`option --matmul-accumulation must be 'float64' or 'float32', got '${accumulation}'`, 2);
  }
  if (threads === 1 && accumulation === 'float64') return fn();
  const set = await createWasmKernels({ workers: threads - 1, matMulAccumulation: accumulation as MatMulAccumulation });
  if (!set) throw new CliError('options --threads and --matmul-accumulation need WebAssembly SIMD, which this runtime lacks', 1);
  const previous = setKernels(set);
  try {
    return await fn();
  } finally {
    setKernels(previous);
  }
}

/** The kernel set's name as the CLI prints it. */
export function kernelsLabel(o: KernelOptions): string {
  const threads = Number(o.threads ?? 1);
  return `${kernels().name}${threads > 1 ? `, ${threads} threads` : ''}${o.matmulAccumulation === 'float32' ? ', float32 matMul sums' : ''}`;
}
