import { describe as vitestDescribe, it as vitestIt } from 'vitest';

/*
 * describe and it for the kernel spec suite whose test names carry the kernel set and the enclosing describes
 * (dtype included), e.g. "native · softmax family, float32 · keeps the tiny loss ...": vitest's lists of slow or
 * failing tests show a test's own name, and without this every set printed the same lines.
 */
const context: string[] = [];

/** Runs fn with `names` as the context (vitest may call a describe's body after its caller has returned). */
function inContext(names: readonly string[], fn: () => void): void {
  const saved = context.splice(0, context.length, ...names);
  try {
    fn();
  } finally {
    context.splice(0, context.length, ...saved);
  }
}

/** Runs the spec functions of `fn` with `label` (the kernel set) at the front of their test names. */
export function forKernelSet(label: string, fn: () => void): void {
  inContext([...context, label], fn);
}

function fill(name: string, row: readonly unknown[]): string {
  let i = 0;
  return name.replace(/%[sid]/g, () => String(row[i++]));
}

type Row = readonly unknown[];

export const describe = Object.assign(
  (name: string, fn: () => void) => {
    const names = [...context, name];
    vitestDescribe(name, () => inContext(names, fn));
  },
  {
    each:
      <T extends Row>(rows: readonly T[]) =>
      (name: string, fn: (...row: T) => void) => {
        for (const row of rows) describe(fill(name, row), () => fn(...row));
      },
  },
);

export const it = Object.assign((name: string, fn: () => void | Promise<void>) => vitestIt([...context, name].join(' · '), fn), {
  each:
    <T>(values: readonly T[]) =>
    (name: string, fn: (value: T) => void | Promise<void>) => {
      for (const value of values) it(fill(name, [value]), () => fn(value));
    },
});
