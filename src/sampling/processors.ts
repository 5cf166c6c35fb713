import {
  addAtRow,
  countPenaltyRow,
  divideRow,
  maskAtRow,
  minPRow,
  noRepeatNgramRow,
  repetitionPenaltyRow,
  topKRow,
  topPRow,
  typicalRow,
  type LogitsRow,
} from '../kernels/ts/logits.js';
import { argError, argTypeError, describe } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';

/** A token id → the value added to its logit (−Infinity bans it). */
export type LogitBias = ReadonlyMap<number, number> | Readonly<Record<number, number>> | readonly (readonly [number, number])[];

/** One logits processor, as a plain object; a pipeline applies a list of them in order. */
export type ProcessorSpec =
  | { type: 'temperature'; temperature: number }
  | { type: 'topK'; k: number; minTokensToKeep?: number }
  | { type: 'topP'; p: number; minTokensToKeep?: number }
  | { type: 'minP'; p: number; minTokensToKeep?: number }
  | { type: 'typicalP'; p: number; minTokensToKeep?: number }
  | { type: 'repetitionPenalty'; penalty: number }
  | { type: 'presencePenalty'; penalty: number }
  | { type: 'frequencyPenalty'; penalty: number }
  | { type: 'logitBias'; bias: LogitBias }
  | { type: 'bannedTokens'; ids: readonly number[] }
  | { type: 'minLength'; minLength: number; eosTokenId: number | readonly number[] }
  | { type: 'noRepeatNgram'; n: number };

export type ProcessorType = ProcessorSpec['type'];

/** A checked processor, ready to run on rows. */
export interface Processor {
  readonly spec: ProcessorSpec;
  /** A readable label: 'topP(p=0.9)'. */
  readonly label: string;
  /** Whether it reads the previous tokens. */
  readonly needsTokens: boolean;
  /** The largest token id the spec names (checked against the vocabulary at each call), −1 if none. */
  readonly maxId: number;
  /** Runs on one row; `float32` says the row rounds to float32 (parameters are rounded to it first). */
  run(row: LogitsRow, tokens: ArrayLike<number> | null, float32: boolean): void;
}

interface Definition {
  /** Its option names besides 'type'. */
  readonly options: readonly string[];
  build(op: string, at: string, spec: Record<string, unknown>): Processor;
}

const fr = Math.fround;

function positiveInteger(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw argError(op, arg, 'a positive integer', v);
  return v;
}

function tokenId(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) throw argError(op, arg, 'a token id (an integer >= 0)', v);
  return v;
}

function finite(op: string, arg: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw argError(op, arg, 'a finite number', v);
  return v;
}

function minKeepOf(op: string, at: string, spec: Record<string, unknown>): number {
  return spec.minTokensToKeep === undefined ? 1 : positiveInteger(op, `${at}minTokensToKeep`, spec.minTokensToKeep);
}

function withMinKeep(text: string, minKeep: number): string {
  return minKeep === 1 ? text : `${text}, minTokensToKeep=${minKeep}`;
}

function probability(op: string, arg: string, v: unknown, lowOpen: boolean, highOpen: boolean): number {
  const ok = typeof v === 'number' && (lowOpen ? v > 0 : v >= 0) && (highOpen ? v < 1 : v <= 1);
  if (!ok) throw argError(op, arg, `a number in ${lowOpen ? '(' : '['}0, 1${highOpen ? ')' : ']'}`, v);
  return v;
}

/** The processors by type: their options, checks, labels and row functions. */
export const PROCESSORS: { readonly [T in ProcessorType]: Definition } = {
  temperature: {
    options: ['temperature'],
    build(op, at, spec) {
      const t = spec.temperature;
      if (typeof t !== 'number' || !(t > 0) || !Number.isFinite(t)) throw argError(op, `${at}temperature`, 'a finite number > 0', t);
      const t32 = fr(t);
      if (!(t32 > 0) || !Number.isFinite(t32)) throw argError(op, `${at}temperature`, 'a number > 0 that float32 can hold', t);
      return processor(spec, `temperature(${t})`, false, -1, (row, _tokens, f32) => divideRow(row, f32 ? t32 : t));
    },
  },
  topK: {
    options: ['k', 'minTokensToKeep'],
    build(op, at, spec) {
      const k = positiveInteger(op, `${at}k`, spec.k);
      const minKeep = minKeepOf(op, at, spec);
      return processor(spec, `topK(${withMinKeep(`k=${k}`, minKeep)})`, false, -1, (row) => topKRow(row, Math.max(k, minKeep)));
    },
  },
  topP: {
    options: ['p', 'minTokensToKeep'],
    build(op, at, spec) {
      const p = probability(op, `${at}p`, spec.p, false, false);
      const minKeep = minKeepOf(op, at, spec);
      return processor(spec, `topP(${withMinKeep(`p=${p}`, minKeep)})`, false, -1, (row) => topPRow(row, p, minKeep));
    },
  },
  minP: {
    options: ['p', 'minTokensToKeep'],
    build(op, at, spec) {
      const p = probability(op, `${at}p`, spec.p, false, false);
      const minKeep = minKeepOf(op, at, spec);
      return processor(spec, `minP(${withMinKeep(`p=${p}`, minKeep)})`, false, -1, (row) => minPRow(row, p, minKeep));
    },
  },
  typicalP: {
    options: ['p', 'minTokensToKeep'],
    build(op, at, spec) {
      const p = probability(op, `${at}p`, spec.p, true, true);
      const minKeep = minKeepOf(op, at, spec);
      return processor(spec, `typicalP(${withMinKeep(`p=${p}`, minKeep)})`, false, -1, (row) => typicalRow(row, p, minKeep));
    },
  },
  repetitionPenalty: {
    options: ['penalty'],
    build(op, at, spec) {
      const v = spec.penalty;
      if (typeof v !== 'number' || !(v > 0) || !Number.isFinite(v)) throw argError(op, `${at}penalty`, 'a finite number > 0', v);
      const v32 = fr(v);
      if (!(v32 > 0) || !Number.isFinite(v32)) throw argError(op, `${at}penalty`, 'a number > 0 that float32 can hold', v);
      return processor(spec, `repetitionPenalty(${v})`, true, -1, (row, tokens, f32) => repetitionPenaltyRow(row, tokens!, f32 ? v32 : v));
    },
  },
  presencePenalty: {
    options: ['penalty'],
    build(op, at, spec) {
      const v = finite(op, `${at}penalty`, spec.penalty);
      return processor(spec, `presencePenalty(${v})`, true, -1, (row, tokens) => countPenaltyRow(row, tokens!, v, 0));
    },
  },
  frequencyPenalty: {
    options: ['penalty'],
    build(op, at, spec) {
      const v = finite(op, `${at}penalty`, spec.penalty);
      return processor(spec, `frequencyPenalty(${v})`, true, -1, (row, tokens) => countPenaltyRow(row, tokens!, 0, v));
    },
  },
  logitBias: {
    options: ['bias'],
    build(op, at, spec) {
      const entries = biasEntries(op, `${at}bias`, spec.bias);
      const ids = Int32Array.from(entries, (e) => e[0]);
      const values = Float64Array.from(entries, (e) => e[1]);
      const label = `logitBias(${entries.map(([id, v]) => `${id}:${v > 0 ? '+' : ''}${v}`).join(', ')})`;
      return processor(spec, label, false, maxOf(ids), (row) => addAtRow(row, ids, values));
    },
  },
  bannedTokens: {
    options: ['ids'],
    build(op, at, spec) {
      const ids = idList(op, `${at}ids`, spec.ids);
      return processor(spec, `bannedTokens(${Array.from(ids).join(', ')})`, false, maxOf(ids), (row) => maskAtRow(row, ids));
    },
  },
  minLength: {
    options: ['minLength', 'eosTokenId'],
    build(op, at, spec) {
      const min = spec.minLength;
      if (typeof min !== 'number' || !Number.isInteger(min) || min < 0) throw argError(op, `${at}minLength`, 'an integer >= 0', min);
      const eos =
        typeof spec.eosTokenId === 'number' ? Int32Array.of(tokenId(op, `${at}eosTokenId`, spec.eosTokenId)) : idList(op, `${at}eosTokenId`, spec.eosTokenId);
      const label = `minLength(${min}, eos=${Array.from(eos).join('|')})`;
      return processor(spec, label, true, maxOf(eos), (row, tokens) => {
        if (tokens!.length < min) maskAtRow(row, eos);
      });
    },
  },
  noRepeatNgram: {
    options: ['n'],
    build(op, at, spec) {
      const n = positiveInteger(op, `${at}n`, spec.n);
      return processor(spec, `noRepeatNgram(n=${n})`, true, -1, (row, tokens) => noRepeatNgramRow(row, tokens!, n));
    },
  },
};

export const PROCESSOR_TYPES = Object.keys(PROCESSORS) as ProcessorType[];

function processor(spec: Record<string, unknown>, label: string, needsTokens: boolean, maxId: number, run: Processor['run']): Processor {
  return { spec: spec as unknown as ProcessorSpec, label, needsTokens, maxId, run };
}

function maxOf(ids: Int32Array): number {
  let m = -1;
  for (const id of ids) if (id > m) m = id;
  return m;
}

function idList(op: string, arg: string, v: unknown): Int32Array {
  if (!(Array.isArray(v) || v instanceof Int32Array)) throw argTypeError(op, arg, 'an array of token ids', v);
  return Int32Array.from(v as ArrayLike<number>, (id, j) => tokenId(op, `${arg}[${j}]`, id));
}

function biasEntries(op: string, arg: string, bias: unknown): [number, number][] {
  let raw: [unknown, unknown][];
  if (bias instanceof Map) raw = [...bias.entries()];
  else if (Array.isArray(bias)) {
    raw = bias.map((e, j) => {
      if (!Array.isArray(e) || e.length !== 2) throw argTypeError(op, `${arg}[${j}]`, 'a [token id, value] pair', e);
      return [e[0], e[1]];
    });
  } else if (bias !== null && typeof bias === 'object' && !ArrayBuffer.isView(bias)) {
    raw = Object.entries(bias).map(([k, v]) => [/^(0|[1-9]\d*)$/.test(k) ? Number(k) : k, v]);
  } else throw argTypeError(op, arg, 'a Map, a record or [id, value] pairs of token id → added value', bias);
  const seen = new Set<number>();
  return raw.map(([id, v]) => {
    const t = tokenId(op, `${arg} key`, id);
    if (seen.has(t)) throw argError(op, arg, 'each token id once', `token ${t} twice`);
    seen.add(t);
    if (typeof v !== 'number' || v !== v || v === Infinity) throw argError(op, `${arg}[${t}]`, 'a number or -Infinity (not NaN or +Infinity)', v);
    return [t, v];
  });
}

/**
 * Checks one spec (`at` prefixes the argument names: 'specs[2].' in a pipeline, '' for the functions) and returns
 * its processor. An unknown type is a RangeError listing the known ones; unknown options are TypeErrors.
 */
export function buildProcessor(op: string, spec: unknown, at: string, arg: string): Processor {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw argTypeError(op, arg, "a processor spec such as {type: 'topK', k: 50}", spec);
  const type = (spec as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(PROCESSORS, type)) {
    throw new RangeError(`${op}: argument '${at}type' must be one of ${PROCESSOR_TYPES.map((t) => `'${t}'`).join(', ')}, got ${describe(type)}`);
  }
  const def = PROCESSORS[type as ProcessorType];
  checkOptions(op, spec, ['type', ...def.options], arg);
  return def.build(op, at, spec as Record<string, unknown>);
}
