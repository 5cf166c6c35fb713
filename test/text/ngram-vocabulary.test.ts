import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NgramTable, WordIds } from '../../src/text/ngram-table.js';
import { ngramVocabularyConfig } from '../../src/text/ngram-vocabulary.js';
import { TextVectorization } from '../../src/text/text-vectorization.js';
import { withNgrams, words } from '../../src/text/tokenize.js';
import { OOV_ID, Vocabulary } from '../../src/text/vocabulary.js';

// Small alphabets so that n-grams repeat and counts tie often (the tie order is the hard part).
const word = fc.constantFrom('a', 'b', 'ab', 'é', 'z', '1', '\u{1F600}', '\uFFFD', '中');
const doc = fc.array(word, { maxLength: 12 });
const sizes = fc.uniqueArray(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }).map((s) => s.sort((a, b) => a - b));

/**
 * The vocabulary by its definition, in plain JavaScript (no library code): every distinct token with its count and
 * document count, those seen at least minCount times sorted by count, ties by code points from high to low
 * (Array.from compares code points), after '' and '[UNK]', up to maxTokens entries.
 */
function referenceVocabulary(docs: string[][], options: { minCount: number; maxTokens?: number }) {
  const counts = new Map<string, { count: number; docs: number }>();
  for (const d of docs) {
    for (const t of d) counts.set(t, { count: (counts.get(t)?.count ?? 0) + 1, docs: counts.get(t)?.docs ?? 0 });
    for (const t of new Set(d)) counts.get(t)!.docs++;
  }
  const codePoints = (a: string, b: string) => {
    const x = Array.from(a, (c) => c.codePointAt(0)!);
    const y = Array.from(b, (c) => c.codePointAt(0)!);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
  };
  const kept = [...counts].filter(([, c]) => c.count >= options.minCount).sort(([a, c], [b, d]) => d.count - c.count || codePoints(b, a));
  const chosen = kept.slice(0, options.maxTokens === undefined ? kept.length : options.maxTokens - 2);
  return { tokens: ['', '[UNK]', ...chosen.map(([t]) => t)], documentCounts: [0, 0, ...chosen.map(([, c]) => c.docs)], documents: docs.length };
}

describe('ngramVocabularyConfig (n-grams counted as word-id paths; Vocabulary.build counts here too)', () => {
  it("gives the definition's vocabulary of the n-gram strings exactly, and so does Vocabulary.build: tokens, ids, document counts (property)", () => {
    fc.assert(
      fc.property(
        fc.array(doc, { maxLength: 8 }),
        sizes,
        fc.integer({ min: 1, max: 3 }),
        fc.option(fc.integer({ min: 2, max: 12 })),
        (docs, n, minCount, maxTokens) => {
          const ids = new WordIds();
          const encoded = docs.map((d) => ids.internAll(d));
          const options = maxTokens === null ? { minCount } : { minCount, maxTokens };
          const ours = ngramVocabularyConfig(encoded, ids, n, options);
          const strings = docs.map((d) => withNgrams(d, n));
          const reference = referenceVocabulary(strings, options);
          expect(ours).toEqual(reference);
          expect(Vocabulary.build(strings, options).toConfig()).toEqual(reference);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('NgramTable grows past its first capacity and finds every path it added', () => {
    const table = new NgramTable();
    const path = new Int32Array(2);
    const nodes: number[] = [];
    for (let i = 0; i < 5000; i++) {
      path[0] = i % 97;
      path[1] = i;
      nodes.push(table.addPath(path, 0, 2));
    }
    for (let i = 0; i < 5000; i++) {
      path[0] = i % 97;
      path[1] = i;
      expect(table.findPath(path, 0, 2)).toBe(nodes[i]);
    }
    path[1] = 5001;
    expect(table.findPath(path, 0, 2)).toBe(-1);
    expect(
      table.text(
        nodes[123]!,
        Array.from({ length: 5000 }, (_, i) => `w${i}`),
      ),
    ).toBe('w26 w123');
  });
});

describe('TextVectorization.apply through word ids', () => {
  const text = fc
    .array(fc.constantFrom('a', 'b', 'c', 'É', 'don’t', '3.14', '中文', '!', ' ', '  ', '\u{1F600}', 'x'), { maxLength: 10 })
    .map((p) => p.join(' '));

  it('equals the token strings looked up one by one, for the adapted texts (cached ids) and for new texts, every mode (property)', () => {
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 6 }), fc.array(text, { minLength: 1, maxLength: 4 }), sizes, (train, other, ngrams) => {
        for (const outputMode of ['int', 'count', 'tfIdf'] as const) {
          const v = new TextVectorization({ outputMode, ngrams, maxTokens: 9, ...(outputMode === 'int' ? { outputSequenceLength: 7 } : {}) }).adapt(train);
          const vocab = v.getVocabulary();
          const shift = outputMode === 'int' ? 0 : 1;
          const idOf = (token: string) => {
            const i = vocab.indexOf(token);
            return i < 0 || (outputMode === 'int' && i === 0) ? OOV_ID - shift : i;
          };
          for (const texts of [train, other]) {
            const got = Array.from(v.apply(texts).values);
            const want: number[] = [];
            for (const t of texts) {
              const ids = withNgrams(words(t, 'NFKC', true), ngrams).map(idOf);
              if (outputMode === 'int') want.push(...Array.from({ length: 7 }, (_, k) => ids[k] ?? 0));
              else {
                const row = new Array<number>(vocab.length).fill(0);
                for (const id of ids) row[id]!++;
                const idf = v.idfWeights();
                want.push(...row.map((c, col) => (idf ? c * idf[col]! : c)));
              }
            }
            expect(got.length).toBe(want.length);
            got.forEach((g, i) => expect(g).toBeCloseTo(want[i]!, 5));
          }
        }
      }),
      { numRuns: 100 },
    );
  });
});
