import { checkOptions } from '../tensor/options.js';
import { jsonNumber } from './format.js';
import type { ExplainDType, ExplainTrace } from './types.js';

export interface JsonOptions {
  /** Spaces per level (default 2); 0 writes everything on one line. */
  indent?: number;
}

/**
 * The key order of every object in a trace, by its path (arrays add "[]"). Keys a trace holds beyond these
 * follow in their own order, so the output is stable for any trace.
 */
const ORDER: Record<string, readonly string[]> = {
  '': [
    'format',
    'dtype',
    'batched',
    'classCount',
    'classNames',
    'temperature',
    'labelSmoothing',
    'reduction',
    'dense',
    'rows',
    'loss',
    'contributions',
    'notes',
    'checks',
  ],
  dense: ['layout', 'weights', 'bias', 'rows'],
  'dense.rows[]': ['features', 'products', 'dots'],
  'rows[]': [
    'index',
    'logits',
    'scaledLogits',
    'max',
    'maxIndex',
    'shifted',
    'exps',
    'sumOthers',
    'sum',
    'log1pSumOthers',
    'logSumExp',
    'probabilities',
    'logProbabilities',
    'naive',
    'target',
    'loss',
    'gradient',
    'gradientWrtLogits',
    'decision',
  ],
  'rows[].naive': ['exps', 'sum', 'probabilities', 'logProbabilities', 'loss'],
  'rows[].target': ['classId', 'given', 'distribution'],
  'rows[].decision': ['classId', 'className', 'logit', 'probability', 'correct'],
  loss: ['op', 'perExample', 'reduction', 'value'],
  'contributions[]': ['row', 'classId', 'className', 'logit', 'bias', 'top', 'bottom', 'restCount', 'restSum'],
  'contributions[].top[]': ['unit', 'weight', 'activation', 'contribution'],
  'contributions[].bottom[]': ['unit', 'weight', 'activation', 'contribution'],
  'notes[]': ['kind', 'row', 'classes', 'message', 'naive', 'stable'],
  'checks[]': ['name', 'compares', 'ok', 'maxError', 'tolerance'],
};

function orderedKeys(obj: object, path: string): string[] {
  const keys = Object.keys(obj);
  const known = ORDER[path] ?? [];
  return [...known.filter((k) => keys.includes(k)), ...keys.filter((k) => !known.includes(k))];
}

function isFlat(a: readonly unknown[]): boolean {
  return a.every((x) => x === null || typeof x !== 'object');
}

/**
 * The trace as JSON text. Keys in a fixed order (see ORDER); numbers as JSON numbers with the shortest text that
 * reads back to the same value in the trace's dtype; NaN, Infinity and -Infinity (which JSON has no numbers for)
 * as the strings "NaN", "Infinity" and "-Infinity"; −0 as -0. Arrays of numbers stay on one line.
 */
export function renderJson(trace: ExplainTrace, options?: JsonOptions): string {
  if (trace === null || typeof trace !== 'object' || trace.format !== 'logitkit.explain/1') {
    throw new TypeError(`renderJson: argument 'trace' must be a trace returned by explain(), got ${trace === null ? 'null' : typeof trace}`);
  }
  const indent = checkOptions('renderJson', options, ['indent']).indent ?? 2;
  if (!Number.isInteger(indent) || indent < 0 || indent > 10) {
    throw new RangeError(`renderJson: argument 'indent' must be an integer in [0, 10], got ${String(indent)}`);
  }
  const dtype: ExplainDType = trace.dtype;
  const nl = indent === 0 ? '' : '\n';
  const colon = indent === 0 ? ':' : ': ';
  const write = (v: unknown, path: string, depth: number): string => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'number') return jsonNumber(v, dtype);
    if (typeof v === 'string') return JSON.stringify(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    const pad = ' '.repeat(indent * (depth + 1));
    const end = ' '.repeat(indent * depth);
    if (Array.isArray(v)) {
      const p = `${path}[]`;
      if (v.length === 0) return '[]';
      if (isFlat(v)) return `[${v.map((x) => write(x, p, depth + 1)).join(indent === 0 ? ',' : ', ')}]`;
      return `[${nl}${v.map((x) => pad + write(x, p, depth + 1)).join(`,${nl}`)}${nl}${end}]`;
    }
    if (typeof v === 'object') {
      const keys = orderedKeys(v, path).filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      if (keys.length === 0) return '{}';
      const body = keys.map(
        (k) => `${pad}${JSON.stringify(k)}${colon}${write((v as Record<string, unknown>)[k], path === '' ? k : `${path}.${k}`, depth + 1)}`,
      );
      return `{${nl}${body.join(`,${nl}`)}${nl}${end}}`;
    }
    throw new TypeError(`renderJson: the trace holds a ${typeof v} at '${path}', which JSON cannot represent`);
  };
  return write(trace, '', 0) + (indent === 0 ? '' : '\n');
}
