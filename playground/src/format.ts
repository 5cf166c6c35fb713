/**
 * Numbers on the page follow the library's precision rules (docs/numerics.md, src/tensor/format.ts and the
 * explain renderers' `formatReadable`):
 * - `exact` / `raw`: the shortest text that reads back to the same value in the dtype (float32 or float64);
 * - `short`: a few significant digits (the explain renderers' rule): exponent notation below 1e-4, so a tiny loss
 *   or probability shows as 4.12e-9, never 0; a value that is not an integer never prints as one (a probability of
 *   0.99999999 does not become 1). Only a value that is exactly 0 prints as 0.
 */
import { formatReadable, formatValue } from '../../src/index.js';

export type FloatDType = 'float32' | 'float64';

export function exact(v: number, dtype: FloatDType): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '∞';
  if (v === -Infinity) return '−∞';
  return minus(formatValue(v, dtype));
}

export function short(v: number, digits = 3, dtype: FloatDType = 'float64'): string {
  return minus(formatReadable(v, digits, dtype));
}

/** A typographic minus sign (U+2212) reads better than a hyphen in tables. */
function minus(s: string): string {
  return s.replace(/^-/, '−').replace('e-', 'e−');
}

/** Parses what a user typed as a logit: decimals, exponents, and ±inf / ±Infinity (−∞ is a mask). */
export function parseNumber(text: string): number | null {
  const t = text
    .trim()
    .replace(/\u2212/g, '-')
    .replace(/∞/g, 'inf')
    .toLowerCase();
  if (t === '') return null;
  if (/^[+-]?inf(inity)?$/.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isNaN(v) ? null : v;
}

/** The library's own text for a value (formatValue: shortest round-trip in the dtype), for data-value attributes. */
export function raw(v: number, dtype: FloatDType): string {
  return formatValue(v, dtype);
}
