// What the shared spec suite cannot see of the native softmax family: that it runs (not the fallback), that any
// thread count gives the same bits, and that it leaves its inputs alone (test/kernels/exp-tables.test.ts checks its tables).
import { describe, expect, it } from 'vitest';
import { tsKernels } from '../../src/kernels/index.js';
import { createNativeKernels, hasNativeKernels } from '../../src/kernels/native/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { randomValues } from './helpers.js';

const built = (await hasNativeKernels()) || process.env.LOGITKIT_REQUIRE_NATIVE === '1';

const family = ['softmax', 'logSoftmax', 'softmaxCrossEntropy', 'sparseSoftmaxCrossEntropy'] as const;

/** A fallback whose softmax family throws, so a test sees which calls the native code takes. */
const refusing: Kernels = {
  ...tsKernels,
  ...Object.fromEntries(
    family.map((op) => [
      op,
      () => {
        throw new Error(`fallback ${op}`);
      },
    ]),
  ),
};

async function native(threads = 1, fallback?: Kernels): Promise<Kernels> {
  const set = await createNativeKernels({ threads, fallback });
  if (!set) throw new Error('the native kernel module is not built');
  return set;
}

describe.runIf(built)('native softmax family', () => {
  for (const Type of [Float32Array, Float64Array]) {
    it(`runs contiguous ${Type.name} rows natively and leaves the logits and labels as they were`, async () => {
      const k = await native(1, refusing);
      const [rows, n] = [4, 37];
      const x = new Type(randomValues(rows * n, 10, 3));
      const y = new Type(randomValues(rows * n, 1, 4).map(Math.abs));
      const [x0, y0] = [x.slice(), y.slice()];
      const out = new Type(rows * n);
      k.softmax(x, rows, n, 1, out);
      k.logSoftmax(x, rows, n, 1, out);
      k.softmaxCrossEntropy(x, y, rows, n, 1, new Type(rows), out, 0.5);
      k.sparseSoftmaxCrossEntropy(x, Int32Array.of(0, 36, 5, 9), rows, n, new Type(rows), out, 0.5);
      expect(x).toEqual(x0);
      expect(y).toEqual(y0);
      // Strided rows and mixed types are the fallback's.
      expect(() => k.softmax(x, 1, rows, n, out)).toThrow('fallback softmax');
      expect(() => k.logSoftmax(x, rows, n, 1, new Int32Array(rows * n))).toThrow('fallback logSoftmax');
    });

    it(`gives the same ${Type.name} bits on one thread and on two`, async () => {
      const [one, two] = [await native(1), await native(2)];
      const [rows, n] = [600, 501]; // ≥ 2^18 elements: split over the threads
      const x = new Type(randomValues(rows * n, 20, 5).map((v, i) => (i % 97 === 3 ? -Infinity : v)));
      x[7 * n + 3] = NaN;
      const y = new Type(randomValues(rows * n, 1, 6).map(Math.abs));
      const ids = Int32Array.from({ length: rows }, (_, r) => (r * 31) % n);
      const run = (k: Kernels) => {
        const [p, lp, d, ds, loss, sparse] = [rows * n, rows * n, rows * n, rows * n, rows, rows].map((size) => new Type(size));
        k.softmax(x, rows, n, 1, p);
        k.logSoftmax(x, rows, n, 1, lp);
        k.softmaxCrossEntropy(x, y, rows, n, 1, loss, d, 1 / rows);
        k.sparseSoftmaxCrossEntropy(x, ids, rows, n, sparse, ds, 1 / rows);
        return [p, lp, d, ds, loss, sparse].map((a) => Buffer.from(a.buffer));
      };
      const [a, b] = [run(one), run(two)];
      a.forEach((bytes, i) => expect(bytes.equals(b[i]), `output ${i}`).toBe(true));
    });
  }

  it('throws on a class id outside [0, n) instead of writing outside the gradient', async () => {
    const k = await native();
    const x = new Float32Array(6);
    expect(() => k.sparseSoftmaxCrossEntropy(x, Int32Array.of(0, 3), 2, 3, new Float32Array(2), new Float32Array(6))).toThrow(RangeError);
  });
});
