import { expect } from 'vitest';
import { describe, it } from './names.js';
import type { Kernels } from '../../src/kernels/types.js';
import { randomArray } from './helpers.js';

/**
 * The ops hand unary, binary, slice and matMul an output that may hold an earlier step's values (unzeroed, from the
 * training loop's recycler), so those kernels must write every element: each call here starts from an output full
 * of NaN and must give the result it gives on a zeroed one.
 */
export function staleOutputSpec(k: () => Kernels): void {
  describe('outputs holding stale values are written in full', () => {
    for (const Type of [Float32Array, Float64Array]) {
      const run = (size: number, call: (out: Float32Array | Float64Array) => void) => {
        const fresh = new Type(size);
        call(fresh);
        const stale = new Type(size).fill(NaN);
        call(stale);
        expect(Array.from(stale)).toEqual(Array.from(fresh));
      };
      it(`matMul, unary, binary and slice, ${Type.name}`, () => {
        const a = randomArray(Type, 2 * 37 * 300, 1, 1);
        const b = randomArray(Type, 300 * 45, 1, 2);
        for (const [ta, tb] of [
          [false, false],
          [true, false],
          [false, true],
        ]) {
          run(2 * 37 * 45, (out) => k().matMul(a, b, out, 2, 37, 300, 45, ta, tb, 37 * 300, 0));
        }
        run(37 * 45, (out) => k().matMul(a, b, out, 1, 37, 0, 45, false, false, 0, 0));
        const x = randomArray(Type, 64 * 100, 3, 3);
        for (const op of ['relu', 'step', 'exp', 'neg'] as const) run(x.length, (out) => k().unary(op, x, out));
        const row = randomArray(Type, 100, 1, 4);
        const perRow = randomArray(Type, 64, 1, 5);
        for (const op of ['add', 'sub', 'mul', 'div'] as const) {
          run(x.length, (out) => k().binary(op, x, [64, 100], x, [64, 100], out, [64, 100]));
          run(x.length, (out) => k().binary(op, x, [64, 100], row, [100], out, [64, 100]));
          run(x.length, (out) => k().binary(op, perRow, [64, 1], x, [64, 100], out, [64, 100]));
          run(x.length, (out) => k().binary(op, x, [64, 100], row.subarray(0, 1), [], out, [64, 100]));
        }
        run(10 * 30, (out) => k().slice(x, [64, 100], [5, 20], [10, 30], out));
      });
    }
  });
}
