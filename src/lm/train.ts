import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Adam } from '../optim/adam.js';
import type { Callback, History } from '../train/callbacks.js';
import type { Model } from '../train/model.js';
import { charCount, limitChars, splitTexts } from './corpus.js';
import { characterModel, CHARACTER_MODEL_DEFAULTS } from './model.js';
import { modelPerplexity, type Perplexity } from './perplexity.js';
import { buildCharVocabulary, PADDING_ID, type CharVocabulary } from './vocabulary.js';
import { contextWindows } from './windows.js';

export interface TrainCharacterModelOptions {
  contextLength?: number;
  embeddingDim?: number;
  hidden?: number;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  /** Seeds the split, the weights and the batch order (default 0). */
  seed?: number;
  /** The fraction of texts held out for the perplexity (default 0.1). */
  heldOutFraction?: number;
  /** At most this many training characters (after the split; the held-out part gets its share of the budget). */
  limitChars?: number;
  /** Characters seen fewer times in the training texts map to the unknown id (default 2). */
  minCount?: number;
  callbacks?: Callback | Callback[];
}

export const TRAIN_LM_DEFAULTS = Object.freeze({
  ...CHARACTER_MODEL_DEFAULTS,
  epochs: 5,
  batchSize: 128,
  learningRate: 2e-3,
  heldOutFraction: 0.1,
  minCount: 2,
});

export interface TrainedCharacterModel {
  model: Model;
  vocabulary: CharVocabulary;
  history: History;
  /** Perplexity on the held-out texts (characters the model never trained on, whole texts). */
  heldOut: Perplexity;
  /** The texts trained on and held out (after the split and the character budget). */
  split: { train: string[]; heldOut: string[] };
  trainTexts: number;
  heldOutTexts: number;
  trainChars: number;
  heldOutChars: number;
}

/**
 * Trains a character model on texts: a seeded split by text, the vocabulary of the training texts, one
 * example per character (context windows), Adam on sparse cross-entropy from the logits with the held-out
 * windows as validation data, and the held-out perplexity at the end.
 */
export async function trainCharacterModel(texts: readonly string[], options: TrainCharacterModelOptions = {}): Promise<TrainedCharacterModel> {
  const op = 'trainCharacterModel';
  checkOptions(op, options, [...Object.keys(TRAIN_LM_DEFAULTS), 'limitChars', 'callbacks']);
  const o = { ...TRAIN_LM_DEFAULTS, ...options };
  const split = splitTexts(texts, o.heldOutFraction, o.seed);
  let { train, heldOut } = split;
  if (o.limitChars !== undefined) {
    if (!Number.isInteger(o.limitChars) || o.limitChars < 1) throw argError(op, 'limitChars', 'a positive integer', o.limitChars);
    train = limitChars(train, o.limitChars);
    heldOut = limitChars(heldOut, Math.max(1, Math.round((o.limitChars * o.heldOutFraction) / (1 - o.heldOutFraction))));
  }
  const vocabulary = buildCharVocabulary(train, { minCount: o.minCount });
  const model = characterModel(vocabulary, { contextLength: o.contextLength, embeddingDim: o.embeddingDim, hidden: o.hidden, seed: o.seed });
  const windowsOf = (ts: string[]) =>
    contextWindows(
      ts.map((t) => vocabulary.encode(t)),
      o.contextLength,
      PADDING_ID,
    );
  const trainSet = windowsOf(train);
  const heldOutSet = windowsOf(heldOut);
  model.compile({ optimizer: new Adam({ learningRate: o.learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const history = await model.fit(trainSet.x, trainSet.y, {
    epochs: o.epochs,
    batchSize: o.batchSize,
    seed: o.seed,
    validationData: [heldOutSet.x, heldOutSet.y],
    verbose: 0,
    ...(o.callbacks !== undefined ? { callbacks: o.callbacks } : {}),
  });
  return {
    model,
    vocabulary,
    history,
    heldOut: modelPerplexity(model, heldOutSet.x, heldOutSet.y),
    split: { train, heldOut },
    trainTexts: train.length,
    heldOutTexts: heldOut.length,
    trainChars: train.reduce((s, t) => s + charCount(t), 0),
    heldOutChars: heldOut.reduce((s, t) => s + charCount(t), 0),
  };
}
