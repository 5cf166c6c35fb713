import { describe, expect, it } from 'vitest';
import { explain, Random, renderJson, renderMarkdown, renderText, type ExplainInput } from '../../src/index.js';

describe('any logits, any options', () => {
  it('every renderer works and every cross-check agrees, with NaN, ±∞, huge, tiny and subnormal logits', () => {
    const rng = new Random(3);
    const specials = [NaN, Infinity, -Infinity, 1e300, -1e300, 3e38, -3e38, 0, -0, 1e-320, 88.7, 709.8, -750, -104];
    for (let k = 0; k < 150; k++) {
      const C = 1 + rng.int(5);
      const rows = Array.from({ length: 1 + rng.int(3) }, () =>
        Array.from({ length: C }, () => (rng.next() < 0.3 ? specials[rng.int(specials.length)] : rng.uniform(-50, 50))),
      );
      const input: ExplainInput = { logits: rows, dtype: rng.next() < 0.5 ? 'float32' : 'float64' };
      if (rng.next() < 0.7) input.labels = rows.map(() => (rng.next() < 0.5 ? rng.int(C) : Array.from({ length: C }, () => rng.next())));
      if (rng.next() < 0.3) input.temperature = rng.uniform(0.01, 10);
      if (input.labels && rng.next() < 0.3) input.labelSmoothing = rng.next();
      const t = explain(input);
      expect(
        t.checks.filter((c) => !c.ok),
        JSON.stringify(input),
      ).toEqual([]);
      expect(renderText(t)).toContain('Cross-checks:');
      expect(renderMarkdown(t)).toContain('| class |');
      expect(JSON.parse(renderJson(t)).rows).toHaveLength(rows.length);
    }
  });
});
