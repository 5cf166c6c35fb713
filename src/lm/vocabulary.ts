import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';

/** The special tokens' names in the vocabulary (class names); a character is one code point, so never these. */
export const PAD_TOKEN = '<pad>';
export const UNK_TOKEN = '<unk>';
export const PADDING_ID = 0;
export const UNKNOWN_ID = 1;

export interface VocabularyOptions {
  /** Characters seen fewer times than this map to the unknown id (default 2). */
  minCount?: number;
  /** At most this many characters (the most frequent; ties by code point), default 4096. */
  maxSize?: number;
}

/**
 * A character vocabulary: id 0 the padding that fills positions before a text's start, id 1 the unknown
 * character, then the corpus's characters (Unicode code points of the NFC text) seen at least `minCount` times,
 * in code point order: the order depends on the set of characters only, never on the order they were met.
 * `tokens` (the id → string table) is what a model file stores as its class names.
 */
export class CharVocabulary {
  readonly tokens: readonly string[];
  private readonly ids: Map<string, number>;

  constructor(tokens: readonly string[]) {
    const op = 'CharVocabulary';
    if (!Array.isArray(tokens) || tokens[PADDING_ID] !== PAD_TOKEN || tokens[UNKNOWN_ID] !== UNK_TOKEN) {
      throw argError(op, 'tokens', `['${PAD_TOKEN}', '${UNK_TOKEN}', ...characters]`, tokens);
    }
    this.ids = new Map();
    tokens.slice(2).forEach((t, i) => {
      if (typeof t !== 'string' || [...t].length !== 1) throw argError(op, `tokens[${i + 2}]`, 'one character (Unicode code point)', t);
      if (this.ids.has(t)) throw argError(op, `tokens[${i + 2}]`, 'a character not already in the vocabulary', t);
      this.ids.set(t, i + 2);
    });
    this.tokens = Object.freeze(tokens.slice());
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of one character (the unknown id when it is not in the vocabulary). */
  id(char: string): number {
    return this.ids.get(char) ?? UNKNOWN_ID;
  }

  /** The ids of a text's characters (NFC first, as the corpus was read). */
  encode(text: string): Int32Array {
    if (typeof text !== 'string') throw argTypeError('CharVocabulary.encode', 'text', 'a string', text);
    const cps = Array.from(text.normalize('NFC'));
    return Int32Array.from(cps, (c) => this.id(c));
  }

  /** The text of some ids: padding gives nothing, the unknown id U+FFFD. */
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length)
        throw argError('CharVocabulary.decode', 'ids', `ids in [0, ${this.tokens.length - 1}]`, id);
      s += id === PADDING_ID ? '' : id === UNKNOWN_ID ? '\uFFFD' : this.tokens[id];
    }
    return s;
  }
}

/** Counts the characters of the texts and keeps those seen at least `minCount` times (see CharVocabulary). */
export function buildCharVocabulary(texts: readonly string[], options: VocabularyOptions = {}): CharVocabulary {
  const op = 'buildCharVocabulary';
  checkOptions(op, options, ['minCount', 'maxSize']);
  const minCount = options.minCount ?? 2;
  const maxSize = options.maxSize ?? 4096;
  if (!Number.isInteger(minCount) || minCount < 1) throw argError(op, 'minCount', 'a positive integer', minCount);
  if (!Number.isInteger(maxSize) || maxSize < 1) throw argError(op, 'maxSize', 'a positive integer', maxSize);
  if (!Array.isArray(texts)) throw argTypeError(op, 'texts', 'an array of strings', texts);
  const counts = new Map<string, number>();
  texts.forEach((t, i) => {
    if (typeof t !== 'string') throw argTypeError(op, `texts[${i}]`, 'a string', t);
    for (const c of t.normalize('NFC')) counts.set(c, (counts.get(c) ?? 0) + 1);
  });
  const byCodePoint = (a: string, b: string) => a.codePointAt(0)! - b.codePointAt(0)!;
  let kept = [...counts].filter(([, n]) => n >= minCount);
  if (kept.length > maxSize) kept = kept.sort((a, b) => b[1] - a[1] || byCodePoint(a[0], b[0])).slice(0, maxSize);
  if (kept.length === 0) throw argError(op, 'texts', `at least one character seen ${minCount} times or more`, `${counts.size} distinct characters`);
  return new CharVocabulary([PAD_TOKEN, UNK_TOKEN, ...kept.map(([c]) => c).sort(byCodePoint)]);
}
