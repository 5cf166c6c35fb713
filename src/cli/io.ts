/** Where a command writes: injected so tests run the CLI in-process and read what it printed. */
export interface CliIO {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WriteStream | (NodeJS.WritableStream & { isTTY?: boolean });
}

/** An error the user caused (bad argument, bad file): printed as one line, exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export function writeLine(stream: NodeJS.WritableStream, line = ''): void {
  stream.write(`${line}\n`);
}

/** A decimal number as people type it: no '', no '1e', no hex, no 'Infinity' (Number() takes '' and ' ' as 0). */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a number strictly, or NaN. */
export function parseDecimal(raw: string): number {
  return DECIMAL.test(raw.trim()) ? Number(raw) : Number.NaN;
}

/** Parses a numeric option, naming the option when it is not a number in range. */
export function numberOption(
  name: string,
  raw: string | number | undefined,
  fallback: number,
  check: { integer?: boolean; min?: number; max?: number; positive?: boolean } = {},
): number {
  if (raw === undefined) return fallback;
  const v = typeof raw === 'number' ? raw : parseDecimal(raw);
  const what = `${check.integer ? 'an integer' : 'a number'}${check.positive ? ' > 0' : ''}${check.min !== undefined ? ` ≥ ${check.min}` : ''}${check.max !== undefined ? ` ≤ ${check.max}` : ''}`;
  if (
    !Number.isFinite(v) ||
    (check.integer && !Number.isInteger(v)) ||
    (check.positive && !(v > 0)) ||
    (check.min !== undefined && v < check.min) ||
    (check.max !== undefined && v > check.max)
  ) {
    throw new CliError(`option --${name} must be ${what}, got '${raw}'`, 2);
  }
  return v;
}
