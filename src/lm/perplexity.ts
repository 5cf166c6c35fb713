import { argError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { slice } from '../ops/layout.js';
import { logSoftmax } from '../ops/softmax/softmax.js';
import type { Model } from '../train/model.js';

export interface Perplexity {
  /** Characters scored. */
  tokens: number;
  /** Mean negative log-likelihood per character, in nats. */
  nll: number;
  /** exp(nll). */
  perplexity: number;
  /** nll / ln 2. */
  bitsPerChar: number;
}

/**
 * Perplexity of a model on examples (x [n, k] ids, y [n] next ids): exp of the mean negative log-likelihood of
 * each y under the model's logits, log-softmax per row (the exact op, float64 sums), batch by batch so only a
 * batch of logits [batch, V] is held at once.
 */
export function modelPerplexity(model: Model, x: Tensor, y: Tensor, batchSize = 1024): Perplexity {
  const op = 'modelPerplexity';
  const n = x.shape[0];
  if (y.dtype !== 'int32' || y.rank !== 1 || y.shape[0] !== n) throw argError(op, 'y', `int32 ids [${n}]`, y);
  if (n === 0) throw argError(op, 'x', 'at least one example', x);
  let sum = 0;
  for (let start = 0; start < n; start += batchSize) {
    const size = Math.min(batchSize, n - start);
    const logp = logSoftmax(model.predictLogits(size === n ? x : slice(x, start, size)), -1);
    const v = logp.shape[1];
    const lp = logp.values;
    const ys = y.values;
    for (let i = 0; i < size; i++) sum -= lp[i * v + ys[start + i]];
  }
  const nll = sum / n;
  return { tokens: n, nll, perplexity: Math.exp(nll), bitsPerChar: nll / Math.LN2 };
}
