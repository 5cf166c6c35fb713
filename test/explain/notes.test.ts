import { Decimal } from 'decimal.js';
import { describe, expect, it } from 'vitest';
import { explain, renderJson, renderMarkdown, renderText, Random, type ExplainTrace } from '../../src/index.js';

/** The numerics notes appear exactly when the textbook formula and the stable one differ, and not otherwise. */

const kinds = (t: ExplainTrace) => t.notes.map((n) => n.kind);
const agree = (t: ExplainTrace) => t.checks.every((c) => c.ok);

describe('no notes where the naive formulas are fine', () => {
  it('for the seeds and for random moderate logits in both dtypes', () => {
    const rng = new Random(7);
    for (const dtype of ['float32', 'float64'] as const) {
      expect(kinds(explain({ logits: [2, 1, 0.1], dtype, labels: 0 }))).toEqual([]);
      for (let k = 0; k < 20; k++) {
        const C = 2 + rng.int(9);
        const rows = Array.from({ length: 1 + rng.int(3) }, () => Array.from({ length: C }, () => rng.uniform(-4, 4)));
        const labels = rows.map(() => rng.int(C));
        const t = explain({ logits: rows, dtype, labels, temperature: rng.uniform(0.5, 2), labelSmoothing: rng.uniform(0, 0.2) });
        expect(kinds(t), JSON.stringify(rows)).toEqual([]);
        expect(agree(t), JSON.stringify(t.checks)).toBe(true);
      }
    }
  });
});

describe('precision loss: logits [20, 0, 0], label 0', () => {
  // log(1 + 2e^-20) with a 40-digit oracle.
  Decimal.set({ precision: 40 });
  const truth = new Decimal(-20).exp().times(2).plus(1).ln().toNumber();

  it('float32: naive −log(softmax) gives 0, the stable loss 4.1223072e-9', () => {
    const t = explain({ logits: [20, 0, 0], dtype: 'float32', labels: 0 });
    expect(kinds(t)).toEqual(['logOfOne', 'lossPrecision']);
    expect(t.rows[0].probabilities[0]).toBe(1);
    expect(t.rows[0].naive.logProbabilities[0]).toBe(0);
    const loss = t.rows[0].loss!;
    expect(loss).toBe(Math.fround(4.1223072e-9));
    expect(loss).toBe(Math.fround(truth));
    const note = t.notes[1];
    expect(note).toMatchObject({ kind: 'lossPrecision', row: 0, stable: loss });
    expect(note.naive === 0).toBe(true); // −(1·log 1) = −0
    expect(note.message).toContain('rounds to 1');
    expect(t.notes[0]).toMatchObject({ classes: [0], naive: [0], stable: [t.rows[0].logProbabilities[0]] });
    expect(renderText(t)).toContain('! lossPrecision: the naive −Σ y·log(softmax(z)) gives 0 because the probability of the label rounds to 1');
    expect(renderText(t)).toContain('4.12231e-9');
    expect(renderText(t)).toContain('g[0] = 1 - 1 ≈ -4.12231e-9 (computed from p before it is rounded to float32)');
    expect(renderMarkdown(t)).toContain('> **logOfOne**: softmax rounds p to 1 in float32 for class 0');
    // JSON: the shortest text that reads back to the same float32.
    const json = renderJson(t);
    expect(json).toContain('"loss": 4.1223074e-9');
    expect(Math.fround(JSON.parse(json).rows[0].loss)).toBe(loss);
    expect(agree(t)).toBe(true);
  });

  it('float64: only digits are lost, not all of them: no note, and the loss is exact', () => {
    const t = explain({ logits: [20, 0, 0], labels: 0 });
    expect(kinds(t)).toEqual([]);
    expect(Math.abs(t.rows[0].loss! - truth) / truth).toBeLessThan(2 ** -52);
  });

  it('float32 without labels: the log-probability note only', () => {
    expect(kinds(explain({ logits: [20, 0, 0], dtype: 'float32' }))).toEqual(['logOfOne']);
  });
});

describe('overflow', () => {
  it('exp(z) overflows float64 for z = 1000', () => {
    const t = explain({ logits: [1000, 0, -1000] });
    expect(kinds(t)).toEqual(['overflow', 'logOfZero']);
    const n = t.notes[0];
    expect(n.classes).toEqual([0]);
    expect(n.naive).toEqual([NaN, 0, 0]);
    expect(n.stable).toEqual([1, 0, 0]);
    expect(t.rows[0].naive.exps[0]).toBe(Infinity);
    expect(t.rows[0].probabilities).toEqual([1, 0, 0]);
    expect(renderJson(t)).toContain('"naive": ["NaN", 0, 0]');
    expect(renderText(t)).not.toContain('Without subtracting m');
    expect(agree(t)).toBe(true);
  });

  it('z = 100 overflows in float32, not in float64 (where p = 1 − 3.7e-44 still rounds to 1)', () => {
    expect(kinds(explain({ logits: [100, 0], dtype: 'float32' }))).toEqual(['overflow', 'logOfOne']);
    expect(kinds(explain({ logits: [100, 0], dtype: 'float64' }))).toEqual(['logOfOne']);
    expect(kinds(explain({ logits: [80, 0], dtype: 'float32' }))).toEqual(['logOfOne']);
    expect(explain({ logits: [100, 0], dtype: 'float32' }).notes[0].message).toContain('88.7228');
  });

  it('the sum overflows while each exp is finite', () => {
    const t = explain({ logits: [88.5, 88.5], dtype: 'float32' });
    expect(kinds(t)).toEqual(['tie', 'overflow']);
    const n = t.notes.find((x) => x.kind === 'overflow')!;
    expect(n.message).toContain('Σ exp(z) overflows float32');
    expect(n.naive).toEqual([0, 0]);
    expect(n.stable).toEqual([0.5, 0.5]);
  });

  it('a temperature can cause it: the note names z/T', () => {
    const t = explain({ logits: [100, 0], temperature: 0.1 });
    expect(kinds(t)).toEqual(['overflow', 'logOfZero']);
    expect(t.notes[0].message).toMatch(/^exp\(z\/T\) overflows float64/);
    expect(kinds(explain({ logits: [100, 0] }))).toEqual(['logOfOne']);
    expect(kinds(explain({ logits: [10, 0], temperature: 0.1 }))).toEqual(['logOfOne']);
    expect(kinds(explain({ logits: [10, 0], temperature: 0.5 }))).toEqual([]);
  });
});

describe('underflow', () => {
  it('every naive exp underflows: 0/0', () => {
    const t = explain({ logits: [-1000, -1001] });
    expect(kinds(t)).toEqual(['underflow']);
    expect(t.notes[0].classes).toEqual([0, 1]);
    expect(t.notes[0].naive).toEqual([NaN, NaN]);
    expect((t.notes[0].stable as number[])[0]).toBeCloseTo(0.7310585786300049, 15);
    expect(t.notes[0].message).toContain('0/0 = NaN');
  });

  it('one exp underflows in float32 while its p is not 0', () => {
    const t = explain({ logits: [-110, -100], dtype: 'float32' });
    expect(kinds(t)).toEqual(['underflow']);
    expect(t.notes[0].classes).toEqual([0]);
    expect(t.rows[0].naive.probabilities[0]).toBe(0);
    expect(t.rows[0].probabilities[0]).toBeGreaterThan(4e-5);
    expect(kinds(explain({ logits: [-110, -100], dtype: 'float64' }))).toEqual([]);
  });

  it('p itself rounds to 0: a log-of-zero note instead (the stable log p is finite)', () => {
    const t = explain({ logits: [0, -200], dtype: 'float32' });
    expect(kinds(t)).toEqual(['logOfZero']);
    expect(t.notes[0]).toMatchObject({ classes: [1], naive: [-Infinity], stable: [-200] });
    expect(renderJson(t)).toContain('"naive": ["-Infinity"]');
  });
});

describe('masks, non-finite logits, ties and targets', () => {
  it('−∞ logits are masks; the naive loss gets 0·(−∞) = NaN', () => {
    const t = explain({ logits: [0, -Infinity, 1] });
    expect(kinds(t)).toEqual(['mask']);
    expect(t.rows[0].probabilities[1]).toBe(0);
    expect(t.rows[0].logProbabilities[1]).toBe(-Infinity);
    const l = explain({ logits: [0, -Infinity, 1], labels: 2 });
    expect(kinds(l)).toEqual(['mask', 'lossPrecision']);
    expect(l.notes[1]).toMatchObject({ naive: NaN, stable: l.rows[0].loss });
    expect(l.rows[0].gradient![1]).toBe(0);
    expect(agree(l)).toBe(true);
  });

  it('NaN, +∞ and all −∞ rows are NaN, in their row only', () => {
    const t = explain({
      logits: [
        [NaN, 1],
        [Infinity, 1],
        [-Infinity, -Infinity],
        [1, 2],
      ],
      labels: [0, 0, 0, 1],
    });
    expect(t.notes.map((n) => [n.kind, n.row])).toEqual([
      ['nonFinite', 0],
      ['nonFinite', 1],
      ['nonFinite', 2],
    ]);
    expect(t.notes[1].message).toContain('+∞');
    for (const r of t.rows.slice(0, 3)) expect(r.probabilities.every(Number.isNaN)).toBe(true);
    expect(t.rows[3].probabilities[1]).toBeCloseTo(0.7310585786300049, 15);
    expect(agree(t)).toBe(true);
    expect(renderText(t)).toContain('NaN');
    expect(JSON.parse(renderJson(t)).rows[0].probabilities).toEqual(['NaN', 'NaN']);
  });

  it('ties: argMax takes the first', () => {
    const t = explain({ logits: [1, 3, 3], classNames: ['a', 'b', 'c'] });
    expect(kinds(t)).toEqual(['tie']);
    expect(t.notes[0].classes).toEqual([1, 2]);
    expect(t.rows[0].decision.className).toBe('b');
  });

  it('a target that does not sum to 1: the gradient is (Σ y)·p − y', () => {
    const t = explain({ logits: [2, 1, 0.1], labels: [0.5, 0.3, 0.1] });
    expect(kinds(t)).toEqual(['labelSum']);
    expect(t.notes[0].stable).toBeCloseTo(0.9, 15);
    const r = t.rows[0];
    r.gradient!.forEach((g, i) => expect(g).toBeCloseTo(0.9 * r.probabilities[i] - [0.5, 0.3, 0.1][i], 15));
    expect(renderText(t)).toContain('g[0] = 0.9·0.659001 - 0.5');
    expect(kinds(explain({ logits: [2, 1, 0.1], labels: [0.7, 0.2, 0.1] }))).toEqual([]);
  });
});
