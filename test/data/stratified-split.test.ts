import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stratifiedSplit } from '../../src/data/split.js';

describe('stratifiedSplit', () => {
  it('puts round(fraction × count) of each class in test, disjoint and complete, the same for the same seed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 4 }), { minLength: 1, maxLength: 200 }),
        fc.double({ min: 0.05, max: 0.95, noNaN: true }),
        fc.integer(),
        (ids, f, seed) => {
          const labels = Int32Array.from(ids);
          const { trainIndices, testIndices } = stratifiedSplit(labels, { testFraction: f, seed });
          expect([...trainIndices, ...testIndices].sort((a, b) => a - b)).toEqual(ids.map((_, i) => i));
          for (let c = 0; c <= 4; c++) {
            const n = ids.filter((x) => x === c).length;
            expect(Array.from(testIndices).filter((i) => ids[i] === c).length).toBe(Math.round(f * n));
          }
          expect(stratifiedSplit(labels, { testFraction: f, seed }).testIndices).toEqual(testIndices);
        },
      ),
    );
  });

  it('a different seed picks different examples', () => {
    const labels = new Int32Array(100).map((_, i) => i % 2);
    expect(stratifiedSplit(labels, { seed: 1 }).testIndices).not.toEqual(stratifiedSplit(labels, { seed: 2 }).testIndices);
  });

  it('rejects bad arguments by name', () => {
    expect(() => stratifiedSplit([0, 1] as unknown as Int32Array)).toThrow(/stratifiedSplit.*'labels'/);
    expect(() => stratifiedSplit(new Int32Array([0, -1]))).toThrow(/class ids >= 0/);
    expect(() => stratifiedSplit(new Int32Array([0]), { testFraction: 1 })).toThrow(/options\.testFraction/);
    expect(() => stratifiedSplit(new Int32Array([0]), { test: 0.2 } as never)).toThrow(/unknown option 'test'/);
  });
});
