import { argError } from '../tensor/errors.js';
import type { DataSplit, Network } from '../layers/network.js';
import { checkCalibration, type Calibration } from '../calibration/apply.js';
import { LIMITS, type DecodedFile } from './container.js';

/*
 * header.metadata (format version 2): what a model file records beside the architecture and the weights:
 * the class names, the split of the data it was trained on and the calibration of its logits (`model.calibrate`).
 * Version-1 files have none.
 */

export interface ModelMetadata {
  classNames?: string[];
  dataSplit?: DataSplit;
  calibration?: Calibration;
}

/** A model that may carry a calibration (Model does; a bare Network has none). */
type MaybeCalibrated = Network & { calibration?: Calibration };

/** The metadata of a model as a JSON value, or undefined when it has none. */
export function metadataOf(model: MaybeCalibrated): ModelMetadata | undefined {
  const m: ModelMetadata = {};
  const classes = model.outputShape.at(-1);
  if (model.classNames && (!Array.isArray(model.classNames) || model.classNames.length !== classes || model.classNames.some((n) => typeof n !== 'string'))) {
    throw argError('modelToBytes', 'model.classNames', `${classes} strings, one per output class`, model.classNames);
  }
  if (model.classNames) m.classNames = model.classNames.slice();
  if (model.dataSplit) m.dataSplit = { ...model.dataSplit };
  if (model.calibration) m.calibration = checkCalibration('modelToBytes', 'model.calibration', model.calibration, classes ?? 0);
  return Object.keys(m).length ? m : undefined;
}

/** Checks header.metadata (any version-2 file may carry it) and puts it on the model. */
export function readMetadata(file: DecodedFile, model: MaybeCalibrated): void {
  const { check, header } = file;
  if (header.metadata === undefined) return;
  if (file.version < 2) check.fail('header.metadata is not part of format version 1');
  const p = 'header.metadata';
  const m = check.object(p, header.metadata, ['classNames', 'dataSplit', 'calibration']);
  if (m.classNames !== undefined) {
    const classes = model.outputShape.at(-1);
    const names = check.array(`${p}.classNames`, m.classNames, LIMITS.dim).map((n, i) => check.string(`${p}.classNames[${i}]`, n, LIMITS.nameLength));
    if (names.length !== classes) check.fail(`${p}.classNames has ${names.length} names for the model's ${classes} output classes`);
    model.classNames = names;
  }
  if (m.calibration !== undefined) model.calibration = readCalibration(file, `${p}.calibration`, m.calibration, model.outputShape.at(-1) ?? 0);
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

/** header.metadata.calibration: checked field by field with the file's checker (a hostile file meets these first). */
function readCalibration(file: DecodedFile, p: string, v: unknown, classes: number): Calibration {
  const { check } = file;
  const method = check.oneOf(`${p}.method`, check.object(p, v).method, ['temperature', 'vectorScaling'] as const);
  if (method === 'temperature') {
    const c = check.object(p, v, ['method', 'temperature'], ['method', 'temperature']);
    const t = check.number(`${p}.temperature`, c.temperature);
    if (!(t > 0)) check.expect(`${p}.temperature`, 'a number > 0', t);
    return { method, temperature: t };
  }
  const c = check.object(p, v, ['method', 'scale', 'bias'], ['method', 'scale', 'bias']);
  const vector = (name: 'scale' | 'bias'): number[] => {
    const a = check.array(`${p}.${name}`, c[name], LIMITS.dim);
    if (a.length !== classes) check.fail(`${p}.${name} has ${a.length} values for the model's ${classes} output classes`);
    return a.map((x, i) => check.number(`${p}.${name}[${i}]`, x));
  };
  return { method, scale: vector('scale'), bias: vector('bias') };
}
