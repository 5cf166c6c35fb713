import { CliError } from './io.js';
import { FASHION_MNIST_CLASS_NAMES, loadCsvDataset, loadEmbeddedMnist, loadIdxDataset, splitTrainTest, type Dataset } from '../data/node.js';

/** A resolved data source: the train and test sets a command works on, and where they came from. */
export interface LoadedData {
  name: string;
  train: Dataset;
  test: Dataset;
}

export const DATA_SOURCE_HELP = "'mnist' (embedded 10,000 digits, fixed 8,000/2,000 split), 'idx:DIR' (train-*/t10k-* IDX files, gzipped or not) or 'csv:FILE' (numeric features and a label column; a seeded 80/20 split)";

/**
 * Parses `mnist`, `idx:DIR` or `csv:FILE` and loads it. A CSV file is split 80/20 with the given seed
 * unless a separate test file is given.
 */
export async function loadDataSource(spec: string, options: { seed?: number; testCsv?: string; labelColumn?: string } = {}): Promise<LoadedData> {
  if (spec === 'mnist') {
    const all = await loadEmbeddedMnist();
    const { train, test } = splitTrainTest(all);
    return { name: 'embedded MNIST (8,000 / 2,000)', train, test };
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
    return { name: `IDX ${path}`, train, test };
  }
  if (kind === 'csv') {
    const labelColumn = options.labelColumn === undefined ? undefined : /^-?\d+$/.test(options.labelColumn) ? Number(options.labelColumn) : options.labelColumn;
    const all = await loadCsvDataset(path, { labelColumn });
    if (options.testCsv) {
      const test = await loadCsvDataset(options.testCsv, { labelColumn, classNames: all.classNames });
      return { name: `CSV ${path} (test: ${options.testCsv})`, train: all, test };
    }
    const testSize = Math.max(1, Math.round(all.count * 0.2));
    const { train, test } = splitTrainTest(all, { trainSize: all.count - testSize, testSize, seed: options.seed });
    return { name: `CSV ${path} (seeded 80/20 split)`, train, test };
  }
  throw new CliError(`option --data '${spec}': expected ${DATA_SOURCE_HELP}`, 2);
}
