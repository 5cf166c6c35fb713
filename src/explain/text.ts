/**
 * Which words moved each logit of a text classifier (issue 13, item 6). For the models whose logits are linear in
 * the tokens the decomposition is exact, computed in float64 from the weights:
 *
 * - mean of embeddings → dense: z = Σ_t K·e_t / n + b (n tokens; with no maskZero the padding positions count in n,
 *   and their share goes with the bias);
 * - bag of words → dense: z = Σ_j x_j·K_j + b, column j's term split equally among the occurrences of its token(s).
 *
 * Any other model gets gradient × input attributions (on the embedding table's rows the text reads, or on the bag
 * of words), which do not sum to the logits in general; the explanation says which kind it is.
 */
import { grad } from '../autograd/grad.js';
import { withoutTape } from '../autograd/tape.js';
import { applyCalibration, type Calibration } from '../calibration/apply.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { Embedding } from '../layers/embedding.js';
import { InputLayer } from '../layers/input.js';
import type { Layer } from '../layers/layer.js';
import { GlobalAveragePooling1D } from '../layers/pooling-1d.js';
import { softmax } from '../ops/softmax/softmax.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice, checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import type { TextVectorization } from '../text/text-vectorization.js';
import type { Model } from '../train/model.js';

export interface TokenContribution {
  /** The token as the vectorizer sees it (lower-cased, normalized; an n-gram's words joined by a space). */
  token: string;
  /** Its id ('int' mode) or its bag column (0 = out of the vocabulary there). */
  id: number;
  /** Its index among the text's tokens (unigrams first, then the n-grams, as the vectorizer lists them). */
  position: number;
  /** Its share of each logit, one per class (float64). */
  contributions: number[];
}

export type TextExplanationKind = 'exact' | 'gradientTimesInput';

export interface TextExplanation {
  text: string;
  kind: TextExplanationKind;
  /** One line saying which decomposition this is (for renderers). */
  method: string;
  /** The tokens the model reads, in text order. */
  tokens: TokenContribution[];
  /** Tokens the vectorizer cut off (beyond outputSequenceLength): not listed, not read by the model. */
  truncated: number;
  /**
   * 'exact': the logits layer's bias, plus the padding positions' share when the embedding has no maskZero.
   * 'gradientTimesInput': the same terms (the last Dense layer's bias, the padding's attribution).
   */
  bias: number[];
  /** The model's logits for the text (predictLogits, in the model's dtype). */
  logits: number[];
  /** softmax(z), or the calibrated probabilities when the model has a calibration (see `probabilitiesOf`). */
  probabilities: number[];
  /** Which probabilities are shown: 'softmax(z)' or the calibration applied before the softmax. */
  probabilitiesOf: string;
  /** argmax z (calibration never changes it for temperature scaling; predictClasses' decision). */
  predicted: number;
  classNames: string[];
  /**
   * max over classes of |Σ contributions + bias − z|. 'exact': the cross-check (float rounding only: ~1e-15 in a
   * float64 model, float32 rounding in a float32 one). 'gradientTimesInput': what the attributions leave unexplained.
   */
  residual: number;
  dtype: 'float32' | 'float64';
}

export interface ExplainTextOptions {
  /** 'auto' (default): exact when the model allows it, else gradient × input; 'gradientTimesInput' always. */
  method?: 'auto' | 'gradientTimesInput';
  /** Class names (default: the model's, else '0', '1', ...). */
  classNames?: readonly string[];
}

const OP = 'explainText';

/** The model's layers after its input, as a chain (each fed by the one before), or null for any other graph. */
function chainOf(model: Model): Layer[] | null {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return null;
  const out: Layer[] = [];
  let prev = model.inputs[0];
  for (const node of model.nodes) {
    if (node.layer instanceof InputLayer) continue;
    if (node.inputs.length !== 1 || node.inputs[0] !== prev) return null;
    out.push(node.layer);
    prev = node.output;
  }
  return prev === model.outputs[0] ? out : null;
}

/** The layers that compute something at inference (dropout is the identity there). */
const working = (layers: Layer[]) => layers.filter((l) => !(l instanceof Dropout));

/** The logits layer of an exact decomposition: a Dense whose logits are its pre-activation or output. */
function logitsDense(l: Layer | undefined): Dense | null {
  return l instanceof Dense && ['linear', 'softmax', 'sigmoid'].includes(l.activation) ? l : null;
}

const numbers = (t: Tensor): number[] => Array.from(t.values as ArrayLike<number>, Number);

function denseParts(dense: Dense): { K: ArrayLike<number>; b: number[]; D: number; C: number } {
  const [D, C] = dense.kernel.shape;
  return { K: dense.kernel.value.values as ArrayLike<number>, b: dense.bias ? numbers(dense.bias.value) : new Array<number>(C).fill(0), D, C };
}

/** The row of K·v for the D-vector v at `offset` of `table`, times `scale`, in float64. */
function project(table: ArrayLike<number>, offset: number, K: ArrayLike<number>, D: number, C: number, scale: number): number[] {
  const out = new Array<number>(C).fill(0);
  for (let d = 0; d < D; d++) {
    const v = table[offset + d];
    if (v === 0) continue;
    for (let k = 0; k < C; k++) out[k] += v * K[d * C + k];
  }
  return out.map((x) => x * scale);
}

/** Splits each column's (or id's) term equally among the tokens that have that id. */
function splitAmongOccurrences(tokens: Array<{ token: string; id: number; position: number }>, termOf: (id: number) => number[]): TokenContribution[] {
  const count = new Map<number, number>();
  for (const t of tokens) count.set(t.id, (count.get(t.id) ?? 0) + 1);
  const cache = new Map<number, number[]>();
  return tokens.map((t) => {
    let share = cache.get(t.id);
    if (!share) {
      const n = count.get(t.id)!;
      share = termOf(t.id).map((v) => v / n);
      cache.set(t.id, share);
    }
    return { token: t.token, id: t.id, position: t.position, contributions: share.slice() };
  });
}

/** ∂z_k/∂v for every class k: one backward pass per class, seeded with the one-hot row e_k. */
function jacobian(f: (v: Tensor) => Tensor, v: Tensor, C: number): Tensor[] {
  const z0 = withoutTape(() => f(v));
  return Array.from({ length: C }, (_, k) => {
    const seed = new Tensor(z0.dtype === 'float64' ? new Float64Array(C) : new Float32Array(C), [1, C]);
    (seed.values as Float32Array | Float64Array)[k] = 1;
    return grad(f)(v, seed);
  });
}

function describeCalibration(c: Calibration): string {
  return c.method === 'temperature'
    ? `the model's calibration: softmax(z / T), temperature scaling T = ${c.temperature}`
    : "the model's calibration: softmax(w ⊙ z + b), vector scaling";
}

/**
 * Explains a text classifier's logits for one text: each token's contribution to each logit, the bias, the logits,
 * the probabilities and the decision. The model must take raw strings (its input is a layers.textVectorization).
 */
export function explainText(model: Model, text: string, options: ExplainTextOptions = {}): TextExplanation {
  if (model === null || typeof model !== 'object' || !('predictLogits' in model)) throw argTypeError(OP, 'model', 'a Model', model);
  if (typeof text !== 'string') throw argTypeError(OP, 'text', 'a string', text);
  const o = checkOptions(OP, options, ['method', 'classNames']);
  const method = o.method === undefined ? 'auto' : checkChoice(OP, 'options.method', o.method, ['auto', 'gradientTimesInput'] as const);
  const vectorizer: TextVectorization | undefined = model.textVectorization;
  if (!vectorizer)
    throw argError(OP, 'model', 'a model that takes text (its input a layers.textVectorization)', `a model of inputs [${model.inputShape.join(', ')}]`);
  const z = model.predictLogits([text]);
  const logits = numbers(z);
  const C = logits.length;
  const classNames = o.classNames ? [...o.classNames] : (model.classNames ?? Array.from({ length: C }, (_, k) => String(k)));
  if (classNames.length !== C) throw argError(OP, 'options.classNames', `${C} names (one per logit)`, classNames);
  const analyzed = vectorizer.analyze(text);
  const kept = analyzed.map((t, position) => ({ token: t.token, id: t.id, position, kept: t.kept })).filter((t) => t.kept);
  const truncated = analyzed.length - kept.length;
  const chain = chainOf(model);
  const layers = chain ? working(chain) : [];
  const x = vectorizer.apply([text]);
  let parts: { kind: TextExplanationKind; method: string; tokens: TokenContribution[]; bias: number[] };
  if (vectorizer.outputMode === 'int') {
    const [embedding, pooling, head] = layers;
    const exact =
      method === 'auto' && layers.length === 3 && embedding instanceof Embedding && pooling instanceof GlobalAveragePooling1D && logitsDense(head) !== null;
    parts = exact ? meanOfEmbeddings(embedding, head as Dense, kept, x) : embeddingGradient(model, chain, kept, x, C);
  } else {
    const head = layers.length === 1 ? logitsDense(layers[0]) : null;
    parts = method === 'auto' && head ? bagOfWords(head, kept, x, vectorizer.outputMode) : bagGradient(model, kept, x, C);
  }
  let residual = 0;
  for (let k = 0; k < C; k++) {
    let s = parts.bias[k];
    for (const t of parts.tokens) s += t.contributions[k];
    residual = Math.max(residual, Math.abs(s - logits[k]));
  }
  const zz = new Tensor(Float64Array.from(logits), [1, C]);
  const calibration = (model as { calibration?: Calibration }).calibration;
  const probabilities = numbers(softmax(calibration ? applyCalibration(zz, calibration) : zz));
  let predicted = 0;
  for (let k = 1; k < C; k++) if (logits[k] > logits[predicted]) predicted = k;
  return {
    text,
    ...parts,
    truncated,
    logits,
    probabilities,
    probabilitiesOf: calibration ? describeCalibration(calibration) : 'softmax(z)',
    predicted,
    classNames,
    residual,
    dtype: model.dtype,
  };
}

type Kept = Array<{ token: string; id: number; position: number }>;

/** z = Σ_t K·e_t / n + b, exactly (up to float64 rounding), one term per token position. */
function meanOfEmbeddings(embedding: Embedding, dense: Dense, kept: Kept, x: Tensor) {
  const { K, b, D, C } = denseParts(dense);
  const E = embedding.weights[0].value.values as ArrayLike<number>;
  const L = x.shape[1];
  const mask = embedding.maskZero;
  // With maskZero the mean is over the tokens (an all-padding text pools to zeros); without it over all L positions.
  const n = mask ? kept.length : L;
  const tokens = kept.map((t) => ({ token: t.token, id: t.id, position: t.position, contributions: project(E, t.id * D, K, D, C, 1 / n) }));
  const bias = b.slice();
  const padding = L - kept.length;
  if (!mask && padding > 0) {
    const share = project(E, 0, K, D, C, padding / n);
    for (let k = 0; k < C; k++) bias[k] += share[k];
  }
  const method =
    `exact: mean of ${mask ? `the ${kept.length} token embeddings (maskZero)` : `all ${L} positions' embeddings (no maskZero: the ${padding} padding positions' share is in the bias)`} → dense; ` +
    'z = Σ_t W·e_t / n + b';
  return { kind: 'exact' as const, method, tokens, bias };
}

/** z = Σ_j x_j·K_j + b, column j's term split equally among the tokens of that column. */
function bagOfWords(dense: Dense, kept: Kept, x: Tensor, mode: string) {
  const { K, b, D, C } = denseParts(dense);
  const xs = x.values as ArrayLike<number>;
  if (D !== xs.length) throw argError(OP, 'model', `a dense layer over the ${xs.length} bag columns`, `${D} inputs`);
  const tokens = splitAmongOccurrences(kept, (j) => Array.from({ length: C }, (_, k) => xs[j] * K[j * C + k]));
  const method = `exact: bag of words (${mode}) → dense; z = Σ_j x_j·W_j + b, each column's term split equally among its token's occurrences`;
  return { kind: 'exact' as const, method, tokens, bias: b.slice() };
}

/** The last Dense layer's bias, when the model ends in one (else zeros). */
function headBias(model: Model, C: number): number[] {
  const last = model.outputLayer;
  return last instanceof Dense && last.bias ? numbers(last.bias.value) : new Array<number>(C).fill(0);
}

const logitsOf = (r: { outputs: Tensor[]; preActivation: Tensor | null }) => r.preActivation ?? r.outputs[0];

/**
 * Gradient × input on the embedding rows the text reads: ∂z_k/∂E (autograd through the model's forward pass as
 * a function of the table), times E, summed over each row: the attribution of the positions reading that id,
 * split equally among them (exact per position when the model pools the steps symmetrically, as a mean does).
 */
function embeddingGradient(model: Model, chain: Layer[] | null, kept: Kept, x: Tensor, C: number) {
  const embedding = (chain ?? model.layers).find((l): l is Embedding => l instanceof Embedding);
  if (!embedding) throw argError(OP, 'model', "an embedding layer reading the vectorizer's ids", 'none');
  const table = embedding.weights[0];
  const at = model.weights.indexOf(table);
  const ws = model.weights.map((v) => v.value);
  const f = (E: Tensor) => logitsOf(model.forward([x], [...ws.slice(0, at), E, ...ws.slice(at + 1)]));
  const E = table.value;
  const grads = jacobian(f, E, C).map((g) => g.values as ArrayLike<number>);
  const Ev = E.values as ArrayLike<number>;
  const D = E.shape[1];
  const rowTerm = (id: number) =>
    grads.map((g) => {
      let s = 0;
      for (let d = 0; d < D; d++) s += Ev[id * D + d] * g[id * D + d];
      return s;
    });
  const tokens = splitAmongOccurrences(kept, rowTerm);
  const bias = headBias(model, C);
  const L = x.shape[1];
  if (!embedding.maskZero && kept.length < L) {
    const pad = rowTerm(0);
    for (let k = 0; k < C; k++) bias[k] += pad[k];
  }
  const method =
    'gradient × input on the embedding rows the text reads (Σ_d e_td·∂z_k/∂e_td per token; the model is not a mean of embeddings → one dense layer, so this is not exact)';
  return { kind: 'gradientTimesInput' as const, method, tokens, bias };
}

/** Gradient × input on the bag of words: x_j·∂z_k/∂x_j, split equally among column j's tokens. */
function bagGradient(model: Model, kept: Kept, x: Tensor, C: number) {
  const input = x.dtype === model.dtype ? x : new Tensor(model.dtype === 'float64' ? Float64Array.from(x.values) : Float32Array.from(x.values), x.shape);
  const grads = jacobian((v) => logitsOf(model.forward([v])), input, C).map((g) => g.values as ArrayLike<number>);
  const xs = input.values as ArrayLike<number>;
  const tokens = splitAmongOccurrences(kept, (j) => grads.map((g) => xs[j] * g[j]));
  const method = 'gradient × input on the bag of words (x_j·∂z_k/∂x_j per column; the model is not one dense layer on the bag, so this is not exact)';
  return { kind: 'gradientTimesInput' as const, method, tokens, bias: headBias(model, C) };
}
