import { topK as topKRows } from '../kernels/ts/reduce.js';
import { logSoftmax } from '../kernels/ts/softmax.js';
import type { TensorInput } from '../ops/convert.js';
import { argError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { logitsInput, targetIds } from './inputs.js';

/*
 * Log-probabilities come from the TypeScript reference kernel's logSoftmax (numerics.md: z_i − m with its rounding
 * error, minus log1p of the compensated sum of the others), called directly so every kernel set gives the same
 * bits, in float64 whatever the logits' dtype.
 */

export interface TopLogprobs {
  /** float64 log-probabilities, largest first: shape [..., n]. */
  logprobs: Tensor;
  /** Their token ids (int32), same shape; ties by lower id. */
  indices: Tensor;
}

/**
 * The n most probable tokens of each row and their log-probabilities (log-softmax over the whole row, float64).
 * Ties go to the lower token id. A row that cannot be normalised gives NaN log-probabilities.
 */
export function topLogprobs(logits: TensorInput, n: number): TopLogprobs {
  const op = 'topLogprobs';
  const { x, rows, vocab } = logitsInput(op, logits);
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > vocab) throw argError(op, 'n', `an integer in [0, ${vocab}] (the vocabulary size)`, n);
  const lead = x.rank === 1 ? [] : [rows];
  const logprobs = new Float64Array(rows * n);
  const indices = new Int32Array(rows * n);
  const values = new Float64Array(rows * n);
  topKRows(x.values, rows, vocab, n, values, indices);
  const row = new Float64Array(vocab);
  for (let r = 0; r < rows; r++) {
    logSoftmax(x.values.subarray(r * vocab, (r + 1) * vocab), 1, vocab, 1, row);
    for (let j = 0; j < n; j++) logprobs[r * n + j] = row[indices[r * n + j]];
  }
  return { logprobs: new Tensor(logprobs, [...lead, n]), indices: new Tensor(indices, [...lead, n]) };
}

export interface LikelihoodOptions {
  /** Targets equal to this are skipped (not counted). Default -100, PyTorch's. */
  ignoreIndex?: number;
  /** Rows of log-softmax computed at a time (bounds the scratch memory); default ⌈2^20 / vocab⌉ rows. */
  chunkSize?: number;
}

export interface SequenceLikelihood {
  /** Σ over the counted tokens of log p(target_t | row t), float64 (compensated sum, in row order). */
  logLikelihood: number;
  /** How many targets were counted (not ignoreIndex). */
  tokenCount: number;
  /** exp(−logLikelihood / tokenCount); 1 when no token is counted (the empty mean is 0, as in losses). */
  perplexity: number;
}

/**
 * The log-likelihood of `targets` [T] under next-token logits [T, vocab] (row t predicts target t), with an
 * ignore index, computed chunkSize rows at a time. The sum runs over tokens in row order whatever the chunk
 * size, so every chunk size gives the same bits.
 */
export function sequenceLogLikelihood(logits: TensorInput, targets: TensorInput, options?: LikelihoodOptions): SequenceLikelihood {
  return likelihood('sequenceLogLikelihood', logits, targets, options);
}

/** exp(−mean log-likelihood) of `targets` under `logits` [T, vocab]: sequenceLogLikelihood(...).perplexity. */
export function perplexity(logits: TensorInput, targets: TensorInput, options?: LikelihoodOptions): number {
  return likelihood('perplexity', logits, targets, options).perplexity;
}

function likelihood(op: string, logits: TensorInput, targets: TensorInput, options?: LikelihoodOptions): SequenceLikelihood {
  const { x, rows, vocab } = logitsInput(op, logits);
  if (x.rank !== 2) throw argError(op, 'logits', 'a tensor of shape [T, vocab]', x);
  const opts = checkOptions(op, options, ['ignoreIndex', 'chunkSize']);
  const ignore = opts.ignoreIndex ?? -100;
  if (!Number.isInteger(ignore)) throw argError(op, 'ignoreIndex', 'an integer', ignore);
  const chunk = opts.chunkSize ?? Math.max(1, Math.ceil(2 ** 20 / vocab));
  if (!Number.isInteger(chunk) || chunk < 1) throw argError(op, 'chunkSize', 'a positive integer', chunk);
  const ids = targetIds(op, 'targets', targets, rows);
  for (let t = 0; t < rows; t++) {
    const id = ids[t];
    if (id !== ignore && !(Number.isInteger(id) && id >= 0 && id < vocab)) {
      throw argError(op, `targets[${t}]`, `a token id in [0, ${vocab - 1}] or the ignoreIndex ${ignore}`, id);
    }
  }
  const buf = new Float64Array(Math.min(chunk, rows) * vocab);
  let s = 0;
  let c = 0;
  let count = 0;
  for (let start = 0; start < rows; start += chunk) {
    const end = Math.min(rows, start + chunk);
    logSoftmax(x.values.subarray(start * vocab, end * vocab), end - start, vocab, 1, buf);
    for (let t = start; t < end; t++) {
      const id = ids[t];
      if (id === ignore) continue;
      const v = buf[(t - start) * vocab + id];
      const sum = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - sum + v : v - sum + s;
      s = sum;
      count++;
    }
  }
  const ll = Number.isFinite(s) ? s + c : s;
  return { logLikelihood: ll, tokenCount: count, perplexity: count === 0 ? 1 : Math.exp(-ll / count) };
}
