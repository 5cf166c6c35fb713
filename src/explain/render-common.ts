import { checkOptions } from '../tensor/options.js';
import { checkDigits, eq, readable } from './format.js';
import type { ExplainTrace, RowTrace } from './types.js';

export interface RenderOptions {
  /** Significant digits of the printed numbers (1–17, default 6). Never hides that a value is not 0 or 1. */
  digits?: number;
  /** Longest sum of product terms W_ij·f_j written out in full (default 8); longer sums show their ends. */
  maxTerms?: number;
  /**
   * Most classes listed per example (default 20). With more, the classes with the largest probabilities are
   * listed, always with the decision and the label's class; the rest are summarized.
   */
  maxClasses?: number;
  /**
   * Write the derivation out step by step (default true). false keeps the table of values, the notes, the
   * contributions and the cross-checks: a compact trace for a model with many hidden units.
   */
  steps?: boolean;
}

export interface Ctx {
  t: ExplainTrace;
  digits: number;
  maxTerms: number;
  maxClasses: number;
  steps: boolean;
  /** A number with `digits` significant digits. */
  n: (v: number) => string;
  /** "= x" or "≈ x" for a computed value. */
  is: (v: number) => string;
  name: (i: number) => string;
  /** The softmax input's symbol: z, or z/T. */
  s: string;
}

function checkCount(op: string, arg: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new RangeError(`${op}: argument '${arg}' must be a positive integer, got ${String(v)}`);
  return v;
}

function checkSteps(op: string, v: unknown): boolean {
  if (v === undefined) return true;
  if (typeof v !== 'boolean') throw new TypeError(`${op}: option 'steps' must be a boolean, got ${String(v)}`);
  return v;
}

export function context(op: string, t: ExplainTrace, o: RenderOptions | undefined): Ctx {
  if (t === null || typeof t !== 'object' || t.format !== 'logitkit.explain/1') {
    throw new TypeError(`${op}: argument 'trace' must be a trace returned by explain(), got ${t === null ? 'null' : typeof t}`);
  }
  const opts = checkOptions(op, o, ['digits', 'maxTerms', 'maxClasses', 'steps']);
  const digits = checkDigits(op, opts.digits);
  const n = (v: number) => readable(v, digits, t.dtype);
  return {
    t,
    digits,
    maxTerms: checkCount(op, 'maxTerms', opts.maxTerms, 8),
    maxClasses: checkCount(op, 'maxClasses', opts.maxClasses, 20),
    steps: checkSteps(op, opts.steps),
    n,
    is: (v: number) => {
      const s = n(v);
      return `${eq(s, v, t.dtype)} ${s}`;
    },
    name: (i: number) => (t.classNames ? t.classNames[i] : String(i)),
    s: t.temperature === 1 ? 'z' : 'z/T',
  };
}

/** The classes to list for a row (all of them, or the most probable plus the decision and the label's). */
export function shownClasses(c: Ctx, r: RowTrace): { ids: number[]; hidden: number } {
  const C = c.t.classCount;
  const all = Array.from({ length: C }, (_, i) => i);
  if (C <= c.maxClasses) return { ids: all, hidden: 0 };
  const keep = new Set<number>([r.decision.classId]);
  if (r.target?.classId !== null && r.target?.classId !== undefined) keep.add(r.target.classId);
  const byP = all.slice().sort((a, b) => (r.probabilities[b] || 0) - (r.probabilities[a] || 0) || a - b);
  for (const i of byP) {
    if (keep.size >= c.maxClasses) break;
    keep.add(i);
  }
  const ids = [...keep].sort((a, b) => a - b);
  return { ids, hidden: C - ids.length };
}

/** "a + b - c" from signed terms, with the middle elided beyond maxTerms. */
export function signedSum(c: Ctx, terms: number[]): string {
  const shown = elide(terms, c.maxTerms);
  return shown
    .map((v, i) => {
      if (v === null) return ` + … (${terms.length - c.maxTerms + 1} more terms)`;
      const s = c.n(Math.abs(v));
      const neg = v < 0 || Object.is(v, -0);
      if (i === 0) return neg ? `-${s}` : s;
      return neg ? ` - ${s}` : ` + ${s}`;
    })
    .join('');
}

/** "(1·0.5) + (-1·0.8)" from factor pairs, elided like signedSum. */
export function productTerms(c: Ctx, w: number[], f: number[]): string {
  const paren = (v: number) => (v < 0 ? `(${c.n(v)})` : c.n(v));
  return elide(
    w.map((_, j) => j),
    c.maxTerms,
  )
    .map((j) => (j === null ? `… (${w.length - c.maxTerms + 1} more)` : `(${c.n(w[j])}·${paren(f[j])})`))
    .join(' + ');
}

function elide<T>(xs: T[], max: number): Array<T | null> {
  if (xs.length <= max) return xs;
  const head = Math.max(1, Math.ceil((max - 1) / 2));
  const tail = Math.max(1, max - 1 - head);
  return [...xs.slice(0, head), null, ...xs.slice(xs.length - tail)];
}

/** A plain-text table: the first column left-aligned, the numeric columns aligned on the decimal point. */
export function textTable(header: string[], rows: string[][], indent = '  '): string[] {
  const cols = header.length;
  const cells = rows.map((r) => r.slice(0, cols));
  const split = (s: string): [string, string] => {
    const m = /^([^.e]*)(.*)$/.exec(s);
    if (!m || s === '' || /[^0-9.e+\-∞NaN]/.test(s)) return [s, ''];
    return [m[1], m[2]];
  };
  const lw: number[] = [];
  const rw: number[] = [];
  for (let j = 1; j < cols; j++) {
    lw[j] = 0;
    rw[j] = 0;
    for (const r of cells) {
      const [a, b] = split(r[j]);
      lw[j] = Math.max(lw[j], a.length);
      rw[j] = Math.max(rw[j], b.length);
    }
  }
  const aligned = cells.map((r) =>
    r.map((v, j) => {
      if (j === 0) return v;
      const [a, b] = split(v);
      return a.padStart(lw[j]) + b.padEnd(rw[j]);
    }),
  );
  const width = (j: number) => Math.max(header[j].length, ...aligned.map((r) => r[j].length));
  const widths = header.map((_, j) => width(j));
  const line = (r: string[]) =>
    indent +
    r
      .map((v, j) => (j === 0 ? v.padEnd(widths[j]) : v.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  return [line(header), ...aligned.map(line)];
}
