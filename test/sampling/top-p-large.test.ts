import { describe, expect, it } from 'vitest';
import * as sampling from '../../src/sampling/index.js';
import { Random } from '../../src/tensor/random.js';
import { tensor } from '../../src/tensor/tensor.js';

/**
 * Above 2048 candidates top-p buckets the tokens by logit before its heap. Here it is compared with HF's
 * definition written plainly (sort ascending with ties reversed, float64 cumulative sum, remove <= 1 − p, keep the
 * last minTokensToKeep), on rows whose boundary is not within 1e-9 of a token (else redrawn).
 */
function reference(x: Float64Array, p: number, minKeep: number): Set<number> | null {
  const m = Math.max(...x);
  const e = Array.from(x, (v) => Math.exp(v - m));
  const z = e.reduce((a, b) => a + b, 0);
  const desc = Array.from(x, (_, i) => i).sort((a, b) => x[b] - x[a] || a - b);
  const asc = desc.slice().reverse();
  let cum = 0;
  const kept = new Set<number>();
  asc.forEach((i, q) => {
    cum += e[i] / z;
    if (Math.abs(cum - (1 - p)) < 1e-9) throw new Error('margin');
    if (!(cum <= 1 - p) || q >= asc.length - minKeep) kept.add(i);
  });
  return kept;
}

describe('top-p on large vocabularies (bucketed path)', () => {
  const rng = new Random(5);
  for (const V of [3000, 20000]) {
    for (const scale of [0.5, 3, 8]) {
      for (const [p, minKeep] of [
        [0.5, 1],
        [0.9, 1],
        [0.99, 1],
        [0.2, 2500],
      ] as const) {
        it(`V=${V}, logits ~ N(0, ${scale}²), p=${p}, minTokensToKeep=${minKeep}`, () => {
          for (;;) {
            const x = Float64Array.from({ length: V }, () => Math.round(rng.normal(0, scale) * 64) / 64); // ties too
            let want: Set<number> | null = null;
            try {
              want = reference(x, p, minKeep);
            } catch {
              continue;
            }
            const out = sampling.topP(tensor(x), p, { minTokensToKeep: minKeep }).values;
            const got = new Set<number>();
            out.forEach((v, i) => v !== -Infinity && got.add(i));
            expect(got.size).toBe(want!.size);
            expect([...got].every((i) => want!.has(i))).toBe(true);
            return;
          }
        });
      }
    }
  }
});
