import { describe } from '../tensor/index.js';

/**
 * Errors for bad data name the function, the file (or argument) it came from, what was expected and what came,
 * in the same shape as the tensor layer's argError: `op: <source> must be <expected>, got <actual>`.
 */
export function dataError(op: string, source: string, expected: string, actual: unknown): RangeError {
  return new RangeError(`${op}: ${source} must be ${expected}, got ${typeof actual === 'string' ? actual : describe(actual)}`);
}

export function dataTypeError(op: string, source: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`${op}: ${source} must be ${expected}, got ${typeof actual === 'string' ? actual : describe(actual)}`);
}

/** How errors refer to a file, so every message names it the same way. */
export function fileSource(path: string): string {
  return `file '${path}'`;
}
