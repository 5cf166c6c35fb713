/**
 * Why a model or checkpoint file was rejected. `source` names the file ("file 'model.lkm'") or the
 * argument; `reason` says what was wrong. The message carries both.
 */
export class ModelFileError extends Error {
  override readonly name = 'ModelFileError';
  constructor(
    readonly op: string,
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${op}: ${source} is not a valid logitkit model file: ${reason}`);
  }
}

/** Formats a value from a file for an error message, briefly. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return value.length > 8 ? `an array of ${value.length} items` : JSON.stringify(value);
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}
