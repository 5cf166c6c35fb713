// Which kernel set runs, and what a set must be: src/kernels/select.ts (the one module that decides).
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { kernels, setKernels, tsKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { createNativeKernels, hasNativeKernels } from '../../src/kernels/native/index.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';

afterEach(() => {
  vi.unstubAllEnvs();
  vi.resetModules();
});

describe('the default kernel set', () => {
  it('is chosen at the first kernels() call, not when the library is imported', async () => {
    vi.resetModules();
    vi.stubEnv('LOGITKIT_KERNELS', 'fastest');
    // A bad choice cannot fail the import: nothing is chosen there.
    const lib = await import('../../src/index.js');
    expect(() => lib.kernels()).toThrow("LOGITKIT_KERNELS must be 'auto', 'native', 'wasm' or 'ts', got 'fastest'");
  });

  it('follows LOGITKIT_KERNELS and stays the same set for the process', async () => {
    vi.resetModules();
    vi.stubEnv('LOGITKIT_KERNELS', 'ts');
    const lib = await import('../../src/index.js');
    const first = lib.kernels();
    expect(first.name).toBe(lib.tsKernels.name);
    vi.stubEnv('LOGITKIT_KERNELS', 'wasm');
    expect(lib.kernels()).toBe(first);
    expect(lib.selectDefaultKernels('wasm')).toMatch(/^wasm-/);
    expect(lib.kernels().name).toMatch(/^wasm-/);
  });

  it('lets autograd run with no op layer loaded for its side effects', async () => {
    vi.resetModules();
    const { grad } = await import('../../src/autograd/grad.js');
    const { mul } = await import('../../src/ops/arithmetic.js');
    const { tensor } = await import('../../src/tensor/tensor.js');
    // x reaches the output twice (two gradients to sum); the float32 dy is cast to the float64 output.
    const g = grad((x) => mul(x, x))(tensor([1, -2, 3], { dtype: 'float64' }), tensor([1, 1, 0.5]));
    expect(g.dtype).toBe('float64');
    expect(g.toArray()).toEqual([2, -4, 3]);
  });
});

describe('setKernels', () => {
  const bad: Array<[string, unknown, string]> = [
    ['null', null, "argument 'next' must be a kernel set (an object with the Kernels functions), got null"],
    ['{}', {}, "its 'unary' is not a function"],
    ['a set without adamUpdate', { ...tsKernels, adamUpdate: undefined }, "its 'adamUpdate' is not a function"],
    ['a set whose softmax is a number', { ...tsKernels, softmax: 1 }, "its 'softmax' is not a function"],
  ];
  for (const [what, set, message] of bad) {
    it(`refuses ${what} with a TypeError naming what is missing, and keeps the active set`, () => {
      const before = kernels();
      expect(() => setKernels(set as Kernels)).toThrow(TypeError);
      expect(() => setKernels(set as Kernels)).toThrow(message);
      expect(kernels()).toBe(before);
    });
  }

  it('returns the previous set, which puts it back', () => {
    const before = kernels();
    const mine: Kernels = { ...tsKernels, name: 'mine' };
    expect(setKernels(mine)).toBe(before);
    expect(setKernels(before)).toBe(mine);
    expect(kernels()).toBe(before);
  });
});

describe('kernel-set options', () => {
  it('reject names they do not know', async () => {
    await expect(createWasmKernels({ worker: 1 } as never)).rejects.toThrow("createWasmKernels: unknown option 'worker'");
    if (await hasNativeKernels()) {
      await expect(createNativeKernels({ workers: 1 } as never)).rejects.toThrow("createNativeKernels: unknown option 'workers'");
    }
  });

  it('clamp wasm workers to the processors available, the calling thread included', async () => {
    const set = await createWasmKernels({ workers: 64 });
    expect(set).not.toBeNull();
    expect(set!.threads).toBeLessThanOrEqual(availableParallelism());
  });
});
