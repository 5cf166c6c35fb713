import { Tensor, argError, argTypeError } from '../tensor/index.js';

/**
 * A labelled classification dataset held in flat typed arrays: row i of `images` (D = product of featureShape
 * values, starting at i·D) has class `labels[i]` in [0, numClasses).
 */
export interface Dataset {
  /** count × D features, row-major. For image sets, pixels scaled to [0, 1]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  /** The shape of one example as the model sees it: flat, e.g. [784], or an image [28, 28, 1] (loaders' shape: 'image'). */
  featureShape: number[];
  /** The shape of one example as a picture, e.g. [28, 28]; absent for tabular data. */
  imageShape?: number[];
  numClasses: number;
  /** Names of classes 0..numClasses-1, when the source had them (string labels, Fashion-MNIST). */
  classNames?: string[];
}

/** Number of features per example. */
export function featureSize(ds: Dataset): number {
  return ds.featureShape.reduce((a, b) => a * b, 1);
}

/** Checks `indices` are integers in [0, ds.count) and returns them as an Int32Array. */
function checkIndices(op: string, ds: Dataset, indices: ArrayLike<number>): Int32Array {
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') {
    throw argTypeError(op, 'indices', 'an array of example indices', indices);
  }
  const out = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const k = indices[i];
    if (!Number.isInteger(k) || k < 0 || k >= ds.count) {
      throw argError(op, 'indices', `integers in [0, ${ds.count})`, `${k} at position ${i}`);
    }
    out[i] = k;
  }
  return out;
}

/** The examples at `indices`, in that order, copied into a new Dataset with the same metadata. */
export function subsetDataset(ds: Dataset, indices: ArrayLike<number>): Dataset {
  const picked = checkIndices('subsetDataset', ds, indices);
  const d = featureSize(ds);
  const images = new Float32Array(picked.length * d);
  const labels = new Int32Array(picked.length);
  for (let i = 0; i < picked.length; i++) {
    const k = picked[i];
    images.set(ds.images.subarray(k * d, (k + 1) * d), i * d);
    labels[i] = ds.labels[k];
  }
  return { ...ds, images, labels, count: picked.length };
}

/**
 * Features and labels as tensors: x float32 [n, ...featureShape] ([n, 784] flat, [n, 28, 28, 1] as images), y int32
 * [n]. The tensors own fresh copies, so training code may keep them while the dataset is reused.
 */
export function toTensors(ds: Dataset, indices?: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const part = indices === undefined ? { ...ds, images: ds.images.slice(), labels: ds.labels.slice() } : subsetDataset(ds, indices);
  // The arrays are fresh copies, so wrap them directly instead of copying again through tensor().
  return { x: new Tensor(part.images, [part.count, ...ds.featureShape]), y: new Tensor(part.labels, [part.count]) };
}
