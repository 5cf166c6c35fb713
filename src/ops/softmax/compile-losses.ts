import { argError, argTypeError } from '../../tensor/errors.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { checkOptions } from '../../tensor/options.js';
import { Registry } from '../../tensor/registry.js';
import { shapesEqual } from '../../tensor/shape.js';
import { Tensor } from '../../tensor/tensor.js';
import { cast } from '../unary.js';
import { reshape } from '../layout.js';
import { sigmoidCrossEntropy, softmaxCrossEntropy, sparseSoftmaxCrossEntropy, type LossOptions } from './losses.js';

/*
 * The losses `compile` accepts: one registry entry per loss, each computed by its `losses.*` function with
 * Keras's 'sumOverBatchSize' reduction, so an unweighted batch takes the fused kernel path with the 1/N folded
 * into the gradient write, and fit's sampleWeight/classWeight are the `weights` of the same function.
 */

export type LossKind = 'sparse' | 'categorical' | 'binary' | 'custom';

/** One compile loss: its name, kind, the output activation it pairs with, and its computation through losses.*. */
export interface LossDefinition {
  readonly name: string;
  readonly kind: Exclude<LossKind, 'custom'>;
  /** The activation of an output layer that gives probabilities for this loss (read back as logits when fromLogits is false). */
  readonly activation: 'softmax' | 'sigmoid';
  compute(labels: Tensor, logits: Tensor, options: LossOptions): Tensor;
}

const sparseCategoricalCrossentropy: LossDefinition = {
  name: 'sparseCategoricalCrossentropy',
  kind: 'sparse',
  activation: 'softmax',
  compute: (labels, z, o) => sparseSoftmaxCrossEntropy(labels, z, o),
};
const categoricalCrossentropy: LossDefinition = {
  name: 'categoricalCrossentropy',
  kind: 'categorical',
  activation: 'softmax',
  compute: (labels, z, o) => softmaxCrossEntropy(labels, z, o),
};
const binaryCrossentropy: LossDefinition = {
  name: 'binaryCrossentropy',
  kind: 'binary',
  activation: 'sigmoid',
  compute: (labels, z, o) => sigmoidCrossEntropy(labels, z, o),
};

/** The compile losses (add one: its definition above and one line here). */
export const LOSSES = new Registry<LossDefinition>('loss', [sparseCategoricalCrossentropy, categoricalCrossentropy, binaryCrossentropy]);

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy';
/** The loss names, for CLI choices and messages. */
export const LOSS_NAMES = LOSSES.names() as readonly LossName[];
const LOSS_OPTIONS = ['name', 'fromLogits', 'labelSmoothing'] as const;

/** A custom loss: labels and the model's output → a scalar tensor, built from ops (so it is differentiable). */
export type LossFunction = (yTrue: Tensor, yPred: Tensor) => Tensor;

/** A built-in loss as stored and compared (what `LossPlan.config` holds; resolveLoss accepts it back). */
export interface LossConfig {
  name: LossName;
  fromLogits: boolean;
  labelSmoothing: number;
}

/**
 * A loss: a name, a name with options, or a function. `fromLogits` says whether the model's outputs are
 * logits (true) or probabilities from a softmax/sigmoid output layer (false). Default: true when the output
 * layer has no activation, false when it ends in softmax/sigmoid. With fromLogits false, logitkit computes the
 * loss from that layer's pre-activation logits with the exact cross-entropy-with-logits ops: probabilities are
 * never clipped or logged. `labelSmoothing` in [0, 1] as Keras (the sparse loss smooths like the categorical one).
 */
export type LossSpec = LossName | { name: LossName; fromLogits?: boolean; labelSmoothing?: number } | LossFunction;

/** A loss resolved against a model's output layer. */
export interface LossPlan {
  name: string;
  kind: LossKind;
  fromLogits: boolean;
  /** The serializable settings of a built-in loss (null for a function). */
  config: LossConfig | null;
  /** Which tensor the loss reads: the model output, or the output layer's pre-activation (its logits). */
  reads: 'output' | 'preActivation';
  /**
   * The loss over a batch, a scalar: Keras's sum_over_batch_size, Σ weights·losses / (number of losses).
   * `weights` are per example ([batch]); null for none (the fused path).
   */
  compute(labels: Tensor, input: Tensor, weights?: Tensor | null): Tensor;
  /** Checks labels against the output shape and converts them once (ids to int32, floats to the model dtype). */
  prepareLabels(op: string, y: Tensor, outputShape: readonly (number | null)[], dtype: FloatDType): Tensor;
}

/** Resolves a loss spec against the output layer's activation; throws when they do not fit together. */
export function resolveLoss(op: string, spec: unknown, head: { name: string; activation: string }): LossPlan {
  if (typeof spec === 'function') {
    const fn = spec as LossFunction;
    return {
      name: fn.name || 'customLoss',
      kind: 'custom',
      fromLogits: head.activation === 'linear',
      config: null,
      reads: 'output',
      compute: (labels, out, weights) => {
        if (weights) throw argTypeError(op, 'loss', 'a built-in loss for sampleWeight/classWeight (a loss function gets no weights)', fn.name || 'a function');
        const value = fn(labels, out);
        if (!(value instanceof Tensor) || value.size !== 1) throw argTypeError(op, 'loss', 'a function returning a scalar Tensor', value);
        return value.rank === 0 ? value : reshape(value, []);
      },
      prepareLabels: (_op, y, _shape, dtype) => (y.dtype === 'int32' || y.dtype === dtype ? y : cast(y, dtype)),
    };
  }
  let o: { name?: unknown; fromLogits?: unknown; labelSmoothing?: unknown };
  if (typeof spec === 'string') o = { name: spec };
  else if (spec !== null && typeof spec === 'object' && !(spec instanceof Tensor)) o = checkOptions(op, spec as object, LOSS_OPTIONS, 'loss');
  else
    throw argTypeError(
      op,
      'loss',
      `a loss name (${LOSS_NAMES.map((n) => `'${n}'`).join(', ')}), {name, fromLogits, labelSmoothing} or a function (yTrue, yPred) => scalar`,
      spec,
    );
  const def = LOSSES.get(op, 'loss', o.name);
  const fromLogits = o.fromLogits;
  if (fromLogits !== undefined && typeof fromLogits !== 'boolean') throw argTypeError(op, 'fromLogits', 'a boolean', fromLogits);
  const smoothing = o.labelSmoothing ?? 0;
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) throw argError(op, 'labelSmoothing', 'a number in [0, 1]', smoothing);
  const lossName = def.name as LossName;
  const kind = def.kind;
  const act = head.activation;
  const logits = (fromLogits as boolean | undefined) ?? act === 'linear';
  const needed = def.activation;
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
  const config: LossConfig = { name: lossName, fromLogits: logits, labelSmoothing: smoothing };
  const compute = (labels: Tensor, z: Tensor, weights?: Tensor | null): Tensor =>
    def.compute(labels, z, {
      reduction: 'sumOverBatchSize',
      ...(smoothing > 0 ? { labelSmoothing: smoothing } : {}),
      // Per-example weights [batch] broadcast over the rest of the per-example losses' shape.
      ...(weights ? { weights: reshape(weights, [weights.size, ...new Array<number>(Math.max(0, z.rank - (kind === 'binary' ? 1 : 2))).fill(1)]) } : {}),
    });
  return { name: lossName, kind, fromLogits: logits, config, reads, compute, prepareLabels: (o2, y, shape, dtype) => prepareLabels(o2, kind, y, shape, dtype) };
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
      if (!Number.isInteger(v[i]) || v[i] < 0 || v[i] >= classes)
        throw argError(op, 'y', `class ids: integers in [0, ${classes - 1}] (the model has ${classes} outputs)`, `${v[i]} at index ${i}`);
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
