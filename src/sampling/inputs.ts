import { floatTensor, type TensorInput } from '../ops/convert.js';
import { argError, argTypeError, describe } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

/** One row's previous tokens (prompt and generated so far, oldest first): token ids. */
export type TokenSequence = readonly number[] | Int32Array;

/**
 * The previous tokens of every row: one sequence per row of the logits (rows may differ in length), or an int32
 * tensor [batch, T]. For a single row ([vocab] or [1, vocab] logits) a flat sequence or an int32 tensor [T] works
 * too.
 */
export type PreviousTokens = Tensor | TokenSequence | readonly TokenSequence[];

export interface LogitsInput {
  x: Tensor;
  rows: number;
  vocab: number;
}

/** Logits as a float tensor [vocab] or [batch, vocab] (plain arrays become float32), vocab >= 1. */
export function logitsInput(op: string, logits: TensorInput, arg = 'logits'): LogitsInput {
  const x = floatTensor(op, arg, logits);
  if (x.rank !== 1 && x.rank !== 2) throw argError(op, arg, 'a tensor of shape [vocab] or [batch, vocab]', x);
  const vocab = x.shape[x.rank - 1];
  if (vocab < 1) throw argError(op, arg, 'a non-empty vocabulary axis', x);
  return { x, rows: x.rank === 1 ? 1 : x.shape[0], vocab };
}

/** Checks a token id: an integer in [0, vocab). */
export function checkTokenId(op: string, arg: string, id: unknown, vocab: number): number {
  if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocab) {
    throw argError(op, arg, `a token id: an integer in [0, ${vocab - 1}]`, id);
  }
  return id;
}

function isSequence(x: unknown): x is TokenSequence {
  return x instanceof Int32Array || (Array.isArray(x) && x.every((v) => typeof v === 'number'));
}

/** The previous tokens of each of `rows` rows, every id checked against the vocabulary. */
export function previousTokenRows(op: string, arg: string, prev: unknown, rows: number, vocab: number): ArrayLike<number>[] {
  let out: ArrayLike<number>[];
  if (prev instanceof Tensor) {
    if (prev.dtype !== 'int32') throw argTypeError(op, arg, 'an int32 tensor of token ids', prev);
    if (prev.rank === 1 && rows === 1) out = [prev.values];
    else if (prev.rank === 2 && prev.shape[0] === rows) {
      const T = prev.shape[1];
      out = Array.from({ length: rows }, (_, r) => prev.values.subarray(r * T, (r + 1) * T));
    } else throw argError(op, arg, `token ids of shape [${rows}, T]${rows === 1 ? ' or [T]' : ''}`, prev);
  } else if (rows === 1 && isSequence(prev)) {
    out = [prev];
  } else if (Array.isArray(prev) && prev.length === rows && prev.every(isSequence)) {
    out = prev as TokenSequence[];
  } else if (ArrayBuffer.isView(prev) || Array.isArray(prev)) {
    throw argError(op, arg, `one sequence of token ids per row (${rows} rows)`, describeTokens(prev));
  } else {
    throw argTypeError(op, arg, 'the previous token ids: an array of sequences or an int32 tensor', prev);
  }
  for (let r = 0; r < out.length; r++) {
    const seq = out[r];
    for (let j = 0; j < seq.length; j++) {
      const id = seq[j];
      if (!Number.isInteger(id) || id < 0 || id >= vocab) {
        throw argError(op, `${arg}${rows === 1 ? '' : `[${r}]`}[${j}]`, `a token id: an integer in [0, ${vocab - 1}]`, id);
      }
    }
  }
  return out;
}

function describeTokens(x: unknown): string {
  if (Array.isArray(x)) return `an array of ${x.length} entries`;
  return describe(x);
}

/** Target token ids: an int32 Tensor [length], a number[] or an Int32Array (the caller checks each id). */
export function targetIds(op: string, arg: string, targets: unknown, length: number): ArrayLike<number> {
  if (targets instanceof Tensor) {
    if (targets.dtype !== 'int32') throw argTypeError(op, arg, 'int32 token ids', targets);
    if (targets.rank !== 1 || targets.shape[0] !== length) throw argError(op, arg, `token ids of shape [${length}]`, targets);
    return targets.values;
  }
  if (targets instanceof Int32Array || (Array.isArray(targets) && targets.every((v) => typeof v === 'number'))) {
    if (targets.length !== length) throw argError(op, arg, `${length} token ids (one per row of the logits)`, `${targets.length} ids`);
    return targets;
  }
  throw argTypeError(op, arg, 'token ids: an int32 tensor, a number[] or an Int32Array', targets);
}
