import { firstNonFinite } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Variable } from '../layers/variable.js';

/**
 * Training that meets a NaN or an infinite loss stops at once, with an error saying where and why, instead of
 * writing NaN weights over the last good state. These messages say where (1-based, as progress is printed) and
 * what probably went wrong, from what the step can see: the batch's inputs, the weights, the learning rate.
 */

/** Where a step runs, for the messages. */
export interface StepPlace {
  epoch: number;
  epochs: number;
  batch: number;
  steps: number;
  /** Maps an example of the batch to its index in fit's x (the batch is shuffled). */
  exampleIndex: (k: number) => number;
  /** Where the last completed epoch is saved (a checkpoint store's location), or null. */
  checkpoint: string | null;
  /** Epochs completed (and checkpointed, with a store) before this one. */
  completed: number;
}

/** The first non-finite weight, as `name holds value`, or null. */
export function nonFiniteWeight(weights: readonly Variable[]): string | null {
  for (const v of weights) {
    const i = firstNonFinite(v.value.values);
    if (i >= 0) return `'${v.name}' holds ${v.value.values[i]} at flat index ${i}`;
  }
  return null;
}

function kept(at: StepPlace): string {
  if (at.checkpoint === null) return '';
  return at.completed > 0
    ? ` The checkpoint (${at.checkpoint}) keeps epoch ${at.completed}, the last completed one.`
    : ` Nothing was checkpointed (${at.checkpoint}).`;
}

/** The loss of a batch is NaN or ±Infinity: checked before the update, so the weights are those before this batch. */
export function nonFiniteLossError(loss: number, at: StepPlace, xb: Tensor, weights: readonly Variable[], learningRate: number): Error {
  const where = `at epoch ${at.epoch + 1} of ${at.epochs}, batch ${at.batch + 1} of ${at.steps}`;
  const bad = firstNonFinite(xb.values);
  const rowSize = xb.size / Math.max(1, xb.shape[0]);
  const weight = nonFiniteWeight(weights);
  let cause: string;
  if (bad >= 0) {
    const k = Math.floor(bad / rowSize);
    cause = `x holds ${xb.values[bad]} in example ${at.exampleIndex(k)} (flat index ${bad % rowSize} of the example): clean or impute the data before fit`;
  } else if (weight !== null) {
    cause = `the weights were already non-finite before this batch (${weight}): an earlier update diverged; lower the learning rate (${learningRate})`;
  } else {
    cause = `the inputs and weights are finite, so the loss overflowed: the learning rate (${learningRate}) is likely too large for this model, or the inputs need scaling (e.g. layers.normalization)`;
  }
  return new Error(`fit: the loss is ${loss} ${where}; training stopped before this batch's update. Likely cause: ${cause}.${kept(at)}`);
}

/** Finite losses but weights that overflowed in the epoch's last update: refused before validation and the checkpoint. */
export function nonFiniteWeightsError(weight: string, at: StepPlace, learningRate: number): Error {
  return new Error(
    `fit: the weights became non-finite in epoch ${at.epoch + 1} of ${at.epochs} (${weight}); training stopped. Likely cause: the learning rate (${learningRate}) is too large for this model.${kept(at)}`,
  );
}
