import { argError } from '../tensor/index.js';
import { checkOptions } from '../tensor/options.js';
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

export interface StratifiedSplitOptions {
  /** The share of each class that goes to the test set, in (0, 1). Default 0.2. */
  testFraction?: number;
  seed?: number;
}

/**
 * A seeded stratified split of examples by their class ids: each class's examples are shuffled with Random(seed)
 * (classes in id order, one generator) and round(testFraction × its count) of them go to test, so every class keeps
 * its share in both parts. Returns increasing indices.
 */
export function stratifiedSplit(labels: Int32Array, options: StratifiedSplitOptions = {}): { trainIndices: Int32Array; testIndices: Int32Array } {
  const op = 'stratifiedSplit';
  if (!(labels instanceof Int32Array)) throw argError(op, 'labels', 'an Int32Array of class ids', labels);
  const o = checkOptions(op, options, ['testFraction', 'seed']);
  const testFraction = o.testFraction ?? 0.2;
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1))
    throw argError(op, 'options.testFraction', 'a number in (0, 1)', testFraction);
  const seed = o.seed ?? DEFAULT_SPLIT_SEED;
  if (!Number.isFinite(seed)) throw argError(op, 'options.seed', 'a finite number', seed);
  const byClass = new Map<number, number[]>();
  labels.forEach((c, i) => {
    if (c < 0) throw argError(op, 'labels', 'class ids >= 0', `${c} at position ${i}`);
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  });
  const rng = new Random(seed);
  const isTest = new Uint8Array(labels.length);
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = rng.shuffle(Int32Array.from(byClass.get(c)!));
    const take = Math.round(testFraction * members.length);
    for (let k = 0; k < take; k++) isTest[members[k]!] = 1;
  }
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  isTest.forEach((t, i) => (t ? testIndices : trainIndices).push(i));
  return { trainIndices: Int32Array.from(trainIndices), testIndices: Int32Array.from(testIndices) };
}
