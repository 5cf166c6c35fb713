/**
 * Issue 11 D6: every public op, called with wrong arguments (negative sizes, non-arrays, strings, NaN, wrong ranks,
 * null ...), returns or throws a RangeError/TypeError whose message starts with the op's name: never a raw
 * JavaScript error ("Invalid typed array length: -1", "begin.slice is not a function").
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as ops from '../../src/ops/index.js';
import { fill, losses, nn, ones, range, scalar, tensor, zeros, type Tensor } from '../../src/index.js';

/** The op name an error must start with, for each public function (nn.* ops name themselves without the prefix). */
const OPS: Array<[string, (...args: unknown[]) => unknown]> = [
  ...Object.entries(ops)
    .filter(([, f]) => typeof f === 'function')
    .map(([name, f]) => [name, f as (...args: unknown[]) => unknown] as [string, (...args: unknown[]) => unknown]),
  ...Object.entries(nn).map(
    ([name, f]) => [name === 'reduceLogSumExp' ? 'logSumExp' : name, f as (...args: unknown[]) => unknown] as [string, (...args: unknown[]) => unknown],
  ),
  ...Object.entries(losses).map(([name, f]) => [`losses.${name}`, f as (...args: unknown[]) => unknown] as [string, (...args: unknown[]) => unknown]),
  ...Object.entries({ tensor, scalar, fill, zeros, ones, range }).map(
    ([n, f]) => [n, f as (...args: unknown[]) => unknown] as [string, (...args: unknown[]) => unknown],
  ),
];

const small = (shape: number[], dtype: 'float32' | 'float64' | 'int32') => tensor(new Array(shape.reduce((a, b) => a * b, 1)).fill(1), { shape, dtype });

/** Wrong (and some right) arguments of every kind. */
const anyArgument: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(
    null,
    undefined,
    NaN,
    -1,
    -3,
    0,
    1.5,
    2,
    1e10,
    Infinity,
    -Infinity,
    'float32',
    'abc',
    true,
    {},
    [],
    [-1],
    [NaN],
    [2, -1],
    [1.5],
    [[1, 2], [3]],
    [[1], 2],
    ['a'],
    { shape: [2] },
    { labels: [0], logits: 'x' },
    () => 1,
    Symbol.for('x'),
    10n,
  ),
  fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 3 }),
  fc
    .tuple(
      fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
      fc.constantFrom('float32', 'float64', 'int32') as fc.Arbitrary<'float32' | 'float64' | 'int32'>,
    )
    .map(([shape, dtype]): Tensor => small(shape, dtype)),
);

function check(name: string, f: (...args: unknown[]) => unknown, args: unknown[]): void {
  try {
    f(...args);
  } catch (e) {
    const ok = (e instanceof RangeError || e instanceof TypeError) && e.message.startsWith(`${name}:`);
    if (!ok)
      expect.fail(
        `${name}(${args.map((a) => (typeof a === 'symbol' || typeof a === 'bigint' ? String(a) : (JSON.stringify(a) ?? String(a)))).join(', ')}) threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`,
      );
  }
}

describe('every public op validates its arguments', () => {
  it('walks the ops', () => expect(OPS.length).toBeGreaterThan(60));
  it('the helpers ops are built from are not public', async () => {
    const api = await import('../../src/index.js');
    for (const helper of ['toTensor', 'checkIndices', 'reduceOp', 'unaryOp', 'binaryOp']) expect(Object.keys(api)).not.toContain(helper);
  });
  it.each(OPS)('%s', (name, f) => {
    fc.assert(
      fc.property(fc.array(anyArgument, { maxLength: 4 }), (args) => check(name, f, args)),
      { numRuns: 300, seed: 11 },
    );
  });
});
