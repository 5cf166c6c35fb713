import { argError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface Windows {
  /** int32 [n, contextLength]: the previous characters of each position (padding before the text's start). */
  x: Tensor;
  /** int32 [n]: the character at each position. */
  y: Tensor;
}

/**
 * The training examples of a Bengio-style model: one per character of every text, whose context is the
 * `contextLength` characters before it, positions before the text's start filled with `paddingId` (so each text
 * starts from the same all-padding context, and the first characters are predicted too).
 */
export function contextWindows(texts: readonly Int32Array[], contextLength: number, paddingId: number): Windows {
  const op = 'contextWindows';
  if (!Number.isInteger(contextLength) || contextLength < 1) throw argError(op, 'contextLength', 'a positive integer', contextLength);
  const n = texts.reduce((s, t) => s + t.length, 0);
  if (n * contextLength > 2 ** 28)
    throw argError(op, 'texts', `at most ${Math.floor(2 ** 28 / contextLength)} characters for context ${contextLength}`, `${n}`);
  const x = new Int32Array(n * contextLength);
  const y = new Int32Array(n);
  let row = 0;
  for (const ids of texts) {
    for (let t = 0; t < ids.length; t++, row++) {
      y[row] = ids[t];
      for (let j = 0; j < contextLength; j++) {
        const at = t - contextLength + j;
        x[row * contextLength + j] = at < 0 ? paddingId : ids[at];
      }
    }
  }
  return { x: new Tensor(x, [n, contextLength]), y: new Tensor(y, [n]) };
}

/** The context of the next character after `ids` (the last `contextLength` ids, padded on the left). */
export function lastContext(ids: ArrayLike<number>, contextLength: number, paddingId: number): Int32Array {
  const out = new Int32Array(contextLength).fill(paddingId);
  const take = Math.min(contextLength, ids.length);
  for (let j = 0; j < take; j++) out[contextLength - take + j] = ids[ids.length - take + j];
  return out;
}
