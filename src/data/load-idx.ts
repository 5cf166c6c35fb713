import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { checkOptions } from '../tensor/options.js';
import type { Dataset } from './dataset.js';
import { dataError, fileSource } from './errors.js';
import { idxDeclaredLength, parseIdx } from './idx.js';
import { checkExampleShape, idxToDataset, type IdxDatasetOptions } from './idx-dataset.js';
import { MAX_DECOMPRESSED_BYTES, readMaybeGzipped } from './node-files.js';

export type LoadIdxOptions = Pick<IdxDatasetOptions, 'numClasses' | 'classNames' | 'shape'>;

const LOAD_IDX_OPTIONS = ['numClasses', 'classNames', 'shape'];

/**
 * Loads an MNIST-style directory (Node): train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte
 * and t10k-labels-idx1-ubyte, each raw or with .gz (the dotted spelling train-images.idx3-ubyte also works).
 * Labels must lie in [0, numClasses), default 10; pass FASHION_MNIST_CLASS_NAMES as classNames for Fashion-MNIST.
 * `shape: 'image'` makes each example's featureShape [28, 28, 1] (channels last, for conv2d) instead of [784].
 */
export async function loadIdxDataset(dir: string, options: LoadIdxOptions = {}): Promise<{ train: Dataset; test: Dataset }> {
  checkOptions('loadIdxDataset', options, LOAD_IDX_OPTIONS);
  checkExampleShape('loadIdxDataset', options.shape);
  // Find all four files first, in order, so a missing one is always reported the same way (the two splits racing
  // made the error name whichever split lost); then read both splits at once, and when both fail report the
  // training split's error (Promise.all would reject with whichever failed first).
  const trainFiles = await findSplit(dir, 'train');
  const testFiles = await findSplit(dir, 't10k');
  const settled = await Promise.allSettled([loadSplit(trainFiles, options), loadSplit(testFiles, options)]);
  const [train, test] = settled.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  const shape = (ds: Dataset) => `[${(ds.imageShape ?? ds.featureShape).join(', ')}]`;
  if (shape(train) !== shape(test)) {
    throw dataError(
      'loadIdxDataset',
      fileSource(testFiles.imagesPath),
      `images of the training images' shape ${shape(train)} (${fileSource(trainFiles.imagesPath)})`,
      `images of shape ${shape(test)}`,
    );
  }
  return { train, test };
}

async function findSplit(dir: string, prefix: 'train' | 't10k'): Promise<{ imagesPath: string; labelsPath: string }> {
  return {
    imagesPath: await findFile(dir, `${prefix}-images`, 'idx3-ubyte'),
    labelsPath: await findFile(dir, `${prefix}-labels`, 'idx1-ubyte'),
  };
}

async function loadSplit({ imagesPath, labelsPath }: { imagesPath: string; labelsPath: string }, options: LoadIdxOptions): Promise<Dataset> {
  const read = (path: string) => readMaybeGzipped(path, 'loadIdxDataset', MAX_DECOMPRESSED_BYTES, idxDeclaredLength);
  const images = parseIdx(await read(imagesPath), { source: fileSource(imagesPath) });
  const labels = parseIdx(await read(labelsPath), { source: fileSource(labelsPath) });
  return idxToDataset(images, labels, { ...options, imagesSource: fileSource(imagesPath), labelsSource: fileSource(labelsPath) });
}

async function findFile(dir: string, stem: string, kind: string): Promise<string> {
  const candidates = [`${stem}-${kind}`, `${stem}-${kind}.gz`, `${stem}.${kind}`, `${stem}.${kind}.gz`].map((name) => join(dir, name));
  for (const path of candidates) {
    try {
      await access(path);
      return path;
    } catch {
      // try the next spelling
    }
  }
  const names = candidates.map((c) => `'${c}'`).join(', ');
  throw dataError('loadIdxDataset', `argument 'dir' ('${dir}')`, `a directory holding one of ${names}`, 'none of them');
}
