import { checkChoice, checkOptions } from '../tensor/options.js';
import type { Dataset } from './dataset.js';
import { dataError } from './errors.js';
import type { IdxArray } from './idx.js';

/**
 * How a dataset of images shapes one example in `featureShape`: 'flat' gives [H·W·C] (e.g. [784], for dense
 * layers), 'image' gives [H, W, C], channels last (e.g. [28, 28, 1], for conv2d). The pixels are the same bytes in
 * the same order either way: an [N, H, W, C] tensor is `new Tensor(ds.images, [ds.count, ...ds.featureShape])`.
 */
export type ExampleShape = 'flat' | 'image';
export const EXAMPLE_SHAPES: readonly ExampleShape[] = Object.freeze(['flat', 'image']);

export interface IdxDatasetOptions {
  /** Labels must lie in [0, numClasses). Default 10 (MNIST, Fashion-MNIST). */
  numClasses?: number;
  classNames?: string[];
  /** Named in errors, e.g. "file 'train-images-idx3-ubyte.gz'". */
  imagesSource?: string;
  labelsSource?: string;
  /**
   * 'flat' (default): featureShape [H·W·C], e.g. [784]. 'image': featureShape [H, W, C], e.g. [28, 28, 1]: images of
   * [count, H, W] get one channel, [count, H, W, C] keep theirs; other ranks are refused. `images` is the same.
   */
  shape?: ExampleShape;
}

const IDX_DATASET_OPTIONS = ['numClasses', 'classNames', 'imagesSource', 'labelsSource', 'shape'];

/** Checks an example-shape option ('flat' when undefined). */
export function checkExampleShape(op: string, value: unknown): ExampleShape {
  return value === undefined ? 'flat' : checkChoice(op, 'options.shape', value, EXAMPLE_SHAPES);
}

/**
 * Pairs a parsed images IDX ([N, ...]) with a labels IDX ([N]) into a Dataset. uint8 pixels are scaled by
 * 1/255; float pixels are kept as they are. Pure, so the browser and Node share it.
 */
export function idxToDataset(images: IdxArray, labels: IdxArray, options: IdxDatasetOptions = {}): Dataset {
  const op = 'idxToDataset';
  checkOptions(op, options, IDX_DATASET_OPTIONS);
  const shape = checkExampleShape(op, options.shape);
  const imagesSource = options.imagesSource ?? "argument 'images'";
  const labelsSource = options.labelsSource ?? "argument 'labels'";
  const numClasses = options.numClasses ?? options.classNames?.length ?? 10;
  if (!Number.isInteger(numClasses) || numClasses < 1) throw dataError(op, "option 'numClasses'", 'a positive integer', numClasses);
  if (options.classNames !== undefined && options.classNames.length !== numClasses) {
    throw dataError(op, "option 'classNames'", `${numClasses} names (numClasses)`, `${options.classNames.length} names`);
  }
  if (images.dims.length < 2) {
    throw dataError(op, imagesSource, 'an IDX array of examples with at least 2 dimensions [count, ...]', `dims [${images.dims.join(', ')}]`);
  }
  if (shape === 'image' && images.dims.length !== 3 && images.dims.length !== 4) {
    throw dataError(
      op,
      imagesSource,
      "images of dims [count, height, width] or [count, height, width, channels] for option shape 'image'",
      `dims [${images.dims.join(', ')}]`,
    );
  }
  if (labels.dims.length !== 1) throw dataError(op, labelsSource, 'an IDX array with 1 dimension [count]', `dims [${labels.dims.join(', ')}]`);
  if (!['uint8', 'int8', 'int16', 'int32'].includes(labels.dtype)) {
    throw dataError(op, labelsSource, 'integer labels (uint8, int8, int16 or int32)', `${labels.dtype} elements`);
  }
  const count = images.dims[0];
  if (labels.dims[0] !== count) {
    throw dataError(op, labelsSource, `${count} labels, one per image in ${imagesSource}`, `${labels.dims[0]} labels`);
  }
  const outLabels = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const label = labels.data[i];
    if (label < 0 || label >= numClasses) throw dataError(op, labelsSource, `labels in [0, ${numClasses})`, `${label} at index ${i}`);
    outLabels[i] = label;
  }
  const imageShape = images.dims.slice(1);
  const featureCount = imageShape.reduce((a, b) => a * b, 1);
  return {
    images: scalePixels(op, images, imagesSource),
    labels: outLabels,
    count,
    featureShape: shape === 'image' ? [imageShape[0], imageShape[1], imageShape[2] ?? 1] : [featureCount],
    imageShape,
    numClasses,
    ...(options.classNames !== undefined ? { classNames: options.classNames.slice() } : {}),
  };
}

function scalePixels(op: string, images: IdxArray, source: string): Float32Array {
  if (images.dtype === 'uint8') {
    const out = new Float32Array(images.data.length);
    for (let i = 0; i < out.length; i++) out[i] = images.data[i] / 255;
    return out;
  }
  if (images.dtype === 'float32' || images.dtype === 'float64') {
    const out = Float32Array.from(images.data);
    const bad = out.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw dataError(op, source, 'finite features', `${images.data[bad]} at flat index ${bad}`);
    return out;
  }
  throw dataError(op, source, 'uint8 pixels (scaled to [0, 1]) or float32/float64 features', `${images.dtype} elements`);
}

/** Class names of Fashion-MNIST labels 0..9, from the dataset's README. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = Object.freeze([
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
]);
