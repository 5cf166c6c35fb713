/**
 * explainContrastive: the similarity matrix traced with explain() (rows a → b, columns b → a), whose losses are
 * losses.contrastive's to the bit, and its text rendering.
 */
import { describe, expect, it } from 'vitest';
import { cast, exp, losses, scalar, tensor, type Tensor } from '../../src/index.js';
import { EXPLAIN_CONTRASTIVE_MAX_ROWS, explainContrastive, renderContrastiveText, renderJson } from '../../src/explain/index.js';
import { randomTensor, rng } from '../helpers/numbers.js';

const R = rng(99);
const a = randomTensor(R, [3, 4]);
const b = randomTensor(R, [3, 4]);

function cosines(x: Tensor, y: Tensor): number[][] {
  const n = x.shape[0];
  const d = x.shape[1];
  const row = (t: Tensor, i: number) => Array.from(t.values.slice(i * d, (i + 1) * d));
  return Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      const u = row(x, i);
      const v = row(y, j);
      const dot = u.reduce((s, ui, k) => s + ui * v[k], 0);
      return dot / (Math.hypot(...u) * Math.hypot(...v));
    }),
  );
}

describe('explainContrastive', () => {
  it('traces the cosine similarities as logits, with temperature τ and the diagonal labels', () => {
    const t = explainContrastive(a, b, { temperature: 0.1 });
    expect(t.format).toBe('logitkit.explainContrastive/1');
    expect(t.dtype).toBe('float64');
    expect(t.temperature).toBe(0.1);
    const cos = cosines(a, b);
    t.similarities.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(cos[i][j], 14)));
    expect(t.rows.temperature).toBe(0.1);
    expect(t.rows.classNames).toEqual(['b0', 'b1', 'b2']);
    expect(t.rows.rows.map((r) => r.logits)).toEqual(t.similarities);
    expect(t.rows.rows.map((r) => r.target?.classId)).toEqual([0, 1, 2]);
    expect(t.columns).not.toBeNull();
    expect(t.columns!.classNames).toEqual(['a0', 'a1', 'a2']);
    expect(t.columns!.rows.map((r) => r.logits)).toEqual(t.similarities.map((_, j) => t.similarities.map((row) => row[j])));
    expect(t.rows.checks.every((c) => c.ok)).toBe(true);
    expect(t.columns!.checks.every((c) => c.ok)).toBe(true);
  });

  for (const symmetric of [true, false]) {
    for (const reduction of ['none', 'sum', 'mean'] as const) {
      for (const normalize of [true, false]) {
        it(`its losses are losses.contrastive's bits (symmetric ${symmetric}, ${reduction}, normalize ${normalize})`, () => {
          const options = { temperature: normalize ? 0.07 : 0.8, symmetric, reduction, normalize };
          const t = explainContrastive(a, b, options);
          const expected = losses.contrastive(a, b, options);
          const perPair = Array.from(losses.contrastive(a, b, { ...options, reduction: 'none' }).values);
          expect(t.perPair).toEqual(perPair);
          if (reduction === 'none') expect(t.loss).toBeNull();
          else expect(t.loss).toBe(expected.item());
          // The traces' own per-example cross-entropies make up the per-pair losses exactly.
          const rowLoss = t.rows.rows.map((r) => r.loss!);
          if (symmetric) {
            const colLoss = t.columns!.rows.map((r) => r.loss!);
            expect(rowLoss.map((l, i) => (l + colLoss[i]) * 0.5)).toEqual(perPair);
          } else {
            expect(t.columns).toBeNull();
            expect(rowLoss).toEqual(perPair);
            if (reduction !== 'none') expect(t.rows.loss!.value).toBe(expected.item());
          }
        });
      }
    }
  }

  it('takes a tensor temperature (a learnable exp(logT)) and float32 embeddings', () => {
    const a32 = cast(a, 'float32');
    const b32 = cast(b, 'float32');
    const temperature = exp(scalar(Math.log(0.07), 'float32'));
    const t = explainContrastive(a32, b32, { temperature });
    expect(t.dtype).toBe('float32');
    expect(t.temperature).toBe(temperature.item());
    expect(t.loss).toBe(losses.contrastive(a32, b32, { temperature }).item());
    expect(t.perPair).toEqual(Array.from(losses.contrastive(a32, b32, { temperature, reduction: 'none' }).values));
  });

  it('renders the similarity logits, both traces, the decisions and the loss', () => {
    const x = tensor(
      [
        [1, 0.1],
        [0.2, 1],
      ],
      { dtype: 'float64' },
    );
    const y = tensor(
      [
        [0.9, 0.3],
        [0.1, 1.1],
      ],
      { dtype: 'float64' },
    );
    const t = explainContrastive(x, y, { temperature: 0.5, aNames: ['left 7', 'left 2'], bNames: ['right 7', 'right 2'] });
    const text = renderContrastiveText(t);
    const cos = cosines(x, y);
    expect(text).toContain('Explaining the contrastive loss (CLIP / InfoNCE; float64, 2 pairs, temperature τ = 0.5, normalized rows, symmetric)');
    // The similarity logits (6 significant digits), as a matrix and in the traces' tables.
    for (const v of cos.flat()) expect(text).toContain(Number(v.toPrecision(6)).toString());
    expect(text).toContain('a → b: for each a_i, which b is its partner? (classes right 7, right 2)');
    expect(text).toContain('b → a: for each b_j, which a is its partner? (classes left 7, left 2)');
    expect(text).toMatch(/decision: argmax_i z_i; right 7 \(correct\)/);
    expect(text).toMatch(/decision: argmax_i z_i; left 2 \(correct\)/);
    expect(text).toMatch(/left 7 ↔ right 7 .* right 7 \(correct\) +left 7 \(correct\)/);
    const loss = losses.contrastive(x, y, { temperature: 0.5 }).item();
    expect(t.loss).toBe(loss);
    expect(text).toContain(`loss (mean: the mean over the 2 pairs) = ${Number(loss.toPrecision(6))} (losses.contrastive)`);
    // Each trace is a plain explain() trace: its JSON renderer works as is.
    expect(JSON.parse(renderJson(t.rows)).rows).toHaveLength(2);
  });

  it('a wrong partner shows as a wrong decision', () => {
    const x = tensor(
      [
        [1, 0],
        [0, 1],
      ],
      { dtype: 'float64' },
    );
    const y = tensor(
      [
        [0, 1],
        [1, 0],
      ],
      { dtype: 'float64' },
    );
    const t = explainContrastive(x, y, { symmetric: false });
    expect(t.rows.rows.map((r) => r.decision.correct)).toEqual([false, false]);
    const text = renderContrastiveText(t);
    expect(text).toContain('a0 ↔ b0');
    expect(text).toMatch(/b1 \(wrong\)/);
    expect(text).not.toContain('b → a');
  });

  it('errors name explainContrastive', () => {
    const big = tensor(new Float64Array((EXPLAIN_CONTRASTIVE_MAX_ROWS + 1) * 2).fill(1), { shape: [EXPLAIN_CONTRASTIVE_MAX_ROWS + 1, 2], dtype: 'float64' });
    expect(() => explainContrastive(big, big)).toThrow(
      /^explainContrastive: argument 'a' must be at most 64 rows \(a trace lists every pair: n² logits; use losses.contrastive for larger batches\), got a float64 tensor of shape \[65, 2\]/,
    );
    expect(() => explainContrastive(a, b, { aNames: ['x'] })).toThrow(/^explainContrastive: argument 'aNames' must be 3 names \(one per pair\), got \['x'\]/);
    expect(() => explainContrastive(a, b, { bNames: ['x', 'x', 'y'] })).toThrow(/^explainContrastive: argument 'bNames' must be distinct names/);
    expect(() => explainContrastive(a, b, { bNames: [1, 2, 3] as unknown as string[] })).toThrow(TypeError);
    expect(() => explainContrastive(a, b, { temperature: -1 })).toThrow(/^explainContrastive: argument 'temperature' must be a finite number > 0, got -1/);
    expect(() => explainContrastive(a, b, { labels: [0] } as never)).toThrow(/^explainContrastive: unknown option 'labels'/);
    expect(() => explainContrastive(a, tensor([[1, 2, 3, 4]], { dtype: 'float64' }))).toThrow(/^explainContrastive: argument 'b' must be 3 rows like 'a'/);
  });
});
