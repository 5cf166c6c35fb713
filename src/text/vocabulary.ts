import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { WordIds } from './ngram-table.js';
import { ngramVocabularyConfig } from './ngram-vocabulary.js';

export interface VocabularyOptions {
  /** Tokens seen fewer times than this are left out (default 1). */
  minCount?: number;
  /** The vocabulary's size at most, the padding and out-of-vocabulary entries included (Keras's `max_tokens`). */
  maxTokens?: number;
  /** Id 0 (default ''; Keras's mask token). */
  paddingToken?: string;
  /** Id 1: every token outside the vocabulary maps to it (default '[UNK]', as Keras). */
  oovToken?: string;
}

/** What a vocabulary is made of, as saved in a model file. */
export interface VocabularyConfig {
  /** Every entry by id: tokens[0] is the padding token, tokens[1] the out-of-vocabulary token. */
  tokens: string[];
  /** How many documents held each entry (0 for the two reserved ones), for TF-IDF. */
  documentCounts: number[];
  /** How many documents the vocabulary was built from. */
  documents: number;
}

export const PADDING_ID = 0;
export const OOV_ID = 1;

export { compareCodePoints } from './code-points.js';

/**
 * A token ↔ id table with a deterministic order: padding at 0, out-of-vocabulary at 1, then tokens by total
 * count, most frequent first, ties by the tokens' code-point order from high to low (Keras's `adapt` order, so
 * the same corpus gives Keras's ids).
 */
export class Vocabulary {
  readonly tokens: readonly string[];
  readonly documentCounts: readonly number[];
  readonly documents: number;
  private readonly ids: Map<string, number>;

  constructor(config: VocabularyConfig) {
    const op = 'Vocabulary';
    checkOptions(op, config, ['tokens', 'documentCounts', 'documents'], 'config');
    const { tokens, documentCounts, documents } = config;
    if (!Array.isArray(tokens) || tokens.length < 2 || tokens.some((t) => typeof t !== 'string'))
      throw argError(op, 'config.tokens', 'a list of at least 2 strings (padding, out-of-vocabulary, then the tokens)', tokens);
    if (!Array.isArray(documentCounts) || documentCounts.length !== tokens.length || documentCounts.some((c) => !Number.isInteger(c) || c < 0))
      throw argError(op, 'config.documentCounts', `${tokens.length} non-negative integers, one per token`, documentCounts);
    if (!Number.isInteger(documents) || documents < 0 || documentCounts.some((c) => c > documents))
      throw argError(op, 'config.documents', 'a non-negative integer at least every document count', documents);
    this.ids = new Map();
    tokens.forEach((t, i) => {
      if (this.ids.has(t)) throw argError(op, `config.tokens[${i}]`, 'a token not already in the vocabulary', t);
      this.ids.set(t, i);
    });
    this.tokens = tokens.slice();
    this.documentCounts = documentCounts.slice();
    this.documents = documents;
  }

  /** Builds a vocabulary from tokenized documents (each an array of tokens). */
  static build(documents: Iterable<readonly string[]>, options?: VocabularyOptions): Vocabulary {
    const op = 'Vocabulary.build';
    const o = checkOptions(op, options, ['minCount', 'maxTokens', 'paddingToken', 'oovToken']);
    const minCount = o.minCount ?? 1;
    if (!Number.isInteger(minCount) || minCount < 1) throw argError(op, 'options.minCount', 'an integer ≥ 1', o.minCount);
    if (o.maxTokens !== undefined && (!Number.isInteger(o.maxTokens) || o.maxTokens < 2))
      throw argError(op, 'options.maxTokens', 'an integer ≥ 2 (padding and out-of-vocabulary count)', o.maxTokens);
    const padding = o.paddingToken ?? '';
    const oov = o.oovToken ?? '[UNK]';
    if (typeof padding !== 'string') throw argTypeError(op, 'options.paddingToken', 'a string', padding);
    if (typeof oov !== 'string' || oov === padding) throw argError(op, 'options.oovToken', 'a string other than the padding token', oov);

    // The tokens as word ids (the reserved two left out), counted as n-grams of size 1.
    const words = new WordIds();
    const docs: Int32Array[] = [];
    for (const doc of documents) {
      if (!Array.isArray(doc)) throw argTypeError(op, `documents[${docs.length}]`, 'an array of token strings', doc);
      const ids: number[] = [];
      for (const t of doc) {
        if (typeof t !== 'string') throw argTypeError(op, `documents[${docs.length}]`, 'an array of token strings', t);
        if (t !== padding && t !== oov) ids.push(words.intern(t));
      }
      docs.push(Int32Array.from(ids));
    }
    const limit = o.maxTokens === undefined ? {} : { maxTokens: o.maxTokens };
    return new Vocabulary(ngramVocabularyConfig(docs, words, [1], { minCount, ...limit, paddingToken: padding, oovToken: oov }));
  }

  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token: OOV_ID (1) for a token outside the vocabulary. */
  id(token: string): number {
    return this.ids.get(token) ?? OOV_ID;
  }

  /** The ids of tokens, as int32. */
  encode(tokens: readonly string[]): Int32Array {
    const out = new Int32Array(tokens.length);
    for (let i = 0; i < tokens.length; i++) out[i] = this.id(tokens[i]!);
    return out;
  }

  /** The token with this id. */
  token(id: number): string {
    if (!Number.isInteger(id) || id < 0 || id >= this.tokens.length)
      throw argError('Vocabulary.token', 'id', `an integer in [0, ${this.tokens.length - 1}]`, id);
    return this.tokens[id]!;
  }

  toConfig(): VocabularyConfig {
    return { tokens: this.tokens.slice(), documentCounts: this.documentCounts.slice(), documents: this.documents };
  }
}
