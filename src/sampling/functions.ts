import type { TensorInput } from '../ops/convert.js';
import { checkOptions } from '../tensor/options.js';
import type { Tensor } from '../tensor/tensor.js';
import type { PreviousTokens } from './inputs.js';
import { applyProcessors } from './pipeline.js';
import { buildProcessor, type LogitBias, type ProcessorSpec } from './processors.js';

/*
 * Each processor as a function of a [vocab] or [batch, vocab] float tensor, returning a new tensor of the same
 * shape and dtype (removed tokens are −Infinity; the input is never changed). Same code as the pipeline's.
 */

export interface KeepOptions {
  /** At least this many tokens stay whatever the threshold (Hugging Face's min_tokens_to_keep, default 1). */
  minTokensToKeep?: number;
}

function run(op: string, spec: Record<string, unknown>, logits: TensorInput, previousTokens?: PreviousTokens): Tensor {
  const proc = buildProcessor(op, spec, '', 'options');
  return applyProcessors(op, [proc], logits, previousTokens === undefined ? undefined : { previousTokens });
}

function keep(op: string, options: KeepOptions | undefined): KeepOptions {
  return checkOptions(op, options, ['minTokensToKeep']);
}

/** logits / temperature (temperature > 0), divided in the logits' dtype as PyTorch does. */
export function temperature(logits: TensorInput, temperature: number): Tensor {
  return run('temperature', { type: 'temperature', temperature }, logits);
}

/** Keeps the tokens whose logit is >= the k-th largest (ties at the k-th value all stay). */
export function topK(logits: TensorInput, k: number, options?: KeepOptions): Tensor {
  return run('topK', { type: 'topK', k, ...keep('topK', options) }, logits);
}

/** Nucleus: keeps the most probable tokens while the mass from each one down is > 1 − p (p in [0, 1]; p = 0 keeps the minTokensToKeep most probable, as HF's warper does). */
export function topP(logits: TensorInput, p: number, options?: KeepOptions): Tensor {
  return run('topP', { type: 'topP', p, ...keep('topP', options) }, logits);
}

/** Removes the tokens whose probability is < p × the top token's (p in [0, 1]). */
export function minP(logits: TensorInput, p: number, options?: KeepOptions): Tensor {
  return run('minP', { type: 'minP', p, ...keep('minP', options) }, logits);
}

/** Locally typical sampling: the tokens whose −log p is closest to the entropy, up to mass p (p in (0, 1)). */
export function typicalP(logits: TensorInput, p: number, options?: KeepOptions): Tensor {
  return run('typicalP', { type: 'typicalP', p, ...keep('typicalP', options) }, logits);
}

/** For each distinct previous token: a negative logit times penalty, the others divided by it (penalty > 0). */
export function repetitionPenalty(logits: TensorInput, penalty: number, previousTokens: PreviousTokens): Tensor {
  return run('repetitionPenalty', { type: 'repetitionPenalty', penalty }, logits, previousTokens);
}

/** OpenAI's presence penalty: logit −= penalty for every token that occurs in the previous tokens. */
export function presencePenalty(logits: TensorInput, penalty: number, previousTokens: PreviousTokens): Tensor {
  return run('presencePenalty', { type: 'presencePenalty', penalty }, logits, previousTokens);
}

/** OpenAI's frequency penalty: logit −= penalty × the token's count in the previous tokens. */
export function frequencyPenalty(logits: TensorInput, penalty: number, previousTokens: PreviousTokens): Tensor {
  return run('frequencyPenalty', { type: 'frequencyPenalty', penalty }, logits, previousTokens);
}

/** Adds a value to chosen tokens' logits (−Infinity bans a token). */
export function logitBias(logits: TensorInput, bias: LogitBias): Tensor {
  return run('logitBias', { type: 'logitBias', bias }, logits);
}

/** Sets the given tokens' logits to −Infinity. */
export function bannedTokens(logits: TensorInput, ids: readonly number[]): Tensor {
  return run('bannedTokens', { type: 'bannedTokens', ids }, logits);
}

/** While a row has fewer than minLength previous tokens, its end-of-sequence token(s) get −Infinity. */
export function minLength(logits: TensorInput, minLength: number, eosTokenId: number | readonly number[], previousTokens: PreviousTokens): Tensor {
  return run('minLength', { type: 'minLength', minLength, eosTokenId }, logits, previousTokens);
}

/** Bans every token that would complete an n-gram already present in the row's previous tokens. */
export function noRepeatNgram(logits: TensorInput, n: number, previousTokens: PreviousTokens): Tensor {
  return run('noRepeatNgram', { type: 'noRepeatNgram', n }, logits, previousTokens);
}

export type { ProcessorSpec };
