import { tsKernels } from './ts/index.js';
import type { Kernels } from './types.js';

export type { Kernels, UnaryOp, BinaryOp, ReduceOp } from './types.js';
export { tsKernels };

let active: Kernels = tsKernels;

/** The kernel set ops call. */
export function kernels(): Kernels {
  return active;
}

/** Swaps the kernel set (for example a WebAssembly one after feature detection); returns the previous set. */
export function setKernels(next: Kernels): Kernels {
  const prev = active;
  active = next;
  return prev;
}
