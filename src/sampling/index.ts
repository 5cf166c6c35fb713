/**
 * `sampling`: arithmetic on a language model's next-token logits, exact and without sorting the vocabulary.
 *
 * **Processors** are pure functions of a float tensor [vocab] or [batch, vocab] that return a new tensor of the
 * same shape and dtype, removed tokens at −Infinity (the input is never changed): `temperature`, `topK`, `topP`,
 * `minP`, `typicalP`, `repetitionPenalty`, `presencePenalty`, `frequencyPenalty`, `logitBias`, `bannedTokens`,
 * `minLength`, `noRepeatNgram`. Their semantics follow Hugging Face transformers' processors case by case
 * (docs/sampling.md has the table: ties at the k-th value all stay, top-p keeps the most probable tokens while the
 * mass from each one down is > 1 − p, min-p is relative to the top probability, `minTokensToKeep`...). The
 * penalties, minLength and noRepeatNgram read the previous tokens of each row: `number[][]`, `Int32Array[]`, an
 * int32 tensor [batch, T], or one flat sequence for a single row.
 *
 * **Pipelines** apply a list of plain specs in the order given:
 *
 * ```ts
 * import { sampling, tensor } from 'logitkit';
 * const steps = sampling.pipeline([
 *   { type: 'repetitionPenalty', penalty: 1.2 },
 *   { type: 'temperature', temperature: 0.8 },
 *   { type: 'topK', k: 50 },
 *   { type: 'topP', p: 0.9 },
 * ]);
 * const logits = tensor([[2.0, 1.0, 0.5, -1.0, 3.0]]);
 * const processed = steps.apply(logits, { previousTokens: [[4, 4, 1]] });
 * const next = sampling.sample(processed, { seed: 42 }); // int32 [1]
 * ```
 *
 * `pipeline.trace(logits, context)` runs the same code on one row ([vocab] or [1, vocab]) and returns
 * `{input, steps}`: `input` is the row as it came (`logits` Float64Array, `probabilities` Float64Array = softmax in
 * float64, `kept` count), and each step adds `processor` (a label such as 'topP(p=0.9)'), `spec` and `removed`
 * (the token ids that step removed, increasing), with the row's logits, its probabilities renormalised over the
 * kept tokens and the kept count after that step. `logitkit sample --explain` and the playground's "next token"
 * tab render these.
 *
 * Speed: masking steps select instead of sorting (a bounded heap or a quickselect for top-k, a max-heap popped
 * until the mass is reached for top-p, a threshold for min-p) and, once a step has removed tokens, later steps
 * work on the kept candidates only. Typical-p sorts its candidates (its order is not the logits' order).
 *
 * **Decoding**: `greedy` (argmax, ties by lowest id), `sample(logits, {seed} | {rng})` (seeded multinomial,
 * probabilities in float64 by our own loop in index order, so the same seed gives the same tokens on every run and
 * every kernel set), `topLogprobs(logits, n)` (exact float64 log-softmax values, ties by lower id),
 * `sequenceLogLikelihood(logits [T, V], targets [T], {ignoreIndex, chunkSize})` and `perplexity(...)`.
 */
export {
  temperature,
  topK,
  topP,
  minP,
  typicalP,
  repetitionPenalty,
  presencePenalty,
  frequencyPenalty,
  logitBias,
  bannedTokens,
  minLength,
  noRepeatNgram,
  type KeepOptions,
} from './functions.js';
export { pipeline, type Pipeline, type PipelineTrace, type SamplingContext, type TraceState, type TraceStep } from './pipeline.js';
export { PROCESSOR_TYPES, type LogitBias, type ProcessorSpec, type ProcessorType } from './processors.js';
export { greedy, sample, type SampleOptions } from './decode.js';
export { topLogprobs, sequenceLogLikelihood, perplexity, type TopLogprobs, type LikelihoodOptions, type SequenceLikelihood } from './logprobs.js';
export type { PreviousTokens, TokenSequence } from './inputs.js';
