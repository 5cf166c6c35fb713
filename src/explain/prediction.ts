import { withoutTape } from '../autograd/tape.js';
import { toTensor, type TensorInput } from '../ops/convert.js';
import { expandDims, reshape } from '../ops/layout.js';
import { sum } from '../ops/reduce.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor, tensor } from '../tensor/tensor.js';
import { explain } from './explain.js';
import { EXPLAIN_OPTIONS } from './input.js';
import { checkOptions } from '../tensor/options.js';
import type { Contribution, ContributionTrace, ExplainOptions, ExplainTrace } from './types.js';

/**
 * What explainPrediction needs from a model, structurally: the last dense layer's parameters, in the Keras
 * layout of logitkit's Dense (kernel [hidden, classes], bias [classes] or null), and the activations h that feed
 * it. The model's logits are then z = h·kernel + bias.
 */
export interface ExplainableModel {
  lastDense: { kernel: Tensor; bias: Tensor | null };
  /** The input of the last dense layer for a batch of examples: [examples, ...input shape] → [examples, hidden]. */
  hidden(x: Tensor): Tensor;
  /** Optional: the model's own logits for the same batch, cross-checked against h·kernel + bias. */
  logits?(x: Tensor): Tensor;
}

export interface PredictionOptions extends ExplainOptions {
  /** How many of the largest (and of the most negative) contributions W_kj·h_j to list; default 5. */
  top?: number;
  /** The class whose logit is broken down (id or name); default the predicted class. */
  contributionsTo?: number | string;
}

const OP = 'explainPrediction';

/**
 * Explains a trained model's prediction for one sample: the last layer z = W·h + b with every product term
 * (via explain() on the dense layer, W = kernelᵀ), the softmax, the loss when labels are given, the decision,
 * and the hidden units contributing most to the winning logit (the largest products W_kj·h_j, and the most
 * negative ones). `sample` is one example without the batch axis; the model sees it as a batch of one.
 */
export function explainPrediction(model: ExplainableModel, sample: TensorInput, options: PredictionOptions = {}): ExplainTrace {
  if (model === null || typeof model !== 'object') throw argTypeError(OP, 'model', 'a model {lastDense: {kernel, bias}, hidden(x)}', model);
  const last = model.lastDense;
  if (!last || !(last.kernel instanceof Tensor))
    throw argTypeError(OP, 'model', "an object whose 'lastDense.kernel' is a Tensor [hidden, classes]", last?.kernel);
  if (last.bias !== null && last.bias !== undefined && !(last.bias instanceof Tensor)) {
    throw argTypeError(OP, 'model', "an object whose 'lastDense.bias' is a Tensor [classes] or null", last.bias);
  }
  if (typeof model.hidden !== 'function') throw argTypeError(OP, 'model', "an object with a 'hidden(x)' function", model.hidden);
  checkOptions(OP, options, [...EXPLAIN_OPTIONS, 'top', 'contributionsTo']);
  const top = options.top ?? 5;
  if (!Number.isInteger(top) || top < 0) throw argError(OP, 'top', 'a non-negative integer', top);
  const K = last.kernel;
  if (K.rank !== 2) throw argError(OP, 'model', "a 'lastDense.kernel' of rank 2 [hidden, classes]", K);
  const x = expandDims(toTensor(OP, 'sample', sample, K.dtype), 0);
  const h = model.hidden(x);
  if (!(h instanceof Tensor)) throw argTypeError(OP, 'model', "a 'hidden(x)' that returns a Tensor", h);
  if (h.rank !== 2 || h.shape[0] !== 1 || h.shape[1] !== K.shape[0]) {
    throw argError(OP, 'model', `a 'hidden(x)' that returns [1, ${K.shape[0]}] for one sample (the kernel is [${K.shape.join(', ')}])`, h);
  }
  const { top: _t, contributionsTo, ...rest } = options;
  const trace = explain({
    ...rest,
    weights: K,
    bias: last.bias ?? undefined,
    features: reshape(h, [K.shape[0]]),
    weightsLayout: 'featuresByClasses',
  });
  return withoutTape(() => {
    if (typeof model.logits === 'function') {
      const z = model.logits(x);
      const own = Array.from((z instanceof Tensor ? z : tensor(0)).values);
      const ours = trace.rows[0].logits;
      const u = trace.dtype === 'float32' ? 2 ** -24 : 2 ** -53;
      const products = trace.dense!.rows[0].products;
      let maxError = own.length === ours.length ? 0 : Infinity;
      ours.forEach((v, i) => {
        if (own[i] === v || (Number.isNaN(own[i]) && Number.isNaN(v))) return;
        const scale = products[i].reduce((a, p) => a + Math.abs(p), 0) + Math.abs(trace.dense!.bias?.[i] ?? 0);
        const err = Math.abs(own[i] - v) / Math.max(scale, Math.abs(v), Number.MIN_VALUE);
        maxError = Math.max(maxError, Number.isNaN(err) ? Infinity : err);
      });
      const check = { name: 'model', compares: "the model's logits vs h·kernel + bias (matMul, add)", ok: maxError <= 16 * u, maxError, tolerance: 16 * u };
      trace.checks.push(check);
      if (!check.ok) {
        trace.notes.push({
          kind: 'crossCheck',
          row: -1,
          classes: [],
          message: `cross-check 'model' failed: the model's logits [${own.join(', ')}] differ from h·kernel + bias by ${maxError}: does 'hidden(x)' return the input of the last dense layer?`,
          naive: null,
          stable: null,
        });
      }
    }
    const k = classFor(contributionsTo, trace);
    trace.contributions = [contributionsOf(trace, k, top)];
    return trace;
  });
}

function classFor(c: number | string | undefined, t: ExplainTrace): number {
  if (c === undefined) return t.rows[0].decision.classId;
  if (typeof c === 'string') {
    const i = t.classNames ? t.classNames.indexOf(c) : -1;
    if (i < 0) throw argError(OP, 'contributionsTo', t.classNames ? `one of the class names` : 'a class id (no classNames given)', c);
    return i;
  }
  if (!Number.isInteger(c) || c < 0 || c >= t.classCount) throw argError(OP, 'contributionsTo', `a class id in [0, ${t.classCount - 1}]`, c);
  return c;
}

/** The products W_kj·h_j of class k, largest first and most negative first, and the sum of the rest (the sum op). */
export function contributionsOf(t: ExplainTrace, k: number, top: number): ContributionTrace {
  const d = t.dense!;
  const row = d.rows[0];
  const prods = row.products[k];
  const units = prods.map((_, j) => j);
  const entry = (j: number): Contribution => ({ unit: j, weight: d.weights[k][j], activation: row.features[j], contribution: prods[j] });
  const desc = units
    .filter((j) => prods[j] > 0)
    .sort((a, b) => prods[b] - prods[a] || a - b)
    .slice(0, top);
  const asc = units
    .filter((j) => prods[j] < 0)
    .sort((a, b) => prods[a] - prods[b] || a - b)
    .slice(0, top);
  const listed = new Set([...desc, ...asc]);
  const others = units.filter((j) => !listed.has(j)).map((j) => prods[j]);
  const restSum = others.length ? sum(tensor(others, { dtype: t.dtype })).item() : 0;
  return {
    row: 0,
    classId: k,
    className: t.classNames ? t.classNames[k] : null,
    logit: t.rows[0].logits[k],
    bias: d.bias ? d.bias[k] : null,
    top: desc.map(entry),
    bottom: asc.map(entry),
    restCount: others.length,
    restSum,
  };
}
