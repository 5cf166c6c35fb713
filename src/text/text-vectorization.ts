import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { NgramLookup, WordIds } from './ngram-table.js';
import { ngramVocabularyConfig } from './ngram-vocabulary.js';
import { tokenizeOptions, withNgrams, words, type UnicodeNormalization } from './tokenize.js';
import { OOV_ID, PADDING_ID, Vocabulary, type VocabularyConfig } from './vocabulary.js';

export type TextOutputMode = 'int' | 'multiHot' | 'count' | 'tfIdf';
export const TEXT_OUTPUT_MODES: readonly TextOutputMode[] = ['int', 'multiHot', 'count', 'tfIdf'];

export interface TextVectorizationConfig {
  /**
   * Keras's `max_tokens`: the vocabulary's size at most. In 'int' mode it counts the padding id 0 and the
   * out-of-vocabulary id 1; in the bag modes it counts the out-of-vocabulary column 0 only (as Keras).
   */
  maxTokens?: number;
  /** Tokens seen fewer times than this in `adapt`'s texts are left out (default 1). */
  minCount?: number;
  /** 'int' (default): token ids; 'multiHot': 0/1 per vocabulary entry; 'count': occurrences; 'tfIdf': count · idf. */
  outputMode?: TextOutputMode;
  /** 'int' mode (required there): ids per text, padded with 0 at the end or cut after the first L tokens (as Keras). */
  outputSequenceLength?: number;
  /** Word n-grams, as `tokenize` (default 1). */
  ngrams?: number | readonly number[];
  /** As `tokenize` (default 'NFKC'). */
  normalization?: UnicodeNormalization;
  /** As `tokenize` (default true). */
  lowercase?: boolean;
  /** A fixed vocabulary (its tokens, without the padding and out-of-vocabulary entries) instead of `adapt`. */
  vocabulary?: readonly string[];
  /** The output dtype of the bag modes (default float32). */
  dtype?: 'float32' | 'float64';
  name?: string;
}

/** What a model file stores of a vectorizer: its settings and its adapted vocabulary. */
export interface TextVectorizationJSON {
  outputMode: TextOutputMode;
  maxTokens?: number;
  minCount: number;
  outputSequenceLength?: number;
  ngrams: number[];
  normalization: UnicodeNormalization;
  lowercase: boolean;
  dtype?: 'float32' | 'float64';
  name?: string;
  vocabulary: VocabularyConfig | null;
}

/** One token of a text as the vectorizer sees it (`analyze`). */
export interface AnalyzedToken {
  /** The token (a word, a number, an n-gram's words joined by a space). */
  token: string;
  /** Its id in 'int' mode, or its output column in the bag modes (0 = out of vocabulary there). */
  id: number;
  /** False for an 'int'-mode token after the first `outputSequenceLength` (cut off). */
  kept: boolean;
}

const CONFIG_KEYS = ['maxTokens', 'minCount', 'outputMode', 'outputSequenceLength', 'ngrams', 'normalization', 'lowercase', 'vocabulary', 'dtype', 'name'];
const MAX_SEQUENCE_LENGTH = 1 << 20;
const MAX_TOKEN_CHARS = 1024;

/**
 * Keras's TextVectorization: raw strings → what a model's first layer takes. `adapt(texts)` builds the vocabulary
 * (text.Vocabulary: padding '' at 0, '[UNK]' at 1, then by count with Keras's tie order); `apply(texts)` gives
 * int32 ids [n, outputSequenceLength] in 'int' mode, or floats [n, vocabularySize()] in the bag modes, whose
 * column 0 is '[UNK]' (Keras's layout: no padding column). The tokenizer is logitkit's (`tokenize`, docs/text.md),
 * not Keras's whitespace split. A model built on it (`sequential([vectorizer, ...])` or
 * `input({textVectorization})`) takes string arrays and saves the vectorizer in its file.
 */
export class TextVectorization {
  readonly outputMode: TextOutputMode;
  readonly maxTokens: number | undefined;
  readonly minCount: number;
  readonly outputSequenceLength: number | undefined;
  readonly ngrams: readonly number[];
  readonly normalization: UnicodeNormalization;
  readonly lowercase: boolean;
  readonly dtype: 'float32' | 'float64';
  readonly name: string | undefined;
  private vocab: Vocabulary | null = null;
  private idf: Float64Array | null = null;
  /** The vocabulary's tokens as word-id paths: apply looks a text's n-grams up without making their strings. */
  private lookup: NgramLookup | null = null;
  /**
   * adapt's texts as word ids, kept for one apply on the same texts (adapt then fit on the training texts, as
   * scikit-learn's fit_transform), so those are tokenized once; the first apply on other texts drops it.
   */
  private adapted: { texts: readonly string[]; docs: Int32Array[]; words: WordIds } | null = null;

  constructor(config: TextVectorizationConfig = {}) {
    const op = 'layers.textVectorization';
    const c = checkOptions(op, config, CONFIG_KEYS, 'config');
    this.outputMode = c.outputMode === undefined ? 'int' : checkChoice(op, 'config.outputMode', c.outputMode, TEXT_OUTPUT_MODES);
    const bag = this.outputMode !== 'int';
    if (c.maxTokens !== undefined && (!Number.isInteger(c.maxTokens) || c.maxTokens < (bag ? 1 : 2) || c.maxTokens > 2 ** 31 - 2)) {
      throw argError(op, 'config.maxTokens', bag ? "an integer ≥ 1 (the '[UNK]' column counts)" : "an integer ≥ 2 (padding '' and '[UNK]' count)", c.maxTokens);
    }
    this.maxTokens = c.maxTokens;
    this.minCount = c.minCount ?? 1;
    if (!Number.isInteger(this.minCount) || this.minCount < 1) throw argError(op, 'config.minCount', 'an integer ≥ 1', c.minCount);
    if (bag) {
      if (c.outputSequenceLength !== undefined)
        throw argError(op, 'config.outputSequenceLength', `nothing in '${this.outputMode}' mode (one column per vocabulary entry)`, c.outputSequenceLength);
    } else {
      const L = c.outputSequenceLength;
      if (!Number.isInteger(L) || (L as number) < 1 || (L as number) > MAX_SEQUENCE_LENGTH) {
        throw argError(op, 'config.outputSequenceLength', `an integer in [1, ${MAX_SEQUENCE_LENGTH}] in 'int' mode (a model's input has a fixed length)`, L);
      }
    }
    this.outputSequenceLength = c.outputSequenceLength;
    const t = tokenizeOptions(op, { normalization: c.normalization, lowercase: c.lowercase, ngrams: c.ngrams }, 'config');
    this.ngrams = Object.freeze(t.ngrams);
    this.normalization = t.normalization;
    this.lowercase = t.lowercase;
    if (c.dtype !== undefined) {
      if (!bag) throw argError(op, 'config.dtype', "nothing in 'int' mode (ids are int32)", c.dtype);
      checkChoice(op, 'config.dtype', c.dtype, ['float32', 'float64'] as const);
    }
    this.dtype = c.dtype ?? 'float32';
    if (c.name !== undefined && (typeof c.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(c.name)))
      throw argError(op, 'config.name', 'a name of 1 to 128 letters, digits, _ . or -', c.name);
    this.name = c.name;
    if (c.vocabulary !== undefined) {
      if (this.outputMode === 'tfIdf') throw argError(op, 'config.vocabulary', "nothing in 'tfIdf' mode (idf weights need adapt() on texts)", '[...]');
      const tokens = c.vocabulary;
      if (!Array.isArray(tokens) || tokens.some((x) => typeof x !== 'string' || x === '' || x === '[UNK]'))
        throw argError(op, 'config.vocabulary', "an array of token strings (without '' and '[UNK]', which are ids 0 and 1)", tokens);
      this.setVocabulary(new Vocabulary({ tokens: ['', '[UNK]', ...tokens], documentCounts: tokens.map(() => 0).concat(0, 0), documents: 0 }));
    }
  }

  /** Rebuilds a vectorizer from `getConfig()` (a model file's Input layer holds it). */
  static fromConfig(json: TextVectorizationJSON): TextVectorization {
    const op = 'TextVectorization.fromConfig';
    if (json === null || typeof json !== 'object') throw argTypeError(op, 'json', 'an object (getConfig() output)', json);
    const { vocabulary, ...settings } = checkOptions(op, json, [...CONFIG_KEYS.filter((k) => k !== 'vocabulary'), 'vocabulary'], 'json');
    const v = new TextVectorization(settings as TextVectorizationConfig);
    if (vocabulary !== null && vocabulary !== undefined) {
      const vocab = new Vocabulary(vocabulary);
      vocab.tokens.forEach((tok, i) => {
        if (tok.length > MAX_TOKEN_CHARS)
          throw argError(op, `json.vocabulary.tokens[${i}]`, `a token of at most ${MAX_TOKEN_CHARS} characters`, `${tok.length} characters`);
      });
      if (vocab.tokens[PADDING_ID] !== '' || vocab.tokens[OOV_ID] !== '[UNK]')
        throw argError(op, 'json.vocabulary.tokens', "'' then '[UNK]' first (ids 0 and 1)", vocab.tokens.slice(0, 2));
      const cap = v.maxTokens === undefined ? Infinity : v.maxTokens + (v.outputMode === 'int' ? 0 : 1);
      if (vocab.size > cap) throw argError(op, 'json.vocabulary.tokens', `at most ${cap} entries (maxTokens)`, `${vocab.size} entries`);
      v.setVocabulary(vocab);
    }
    return v;
  }

  /** Builds the vocabulary (and, in 'tfIdf' mode, the idf weights) from texts; replaces an earlier one. */
  adapt(texts: readonly string[]): this {
    const op = 'TextVectorization.adapt';
    checkTexts(op, texts);
    // Keras's max_tokens counts '[UNK]' but no padding in the bag modes; a Vocabulary always has both.
    const maxTokens = this.maxTokens === undefined ? undefined : this.maxTokens + (this.outputMode === 'int' ? 0 : 1);
    const wordIds = new WordIds();
    const docs = texts.map((t) => wordIds.internAll(words(t, this.normalization, this.lowercase)));
    this.setVocabulary(
      new Vocabulary(ngramVocabularyConfig(docs, wordIds, this.ngrams, { minCount: this.minCount, ...(maxTokens === undefined ? {} : { maxTokens }) })),
    );
    this.adapted = { texts: texts.slice(), docs, words: wordIds };
    return this;
  }

  private setVocabulary(vocab: Vocabulary): void {
    this.vocab = vocab;
    this.lookup = new NgramLookup(vocab.tokens, 2, OOV_ID);
    this.adapted = null;
    this.idf = null;
    if (this.outputMode !== 'tfIdf') return;
    // Keras: idf = ln(1 + N / (1 + df)) per token; '[UNK]' gets the mean of the tokens' idf (no second pass to count it).
    const idf = new Float64Array(vocab.size - 1);
    let sum = 0;
    for (let id = 2; id < vocab.size; id++) {
      idf[id - 1] = Math.log1p(vocab.documents / (1 + vocab.documentCounts[id]!));
      sum += idf[id - 1]!;
    }
    idf[0] = vocab.size > 2 ? sum / (vocab.size - 2) : 0;
    this.idf = idf;
  }

  get isAdapted(): boolean {
    return this.vocab !== null;
  }

  private requireVocabulary(op: string): Vocabulary {
    if (!this.vocab) throw new Error(`${op}: the vectorizer has no vocabulary yet: call adapt(texts) first, or give config.vocabulary`);
    return this.vocab;
  }

  /** 'int' mode: the number of ids (an embedding's inputDim); bag modes: the output width. */
  vocabularySize(): number {
    const size = this.requireVocabulary('TextVectorization.vocabularySize').size;
    return this.outputMode === 'int' ? size : size - 1;
  }

  /** As Keras: ['', '[UNK]', ...tokens] in 'int' mode; ['[UNK]', ...tokens] in the bag modes (entry j = column j). */
  getVocabulary(): string[] {
    const tokens = this.requireVocabulary('TextVectorization.getVocabulary').tokens;
    return this.outputMode === 'int' ? tokens.slice() : tokens.slice(1);
  }

  /** One text's shape: [outputSequenceLength] or [vocabularySize()]. */
  get outputShape(): number[] {
    return this.outputMode === 'int' ? [this.outputSequenceLength!] : [this.vocabularySize()];
  }

  get outputDType(): 'int32' | 'float32' | 'float64' {
    return this.outputMode === 'int' ? 'int32' : this.dtype;
  }

  /** 'tfIdf' mode: the idf weight of each output column ('[UNK]' first); null in the other modes. */
  idfWeights(): Float64Array | null {
    this.requireVocabulary('TextVectorization.idfWeights');
    return this.idf ? this.idf.slice() : null;
  }

  /** The tokens of a text (unigrams, then the n-grams), as `tokenize` with this vectorizer's settings. */
  private tokensOf(text: string): string[] {
    return withNgrams(words(text, this.normalization, this.lowercase), this.ngrams);
  }

  /** The tokens of one text with their ids (or bag columns), and whether 'int' mode keeps them. */
  analyze(text: string): AnalyzedToken[] {
    const op = 'TextVectorization.analyze';
    if (typeof text !== 'string') throw argTypeError(op, 'text', 'a string', text);
    const vocab = this.requireVocabulary(op);
    const shift = this.outputMode === 'int' ? 0 : 1;
    return this.tokensOf(text).map((token, i) => ({
      token,
      id: vocab.id(token) - shift,
      kept: this.outputMode !== 'int' || i < this.outputSequenceLength!,
    }));
  }

  /** Raw strings → the model's input: int32 ids [n, L], or floats [n, vocabularySize()]. */
  apply(texts: readonly string[]): Tensor {
    const op = 'TextVectorization.apply';
    checkTexts(op, texts);
    const vocab = this.requireVocabulary(op);
    const wordIdsOf = this.wordIdReader(texts);
    const lookup = this.lookup!;
    const n = texts.length;
    if (this.outputMode === 'int') {
      const L = this.outputSequenceLength!;
      const ids = new Int32Array(n * L);
      for (let r = 0; r < n; r++) {
        let t = 0;
        lookup.forEachId(wordIdsOf(r), this.ngrams, (id) => {
          if (t < L) ids[r * L + t++] = id;
        });
      }
      return new Tensor(ids, [n, L]);
    }
    const width = vocab.size - 1;
    const out = this.dtype === 'float64' ? new Float64Array(n * width) : new Float32Array(n * width);
    const counts = new Float64Array(width);
    const touched: number[] = [];
    for (let r = 0; r < n; r++) {
      lookup.forEachId(wordIdsOf(r), this.ngrams, (id) => {
        const col = id - 1;
        if (counts[col] === 0) touched.push(col);
        counts[col]!++;
      });
      for (const col of touched) {
        const c = counts[col]!;
        out[r * width + col] = this.outputMode === 'multiHot' ? 1 : this.outputMode === 'count' ? c : c * this.idf![col]!;
        counts[col] = 0;
      }
      touched.length = 0;
    }
    return new Tensor(out, [n, width]);
  }

  /** Text r's words as the lookup's word ids: from adapt's ids when these are adapt's texts, else by tokenizing. */
  private wordIdReader(texts: readonly string[]): (r: number) => Int32Array {
    const lookup = this.lookup!;
    const a = this.adapted;
    this.adapted = null;
    if (a && a.texts.length === texts.length && a.texts.every((t, i) => t === texts[i])) {
      const toLookup = lookup.wordIdsOf(a.words.words);
      return (r) => a.docs[r]!.map((w) => toLookup[w]!);
    }
    return (r) => lookup.wordIdsOf(words(texts[r]!, this.normalization, this.lowercase));
  }

  /** Settings and vocabulary as JSON (what a model file stores). */
  getConfig(): TextVectorizationJSON {
    const json: TextVectorizationJSON = {
      outputMode: this.outputMode,
      minCount: this.minCount,
      ngrams: this.ngrams.slice(),
      normalization: this.normalization,
      lowercase: this.lowercase,
      vocabulary: this.vocab ? this.vocab.toConfig() : null,
    };
    if (this.maxTokens !== undefined) json.maxTokens = this.maxTokens;
    if (this.outputSequenceLength !== undefined) json.outputSequenceLength = this.outputSequenceLength;
    if (this.outputMode !== 'int') json.dtype = this.dtype;
    if (this.name !== undefined) json.name = this.name;
    return json;
  }
}

function checkTexts(op: string, texts: unknown): asserts texts is readonly string[] {
  if (!Array.isArray(texts)) throw argTypeError(op, 'texts', 'an array of strings', texts);
  for (let i = 0; i < texts.length; i++) if (typeof texts[i] !== 'string') throw argTypeError(op, `texts[${i}]`, 'a string', texts[i]);
}

/** `layers.textVectorization(config)`: Keras's TextVectorization (see TextVectorization). */
export function textVectorization(config?: TextVectorizationConfig): TextVectorization {
  return new TextVectorization(config);
}
