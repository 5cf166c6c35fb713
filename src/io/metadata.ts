import { argError } from '../tensor/errors.js';
import type { DataSplit, Network } from '../layers/network.js';
import { LIMITS, type DecodedFile } from './container.js';

/*
 * header.metadata (format version 2): what a model file records beside the architecture and the weights:
 * the class names and the split of the data it was trained on. Version-1 files have none.
 */

export interface ModelMetadata {
  classNames?: string[];
  dataSplit?: DataSplit;
}

/** The metadata of a model as a JSON value, or undefined when it has none. */
export function metadataOf(model: Network): ModelMetadata | undefined {
  const m: ModelMetadata = {};
  const classes = model.outputShape.at(-1);
  if (model.classNames && (!Array.isArray(model.classNames) || model.classNames.length !== classes || model.classNames.some((n) => typeof n !== 'string'))) {
    throw argError('modelToBytes', 'model.classNames', `${classes} strings, one per output class`, model.classNames);
  }
  if (model.classNames) m.classNames = model.classNames.slice();
  if (model.dataSplit) m.dataSplit = { ...model.dataSplit };
  return Object.keys(m).length ? m : undefined;
}

/** Checks header.metadata (any version-2 file may carry it) and puts it on the model. */
export function readMetadata(file: DecodedFile, model: Network): void {
  const { check, header } = file;
  if (header.metadata === undefined) return;
  if (file.version < 2) check.fail('header.metadata is not part of format version 1');
  const p = 'header.metadata';
  const m = check.object(p, header.metadata, ['classNames', 'dataSplit']);
  if (m.classNames !== undefined) {
    const classes = model.outputShape.at(-1);
    const names = check.array(`${p}.classNames`, m.classNames, LIMITS.dim).map((n, i) => check.string(`${p}.classNames[${i}]`, n, LIMITS.nameLength));
    if (names.length !== classes) check.fail(`${p}.classNames has ${names.length} names for the model's ${classes} output classes`);
    model.classNames = names;
  }
  if (m.dataSplit !== undefined) {
    const q = `${p}.dataSplit`;
    const d = check.object(
      q,
      m.dataSplit,
      ['source', 'rows', 'fingerprint', 'seed', 'testFraction'],
      ['source', 'rows', 'fingerprint', 'seed', 'testFraction'],
    );
    const testFraction = check.number(`${q}.testFraction`, d.testFraction);
    if (!(testFraction > 0 && testFraction < 1)) check.expect(`${q}.testFraction`, 'a number in (0, 1)', testFraction);
    model.dataSplit = {
      source: check.string(`${q}.source`, d.source, 4096),
      rows: check.int(`${q}.rows`, d.rows, 1, 2 ** 31 - 1),
      fingerprint: check.string(`${q}.fingerprint`, d.fingerprint, 128),
      seed: check.int(`${q}.seed`, d.seed, 0, 0xffffffff),
      testFraction,
    };
  }
}
