import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { greedy, pipeline, sample, type PipelineTrace, type ProcessorSpec } from '../sampling/index.js';
import type { Model } from '../train/model.js';
import { CharVocabulary } from './vocabulary.js';
import { lastContext } from './windows.js';

export interface GenerateOptions {
  /** The text to continue ('' starts a new text). */
  prompt?: string;
  /** How many characters to generate. */
  length: number;
  /** The processors after the special ids are banned, in order (a `temperature` of 0 means greedy decoding). */
  processors?: readonly ProcessorSpec[];
  /** Greedy decoding (argmax of the processed logits) instead of sampling. */
  greedy?: boolean;
  /** Seeds the draws (default 0): same model, prompt, processors and seed, same text. */
  seed?: number;
  /** Keep each step's trace (the distribution before and after every processor). */
  explain?: boolean;
}

export interface GenerationStep {
  /** The context the model read, as text (padding shown as nothing). */
  context: string;
  /** The chosen token's id and text. */
  id: number;
  token: string;
  /** Its log-probability under the model (before any processor) and under the processed distribution it was drawn from. */
  logprob: number;
  processedLogprob: number;
  trace?: PipelineTrace;
}

export interface Generation {
  prompt: string;
  /** The generated characters only. */
  generated: string;
  /** prompt + generated. */
  text: string;
  /** The processors' labels, in order (the ban of the special ids first). */
  processors: readonly string[];
  steps: GenerationStep[];
}

/** The model's vocabulary and context as a language model file recorded them. */
export function languageModelOf(model: Model, op: string): { vocabulary: CharVocabulary; contextLength: number; paddingId: number; unknownId: number } {
  const lm = model.languageModel;
  if (!lm || !model.classNames) {
    throw argError(
      op,
      'model',
      'a character language model (trained by logitkit train-lm: its file records the vocabulary and context length)',
      'a model without them',
    );
  }
  return { vocabulary: new CharVocabulary(model.classNames), contextLength: lm.contextLength, paddingId: lm.paddingId, unknownId: lm.unknownId };
}

/**
 * Generates text one character at a time: the last k ids (padding before the prompt's start, as in training) →
 * the model's logits → the padding and unknown ids banned → the processors in order → a seeded draw (or argmax).
 * The repetition and presence/frequency penalties read every id so far, the prompt's included.
 */
export function generate(model: Model, options: GenerateOptions): Generation {
  const op = 'generate';
  checkOptions(op, options, ['prompt', 'length', 'processors', 'greedy', 'seed', 'explain']);
  const { vocabulary, contextLength, paddingId, unknownId } = languageModelOf(model, op);
  const prompt = (options.prompt ?? '').normalize('NFC');
  if (!Number.isInteger(options.length) || options.length < 0 || options.length > 1_000_000)
    throw argError(op, 'length', 'an integer in [0, 1000000]', options.length);
  const steps = pipeline([{ type: 'bannedTokens', ids: [paddingId, unknownId] }, ...(options.processors ?? [])]);
  const rng = new Random(options.seed ?? 0);
  const ids: number[] = Array.from(vocabulary.encode(prompt));
  const out: GenerationStep[] = [];
  let generated = '';
  for (let t = 0; t < options.length; t++) {
    const context = lastContext(ids, contextLength, paddingId);
    const logits = model.predictLogits(new Tensor(context, [1, contextLength]));
    const previous = { previousTokens: [Int32Array.from(ids)] };
    const processed = steps.apply(logits, previous);
    const id = (options.greedy ? greedy(processed) : sample(processed, { rng })).values[0];
    const logprob = logProbability(logits.values, id);
    const processedLogprob = logProbability(processed.values, id);
    const token = vocabulary.decode([id]);
    const step: GenerationStep = { context: vocabulary.decode(context), id, token, logprob, processedLogprob };
    if (options.explain) step.trace = steps.trace(logits, previous);
    out.push(step);
    ids.push(id);
    generated += token;
  }
  return { prompt, generated, text: prompt + generated, processors: steps.labels, steps: out };
}

/** log softmax(row)[id] in float64 (−Infinity for a removed token). */
function logProbability(row: ArrayLike<number>, id: number): number {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += Math.exp(row[i] - max);
  return row[id] - max - Math.log(sum);
}
