import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, OOV_ID, PADDING_ID, Vocabulary } from '../../src/text/vocabulary.js';

describe('Vocabulary', () => {
  const docs = [
    ['b', 'a', 'c', 'a'],
    ['a', 'd', 'b'],
    ['é', 'z', 'z'],
  ];

  it('orders by count, ties by code point from high to low (Keras adapt order), after padding and OOV', () => {
    // counts: a 3; b 2, z 2; c 1, d 1, é 1. Ties high to low: z before b; é (U+E9) before d before c.
    const v = Vocabulary.build(docs);
    expect(v.tokens).toEqual(['', '[UNK]', 'a', 'z', 'b', 'é', 'd', 'c']);
    expect(v.documentCounts).toEqual([0, 0, 2, 1, 2, 1, 1, 1]);
    expect(v.documents).toBe(3);
    expect(v.id('a')).toBe(2);
    expect(v.id('unseen')).toBe(OOV_ID);
    expect(Array.from(v.encode(['z', 'q', '']))).toEqual([3, OOV_ID, PADDING_ID]);
    expect(v.token(5)).toBe('é');
  });

  it('compareCodePoints is the order of the code point sequences (property, against Array.from code points)', () => {
    const reference = (a: string, b: string) => {
      const x = Array.from(a, (c) => c.codePointAt(0)!);
      const y = Array.from(b, (c) => c.codePointAt(0)!);
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return x.length - y.length;
    };
    const unit = fc.constantFrom('a', 'z', '\u00e9', '\ue000', '\uffff', '\ufffd', '😀', '𝄞', '数', 'b');
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 6 }), fc.string({ unit, maxLength: 6 }), (a, b) => {
        expect(Math.sign(compareCodePoints(a, b))).toBe(Math.sign(reference(a, b)));
      }),
      { numRuns: 3000 },
    );
  });

  it('compares code points, not UTF-16 units: an astral token sorts above U+FFFD', () => {
    const v = Vocabulary.build([['\u{1F600}', '\uFFFD']]);
    expect(v.tokens.slice(2)).toEqual(['\u{1F600}', '\uFFFD']);
  });

  it('minCount and maxTokens (which counts the two reserved ids)', () => {
    expect(Vocabulary.build(docs, { minCount: 2 }).tokens).toEqual(['', '[UNK]', 'a', 'z', 'b']);
    expect(Vocabulary.build(docs, { maxTokens: 4 }).tokens).toEqual(['', '[UNK]', 'a', 'z']);
    expect(Vocabulary.build(docs, { paddingToken: '<pad>', oovToken: '<unk>' }).tokens.slice(0, 2)).toEqual(['<pad>', '<unk>']);
  });

  it('round-trips through its config and checks a config it did not make', () => {
    const v = Vocabulary.build(docs);
    expect(new Vocabulary(v.toConfig()).tokens).toEqual(v.tokens);
    expect(() => new Vocabulary({ tokens: ['', '[UNK]', 'a', 'a'], documentCounts: [0, 0, 1, 1], documents: 1 })).toThrow(/config\.tokens\[3\]/);
    expect(() => new Vocabulary({ tokens: ['', '[UNK]'], documentCounts: [0], documents: 1 })).toThrow(/config\.documentCounts/);
    expect(() => new Vocabulary({ tokens: ['', '[UNK]', 'a'], documentCounts: [0, 0, 5], documents: 1 })).toThrow(/config\.documents/);
    expect(() => new Vocabulary({ tokens: ['x'], documentCounts: [0], documents: 0 })).toThrow(/config\.tokens/);
  });

  it('rejects bad options and documents by name', () => {
    expect(() => Vocabulary.build(docs, { minCount: 0 })).toThrow(/options\.minCount/);
    expect(() => Vocabulary.build(docs, { maxTokens: 1 })).toThrow(/options\.maxTokens/);
    expect(() => Vocabulary.build(docs, { oovToken: '' })).toThrow(/options\.oovToken/);
    expect(() => Vocabulary.build(docs, { size: 3 } as never)).toThrow(/unknown option 'size'/);
    expect(() => Vocabulary.build(['ab' as unknown as string[]])).toThrow(/documents\[0\]/);
    expect(() => Vocabulary.build(docs).token(8)).toThrow(/'id'/);
  });

  it('properties: the order is a function of the counts alone, and every kept token outranks every dropped one', () => {
    const token = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'ü', '中', '😀');
    fc.assert(
      fc.property(fc.array(fc.array(token, { maxLength: 8 }), { maxLength: 8 }), fc.integer({ min: 2, max: 6 }), (documents, maxTokens) => {
        const shuffled = [...documents].reverse().map((d) => [...d].reverse());
        const v = Vocabulary.build(documents, { maxTokens });
        expect(Vocabulary.build(shuffled, { maxTokens }).tokens).toEqual(v.tokens);
        const count = (t: string) => documents.flat().filter((x) => x === t).length;
        const kept = v.tokens.slice(2);
        const dropped = [...new Set(documents.flat())].filter((t) => !kept.includes(t));
        for (const k of kept) for (const d of dropped) expect(count(k)).toBeGreaterThanOrEqual(count(d));
        for (let i = 1; i < kept.length; i++) expect(count(kept[i - 1]!)).toBeGreaterThanOrEqual(count(kept[i]!));
      }),
    );
  });
});
