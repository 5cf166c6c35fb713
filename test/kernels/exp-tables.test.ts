// The exp tables of the wasm and native kernels are generated from their definition (scripts/exp-tables.mjs, exact
// BigInt arithmetic): a hand edit of either committed file, or a generator that drifts, fails here.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expTableFiles, expTableWords } from '../../scripts/exp-tables.mjs';

describe('exp tables', () => {
  it('the committed files are what scripts/exp-tables.mjs writes (node scripts/exp-tables.mjs regenerates them)', () => {
    for (const [path, text] of Object.entries(expTableFiles())) {
      expect(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), path).toBe(text);
    }
  });

  it('hold 2^(j/N) as float64 (checked here against Math.pow, within an ulp, and its exact powers)', () => {
    const { exp2, tails, scales } = expTableWords();
    const view = new DataView(new ArrayBuffer(8));
    const value = (word: string, j: number, shift: number) => {
      view.setBigUint64(0, BigInt(word) + (BigInt(j) << BigInt(shift)));
      return view.getFloat64(0);
    };
    for (let j = 0; j < 1024; j++) expect(Math.abs(value(exp2[j], j, 42) - 2 ** (j / 1024))).toBeLessThanOrEqual(2 ** -52);
    for (let j = 0; j < 64; j++) expect(value(scales[j], j, 46)).toBe(value(exp2[16 * j], 16 * j, 42));
    expect(value(exp2[512], 512, 42)).toBe(Math.SQRT2);
    // Tails are below half an ulp of 2^(j/64), relative.
    for (let j = 0; j < 64; j++) expect(Math.abs(value(tails[j], 0, 0))).toBeLessThanOrEqual(2 ** -53);
  });
});
