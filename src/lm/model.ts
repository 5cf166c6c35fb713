import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { input } from '../layers/input.js';
import { layers } from '../layers/registry.js';
import type { Model } from '../train/model.js';
import { model } from '../train/sequential.js';
import { PADDING_ID, UNKNOWN_ID, type CharVocabulary } from './vocabulary.js';

export interface CharacterModelOptions {
  /** k: how many previous characters the model reads (default 8). */
  contextLength?: number;
  /** The size of each character's vector (default 16). */
  embeddingDim?: number;
  /** Hidden tanh units (default 256). */
  hidden?: number;
  /** Seeds the weights (default 0). */
  seed?: number;
}

export const CHARACTER_MODEL_DEFAULTS = Object.freeze({ contextLength: 8, embeddingDim: 16, hidden: 256, seed: 0 });

function positiveInt(op: string, name: string, v: unknown, max: number): number {
  if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > max) throw argError(op, name, `an integer in [1, ${max}]`, v);
  return v as number;
}

/**
 * Bengio et al. (2003)'s model over characters: the previous k character ids → one embedding table shared by
 * every position → the k vectors side by side (flatten) → dense(hidden, tanh) → dense(V): the logits of the next
 * character over the vocabulary. The vocabulary is the model's classNames, and its languageModel info (context
 * length, padding and unknown ids) goes into the model file with it.
 */
export function characterModel(vocabulary: CharVocabulary, options: CharacterModelOptions = {}): Model {
  const op = 'characterModel';
  checkOptions(op, options, ['contextLength', 'embeddingDim', 'hidden', 'seed']);
  const k = positiveInt(op, 'contextLength', options.contextLength ?? CHARACTER_MODEL_DEFAULTS.contextLength, 1024);
  const d = positiveInt(op, 'embeddingDim', options.embeddingDim ?? CHARACTER_MODEL_DEFAULTS.embeddingDim, 4096);
  const h = positiveInt(op, 'hidden', options.hidden ?? CHARACTER_MODEL_DEFAULTS.hidden, 65536);
  const v = vocabulary.size;
  const ids = input({ shape: [k], dtype: 'int32', name: 'context' });
  const vectors = layers.embedding({ inputDim: v, outputDim: d, name: 'char_embedding' }).apply(ids);
  const joined = layers.flatten({ name: 'context_vectors' }).apply(vectors);
  const hidden = layers.dense({ units: h, activation: 'tanh', name: 'hidden' }).apply(joined);
  const logits = layers.dense({ units: v, name: 'next_char_logits' }).apply(hidden);
  const m = model({ inputs: ids, outputs: logits, name: 'char_lm', seed: options.seed ?? CHARACTER_MODEL_DEFAULTS.seed });
  m.classNames = vocabulary.tokens.slice();
  m.languageModel = { tokenizer: 'characters', contextLength: k, paddingId: PADDING_ID, unknownId: UNKNOWN_ID };
  return m;
}
