import { describe, expect, it } from 'vitest';
import { explain, renderJson, renderMarkdown, renderText, type ExplainTrace } from '../../src/index.js';
import { losses, nn, tensor } from '../../src/index.js';

/** The seeds' worked examples (../shared/seeds), explained and rendered with their exact numbers. */

const W = [
  [1.0, -1.0, 0.5],
  [0.8, 0.5, -0.3],
  [-0.5, 1.2, 1.0],
];
const b = [0.2, -0.1, 0.5];
const f = [0.5, 0.8, 1.2];

function allChecksAgree(t: ExplainTrace): void {
  for (const c of t.checks) expect(c.ok, `${c.name}: ${c.maxError} > ${c.tolerance}`).toBe(true);
}

describe('seed 000: z = W·f + b, then softmax', () => {
  const t = explain({ weights: W, bias: b, features: f, classNames: ['A', 'B', 'C'] });

  it('computes the logits [0.5, 0.34, 2.41] with every product term', () => {
    expect(t.dtype).toBe('float64');
    expect(t.batched).toBe(false);
    expect(t.dense!.rows[0].products).toEqual([
      [0.5, -0.8, 0.6],
      [0.4, 0.4, -0.36],
      [-0.25, 0.96, 1.2],
    ]);
    const z = t.rows[0].logits;
    [0.5, 0.34, 2.41].forEach((v, i) => expect(z[i]).toBeCloseTo(v, 14));
    // The trace shows what the library computes: z_A is the float64 sum 0.5 − 0.8 + 0.6 + 0.2, not 0.5.
    expect(z[0]).toBe(0.49999999999999994);
    expect(t.dense!.rows[0].dots.map((v) => Number(v.toPrecision(12)))).toEqual([0.3, 0.44, 1.91]);
    allChecksAgree(t);
  });

  it('gives p ≈ [0.116, 0.099, 0.785] and decides C, with no numerics notes', () => {
    const p = t.rows[0].probabilities;
    expect(p.map((v) => Number(v.toFixed(3)))).toEqual([0.116, 0.099, 0.785]);
    expect(p).toEqual(Array.from(nn.softmax(tensor([t.rows[0].logits], { dtype: 'float64' })).values));
    expect(t.rows[0].decision).toMatchObject({ classId: 2, className: 'C' });
    expect(t.notes).toEqual([]);
  });

  it('renders the seed derivation as text', () => {
    const text = renderText(t, { digits: 3 });
    expect(text).toContain('z[A] = (1·0.5) + (-1·0.8) + (0.5·1.2) = 0.5 - 0.8 + 0.6 ≈ 0.3');
    expect(text).toContain('z[A] = 0.3 + 0.2 ≈ 0.5');
    expect(text).toContain('z[B] = (0.8·0.5) + (0.5·0.8) + (-0.3·1.2) = 0.4 + 0.4 - 0.36 ≈ 0.44');
    expect(text).toContain('z[B] = 0.44 - 0.1 ≈ 0.34');
    expect(text).toContain('z[C] = (-0.5·0.5) + (1.2·0.8) + (1·1.2) = -0.25 + 0.96 + 1.2 = 1.91');
    expect(text).toContain('z[C] = 1.91 + 0.5 = 2.41');
    expect(text).toContain('p(A) = 0.148 / 1.27 ≈ 0.116');
    expect(text).toContain('p(B) = 0.126 / 1.27 ≈ 0.099');
    expect(text).toContain('p(C) = 1 / 1.27 ≈ 0.785');
    // The seed's naive exponentials (it rounds exp(0.34) = 1.40495 to 1.41) and their sum 14.2.
    expect(text).toContain('exp(z) = 1.65, 1.4, 11.1, their sum ≈ 14.2');
    expect(text).toMatch(/decision: argmax_i z_i; C, with z = 2\.41 and p = 0\.785; softmax keeps the order/);
    // The table: the class column and the numbers aligned on their decimal points.
    expect(text).toContain(
      [
        '  class  z     z - max  exp(z - max)  p      log p',
        '  A      0.5   -1.91    0.148         0.116  -2.15',
        '  B      0.34  -2.07    0.126         0.099  -2.31',
        '  C      2.41   0       1             0.785  -0.242',
      ].join('\n'),
    );
  });

  it('renders Markdown with a table and formulas', () => {
    const md = renderMarkdown(t, { digits: 3 });
    expect(md).toContain('| class | z | z - max | exp(z - max) | p | log p |');
    expect(md).toContain('| A | 0.5 | -1.91 | 0.148 | 0.116 | -2.15 |');
    expect(md).toContain('| C | 2.41 | 0 | 1 | 0.785 | -0.242 |');
    expect(md).toContain('1. **dense layer** $z_i = \\sum_j W_{ij} f_j + b_i$ — f = [0.5, 0.8, 1.2]');
    expect(md).toContain('   - z[A] = (1·0.5) + (-1·0.8) + (0.5·1.2) = 0.5 - 0.8 + 0.6 ≈ 0.3');
    expect(md).toContain('**probabilities** $p_i = \\frac{e_i}{1 + s}$');
  });

  it('renders JSON with the library values at full precision', () => {
    const json = renderJson(t);
    expect(json).toContain('"logits": [0.49999999999999994, 0.3400000000000001, 2.41]');
    expect(json).toContain('"products": [\n');
    expect(json).toContain('[0.4, 0.4, -0.36]');
    expect(json).toContain('"probabilities": [0.11620836390324826, 0.09902623552607828, 0.7847654005706735]');
    const back = JSON.parse(json);
    expect(back.rows[0].probabilities).toEqual(t.rows[0].probabilities);
    expect(back.dense.weights).toEqual(W);
  });
});

describe('seed 002: logits [2.0, 1.0, 0.1] for news, entertainment, technology', () => {
  const classNames = ['news', 'entertainment', 'technology'];
  const t = explain({ logits: [2.0, 1.0, 0.1], classNames });

  it('gives p ≈ [0.66, 0.24, 0.10] → news', () => {
    const p = t.rows[0].probabilities;
    expect(p.map((v) => Number(v.toFixed(2)))).toEqual([0.66, 0.24, 0.1]);
    expect(t.rows[0].naive.exps.map((v) => Number(v.toFixed(2)))).toEqual([7.39, 2.72, 1.11]);
    expect(Number(t.rows[0].naive.sum.toFixed(2))).toBe(11.21);
    expect(t.rows[0].decision).toEqual({ classId: 0, className: 'news', logit: 2, probability: p[0], correct: null });
    expect(t.loss).toBeNull();
    expect(t.notes).toEqual([]);
    allChecksAgree(t);
  });

  it('renders text, Markdown and JSON', () => {
    const text = renderText(t);
    expect(text).toContain('news           2     0       1             0.659001   -0.41703');
    expect(text).toContain('exp(z) = 7.38906, 2.71828, 1.10517, their sum ≈ 11.2125');
    expect(text).toContain('p(news)          = 1 / 1.51745 ≈ 0.659001');
    expect(text).toContain('decision: argmax_i z_i; news, with z = 2 and p = 0.659001; softmax keeps the order of the logits, so argmax needs no softmax');
    expect(renderText(t, { digits: 2 })).toContain('p(technology)    = 0.15 / 1.5 ≈ 0.099');
    const md = renderMarkdown(t);
    expect(md).toContain('| news | 2 | 0 | 1 | 0.659001 | -0.41703 |');
    expect(md).toContain('6. **decision** $\\arg\\max_i z_i$ — news');
    expect(JSON.parse(renderJson(t)).rows[0].probabilities).toEqual([0.6590011388859679, 0.24243297070471392, 0.09856589040931818]);
  });

  it('explains the loss for the label news', () => {
    const l = explain({ logits: [2.0, 1.0, 0.1], classNames, labels: 'news' });
    expect(l.loss!.op).toBe('losses.sparseSoftmaxCrossEntropy');
    expect(l.rows[0].loss).toBeCloseTo(0.41703001627783354, 15);
    expect(l.rows[0].gradient!.map((v) => Number(v.toFixed(6)))).toEqual([-0.340999, 0.242433, 0.098566]);
    expect(l.rows[0].decision.correct).toBe(true);
    expect(renderText(l)).toContain('the target is class news: loss = -log p(news) = -(-0.41703) ≈ 0.41703');
    allChecksAgree(l);
  });
});

describe('seed 003: a batch of two with one-hot labels', () => {
  const logits = [
    [0.5, 1.5, 0.1],
    [2.2, 1.3, 1.7],
  ];
  const labels = [
    [0, 1, 0],
    [0, 0, 1],
  ];
  const t = explain({ logits, labels });

  it('gives the seed probabilities, losses and mean', () => {
    const seedP = [
      [0.227863, 0.61939586, 0.15274114],
      [0.49674623, 0.20196195, 0.30129182],
    ];
    t.rows.forEach((r, i) => r.probabilities.forEach((v, j) => expect(Math.abs(v - seedP[i][j])).toBeLessThan(5e-9)));
    expect(t.loss!.op).toBe('losses.softmaxCrossEntropy');
    const [l0, l1] = t.loss!.perExample;
    expect(Math.abs(l0 - 0.4790107)).toBeLessThan(5e-8);
    expect(Math.abs(l1 - 1.19967598)).toBeLessThan(5e-9);
    // The mean is what the library computes (the correctly rounded mean of the two rounded losses), within one
    // ulp of the exactly rounded true mean 0.8393433389787793 (TensorFlow's seed value 0.83934333897877944
    // comes from its naive formula).
    const mean = t.loss!.value!;
    expect(mean).toBe(losses.softmaxCrossEntropy(tensor(labels, { dtype: 'float64' }), tensor(logits, { dtype: 'float64' }), { reduction: 'mean' }).item());
    expect(Math.abs(mean - 0.8393433389787793)).toBeLessThanOrEqual(2 ** -53);
    expect(t.rows.map((r) => r.decision.classId)).toEqual([1, 0]);
    expect(t.rows.map((r) => r.decision.correct)).toEqual([true, false]);
    expect(t.rows.map((r) => r.target!.classId)).toEqual([1, 2]);
    expect(t.notes).toEqual([]);
    allChecksAgree(t);
  });

  it('renders the batch loss', () => {
    const text = renderText(t);
    expect(text).toContain('Example 0');
    expect(text).toContain('Example 1');
    expect(text).toContain('Batch loss per example (losses.softmaxCrossEntropy): [0.479011, 1.19968]');
    expect(text).toContain("reduction 'mean': (0.479011 + 1.19968) / 2 ≈ 0.839343");
    expect(text).toContain('decision: argmax_i z_i; 0 (wrong: the label is 2)');
    expect(renderText(t, { digits: 8 })).toContain('[0.4790107, 1.199676]');
    const md = renderMarkdown(t);
    expect(md).toContain('### Example 1');
    expect(md).toContain('### Loss');
    const json = JSON.parse(renderJson(t));
    expect(json.loss).toEqual({ op: 'losses.softmaxCrossEntropy', perExample: t.loss!.perExample, reduction: 'mean', value: t.loss!.value });
    expect(renderJson(t)).toContain(`"value": ${String(t.loss!.value)}`);
  });
});
