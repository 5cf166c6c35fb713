import type { Reduction } from '../ops/softmax/losses.js';
import { toTensor } from '../ops/convert.js';
import { cast } from '../ops/unary.js';
import { reshape, transpose } from '../ops/layout.js';
import { argError, argTypeError, describe } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import type { DenseInput, ExplainDType, ExplainInput, LabelInput, WeightsLayout } from './types.js';

export const OP = 'explain';
/** Like argError, with the actual value already described in words (not quoted as a string). */
function countError(arg: string, expected: string, actual: string): RangeError {
  return new RangeError(`${OP}: argument '${arg}' must be ${expected}, got ${actual}`);
}

const REDUCTIONS: readonly Reduction[] = ['none', 'sum', 'mean', 'sumByNonzeroWeights'];
const LAYOUTS: readonly WeightsLayout[] = ['classesByFeatures', 'featuresByClasses'];

/** A checked, normalized explain() input: everything as tensors of one dtype, the logits as [examples, classes]. */
export interface Parsed {
  dtype: ExplainDType;
  batched: boolean;
  rows: number;
  classes: number;
  /** Logits from the input, or null for a dense input (computed later with the ops). */
  logits: Tensor | null;
  dense: { W: Tensor; K: Tensor | null; layout: WeightsLayout; b: Tensor | null; f: Tensor } | null;
  classNames: string[] | null;
  temperature: number;
  labelSmoothing: number;
  reduction: Reduction;
  labels: ParsedLabels | null;
}

/** Per example: a class id, or a distribution (one row of `classes` numbers). */
export interface ParsedLabels {
  /** All examples given by id (→ the sparse loss), else null. */
  ids: number[] | null;
  /** Every example as a distribution (ids become one-hot rows). */
  dists: number[][];
  /** The class id per example: as given, or the class of an exactly one-hot distribution, else null. */
  classIds: Array<number | null>;
}

/** The names of ExplainOptions (explain() rejects any other name, so a misspelt option is never ignored). */
export const EXPLAIN_OPTIONS = ['labels', 'classNames', 'temperature', 'labelSmoothing', 'reduction', 'dtype'] as const;
const DENSE_KEYS = ['weights', 'bias', 'features', 'weightsLayout'] as const;

function isDense(x: ExplainInput): x is DenseInput {
  return 'weights' in x || 'features' in x;
}

function pickDType(input: ExplainInput, main: unknown): ExplainDType {
  const d = input.dtype;
  if (d !== undefined) {
    if (d !== 'float32' && d !== 'float64') throw argTypeError(OP, 'dtype', "'float32' or 'float64'", d);
    return d;
  }
  if (main instanceof Tensor && main.dtype !== 'int32') return main.dtype;
  return 'float64';
}

/** Any tensor input as a tensor of `dtype` (arrays are built in it; Tensors are cast). */
function asFloat(arg: string, x: unknown, dtype: ExplainDType): Tensor {
  if (x === undefined || x === null) throw argTypeError(OP, arg, 'a Tensor or a (nested) array of numbers', x);
  const t = toTensor(OP, arg, x, dtype);
  return t.dtype === dtype ? t : cast(t, dtype);
}

export function parseInput(input: ExplainInput): Parsed {
  if (input === null || typeof input !== 'object' || input instanceof Tensor || Array.isArray(input)) {
    throw argTypeError(OP, 'input', 'an object {logits, ...} or {weights, bias, features, ...}', input);
  }
  const dense = isDense(input);
  if (dense && 'logits' in input) throw argError(OP, 'input', "either 'logits' or a dense layer ('weights', 'features'), not both", Object.keys(input));
  if (!dense && !('logits' in input)) throw argError(OP, 'input', "an object with 'logits', or with 'weights' and 'features'", Object.keys(input));
  checkOptions(OP, input, dense ? [...EXPLAIN_OPTIONS, ...DENSE_KEYS] : [...EXPLAIN_OPTIONS, 'logits'], 'input');
  const dtype = pickDType(input, dense ? (input as DenseInput).weights : input.logits);

  let logits: Tensor | null = null;
  let parsedDense: Parsed['dense'] = null;
  let batched: boolean;
  let rows: number;
  let classes: number;
  if (!dense) {
    const z = asFloat('logits', input.logits, dtype);
    if ((z.rank !== 1 && z.rank !== 2) || z.size === 0) {
      throw argError(OP, 'logits', 'a non-empty vector [classes] or batch [examples, classes] of logits', z);
    }
    batched = z.rank === 2;
    rows = batched ? z.shape[0] : 1;
    classes = z.shape[z.rank - 1];
    logits = batched ? z : reshape(z, [1, classes]);
  } else {
    const d = input as DenseInput;
    const layout = d.weightsLayout ?? 'classesByFeatures';
    if (!LAYOUTS.includes(layout)) throw argError(OP, 'weightsLayout', "'classesByFeatures' or 'featuresByClasses'", layout);
    const w = asFloat('weights', d.weights, dtype);
    const shapeName = layout === 'classesByFeatures' ? '[classes, features]' : '[features, classes] (a Keras kernel)';
    if (w.rank !== 2 || w.size === 0) throw argError(OP, 'weights', `a non-empty matrix ${shapeName}`, w);
    const [C, F] = layout === 'classesByFeatures' ? w.shape : [w.shape[1], w.shape[0]];
    const f = asFloat('features', d.features, dtype);
    if (f.rank !== 1 && f.rank !== 2) throw argError(OP, 'features', 'a vector [features] or a batch [examples, features]', f);
    if (f.shape[f.rank - 1] !== F) {
      throw argError(OP, 'features', `${F} values per example (weights ${describe(w)} is ${shapeName} with ${F} features; weightsLayout '${layout}')`, f);
    }
    if (f.rank === 2 && f.shape[0] === 0) throw argError(OP, 'features', 'at least one example', f);
    let b: Tensor | null = null;
    if (d.bias !== undefined && d.bias !== null) {
      b = asFloat('bias', d.bias, dtype);
      if (b.rank !== 1 || b.shape[0] !== C) throw argError(OP, 'bias', `a vector of ${C} values (one per class)`, b);
    }
    batched = f.rank === 2;
    rows = batched ? f.shape[0] : 1;
    classes = C;
    const W = layout === 'classesByFeatures' ? w : transpose(w);
    parsedDense = { W, K: layout === 'featuresByClasses' ? w : null, layout, b, f: batched ? f : reshape(f, [1, F]) };
  }

  const classNames = parseClassNames(input.classNames, classes);
  const temperature = parseTemperature(input.temperature);
  const labels = input.labels === undefined || input.labels === null ? null : parseLabels(input.labels, rows, classes, batched, classNames);
  const labelSmoothing = parseSmoothing(input.labelSmoothing, labels !== null);
  const reduction = input.reduction ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) throw argError(OP, 'reduction', REDUCTIONS.map((r) => `'${r}'`).join(', '), reduction);
  return { dtype, batched, rows, classes, logits, dense: parsedDense, classNames, temperature, labelSmoothing, reduction, labels };
}

function parseClassNames(names: unknown, classes: number): string[] | null {
  if (names === undefined || names === null) return null;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
    throw argTypeError(OP, 'classNames', `an array of ${classes} strings`, names);
  }
  if (names.length !== classes) throw countError('classNames', `${classes} names (one per class)`, `${names.length}`);
  const seen = new Set<string>();
  for (const n of names) {
    if (seen.has(n)) throw countError('classNames', 'distinct names', `${describe(n)} twice`);
    seen.add(n);
  }
  return names.slice();
}

function parseTemperature(t: unknown): number {
  if (t === undefined) return 1;
  if (typeof t !== 'number') throw argTypeError(OP, 'temperature', 'a finite number > 0', t);
  if (!Number.isFinite(t) || t <= 0) throw argError(OP, 'temperature', 'a finite number > 0', t);
  return t;
}

function parseSmoothing(s: unknown, hasLabels: boolean): number {
  if (s === undefined) return 0;
  if (typeof s !== 'number') throw argTypeError(OP, 'labelSmoothing', 'a finite number in [0, 1]', s);
  if (!Number.isFinite(s) || s < 0 || s > 1) throw argError(OP, 'labelSmoothing', 'a finite number in [0, 1]', s);
  if (s > 0 && !hasLabels) throw argError(OP, 'labelSmoothing', "0 when no 'labels' are given (smoothing changes the target)", s);
  return s;
}

function classIdOf(x: number | string, classes: number, names: string[] | null, where: string): number {
  if (typeof x === 'string') {
    if (!names) throw argError(OP, 'labels', `a class id or a distribution (class names need 'classNames')${where}`, x);
    const i = names.indexOf(x);
    if (i < 0) throw argError(OP, 'labels', `one of the class names ${describe(names)}${where}`, x);
    return i;
  }
  if (!Number.isInteger(x) || x < 0 || x >= classes) {
    const range = `a class id (an integer in [0, ${classes - 1}])`;
    throw argError(OP, 'labels', `${range}${names ? ' or a class name' : ''}${where}`, x);
  }
  return x;
}

function distOf(x: readonly unknown[], classes: number, where: string): number[] {
  if (x.length !== classes) throw countError('labels', `a distribution of ${classes} values (one per class)${where}`, `${x.length} values`);
  const out: number[] = [];
  for (const v of x) {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw argError(OP, 'labels', `a distribution of finite non-negative numbers${where}`, v);
    }
    out.push(v);
  }
  return out;
}

function oneHotClass(d: readonly number[]): number | null {
  let k = -1;
  for (let i = 0; i < d.length; i++) {
    if (d[i] === 1 && k < 0) k = i;
    else if (d[i] !== 0) return null;
  }
  return k < 0 ? null : k;
}

export function parseLabels(x: LabelInput, rows: number, classes: number, batched: boolean, names: string[] | null): ParsedLabels {
  const items: Array<number | number[]> = [];
  if (x instanceof Tensor) {
    const idShape = batched ? [rows] : [];
    const distShape = batched ? [rows, classes] : [classes];
    const isIds = x.dtype === 'int32' && x.shape.length === idShape.length && x.shape.every((d, i) => d === idShape[i]);
    const isDist = x.dtype !== 'int32' && x.shape.length === distShape.length && x.shape.every((d, i) => d === distShape[i]);
    if (!isIds && !isDist) {
      throw argError(
        OP,
        'labels',
        `an int32 tensor of class ids of shape [${idShape.join(', ')}] or a float tensor of distributions of shape [${distShape.join(', ')}]`,
        x,
      );
    }
    const v = Array.from(x.values);
    if (isIds) v.forEach((c, r) => items.push(classIdOf(c, classes, names, batched ? ` (example ${r})` : '')));
    else for (let r = 0; r < rows; r++) items.push(distOf(v.slice(r * classes, (r + 1) * classes), classes, batched ? ` (example ${r})` : ''));
  } else if (!batched) {
    if (typeof x === 'number' || typeof x === 'string') items.push(classIdOf(x, classes, names, ''));
    else if (Array.isArray(x)) items.push(distOf(x, classes, ''));
    else throw argTypeError(OP, 'labels', 'a class id, a class name or a distribution over the classes', x);
  } else {
    if (!Array.isArray(x)) {
      throw argTypeError(OP, 'labels', `an array with one label per example (${rows}): class ids, names or distributions`, x);
    }
    if (x.length !== rows) throw countError('labels', `one label per example (${rows})`, `${x.length} labels`);
    x.forEach((item: unknown, r: number) => {
      const where = ` (example ${r})`;
      if (typeof item === 'number' || typeof item === 'string') items.push(classIdOf(item, classes, names, where));
      else if (Array.isArray(item)) items.push(distOf(item, classes, where));
      else throw argTypeError(OP, 'labels', `a class id, a class name or a distribution${where}`, item);
    });
  }
  const allIds = items.every((it) => typeof it === 'number');
  const dists = items.map((it) => (typeof it === 'number' ? Array.from({ length: classes }, (_, c) => (c === it ? 1 : 0)) : it));
  return {
    ids: allIds ? (items as number[]) : null,
    dists,
    classIds: items.map((it) => (typeof it === 'number' ? it : oneHotClass(it))),
  };
}
