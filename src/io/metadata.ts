import { argError } from '../tensor/errors.js';
import type { DataSplit, LanguageModelInfo, Network } from '../layers/network.js';
import { checkCalibration, type Calibration } from '../calibration/apply.js';
import { LIMITS, type DecodedFile } from './container.js';

/*
 * header.metadata (format version 2): what a model file records beside the architecture and the weights:
 * the class names, the split of the data it was trained on and the calibration of its logits (`model.calibrate`);
 * from version 4, a language model's tokenizer and special ids. Version-1 files have none.
 */

export interface ModelMetadata {
  classNames?: string[];
  dataSplit?: DataSplit;
  calibration?: Calibration;
  languageModel?: LanguageModelInfo;
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
  if (model.languageModel) m.languageModel = checkLanguageModel('modelToBytes', model);
  return Object.keys(m).length ? m : undefined;
}

/** Checks header.metadata (any version-2 file may carry it) and puts it on the model. */
export function readMetadata(file: DecodedFile, model: MaybeCalibrated): void {
  const { check, header } = file;
  if (header.metadata === undefined) return;
  if (file.version < 2) check.fail('header.metadata is not part of format version 1');
  const p = 'header.metadata';
  const m = check.object(p, header.metadata, ['classNames', 'dataSplit', 'calibration', 'languageModel']);
  if (m.classNames !== undefined) {
    const classes = model.outputShape.at(-1);
    const names = check.array(`${p}.classNames`, m.classNames, LIMITS.dim).map((n, i) => check.string(`${p}.classNames[${i}]`, n, LIMITS.nameLength));
    if (names.length !== classes) check.fail(`${p}.classNames has ${names.length} names for the model's ${classes} output classes`);
    model.classNames = names;
  }
  if (m.calibration !== undefined) model.calibration = readCalibration(file, `${p}.calibration`, m.calibration, model.outputShape.at(-1) ?? 0);
  if (m.languageModel !== undefined) {
    const q = `${p}.languageModel`;
    if (file.version < 4) check.fail(`${q} is not part of format version ${file.version}`);
    const fields = ['tokenizer', 'contextLength', 'paddingId', 'unknownId'];
    const o = check.object(q, m.languageModel, fields, fields);
    const classes = (model.classNames ?? check.fail(`${q} needs ${p}.classNames (the vocabulary)`)).length;
    const info: LanguageModelInfo = {
      tokenizer: check.oneOf(`${q}.tokenizer`, o.tokenizer, ['characters'] as const),
      contextLength: check.int(`${q}.contextLength`, o.contextLength, 1, LIMITS.dim),
      paddingId: check.int(`${q}.paddingId`, o.paddingId, 0, classes - 1),
      unknownId: check.int(`${q}.unknownId`, o.unknownId, 0, classes - 1),
    };
    try {
      checkLanguageModel('readMetadata', model, info);
    } catch (e) {
      check.fail(`${q}: ${(e as Error).message}`);
    }
    model.languageModel = info;
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

/**
 * A language model's info against the model: ids of [batch, contextLength] in, one logit per vocabulary entry
 * out, the same vocabulary at both ends (so generated ids can be fed back).
 */
function checkLanguageModel(op: string, model: Network, info: LanguageModelInfo | undefined = model.languageModel): LanguageModelInfo {
  const lm = info!;
  const classes = model.outputShape.at(-1) ?? 0;
  const expect = (what: string, ok: boolean, got: unknown) => {
    if (!ok) throw argError(op, 'model.languageModel', what, got);
  };
  expect("{tokenizer: 'characters', contextLength, paddingId, unknownId}", lm !== null && typeof lm === 'object' && lm.tokenizer === 'characters', lm);
  expect('a model with class names (its vocabulary)', Array.isArray(model.classNames), model.classNames);
  expect(
    `an int32 input [null, ${lm.contextLength}] of token ids`,
    model.inputDType === 'int32' && model.inputShape.join() === String(lm.contextLength),
    `${model.inputDType} [null, ${model.inputShape.join(', ')}]`,
  );
  expect('an output [null, vocabulary size]', model.outputShape.length === 2, model.outputShape);
  for (const key of ['paddingId', 'unknownId'] as const) {
    expect(`${key} in [0, ${classes - 1}]`, Number.isInteger(lm[key]) && lm[key] >= 0 && lm[key] < classes, lm[key]);
  }
  return { tokenizer: lm.tokenizer, contextLength: lm.contextLength, paddingId: lm.paddingId, unknownId: lm.unknownId };
}
