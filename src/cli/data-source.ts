import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import {
  DEFAULT_SPLIT_SEED,
  FASHION_MNIST_CLASS_NAMES,
  loadCsvDataset,
  loadEmbeddedMnist,
  loadIdxDataset,
  splitTrainTest,
  type Dataset,
} from '../data/node.js';
import type { DataSplit } from '../layers/network.js';
import { CliError } from './io.js';

/** A resolved data source: the train and test sets a command works on, and where they came from. */
export interface LoadedData {
  name: string;
  train: Dataset;
  test: Dataset;
  /** Names of classes 0..C-1 (digits when the source has none). */
  classNames: string[];
  /** How a CSV file was split (for the model file). */
  split?: DataSplit;
}

/** The one split rule of a CSV file: a fixed seed and a fifth of the rows for testing, whatever the training seed. */
export const CSV_TEST_FRACTION = 0.2;

/** Where Debian's dataset-fashion-mnist package puts the IDX files (`--data fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const DATA_SOURCE_HELP =
  "'mnist' (embedded 10,000 digits, fixed 8,000/2,000 split), 'fashion-mnist' (the full 60,000/10,000 set from Debian's dataset-fashion-mnist, in " +
  FASHION_MNIST_DIR +
  "), 'idx:DIR' (train-*/t10k-* IDX files, gzipped or not) or 'csv:FILE' (numeric features and a label column; a fixed seeded 80/20 split, recorded in the model file)";

export interface DataSourceOptions {
  testCsv?: string;
  labelColumn?: string;
  /** The model the data is for: its class names fix the label ids, its recorded split picks the test rows. */
  model?: { classNames?: string[]; dataSplit?: DataSplit };
}

const digitNames = (n: number) => Array.from({ length: n }, (_, c) => String(c));

/** A fingerprint of a file's bytes: the first 16 hex digits of its SHA-256. */
async function fingerprint(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
    .slice(0, 16);
}

/**
 * Parses `mnist`, `idx:DIR` or `csv:FILE` and loads it. A CSV file is split by one rule (seed DEFAULT_SPLIT_SEED,
 * a fifth for testing) unless a separate test file is given, or by the split a model recorded, after checking the
 * file is the one that model was trained on.
 */
export async function loadDataSource(spec: string, options: DataSourceOptions = {}): Promise<LoadedData> {
  const modelNames = options.model?.classNames;
  if (spec === 'mnist') {
    const all = await loadEmbeddedMnist();
    const { train, test } = splitTrainTest(all);
    return { name: 'embedded MNIST (8,000 / 2,000)', train, test, classNames: digitNames(10) };
  }
  if (spec === 'fashion-mnist') {
    if (!existsSync(FASHION_MNIST_DIR)) {
      throw new CliError(`option --data 'fashion-mnist': ${FASHION_MNIST_DIR} does not exist (apt-get install dataset-fashion-mnist, or give idx:DIR)`, 2);
    }
    return loadDataSource(`idx:${FASHION_MNIST_DIR}`, options);
  }
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const path = colon < 0 ? '' : spec.slice(colon + 1);
  if ((kind === 'idx' || kind === 'csv') && path === '') {
    throw new CliError(`option --data '${spec}': expected a path after '${kind}:'`, 2);
  }
  if (kind === 'idx') {
    const looksFashion = /fashion/i.test(path);
    const { train, test } = await loadIdxDataset(path, looksFashion ? { classNames: [...FASHION_MNIST_CLASS_NAMES] } : {});
    return { name: `IDX ${path}`, train, test, classNames: train.classNames ?? digitNames(Math.max(train.numClasses, test.numClasses)) };
  }
  if (kind === 'csv') {
    const labelColumn = options.labelColumn === undefined ? undefined : /^-?\d+$/.test(options.labelColumn) ? Number(options.labelColumn) : options.labelColumn;
    const all = await loadCsvDataset(path, { labelColumn, classNames: modelNames });
    const classNames = all.classNames ?? digitNames(all.numClasses);
    if (options.testCsv) {
      const test = await loadCsvDataset(options.testCsv, { labelColumn, classNames });
      return { name: `CSV ${path} (test: ${options.testCsv})`, train: all, test, classNames };
    }
    const print = await fingerprint(path);
    const recorded = options.model?.dataSplit;
    if (recorded && (recorded.fingerprint !== print || recorded.rows !== all.count)) {
      throw new CliError(
        `file '${path}' (${all.count} rows, fingerprint ${print}) is not the file the model was trained on ('${recorded.source}': ${recorded.rows} rows, fingerprint ${recorded.fingerprint}), so its test rows are unknown; pass the training file, or a test file with --test-csv`,
      );
    }
    const split: DataSplit = recorded ?? { source: spec, rows: all.count, fingerprint: print, seed: DEFAULT_SPLIT_SEED, testFraction: CSV_TEST_FRACTION };
    const testSize = Math.max(1, Math.round(all.count * split.testFraction));
    const { train, test } = splitTrainTest(all, { trainSize: all.count - testSize, testSize, seed: split.seed });
    return { name: `CSV ${path} (seeded ${100 - 100 * split.testFraction}/${100 * split.testFraction} split)`, train, test, classNames, split };
  }
  throw new CliError(`option --data '${spec}': expected ${DATA_SOURCE_HELP}`, 2);
}

/** The data a command reads for a model: --data, else the source the model's split was recorded from, else 'mnist'. */
export function modelDataSource(spec: string | undefined, model: { dataSplit?: DataSplit }): string {
  return spec ?? model.dataSplit?.source ?? 'mnist';
}
