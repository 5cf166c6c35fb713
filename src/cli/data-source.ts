import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Random } from '../index.js';
import {
  DEFAULT_SPLIT_SEED,
  FASHION_MNIST_CLASS_NAMES,
  loadCsvDataset,
  loadEmbeddedMnist,
  loadIdxDataset,
  loadTextDirectory,
  loadTextTable,
  splitTrainTest,
  subsetDataset,
  type Dataset,
  type TextDataset,
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

/** A resolved source of labelled texts (`csv:` with --text-column, `tsv:`, `jsonl:`, `dir:`), split as a CSV file is. */
export interface LoadedTextData {
  name: string;
  train: TextDataset;
  test: TextDataset;
  classNames: string[];
  split?: DataSplit;
}

/** The one split rule of a CSV file: a fixed seed and a fifth of the rows for testing, whatever the training seed. */
export const CSV_TEST_FRACTION = 0.2;

/** Where Debian's dataset-fashion-mnist package puts the IDX files (`--data fashion-mnist`). */
export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';

export const DATA_SOURCE_HELP =
  "'mnist' (embedded 10,000 digits, fixed 8,000/2,000 split), 'fashion-mnist' (the full 60,000/10,000 set from Debian's dataset-fashion-mnist, in " +
  FASHION_MNIST_DIR +
  "), 'idx:DIR' (train-*/t10k-* IDX files, gzipped or not), 'csv:FILE' (numeric features and a label column; with --text-column, labelled texts), " +
  "'tsv:FILE' or 'jsonl:FILE' (labelled texts) or 'dir:FOLDER' (texts, one sub-folder per class, one .txt file per text); files are split by a fixed seeded 80/20 rule, recorded in the model file";

export interface DataSourceOptions {
  testCsv?: string;
  labelColumn?: string;
  /** The model the data is for: its class names fix the label ids, its recorded split picks the test rows. */
  model?: { classNames?: string[]; dataSplit?: DataSplit };
}

export interface TextSourceOptions extends DataSourceOptions {
  /** The text column (a header name, a JSONL key, or an index); default 'text'. */
  textColumn?: string;
}

const digitNames = (n: number) => Array.from({ length: n }, (_, c) => String(c));

/** The kinds of --data that hold labelled texts (csv: only with --text-column, or for a text model). */
const TEXT_KINDS: readonly string[] = ['tsv', 'jsonl', 'dir'];

/** Splits --data into its kind and its path ('mnist' has no path). */
function parseSpec(spec: string): { kind: string; path: string } {
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const path = colon < 0 ? '' : spec.slice(colon + 1);
  if ((kind === 'idx' || kind === 'csv' || TEXT_KINDS.includes(kind)) && path === '') {
    throw new CliError(`option --data '${spec}': expected a path after '${kind}:'`, 2);
  }
  return { kind, path };
}

/**
 * Whether --data is read as labelled texts: `tsv:`, `jsonl:` and `dir:` always, `csv:` when --text-column is given
 * or the model takes text.
 */
export function isTextSource(spec: string, options: { textColumn?: string; model?: { textVectorization?: unknown } } = {}): boolean {
  const { kind } = parseSpec(spec);
  return TEXT_KINDS.includes(kind) || (kind === 'csv' && (options.textColumn !== undefined || options.model?.textVectorization !== undefined));
}

/** A fingerprint of bytes: the first 16 hex digits of their SHA-256. */
function digest(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

async function fingerprint(path: string): Promise<string> {
  return digest(await readFile(path));
}

/**
 * The split of a file's rows, shared by numeric and text data: the split the model recorded (after checking the
 * file is the one it was trained on), else a new one with seed DEFAULT_SPLIT_SEED and a fifth of the rows for
 * testing. The rows are shuffled with Random(seed) (as splitTrainTest does); the last round(rows × testFraction),
 * at least 1, are the test rows.
 */
function seededSplit(
  spec: string,
  path: string,
  rows: number,
  print: string,
  recorded: DataSplit | undefined,
  testOption: string,
): { split: DataSplit; trainIndices: Int32Array; testIndices: Int32Array } {
  if (recorded && (recorded.fingerprint !== print || recorded.rows !== rows)) {
    throw new CliError(
      `file '${path}' (${rows} rows, fingerprint ${print}) is not the file the model was trained on ('${recorded.source}': ${recorded.rows} rows, fingerprint ${recorded.fingerprint}), so its test rows are unknown; pass the training file, or a test file with ${testOption}`,
    );
  }
  const split: DataSplit = recorded ?? { source: spec, rows, fingerprint: print, seed: DEFAULT_SPLIT_SEED, testFraction: CSV_TEST_FRACTION };
  const testSize = Math.max(1, Math.round(rows * split.testFraction));
  const order = new Random(split.seed).permutation(rows);
  return { split, trainIndices: order.slice(0, rows - testSize), testIndices: order.slice(rows - testSize) };
}

const splitName = (split: DataSplit) => `seeded ${100 - 100 * split.testFraction}/${100 * split.testFraction} split`;

/**
 * Parses `mnist`, `idx:DIR` or `csv:FILE` and loads it. A CSV file is split by one rule (seed DEFAULT_SPLIT_SEED,
 * a fifth for testing) unless a separate test file is given, or by the split a model recorded, after checking the
 * file is the one that model was trained on. Text sources are read by loadTextSource.
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
  const { kind, path } = parseSpec(spec);
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
    const { split, trainIndices, testIndices } = seededSplit(spec, path, all.count, await fingerprint(path), options.model?.dataSplit, '--test-csv');
    return { name: `CSV ${path} (${splitName(split)})`, train: subsetDataset(all, trainIndices), test: subsetDataset(all, testIndices), classNames, split };
  }
  if (TEXT_KINDS.includes(kind))
    throw new CliError(`option --data '${spec}' holds texts: it trains and evaluates a text model (train --data ${kind}:FILE --arch tfidf|embedding)`, 2);
  throw new CliError(`option --data '${spec}': expected ${DATA_SOURCE_HELP}`, 2);
}

/** A column option as the text readers take it: an index when it is digits, else a name (or a JSONL key). */
function column(raw: string | undefined, format: string): string | number | undefined {
  return raw !== undefined && format !== 'jsonl' && /^\d+$/.test(raw) ? Number(raw) : raw;
}

/** The readers' option names, in their errors, as the CLI's options. */
function asCliError(e: unknown): unknown {
  if (!(e instanceof RangeError || e instanceof TypeError)) return e;
  const message = e.message
    .replaceAll("option 'textColumn'", 'option --text-column')
    .replaceAll("option 'labelColumn'", 'option --label-column')
    .replaceAll("options 'textColumn' and 'labelColumn'", 'options --text-column and --label-column')
    .replace('one of the classNames', "one of the model's classes");
  return new CliError(message);
}

/** Reads one file (or folder) of labelled texts of the kind --data names. */
async function readTexts(kind: string, path: string, o: TextSourceOptions, classNames: string[] | undefined): Promise<TextDataset> {
  try {
    if (kind === 'dir') {
      if (o.textColumn !== undefined || o.labelColumn !== undefined)
        throw new CliError(
          `options --text-column and --label-column name columns of a table; with --data dir:${path} each file is a text and its folder its label`,
          2,
        );
      return await loadTextDirectory(path, classNames ? { classNames } : {});
    }
    const format = kind as 'csv' | 'tsv' | 'jsonl';
    return await loadTextTable(path, {
      format,
      textColumn: column(o.textColumn, format),
      labelColumn: column(o.labelColumn, format),
      ...(classNames ? { classNames } : {}),
    });
  } catch (e) {
    throw asCliError(e);
  }
}

/** The texts at `indices`, in that order. */
function subsetTexts(ds: TextDataset, indices: Int32Array): TextDataset {
  const texts = Array.from(indices, (i) => ds.texts[i]!);
  const labels = Int32Array.from(indices, (i) => ds.labels[i]!);
  return { ...ds, texts, labels, count: indices.length };
}

/** A fingerprint of a folder of texts: its classes and texts (a table's is its file's bytes, as for CSV). */
function textsFingerprint(ds: TextDataset, classNames: readonly string[]): string {
  const parts: string[] = [];
  for (let i = 0; i < ds.count; i++) parts.push(classNames[ds.labels[i]!]!, ds.texts[i]!);
  return digest(parts.join('\u0000'));
}

/**
 * Loads labelled texts: `csv:FILE` / `tsv:FILE` / `jsonl:FILE` (columns --text-column, default 'text', and
 * --label-column, default 'label') or `dir:FOLDER` (a folder per class). Split by the same rule and record as a
 * numeric CSV file (seededSplit), or a separate test file (--test-csv) of the same kind.
 */
export async function loadTextSource(spec: string, options: TextSourceOptions = {}): Promise<LoadedTextData> {
  const { kind, path } = parseSpec(spec);
  if (kind !== 'csv' && !TEXT_KINDS.includes(kind))
    throw new CliError(`option --data '${spec}': a text model reads labelled texts: 'csv:FILE', 'tsv:FILE', 'jsonl:FILE' or 'dir:FOLDER'`, 2);
  const all = await readTexts(kind, path, options, options.model?.classNames);
  const classNames = all.classNames ?? digitNames(all.numClasses);
  const what =
    kind === 'dir' ? `folder ${path}` : `${kind.toUpperCase()} ${path} (text '${options.textColumn ?? 'text'}', label '${options.labelColumn ?? 'label'}')`;
  if (options.testCsv) {
    const test = await readTexts(kind, options.testCsv, options, classNames);
    return { name: `${what}, test: ${options.testCsv}`, train: all, test, classNames };
  }
  const print = kind === 'dir' ? textsFingerprint(all, classNames) : await fingerprint(path);
  const { split, trainIndices, testIndices } = seededSplit(spec, path, all.count, print, options.model?.dataSplit, '--test-csv');
  return { name: `${what}, ${splitName(split)}`, train: subsetTexts(all, trainIndices), test: subsetTexts(all, testIndices), classNames, split };
}

/** The data a command reads for a model: --data, else the source the model's split was recorded from, else 'mnist'. */
export function modelDataSource(spec: string | undefined, model: { dataSplit?: DataSplit }): string {
  return spec ?? model.dataSplit?.source ?? 'mnist';
}
