import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { standardize, tokenize, TOKEN_PATTERN } from '../../src/text/tokenize.js';

// The rows of docs/text.md's table: each input with the tokens the table promises.
const TABLE: [string, string[]][] = [
  ['The new smartphone has amazing features.', ['the', 'new', 'smartphone', 'has', 'amazing', 'features']],
  ["Don't stop: l'homme, e-mail, a@b.com", ["don't", 'stop', "l'homme", 'e', 'mail', 'a', 'b', 'com']],
  ['3.14 and 1,000 items, 2024-01-05, $5, 50%', ['3.14', 'and', '1,000', 'items', '2024', '01', '05', '5', '50']],
  ['mp3 covid19 3d snake_case #tag @user', ['mp3', 'covid19', '3d', 'snake', 'case', 'tag', 'user']],
  ['深度学习很有趣！', ['深', '度', '学', '习', '很', '有', '趣']],
  ['カタカナ ひらがな 한국어 문장', ['カ', 'タ', 'カ', 'ナ', 'ひ', 'ら', 'が', 'な', '한국어', '문장']],
  ['Café CAFÉ naïve Ångström', ['café', 'café', 'naïve', 'ångström']],
  ['Ｆｕｌｌ１２３ ﬁne ①', ['full123', 'fine', '1']],
  ['I ❤️ it 👍🏽 👨‍👩‍👧 🇫🇷!!', ['i', '❤️', 'it', '👍🏽', '👨‍👩‍👧', '🇫🇷']],
  ['great👍 ok', ['great', '👍', 'ok']],
  ['ΣΟΦΟΣ İstanbul', ['σοφος', 'i̇stanbul']],
  ['  \t\n ... !!! ', []],
];

describe('tokenize', () => {
  it.each(TABLE)('%s', (text, tokens) => {
    expect(tokenize(text)).toEqual(tokens);
  });

  it('keeps case and accents apart when asked, and composes with NFC alone', () => {
    expect(tokenize('Café ﬁ', { lowercase: false, normalization: 'NFC' })).toEqual(['Café', 'ﬁ']);
    expect(tokenize('Cafe\u0301', { normalization: 'none' })).toEqual(['cafe\u0301']);
    expect(tokenize('Cafe\u0301')).toEqual(['café']);
  });

  it('adds word n-grams after the unigrams, in Keras order', () => {
    expect(tokenize('a b c', { ngrams: 2 })).toEqual(['a', 'b', 'c', 'a b', 'b c']);
    expect(tokenize('a b c d', { ngrams: [3, 1] })).toEqual(['a', 'b', 'c', 'd', 'a b c', 'b c d']);
    expect(tokenize('a', { ngrams: 3 })).toEqual(['a']);
  });

  it('rejects bad arguments by name', () => {
    expect(() => tokenize(3 as unknown as string)).toThrow(/tokenize.*'text'/);
    expect(() => tokenize('a', { ngrams: 0 })).toThrow(/tokenize.*options\.ngrams/);
    expect(() => tokenize('a', { ngrams: [2, 2] })).toThrow(/options\.ngrams/);
    expect(() => tokenize('a', { normalization: 'NFD' as 'NFC' })).toThrow(/options\.normalization/);
    expect(() => tokenize('a', { lowercase: 'yes' as unknown as boolean })).toThrow(/options\.lowercase/);
    expect(() => tokenize('a', { lower: true } as never)).toThrow(/unknown option 'lower'/);
  });

  it('properties: tokens are non-empty, carry no space or punctuation at their ends, and come in text order', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (text) => {
        const tokens = tokenize(text);
        const std = standardize(text, 'NFKC', true);
        let from = 0;
        for (const t of tokens) {
          expect(t.length).toBeGreaterThan(0);
          expect(t).not.toMatch(/\s/u);
          if (!/\p{Extended_Pictographic}|\p{Regional_Indicator}/u.test(t)) expect(t).toMatch(/^[\p{L}\p{N}].*[\p{L}\p{M}\p{N}]$|^[\p{L}\p{N}]$/su);
          const at = std.indexOf(t, from);
          expect(at).toBeGreaterThanOrEqual(from);
          from = at + t.length;
        }
      }),
    );
  });

  it('properties: on ASCII text the fast path gives what the Unicode pattern gives', () => {
    // Texts dense in the characters the rules care about: digits, separators, apostrophes, letters of both cases.
    const ascii = fc.string({ unit: fc.constantFrom(..."aZ09.,'’ -_\t\n#@$é".split('').filter((c) => c.charCodeAt(0) < 128)), maxLength: 40 });
    fc.assert(
      fc.property(fc.oneof(ascii, fc.string({ unit: 'grapheme-ascii', maxLength: 60 })), fc.boolean(), (text, lowercase) => {
        const slow = standardize(text, 'NFKC', lowercase).match(TOKEN_PATTERN) ?? [];
        expect(tokenize(text, { lowercase })).toEqual(slow);
      }),
      { numRuns: 2000 },
    );
  });

  it('properties: idempotent on its own output, and lower-casing commutes with it', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 60 }), (text) => {
        const tokens = tokenize(text);
        expect(tokenize(tokens.join(' '))).toEqual(tokens);
        expect(tokenize(text.toUpperCase())).toEqual(tokens);
      }),
    );
  });
});
