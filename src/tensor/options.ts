import { argError, argTypeError, describe } from './errors.js';

/**
 * Checks an options object: undefined becomes {}, anything but a plain object is a TypeError, and a key that is
 * not in `allowed` is a TypeError naming it (a silently ignored option is a wrong answer). Returns the options.
 */
export function checkOptions<T extends object>(op: string, options: T | undefined, allowed: readonly string[], arg = 'options'): T {
  if (options === undefined) return {} as T;
  if (options === null || typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options) || isTensorLike(options)) {
    throw argTypeError(op, arg, 'an options object', options);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const known = allowed.length ? `: one of ${allowed.map((k) => `'${k}'`).join(', ')}` : ' (it takes none)';
      throw new TypeError(`${op}: unknown option ${describe(key)} in '${arg}'; known options${known}`);
    }
  }
  return options;
}

/** Throws unless `value` is one of `choices` (a RangeError naming the argument and the choices). */
export function checkChoice<T extends string>(op: string, arg: string, value: unknown, choices: readonly T[]): T {
  if (!(choices as readonly unknown[]).includes(value)) throw argError(op, arg, `one of ${choices.map((c) => `'${c}'`).join(', ')}`, value);
  return value as T;
}

function isTensorLike(x: object): boolean {
  return 'shape' in x && 'dtype' in x && 'values' in x;
}
