import { argError } from '../tensor/index.js';
import { Random } from '../tensor/random.js';
import { subsetDataset, type Dataset } from './dataset.js';

/** The seed of the default split, fixed so every run and every user sees the same train/test examples. */
export const DEFAULT_SPLIT_SEED = 20_240_601;

export interface SplitOptions {
  trainSize?: number;
  testSize?: number;
  seed?: number;
}

export interface TrainTestSplit {
  train: Dataset;
  test: Dataset;
  /** Indices into the source dataset, so the split can be recorded or reproduced. */
  trainIndices: Int32Array;
  testIndices: Int32Array;
}

/**
 * A fixed, seeded, disjoint split: shuffles 0..count-1 with Random(seed), takes the first trainSize indices
 * for train and the next testSize for test. Defaults: 8000 / 2000, seed DEFAULT_SPLIT_SEED.
 */
export function splitTrainTest(ds: Dataset, options: SplitOptions = {}): TrainTestSplit {
  const op = 'splitTrainTest';
  const { trainSize = 8000, testSize = 2000, seed = DEFAULT_SPLIT_SEED } = options;
  for (const [name, value] of [
    ['trainSize', trainSize],
    ['testSize', testSize],
  ] as const) {
    if (!Number.isInteger(value) || value < 0) throw argError(op, name, 'a non-negative integer', value);
  }
  if (trainSize + testSize > ds.count) {
    throw argError(op, 'trainSize + testSize', `at most the dataset's ${ds.count} examples`, trainSize + testSize);
  }
  const order = new Random(seed).permutation(ds.count);
  const trainIndices = order.slice(0, trainSize);
  const testIndices = order.slice(trainSize, trainSize + testSize);
  return { train: subsetDataset(ds, trainIndices), test: subsetDataset(ds, testIndices), trainIndices, testIndices };
}
