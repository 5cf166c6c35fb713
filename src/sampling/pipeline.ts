import { logitsRow, probabilitiesRow } from '../kernels/ts/logits.js';
import type { TensorInput } from '../ops/convert.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { logitsInput, previousTokenRows, type PreviousTokens } from './inputs.js';
import { buildProcessor, type Processor, type ProcessorSpec } from './processors.js';

/** What processors may read besides the logits. */
export interface SamplingContext {
  /** The previous tokens of each row (see PreviousTokens); needed by the penalties, minLength and noRepeatNgram. */
  previousTokens?: PreviousTokens;
}

/** The state of the traced row before the first processor or after one. */
export interface TraceState {
  /** The row's logits (the logits' dtype, widened to float64); removed tokens are −Infinity. */
  logits: Float64Array;
  /** softmax(logits) in float64: renormalised over the kept tokens; NaN if the row cannot be normalised. */
  probabilities: Float64Array;
  /** How many tokens are kept (logit above −Infinity). */
  kept: number;
}

/** One processor's effect on the traced row. */
export interface TraceStep extends TraceState {
  /** A readable label of the processor: 'topP(p=0.9)'. */
  processor: string;
  /** Its spec, as given. */
  spec: ProcessorSpec;
  /** The token ids this processor removed (kept before it, −Infinity after), in increasing order. */
  removed: Int32Array;
}

export interface PipelineTrace {
  /** The row as it came in. */
  input: TraceState;
  /** One step per processor, in the pipeline's order. */
  steps: TraceStep[];
}

export interface Pipeline {
  /** The specs, in order. */
  readonly specs: readonly ProcessorSpec[];
  /** Their labels, in order. */
  readonly labels: readonly string[];
  /** Applies every processor in order to every row; returns a new tensor of the logits' shape and dtype. */
  apply(logits: TensorInput, context?: SamplingContext): Tensor;
  /** The same computation for one row ([vocab] or [1, vocab]), with the state after each processor. */
  trace(logits: TensorInput, context?: SamplingContext): PipelineTrace;
}

interface Prepared {
  out: Float32Array | Float64Array;
  shape: readonly number[];
  rows: number;
  vocab: number;
  tokens: ArrayLike<number>[] | null;
  float32: boolean;
}

function prepare(op: string, processors: readonly Processor[], logits: TensorInput, context: SamplingContext | undefined): Prepared {
  const { x, rows, vocab } = logitsInput(op, logits);
  const ctx = checkOptions(op, context, ['previousTokens'], 'context');
  const needing = processors.find((p) => p.needsTokens);
  let tokens: ArrayLike<number>[] | null = null;
  if (ctx.previousTokens !== undefined) tokens = previousTokenRows(op, 'context.previousTokens', ctx.previousTokens, rows, vocab);
  else if (needing) throw argError(op, 'context.previousTokens', `the previous tokens of each row (${needing.label} reads them)`, undefined);
  for (const p of processors) {
    if (p.maxId >= vocab) throw argError(op, p.label, `token ids below the vocabulary size ${vocab}`, p.maxId);
  }
  return { out: x.values.slice() as Float32Array | Float64Array, shape: x.shape, rows, vocab, tokens, float32: x.dtype === 'float32' };
}

/** Builds the processors of `specs` (checked now) for `op`. */
export function compile(op: string, specs: readonly ProcessorSpec[], arg = 'specs'): Processor[] {
  if (!Array.isArray(specs)) throw argTypeError(op, arg, "an array of processor specs such as [{type: 'topK', k: 50}]", specs);
  return specs.map((s: unknown, i) => buildProcessor(op, s, `${arg}[${i}].`, `${arg}[${i}]`));
}

/** Runs processors on every row of prepared logits, in place. */
export function runRows(p: Prepared, processors: readonly Processor[]): void {
  const cand = new Int32Array(p.vocab);
  for (let r = 0; r < p.rows; r++) {
    const row = logitsRow(p.out.subarray(r * p.vocab, (r + 1) * p.vocab), cand);
    const tokens = p.tokens ? p.tokens[r] : null;
    for (const proc of processors) proc.run(row, tokens, p.float32);
  }
}

export function applyProcessors(op: string, processors: readonly Processor[], logits: TensorInput, context?: SamplingContext): Tensor {
  const p = prepare(op, processors, logits, context);
  runRows(p, processors);
  return new Tensor(p.out, p.shape);
}

function stateOf(x: Float32Array | Float64Array): TraceState {
  const logits = Float64Array.from(x);
  const probabilities = new Float64Array(x.length);
  if (!probabilitiesRow(x, 0, x.length, probabilities)) probabilities.fill(NaN);
  let kept = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== -Infinity) kept++;
  return { logits, probabilities, kept };
}

function traceProcessors(op: string, processors: readonly Processor[], logits: TensorInput, context?: SamplingContext): PipelineTrace {
  const p = prepare(op, processors, logits, context);
  if (p.rows !== 1) throw argError(op, 'logits', 'one row to trace: shape [vocab] or [1, vocab]', `shape [${p.shape.join(', ')}]`);
  const x = p.out;
  const row = logitsRow(x, new Int32Array(p.vocab));
  const tokens = p.tokens ? p.tokens[0] : null;
  const input = stateOf(x);
  const steps: TraceStep[] = [];
  let before = input.logits;
  for (const proc of processors) {
    proc.run(row, tokens, p.float32);
    const state = stateOf(x);
    const removed: number[] = [];
    for (let i = 0; i < x.length; i++) if (before[i] !== -Infinity && x[i] === -Infinity) removed.push(i);
    steps.push({ processor: proc.label, spec: proc.spec, removed: Int32Array.from(removed), ...state });
    before = state.logits;
  }
  return { input, steps };
}

/**
 * A pipeline of logits processors applied in the order given. Each spec is checked now: an unknown `type` is a
 * RangeError listing the known ones, an unknown option a TypeError, a bad value a RangeError naming
 * `specs[i].<option>`.
 */
export function pipeline(specs: readonly ProcessorSpec[]): Pipeline {
  const op = 'pipeline';
  const processors = compile(op, specs);
  return Object.freeze({
    specs: Object.freeze(processors.map((p) => p.spec)),
    labels: Object.freeze(processors.map((p) => p.label)),
    apply: (logits: TensorInput, context?: SamplingContext) => applyProcessors('pipeline.apply', processors, logits, context),
    trace: (logits: TensorInput, context?: SamplingContext) => traceProcessors('pipeline.trace', processors, logits, context),
  });
}
