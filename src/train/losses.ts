import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import { mean } from '../ops/reduce.js';
import { cast } from '../ops/unary.js';
import { reshape } from '../ops/layout.js';
import { sigmoidCrossEntropyWithLogits, softmaxCrossEntropyWithLogits, sparseSoftmaxCrossEntropyWithLogits } from '../ops/softmax/cross-entropy.js';
import type { FloatDType } from '../layers/layer.js';
import { accuracy, binaryAccuracy, categoricalAccuracy, topKAccuracy, type Metric, type MetricFn } from './metrics.js';

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy';
export const LOSS_NAMES: readonly LossName[] = ['sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy'];

/** A custom loss: labels and the model's output → a scalar tensor, built from ops (so it is differentiable). */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/**
 * A loss: a name, a name with options, or a function. `fromLogits` says whether the model's outputs are
 * logits (true) or probabilities from a softmax/sigmoid output layer (false). Default: true when the output
 * layer has no activation, false when it ends in softmax/sigmoid. With fromLogits false, logitkit computes the
 * loss from that layer's pre-activation logits with the exact cross-entropy-with-logits ops: probabilities are
 * never clipped or logged.
 */
export type LossSpec = LossName | { name: LossName; fromLogits?: boolean } | LossFunction;

export type LossKind = 'sparse' | 'categorical' | 'binary' | 'custom';

/** A loss resolved against a model's output layer. */
export interface LossPlan {
  name: string;
  kind: LossKind;
  fromLogits: boolean;
  /** Which tensor the loss reads: the model output, or the output layer's pre-activation (its logits). */
  reads: 'output' | 'preActivation';
  /** The mean loss over a batch: a scalar tensor. */
  compute(labels: Tensor, input: Tensor): Tensor;
  /** Checks labels against the output shape and converts them once (ids to int32, floats to the model dtype). */
  prepareLabels(op: string, y: Tensor, outputShape: readonly (number | null)[], dtype: FloatDType): Tensor;
}

const KIND: Record<LossName, LossKind> = {
  sparseCategoricalCrossentropy: 'sparse',
  categoricalCrossentropy: 'categorical',
  binaryCrossentropy: 'binary',
};

/** Resolves a loss spec against the output layer's activation; throws when they do not fit together. */
export function resolveLoss(op: string, spec: unknown, head: { name: string; activation: string }): LossPlan {
  if (typeof spec === 'function') {
    const fn = spec as LossFunction;
    return {
      name: fn.name || 'customLoss',
      kind: 'custom',
      fromLogits: head.activation === 'linear',
      reads: 'output',
      compute: (labels, out) => {
        const value = fn(labels, out);
        if (!(value instanceof Tensor) || value.size !== 1) throw argTypeError(op, 'loss', 'a function returning a scalar Tensor', value);
        return value.rank === 0 ? value : reshape(value, []);
      },
      prepareLabels: (_op, y, _shape, dtype) => (y.dtype === 'int32' || y.dtype === dtype ? y : cast(y, dtype)),
    };
  }
  let name: unknown;
  let fromLogits: unknown;
  if (typeof spec === 'string') {
    name = spec;
  } else if (spec !== null && typeof spec === 'object' && !(spec instanceof Tensor)) {
    name = (spec as { name?: unknown }).name;
    fromLogits = (spec as { fromLogits?: unknown }).fromLogits;
  } else {
    throw argTypeError(op, 'loss', `a loss name (${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}), {name, fromLogits} or a function (yTrue, yPred) => scalar`, spec);
  }
  if (!(LOSS_NAMES as readonly unknown[]).includes(name)) throw argError(op, 'loss', `one of ${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}`, name);
  if (fromLogits !== undefined && typeof fromLogits !== 'boolean') throw argTypeError(op, 'fromLogits', 'a boolean', fromLogits);
  const lossName = name as LossName;
  const kind = KIND[lossName];
  const act = head.activation;
  const logits = (fromLogits as boolean | undefined) ?? act === 'linear';
  const needed = kind === 'binary' ? 'sigmoid' : 'softmax';
  if (logits && act !== 'linear') {
    throw argError(
      op,
      'loss',
      `fromLogits: false for an output layer ending in ${act} ('${head.name}' outputs ${act === needed ? 'probabilities' : `${act} values`}, not logits): ` +
        `then the loss is computed from the layer's pre-activation logits; or remove the activation`,
      `${lossName} with fromLogits: true`,
    );
  }
  if (!logits && act !== needed) {
    throw argError(
      op,
      'loss',
      `fromLogits: true, or an output layer ending in ${needed} for fromLogits: false (logitkit computes ${lossName} from that layer's ` +
        `pre-activation logits and never from clipped probabilities; '${head.name}' has activation '${act}')`,
      `${lossName} with fromLogits: false`,
    );
  }
  const reads = logits ? 'output' : 'preActivation';
  const compute: Record<LossKind, (labels: Tensor, z: Tensor) => Tensor> = {
    sparse: (labels, z) => mean(sparseSoftmaxCrossEntropyWithLogits({ labels, logits: z })),
    categorical: (labels, z) => mean(softmaxCrossEntropyWithLogits({ labels, logits: z })),
    binary: (labels, z) => mean(sigmoidCrossEntropyWithLogits({ labels, logits: z })),
    custom: () => {
      throw new Error('unreachable');
    },
  };
  return { name: lossName, kind, fromLogits: logits, reads, compute: compute[kind], prepareLabels: (o, y, shape, dtype) => prepareLabels(o, kind, y, shape, dtype) };
}

function prepareLabels(op: string, kind: LossKind, y: Tensor, outShape: readonly (number | null)[], dtype: FloatDType): Tensor {
  const classes = outShape[outShape.length - 1] as number;
  const n = y.shape[0];
  const rowShape = outShape.slice(1) as number[];
  if (kind === 'sparse') {
    let ids = y;
    const idShape = [n, ...rowShape.slice(0, -1)];
    if (ids.rank === idShape.length + 1 && ids.shape[ids.rank - 1] === 1) ids = reshape(ids, ids.shape.slice(0, -1));
    if (!shapesEqual(ids.shape, idShape)) {
      throw argError(op, 'y', `class ids of shape [${idShape.join(', ')}] for sparseCategoricalCrossentropy (one-hot labels need categoricalCrossentropy)`, y);
    }
    const v = ids.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= classes) throw argError(op, 'y', `class ids: integers in [0, ${classes - 1}] (the model has ${classes} outputs)`, `${v[i]} at index ${i}`);
    }
    return ids.dtype === 'int32' ? ids : cast(ids, 'int32');
  }
  let labels = y;
  const want = [n, ...rowShape];
  if (kind === 'binary' && !shapesEqual(labels.shape, want) && labels.size === want.reduce((a, b) => a * b, 1)) labels = reshape(labels, want);
  if (!shapesEqual(labels.shape, want)) {
    const hint = kind === 'categorical' && y.rank === 1 ? ' (class ids need sparseCategoricalCrossentropy)' : '';
    throw argError(op, 'y', `labels of shape [${want.join(', ')}] like the model output${hint}`, y);
  }
  const v = labels.values;
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw argError(op, 'y', 'finite labels', `${v[i]} at flat index ${i}`);
  }
  return labels.dtype === dtype ? labels : cast(labels, dtype);
}

export type MetricSpec = 'accuracy' | 'acc' | 'topKAccuracy' | Metric | MetricFn;

/** Resolves compile's metrics: 'accuracy' follows the loss (argmax for categorical, logit > 0 for binary). */
export function resolveMetrics(op: string, specs: unknown, kind: LossKind): Metric[] {
  if (specs === undefined) return [];
  const list = Array.isArray(specs) ? specs : [specs];
  const out: Metric[] = list.map((s, i) => {
    if (s === 'accuracy' || s === 'acc') {
      const fn = kind === 'binary' ? binaryAccuracy : kind === 'custom' ? accuracy : categoricalAccuracy;
      return { name: 'acc', fn, builtIn: true };
    }
    if (s === 'topKAccuracy') return { name: 'top5Acc', fn: topKAccuracy(5), builtIn: true };
    if (typeof s === 'function') return { name: s.name || `metric${i}`, fn: s as MetricFn };
    if (s !== null && typeof s === 'object' && typeof (s as Metric).name === 'string' && typeof (s as Metric).fn === 'function') return s as Metric;
    throw argTypeError(op, `metrics[${i}]`, "'accuracy', 'topKAccuracy', a function (labels, logits) => number or {name, fn}", s);
  });
  const names = new Set<string>();
  for (const m of out) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(m.name) || m.name === 'loss' || names.has(m.name)) {
      throw argError(op, 'metrics', 'metrics with distinct identifier names other than loss', m.name);
    }
    names.add(m.name);
  }
  return out;
}
