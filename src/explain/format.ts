import { formatValue } from '../tensor/format.js';
import type { ExplainDType } from './types.js';

/**
 * Number formatting for traces.
 * - Machine output (JSON): the shortest text that reads back to the same value in the trace's dtype
 *   (the library's `formatValue`); NaN and ±Infinity, which JSON has no numbers for, become the strings
 *   "NaN", "Infinity" and "-Infinity"; −0 prints as -0.
 * - Human output (text, Markdown): `digits` significant digits (default 6), trailing zeros dropped; exponent
 *   notation below 1e-4 and from 1e6 on, so a tiny value never prints as 0; a value that is not an integer
 *   never prints as one in fixed notation (0.9999999958 does not become "1": digits are added until it differs).
 */

/** The JSON token for a number: a JSON number, or a string for NaN / ±Infinity. */
export function jsonNumber(v: number, dtype: ExplainDType): string {
  if (Number.isNaN(v)) return '"NaN"';
  if (v === Infinity) return '"Infinity"';
  if (v === -Infinity) return '"-Infinity"';
  if (Object.is(v, -0)) return '-0';
  return formatValue(v, dtype);
}

const MAX_DIGITS: Record<ExplainDType, number> = { float32: 9, float64: 17 };

function roundTo(v: number, dtype: ExplainDType): number {
  return dtype === 'float32' ? Math.fround(v) : v;
}

function trimMantissa(s: string): string {
  const [mant, exp] = s.split('e');
  let m = mant;
  if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
  if (exp === undefined) return m;
  return `${m}e${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

function withDigits(v: number, d: number): string {
  const a = Math.abs(v);
  if (a < 1e-4 || a >= 1e6) return trimMantissa(v.toExponential(d - 1));
  return trimMantissa(v.toPrecision(d));
}

/** A readable number: `digits` significant digits, never misleading (see the module comment). */
export function readable(v: number, digits: number, dtype: ExplainDType = 'float64'): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '-∞';
  if (v === 0) return '0';
  if (Number.isInteger(v) && Math.abs(v) < 1e15) return String(v);
  const max = MAX_DIGITS[dtype];
  let s = withDigits(v, digits);
  // A non-integer must not print as an integer (p = 0.99999999 is not certainty): add digits until it differs.
  // (Exponent notation, from 1e6 on, reads as rounded already.)
  for (let d = digits + 1; d <= max && !s.includes('e') && Number.isInteger(Number(s)); d++) s = withDigits(v, d);
  return s;
}

/** Whether the printed text reads back to exactly v in the dtype (then "=" is honest, else "≈"). */
export function isExact(text: string, v: number, dtype: ExplainDType): boolean {
  if (Number.isNaN(v)) return text === 'NaN';
  if (!Number.isFinite(v)) return text === (v > 0 ? '∞' : '-∞');
  return roundTo(Number(text), dtype) === v;
}

/** "=" when the printed value is exactly the computed one, "≈" when it is rounded. */
export function eq(text: string, v: number, dtype: ExplainDType): string {
  return isExact(text, v, dtype) ? '=' : '≈';
}

export function checkDigits(op: string, digits: unknown): number {
  if (digits === undefined) return 6;
  if (typeof digits !== 'number' || !Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new RangeError(`${op}: argument 'digits' must be an integer in [1, 17], got ${String(digits)}`);
  }
  return digits;
}
