import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';

export type UnicodeNormalization = 'NFKC' | 'NFC' | 'none';

export interface TokenizeOptions {
  /** Unicode normalization before anything else (default 'NFKC': full-width forms, ligatures and circled digits fold to their plain letters and digits). */
  normalization?: UnicodeNormalization;
  /** Lower-case with Unicode's default case mapping (default true; locale-independent). */
  lowercase?: boolean;
  /** Word n-grams: n adds every 2..n-gram after the unigrams; a list picks the sizes (Keras's `ngrams`). Default 1. */
  ngrams?: number | readonly number[];
}

const NORMALIZATIONS: readonly UnicodeNormalization[] = ['NFKC', 'NFC', 'none'];

/*
 * One token per match, tried in this order (docs/text.md has the table):
 * 1. an ideograph or kana letter: scripts written without spaces, so each character stands alone;
 * 2. a number with inner separators, such as 3.14 or 1,000 (a run of digits alone is a word below);
 * 3. a word: a letter or digit, then letters, marks and digits, joined across an inner apostrophe (don't, l'homme);
 * 4. an emoji with its modifiers, variation selectors and zero-width-joined parts, or a flag (two regional indicators).
 * Everything else (punctuation, symbols, spaces, control characters) separates tokens and is dropped.
 */
const SPACELESS = String.raw`\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}`;
const WORD_START = String.raw`(?:(?![${SPACELESS}])[\p{L}\p{N}])`;
const WORD_CHAR = String.raw`(?:(?![${SPACELESS}])[\p{L}\p{M}\p{N}])`;
const EMOJI_PART = String.raw`\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier})*`;
export const TOKEN_PATTERN = new RegExp(
  [
    String.raw`(?=\p{L})[${SPACELESS}]`,
    String.raw`\p{Nd}+(?:[.,]\p{Nd}+)+(?![\p{L}\p{M}\p{N}])`,
    String.raw`${WORD_START}${WORD_CHAR}*(?:['’]${WORD_START}${WORD_CHAR}*)*`,
    String.raw`${EMOJI_PART}(?:\u200D${EMOJI_PART})*`,
    String.raw`\p{Regional_Indicator}{2}`,
  ].join('|'),
  'gu',
);

/*
 * The same rules on ASCII text, where they reduce to plain character classes: no ideographs, kana, marks, emoji
 * or regional indicators exist there, letters are [A-Za-z], digits [0-9] and the apostrophe is '. About 3× faster
 * than the Unicode pattern; a property test checks they agree on ASCII.
 */
const ASCII_TOKEN_PATTERN = /[0-9]+(?:[.,][0-9]+)+(?![A-Za-z0-9])|[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*/g;
// eslint-disable-next-line no-control-regex -- the ASCII range starts at U+0000 by definition
const NON_ASCII = /[^\x00-\x7f]/;

/** Checks tokenize's options; returns them with the defaults filled in. */
export function tokenizeOptions(op: string, options: TokenizeOptions | undefined, arg = 'options'): Required<TokenizeOptions> & { ngrams: number[] } {
  const o = checkOptions(op, options, ['normalization', 'lowercase', 'ngrams'], arg);
  const normalization = o.normalization === undefined ? 'NFKC' : checkChoice(op, `${arg}.normalization`, o.normalization, NORMALIZATIONS);
  if (o.lowercase !== undefined && typeof o.lowercase !== 'boolean') throw argTypeError(op, `${arg}.lowercase`, 'a boolean', o.lowercase);
  return { normalization, lowercase: o.lowercase ?? true, ngrams: ngramSizes(op, `${arg}.ngrams`, o.ngrams) };
}

function ngramSizes(op: string, arg: string, ngrams: TokenizeOptions['ngrams']): number[] {
  if (ngrams === undefined) return [1];
  const isSize = (n: unknown): n is number => typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 16;
  if (isSize(ngrams)) return Array.from({ length: ngrams }, (_, i) => i + 1);
  if (Array.isArray(ngrams) && ngrams.length > 0 && ngrams.every(isSize) && new Set(ngrams).size === ngrams.length) return [...ngrams].sort((a, b) => a - b);
  throw argError(op, arg, 'an integer n in [1, 16] (sizes 1..n) or a non-empty list of distinct sizes in [1, 16]', ngrams);
}

/** The text as the tokenizer sees it: normalized, then lower-cased (and normalized again, as case mapping can denormalize). */
export function standardize(text: string, normalization: UnicodeNormalization, lowercase: boolean): string {
  const norm = (s: string) => (normalization === 'none' ? s : s.normalize(normalization));
  return lowercase ? norm(norm(text).toLowerCase()) : norm(text);
}

/**
 * Splits a text into tokens (docs/text.md): Unicode-aware words and numbers, each CJK ideograph or kana alone,
 * emoji kept, punctuation and symbols dropped; with `ngrams`, the word n-grams follow the unigrams, their words
 * joined by one space (Keras's order: all 1-grams, then all 2-grams, ...).
 */
export function tokenize(text: string, options?: TokenizeOptions): string[] {
  const op = 'tokenize';
  if (typeof text !== 'string') throw argTypeError(op, 'text', 'a string', text);
  const o = tokenizeOptions(op, options);
  return withNgrams(words(text, o.normalization, o.lowercase), o.ngrams);
}

/** The words of a text (standardized, then split by the token rules), without n-grams. */
export function words(text: string, normalization: UnicodeNormalization, lowercase: boolean): string[] {
  // ASCII is stable under NFC and NFKC, and lower-cases to ASCII.
  if (!NON_ASCII.test(text)) return (lowercase ? text.toLowerCase() : text).match(ASCII_TOKEN_PATTERN) ?? [];
  return standardize(text, normalization, lowercase).match(TOKEN_PATTERN) ?? [];
}

/** The n-grams of `words` for each size in `sizes` (increasing), joined by a space. */
export function withNgrams(words: readonly string[], sizes: readonly number[]): string[] {
  const out: string[] = [];
  for (const n of sizes) for (let i = 0; i + n <= words.length; i++) out.push(n === 1 ? words[i]! : words.slice(i, i + n).join(' '));
  return out;
}
