import { ModelFileError, show } from './errors.js';

/**
 * Checks for JSON read from a file. Each takes the path of the value in the document (e.g.
 * "model.layers[2].config.units") for the message, and returns the value with its type narrowed.
 */
export class Checker {
  constructor(
    readonly op: string,
    readonly source: string,
  ) {}

  fail(reason: string): never {
    throw new ModelFileError(this.op, this.source, reason);
  }

  expect(path: string, expected: string, got: unknown): never {
    this.fail(`${path} must be ${expected}, got ${show(got)}`);
  }

  object(path: string, v: unknown, allowed?: readonly string[], required: readonly string[] = []): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.expect(path, 'an object', v);
    const o = v as Record<string, unknown>;
    if (allowed) {
      for (const k of Object.keys(o)) if (!allowed.includes(k)) this.fail(`${path} has an unknown field ${show(k)} (allowed: ${allowed.join(', ')})`);
    }
    for (const k of required) if (!Object.prototype.hasOwnProperty.call(o, k)) this.fail(`${path} is missing the field ${show(k)}`);
    return o;
  }

  array(path: string, v: unknown, maxLength: number): unknown[] {
    if (!Array.isArray(v)) this.expect(path, 'an array', v);
    if (v.length > maxLength) this.fail(`${path} has ${v.length} items, more than the limit of ${maxLength}`);
    return v;
  }

  string(path: string, v: unknown, maxLength = 256): string {
    if (typeof v !== 'string') this.expect(path, 'a string', v);
    if (v.length > maxLength) this.fail(`${path} is ${v.length} characters long, more than the limit of ${maxLength}`);
    return v;
  }

  oneOf<T extends string>(path: string, v: unknown, values: readonly T[]): T {
    if (!(values as readonly unknown[]).includes(v)) this.expect(path, `one of ${values.map((x) => `'${x}'`).join(', ')}`, v);
    return v as T;
  }

  int(path: string, v: unknown, min: number, max: number): number {
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > max) this.expect(path, `an integer in [${min}, ${max}]`, v);
    return v as number;
  }

  number(path: string, v: unknown): number {
    if (typeof v !== 'number' || !Number.isFinite(v)) this.expect(path, 'a finite number', v);
    return v;
  }

  boolean(path: string, v: unknown): boolean {
    if (typeof v !== 'boolean') this.expect(path, 'true or false', v);
    return v;
  }
}
