import { expect } from 'vitest';
import { describe, it } from './names.js';
import { tsKernels } from '../../src/kernels/index.js';
import type { AdamStep, Kernels } from '../../src/kernels/types.js';
import { type FloatArrayType, randomArray } from './helpers.js';
import { expectSameValues } from './spec-elementwise.js';

const TYPES: [string, FloatArrayType][] = [
  ['float32', Float32Array],
  ['float64', Float64Array],
];

function step(t: number, extra: Partial<AdamStep> = {}): AdamStep {
  const beta1 = 0.9;
  const beta2 = 0.999;
  return { learningRate: 1e-3, beta1, beta2, epsilon: 1e-8, bc1: 1 - beta1 ** t, bc2: 1 - beta2 ** t, l2: 0, decay: 0, ...extra };
}

/** Adam's update kernel: bit-identical to the reference (same formula, same rounding), in place or not. */
export function optimizerSpec(k: () => Kernels): void {
  describe.each(TYPES)('adamUpdate, %s', (_name, Type) => {
    const variants: [string, Partial<AdamStep>][] = [
      ['Adam', {}],
      ['Adam with an L2 penalty', { l2: 0.01 }],
      ['AdamW decay', { decay: 1e-5 }],
    ];
    // 20,000 elements cross the wasm kernel's chunk boundary; odd lengths leave a scalar tail.
    it.each([0, 1, 3, 17, 20_001])('matches the reference over three steps, length %i', (n) => {
      for (const [what, extra] of variants) {
        const p = randomArray(Type, n, 1, 1);
        const ours = { p: p.slice(), m: new Type(n), v: new Type(n) };
        const ref = { p: p.slice(), m: new Type(n), v: new Type(n) };
        for (let t = 1; t <= 3; t++) {
          const g = randomArray(Type, n, 0.1 * t, 10 + t);
          k().adamUpdate(ours.p, g, ours.m, ours.v, ours.p, step(t, extra));
          tsKernels.adamUpdate(ref.p, g, ref.m, ref.v, ref.p, step(t, extra));
        }
        expectSameValues(ours.p, ref.p, `${what}: p`);
        expectSameValues(ours.m, ref.m, `${what}: m`);
        expectSameValues(ours.v, ref.v, `${what}: v`);
      }
    });

    it('writes the new parameter to a separate output and leaves p alone', () => {
      const p = randomArray(Type, 9, 1, 2);
      const g = randomArray(Type, 9, 1, 3);
      const before = p.slice();
      const out = new Type(9);
      k().adamUpdate(p, g, new Type(9), new Type(9), out, step(1));
      expectSameValues(p, before, 'p');
      // The first step moves every parameter by lr against the gradient's sign (m̂/√v̂ = g/|g|).
      for (let i = 0; i < 9; i++) expect(out[i]).toBeCloseTo(p[i] - 1e-3 * Math.sign(g[i]), 6);
    });

    it('propagates NaN gradients into the parameter, its moments and nothing else', () => {
      const p = Type.from([1, 2, 3]);
      const m = new Type(3);
      const v = new Type(3);
      k().adamUpdate(p, Type.from([0.5, NaN, -0.5]), m, v, p, step(1));
      expect(Number.isNaN(p[1]) && Number.isNaN(m[1]) && Number.isNaN(v[1])).toBe(true);
      expect([p[0], p[2]].every(Number.isFinite)).toBe(true);
    });
  });
}
