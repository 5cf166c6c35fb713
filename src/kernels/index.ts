import { tsKernels } from './ts/index.js';

export type { Kernels, UnaryOp, BinaryOp, ReduceOp, Conv2dGeometry } from './types.js';
export { tsKernels };
// Which set ops call is decided in one place, select.ts.
export { kernels, setKernels, selectDefaultKernels, type KernelChoice } from './select.js';
