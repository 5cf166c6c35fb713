import { beforeAll } from 'vitest';
import type { Kernels } from '../../src/kernels/types.js';
import { convSpec } from './spec-conv.js';
import { elementwiseSpec } from './spec-elementwise.js';
import { matMulSpec } from './spec-matmul.js';
import { forKernelSet } from './names.js';
import { optimizerSpec } from './spec-optimizer.js';
import { reduceLayoutSpec } from './spec-reduce-layout.js';
import { softmaxSpec } from './spec-softmax.js';
import { staleOutputSpec } from './spec-stale-outputs.js';

/**
 * The kernel spec suite: every kernel of the Kernels interface against plain expectations and against
 * the TypeScript reference. Every kernel set runs all of it (kernels.test.ts); `label` (the set) starts every test name.
 */
export function kernelSpec(label: string, load: () => Promise<Kernels>): void {
  let set: Kernels;
  beforeAll(async () => {
    set = await load();
  });
  const k = () => set;
  forKernelSet(label, () => {
    elementwiseSpec(k);
    softmaxSpec(k);
    matMulSpec(k);
    convSpec(k);
    reduceLayoutSpec(k);
    optimizerSpec(k);
    staleOutputSpec(k);
  });
}
