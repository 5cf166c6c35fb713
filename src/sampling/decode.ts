import { argMaxRow, sampleRow } from '../kernels/ts/logits.js';
import type { TensorInput } from '../ops/convert.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Random } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { logitsInput } from './inputs.js';

/** Where sample's uniform draws come from: a seed (a fresh generator) or a generator you keep drawing from. */
export type SampleOptions = { seed: number; rng?: undefined } | { rng: Random; seed?: undefined };

function tokenTensor(ids: Int32Array, logitsRank: number): Tensor {
  return new Tensor(ids, logitsRank === 1 ? [] : [ids.length]);
}

/**
 * Greedy decoding: the index of each row's largest logit, ties by lowest index (a NaN counts as the largest, as
 * in argMax). Returns int32 token ids: a scalar for [vocab] logits, shape [batch] for [batch, vocab].
 */
export function greedy(logits: TensorInput): Tensor {
  const { x, rows, vocab } = logitsInput('greedy', logits);
  const ids = new Int32Array(rows);
  for (let r = 0; r < rows; r++) ids[r] = argMaxRow(x.values, r * vocab, vocab);
  return tokenTensor(ids, x.rank);
}

/**
 * One token per row drawn from softmax(logits), reproducibly: the probabilities are computed in float64 in index
 * order by our own loop (never by a kernel set), and each row takes one uniform draw u from `Random` (rows in
 * order), choosing the first token whose cumulative weight exceeds u × the total. The same seed gives the same
 * tokens in every run, on every kernel set. −Infinity logits are never drawn. A row that cannot be normalised
 * (every logit −Infinity, a +Infinity or a NaN) is a RangeError.
 */
export function sample(logits: TensorInput, options: SampleOptions): Tensor {
  const op = 'sample';
  const { x, rows, vocab } = logitsInput(op, logits);
  const opts = checkOptions(op, options as SampleOptions | undefined, ['seed', 'rng']);
  let rng: Random;
  if (opts.rng !== undefined) {
    if (opts.seed !== undefined) throw argError(op, 'options', 'either a seed or an rng, not both', 'both');
    if (!(opts.rng instanceof Random)) throw argTypeError(op, 'options.rng', 'a Random', opts.rng);
    rng = opts.rng;
  } else {
    if (typeof opts.seed !== 'number' || !Number.isInteger(opts.seed)) throw argError(op, 'options.seed', 'an integer seed (or pass options.rng)', opts.seed);
    rng = new Random(opts.seed);
  }
  const ids = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const id = sampleRow(x.values, r * vocab, vocab, rng.next());
    if (id < 0)
      throw argError(
        op,
        rows === 1 ? 'logits' : `logits[${r}]`,
        'a row with a finite maximum (not all -Infinity, no +Infinity or NaN)',
        'a row that cannot be normalised',
      );
    ids[r] = id;
  }
  return tokenTensor(ids, x.rank);
}
