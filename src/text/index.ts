/**
 * `text`: from raw strings to token ids. `tokenize` splits a text into Unicode-aware tokens (docs/text.md has the
 * table of what it does with punctuation, digits, emoji, CJK and accents, beside Keras's TextVectorization), and
 * `Vocabulary.build` turns tokenized documents into a deterministic token ↔ id table.
 */
export { tokenize, standardize, withNgrams, type TokenizeOptions, type UnicodeNormalization } from './tokenize.js';
export { Vocabulary, PADDING_ID, OOV_ID, type VocabularyOptions, type VocabularyConfig } from './vocabulary.js';
export {
  TextVectorization,
  textVectorization,
  TEXT_OUTPUT_MODES,
  type TextVectorizationConfig,
  type TextVectorizationJSON,
  type TextOutputMode,
  type AnalyzedToken,
} from './text-vectorization.js';
