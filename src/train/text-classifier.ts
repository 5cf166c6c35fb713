import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';
import { layers } from '../layers/registry.js';
import { TextVectorization } from '../text/text-vectorization.js';
import { Sequential } from './sequential.js';

/** The text classifiers `textClassifier` builds (and `logitkit train --arch` on labelled texts). */
export type TextArchitecture = 'tfidf' | 'embedding';
export const TEXT_ARCHITECTURES: readonly TextArchitecture[] = ['tfidf', 'embedding'];

export interface TextClassifierOptions {
  /** 'tfidf' (default): a TF-IDF bag → one dense layer; 'embedding': token ids → embedding (maskZero) → mean → dense. */
  arch?: TextArchitecture;
  /** The vectorizer's maxTokens (default 10,000 for 'tfidf', 20,000 for 'embedding'). */
  maxTokens?: number;
  /** Word n-grams (default 2 for 'tfidf': words and bigrams; 1 for 'embedding'). */
  ngrams?: number;
  /** 'embedding': tokens read per text (default 256). */
  sequenceLength?: number;
  /** 'embedding': the vectors' size (default 32). */
  embeddingDim?: number;
  /** Seeds the weights (default 0). */
  seed?: number;
  /** Parameter dtype (default float32). */
  dtype?: 'float32' | 'float64';
}

/** The training recipe the CLI uses for text by default, and the one the SpamAssassin acceptance run measures. */
export const TEXT_TRAINING_DEFAULTS = Object.freeze({ arch: 'tfidf' as TextArchitecture, epochs: 10, batchSize: 32, learningRate: 1e-3 });

/**
 * A text classifier on raw strings: adapts a textVectorization on `texts` and returns the uncompiled model.
 * Both networks end in a plain dense logits layer whose input is linear in the tokens, so `explainText` attributes
 * every logit to the tokens exactly:
 * - 'tfidf': textVectorization(tfIdf, words and bigrams) → dense(classes): multinomial logistic regression on TF-IDF;
 * - 'embedding': textVectorization(int) → embedding(maskZero) → globalAveragePooling1d → dense(classes): the mean of the
 *   tokens' vectors (fastText's classifier).
 */
export function textClassifier(texts: readonly string[], classes: number, options: TextClassifierOptions = {}): Sequential {
  const op = 'textClassifier';
  const o = checkOptions(op, options, ['arch', 'maxTokens', 'ngrams', 'sequenceLength', 'embeddingDim', 'seed', 'dtype']);
  if (!Array.isArray(texts) || texts.length === 0) throw argTypeError(op, 'texts', 'a non-empty array of strings (the training texts)', texts);
  if (!Number.isInteger(classes) || classes < 2) throw argError(op, 'classes', 'an integer ≥ 2', classes);
  const arch = checkChoice(op, 'options.arch', o.arch ?? 'tfidf', TEXT_ARCHITECTURES);
  const positive = (key: 'maxTokens' | 'ngrams' | 'sequenceLength' | 'embeddingDim', fallback: number) => {
    const v = o[key] ?? fallback;
    if (!Number.isInteger(v) || v < 1) throw argError(op, `options.${key}`, 'a positive integer', v);
    return v;
  };
  // 'tfidf' is a dense [texts, maxTokens] input: 10,000 columns keep SpamAssassin's F1 (docs/text.md) at half the memory and time of 20,000.
  const maxTokens = positive('maxTokens', arch === 'tfidf' ? 10_000 : 20_000);
  const seed = o.seed ?? 0;
  const dtype = o.dtype ?? 'float32';
  if (arch === 'tfidf') {
    const vectorize = new TextVectorization({ outputMode: 'tfIdf', maxTokens, ngrams: positive('ngrams', 2), dtype }).adapt(texts);
    return new Sequential([vectorize, layers.dense({ units: classes })], { seed, name: 'tfidf' });
  }
  const vectorize = new TextVectorization({ outputSequenceLength: positive('sequenceLength', 256), maxTokens, ngrams: positive('ngrams', 1) }).adapt(texts);
  return new Sequential(
    [
      vectorize,
      layers.embedding({ inputDim: vectorize.vocabularySize(), outputDim: positive('embeddingDim', 32), maskZero: true, dtype }),
      layers.globalAveragePooling1d(),
      layers.dense({ units: classes }),
    ],
    { seed, name: 'embedding' },
  );
}
