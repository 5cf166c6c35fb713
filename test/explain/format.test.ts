import { describe, expect, it } from 'vitest';
import { explain, renderJson, type ExplainTrace } from '../../src/index.js';
import { eq, jsonNumber, readable } from '../../src/explain/format.js';

describe('readable numbers (text and Markdown)', () => {
  it('rounds to the significant digits and drops trailing zeros', () => {
    expect(readable(0.6590011388859679, 6)).toBe('0.659001');
    expect(readable(0.09856589040931818, 6)).toBe('0.0985659');
    expect(readable(0.49999999999999994, 6)).toBe('0.5');
    expect(readable(2.41, 3)).toBe('2.41');
    expect(readable(-0.41703001627783354, 3)).toBe('-0.417');
    expect(readable(11.212508845465344, 4)).toBe('11.21');
  });

  it('never prints a tiny value as 0: exponent notation below 1e-4', () => {
    expect(readable(4.1223072e-9, 6)).toBe('4.12231e-9');
    expect(readable(Math.fround(4.1223072e-9), 8, 'float32')).toBe('4.1223074e-9');
    expect(readable(1e-300, 6)).toBe('1e-300');
    expect(readable(5e-324, 6)).toBe('4.94066e-324');
    expect(readable(0.00012345678, 6)).toBe('0.000123457');
    expect(readable(2.5e-5, 6)).toBe('2.5e-5');
    expect(readable(1234567.5, 6)).toBe('1.23457e6');
  });

  it('never prints a non-integer as an integer (p = 1 − 4e-9 is not certainty)', () => {
    expect(readable(0.9999999958776927, 6)).toBe('0.999999996');
    expect(readable(1 - 2 ** -53, 6)).toBe('0.9999999999999999');
    expect(readable(Math.fround(1 - 2 ** -24), 6, 'float32')).toBe('0.9999999');
    expect(readable(2.0000001, 3)).toBe('2.0000001');
    expect(readable(-0.9999999, 3)).toBe('-0.9999999');
    expect(readable(1, 6)).toBe('1');
    expect(readable(-20, 6)).toBe('-20');
  });

  it('writes the special values', () => {
    expect(readable(NaN, 6)).toBe('NaN');
    expect(readable(Infinity, 6)).toBe('∞');
    expect(readable(-Infinity, 6)).toBe('-∞');
    expect(readable(-0, 6)).toBe('0');
  });

  it('"=" only when the printed value is exactly the computed one, in the dtype', () => {
    expect(eq('0.5', 0.5, 'float64')).toBe('=');
    expect(eq('0.5', 0.49999999999999994, 'float64')).toBe('≈');
    expect(eq('0.1', Math.fround(0.1), 'float32')).toBe('=');
    expect(eq('0.1', Math.fround(0.1), 'float64')).toBe('≈');
    expect(eq('∞', Infinity, 'float64')).toBe('=');
  });
});

describe('JSON numbers', () => {
  it('shortest round trip in the dtype; strings for NaN and ±Infinity; -0 kept', () => {
    expect(jsonNumber(0.1, 'float64')).toBe('0.1');
    expect(jsonNumber(Math.fround(0.1), 'float32')).toBe('0.1');
    expect(jsonNumber(Math.fround(0.1), 'float64')).toBe('0.10000000149011612');
    expect(jsonNumber(4.1223072363804075e-9, 'float64')).toBe('4.1223072363804075e-9');
    expect(jsonNumber(1e21, 'float64')).toBe('1e+21');
    expect(jsonNumber(NaN, 'float64')).toBe('"NaN"');
    expect(jsonNumber(Infinity, 'float32')).toBe('"Infinity"');
    expect(jsonNumber(-Infinity, 'float64')).toBe('"-Infinity"');
    expect(jsonNumber(-0, 'float64')).toBe('-0');
    expect(Object.is(JSON.parse('-0'), -0)).toBe(true);
  });
});

describe('renderJson', () => {
  const t = explain({
    logits: [
      [2, 1, 0.1],
      [1000, 0, -Infinity],
    ],
    labels: [0, 1],
    classNames: ['a', 'b', 'c'],
    dtype: 'float32',
    temperature: 0.5,
  });
  const json = renderJson(t);

  it('is valid JSON that reads back to the trace (float32 values exactly; non-finite as strings)', () => {
    const back = JSON.parse(json);
    const revive = (v: unknown): unknown =>
      v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : v === '-Infinity' ? -Infinity : Array.isArray(v) ? v.map(revive) : v;
    t.rows.forEach((r, i) => {
      for (const k of ['logits', 'scaledLogits', 'shifted', 'exps', 'probabilities', 'logProbabilities', 'gradient', 'gradientWrtLogits'] as const) {
        const got = (revive(back.rows[i][k]) as number[]).map(Math.fround);
        expect(got, `${k}`).toEqual(r[k]);
      }
    });
    expect(back.rows[1].logits).toEqual([1000, 0, '-Infinity']);
    expect(back.notes.map((n: { kind: string }) => n.kind)).toEqual(t.notes.map((n) => n.kind));
  });

  it('has a stable key order, whatever order the trace object was built in', () => {
    const top = Object.keys(JSON.parse(json));
    expect(top).toEqual([
      'format',
      'dtype',
      'batched',
      'classCount',
      'classNames',
      'temperature',
      'labelSmoothing',
      'reduction',
      'dense',
      'rows',
      'loss',
      'contributions',
      'notes',
      'checks',
    ]);
    const reversed = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(reversed);
      if (v && typeof v === 'object')
        return Object.fromEntries(
          Object.entries(v)
            .reverse()
            .map(([k, x]) => [k, reversed(x)]),
        );
      return v;
    };
    expect(renderJson(reversed(t) as ExplainTrace)).toBe(json);
    expect(Object.keys(JSON.parse(json).rows[0])).toEqual([
      'index',
      'logits',
      'scaledLogits',
      'max',
      'maxIndex',
      'shifted',
      'exps',
      'sumOthers',
      'sum',
      'log1pSumOthers',
      'logSumExp',
      'probabilities',
      'logProbabilities',
      'naive',
      'target',
      'loss',
      'gradient',
      'gradientWrtLogits',
      'decision',
    ]);
  });

  it('keeps number arrays on one line; indent 0 is one line', () => {
    expect(json).toContain('"classNames": ["a", "b", "c"]');
    expect(json).toContain('"temperature": 0.5,');
    const compact = renderJson(t, { indent: 0 });
    expect(compact).not.toContain('\n');
    expect(JSON.parse(compact)).toEqual(JSON.parse(json));
  });

  it('is deterministic and the trace is plain data', () => {
    expect(
      renderJson(
        explain({
          logits: [
            [2, 1, 0.1],
            [1000, 0, -Infinity],
          ],
          labels: [0, 1],
          classNames: ['a', 'b', 'c'],
          dtype: 'float32',
          temperature: 0.5,
        }),
      ),
    ).toBe(json);
    expect(structuredClone(t)).toEqual(t);
  });
});
