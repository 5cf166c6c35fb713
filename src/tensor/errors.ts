/**
 * Every error logitkit throws for bad input names the op, the argument, what was expected and what came,
 * so a user can fix the call without reading our source.
 */
export function describe(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (typeof value === 'string') return `'${value}'`;
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  if (typeof value === 'object' && value !== null && 'shape' in value && 'dtype' in value) {
    const t = value as { shape: readonly number[]; dtype: string };
    return `${t.dtype.startsWith('int') ? 'an' : 'a'} ${t.dtype} tensor of shape ${describe([...t.shape])}`;
  }
  return String(value);
}

export function argError(op: string, arg: string, expected: string, actual: unknown): RangeError {
  return new RangeError(`${op}: argument '${arg}' must be ${expected}, got ${describe(actual)}`);
}

export function argTypeError(op: string, arg: string, expected: string, actual: unknown): TypeError {
  return new TypeError(`${op}: argument '${arg}' must be ${expected}, got ${describe(actual)}`);
}
