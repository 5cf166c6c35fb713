/**
 * The double-double helpers of the logSumExp slow path (src/kernels/ts/double-double.ts).
 *
 * Exactness (twoSum, twoProd, Expansion) is checked with BigInt arithmetic on the exact binary values; the
 * exponential against mpmath (test/fixtures/double-double.json, written by test/ops/softmax/numerics/double-double-oracle.py:
 * every exact value as four float64 components, summed here exactly).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { addExp, EXP_J64, Expansion, twoProd, twoSum } from '../../../../src/kernels/ts/double-double.js';

// ---------------------------------------------------------------------------------------------------------
// Exact values: a finite double d is big(d) / 2^SHIFT exactly.

const SHIFT = 1100;
const dv = new DataView(new ArrayBuffer(8));
function big(d: number): bigint {
  if (!Number.isFinite(d)) throw new Error(`not finite: ${d}`);
  if (d === 0) return 0n;
  dv.setFloat64(0, d);
  const hi = dv.getUint32(0);
  const lo = dv.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e = -1074;
  if (biased !== 0) {
    mant |= 1n << 52n;
    e = biased - 1075;
  }
  const v = mant << BigInt(e + SHIFT);
  return hi >>> 31 ? -v : v;
}
const sumBig = (xs: ArrayLike<number>): bigint => Array.from(xs).reduce((s, x) => s + big(x), 0n);
const abs = (v: bigint): bigint => (v < 0n ? -v : v);
/** log2 of |a − b| / |b| (−Infinity when equal). */
function log2RelErr(a: bigint, b: bigint): number {
  const d = abs(a - b);
  if (d === 0n) return -Infinity;
  return Math.log2(Number((d << 400n) / abs(b))) - 400;
}
const components = (e: Expansion): number[] => Array.from(e.c.subarray(0, e.length));

/** Deterministic doubles of widely varying magnitude and sign. */
function* randomDoubles(seed: number, count: number, minExp = -80, maxExp = 40): Generator<number> {
  let s = seed >>> 0;
  const next = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  for (let i = 0; i < count; i++) {
    const m = next() + next() * 2 ** -26 + next() * 2 ** -52; // all 53 bits busy
    yield (next() < 0.5 ? -1 : 1) * m * 2 ** Math.floor(minExp + next() * (maxExp - minExp));
  }
}

// ---------------------------------------------------------------------------------------------------------

describe('error-free transformations', () => {
  const out = new Float64Array(2);
  it('twoSum: s = fl(a + b) and s + e = a + b exactly', () => {
    const xs = [...randomDoubles(1, 2000)];
    for (let i = 0; i + 1 < xs.length; i++) {
      for (const [a, b] of [
        [xs[i], xs[i + 1]],
        [xs[i], -xs[i] * (1 + 2 ** -40)],
        [1, xs[i] * 2 ** -60],
      ]) {
        twoSum(a, b, out);
        expect(out[0]).toBe(a + b);
        expect(big(out[0]) + big(out[1])).toBe(big(a) + big(b));
      }
    }
  });
  it('twoProd (Veltkamp splitting, no FMA): p = fl(a·b) and p + e = a·b exactly', () => {
    const xs = [...randomDoubles(2, 2000, -200, 200)];
    const worst = [1 - 2 ** -53, 1 + 2 ** -52, 0.6931471805599453, 134217729, 2 ** 27 - 1];
    const pairs: [number, number][] = worst.flatMap((a) => worst.map((b): [number, number] => [a, b]));
    for (let i = 0; i + 1 < xs.length; i++) pairs.push([xs[i], xs[i + 1]]);
    for (const [a, b] of pairs) {
      twoProd(a, b, out, 0);
      expect(out[0]).toBe(a * b);
      expect((big(out[0]) + big(out[1])) << BigInt(SHIFT)).toBe(big(a) * big(b));
    }
  });
});

describe('Expansion (exact sums)', () => {
  it('holds the exact sum of thousands of doubles of any magnitude, through compressions', () => {
    const acc = new Expansion(24); // small capacity: compress() and the truncation run often
    const xs = [...randomDoubles(3, 3000, -300, 60)];
    let exact = 0n;
    for (const x of xs) {
      acc.add(x);
      exact += big(x);
    }
    // truncation to 16 components is far below 2^-500 of the partial sums
    expect(log2RelErr(sumBig(components(acc)), exact)).toBeLessThan(-500);
  });
  it('is exact where the sum cancels to a few bits or to zero', () => {
    const acc = new Expansion();
    const xs = [...randomDoubles(4, 200, -120, 10)];
    for (const x of xs) acc.add(x);
    for (const x of xs) acc.add(-x);
    expect(acc.length).toBe(0);
    acc.add(1);
    acc.add(2 ** -300);
    acc.add(-1);
    expect(components(acc)).toEqual([2 ** -300]);
    acc.reset();
    acc.addProduct(1 + 2 ** -52, 1 - 2 ** -52); // 1 − 2^-104
    acc.add(-1);
    expect(sumBig(components(acc))).toBe(-big(2 ** -104));
  });
  it('compress keeps the value, leaves nonoverlapping components, and toDoubleDouble rounds it to 106 bits', () => {
    const out = new Float64Array(2);
    for (let seed = 10; seed < 40; seed++) {
      const acc = new Expansion();
      const xs = [...randomDoubles(seed, 60, -150, 5)];
      for (const x of xs) acc.add(x);
      const exact = sumBig(xs);
      acc.compress();
      expect(sumBig(components(acc))).toBe(exact);
      const c = components(acc);
      for (let i = 0; i + 1 < c.length; i++) expect(Math.abs(c[i])).toBeLessThan(Math.abs(c[i + 1]));
      acc.toDoubleDouble(out);
      expect(out[0] + out[1]).toBe(out[0]);
      expect(log2RelErr(big(out[0]) + big(out[1]), exact)).toBeLessThan(-104);
      expect(log2RelErr(big(out[0]), exact)).toBeLessThanOrEqual(-52);
    }
  });
});

// ---------------------------------------------------------------------------------------------------------

interface Case {
  xh: string;
  xl: string;
  note: string;
  exp: string[];
  expm1: string[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../fixtures/double-double.json', import.meta.url), 'utf8')) as { cases: Case[] };
const cases = fixture.cases.map((c) => ({
  xh: Number(c.xh),
  xl: Number(c.xl),
  note: c.note,
  exp: sumBig(c.exp.map(Number)),
  expm1: sumBig(c.expm1.map(Number)),
}));

/** Relative error bound of addExp (documented: 2^-118) and the absolute floor where results reach the subnormals. */
const EXP_REL = -118;
const ABS_FLOOR = big(2 ** -1060);

function measureExp(which: 'exp' | 'expm1'): { worst: number; where: string } {
  const acc = new Expansion();
  let worst = -Infinity;
  let where = '';
  for (const c of cases) {
    acc.reset();
    addExp(acc, c.xh, c.xl, which === 'expm1');
    const got = sumBig(components(acc));
    const want = c[which];
    if (want === 0n) {
      expect(got, `${which}(${c.xh} + ${c.xl})`).toBe(0n);
      continue;
    }
    if (abs(got - want) <= ABS_FLOOR && abs(want) < ABS_FLOOR << 80n) continue; // underflowing results: absolute bound
    const e = log2RelErr(got, want);
    if (e > worst) {
      worst = e;
      where = `${c.note}: ${which}(${c.xh} + ${c.xl}) relative error 2^${e.toFixed(1)}`;
    }
  }
  return { worst, where };
}

describe('addExp against mpmath', () => {
  it('fixtures cover the argument ranges the slow path meets', () => {
    expect(cases.length).toBeGreaterThan(600);
    expect(cases.some((c) => c.xh < -700)).toBe(true);
    expect(cases.some((c) => c.xh !== 0 && Math.abs(c.xh) < 1e-20)).toBe(true);
  });
  it(`exp(xh + xl) within 2^${EXP_REL} relative`, () => {
    const { worst, where } = measureExp('exp');
    expect(worst, where).toBeLessThan(EXP_REL);
  });
  it(`exp(xh + xl) − 1 within 2^${EXP_REL} relative of expm1, also for tiny arguments`, () => {
    const { worst, where } = measureExp('expm1');
    expect(worst, where).toBeLessThan(EXP_REL);
  });
  it('the table exp(j/64) is triple-double accurate (below 2^-155)', () => {
    for (let j = -23; j <= 23; j++) {
      const c = cases.find((k) => k.note === 'j/64' && k.xh === j / 64 && k.xl === 0);
      expect(c, `fixture exp(${j}/64)`).toBeDefined();
      const o = (j + 23) * 3;
      expect(log2RelErr(sumBig([EXP_J64[o], EXP_J64[o + 1], EXP_J64[o + 2]]), c!.exp)).toBeLessThan(-155);
    }
  });
  it('adds nothing below the underflow threshold, and exactly −1 for expm1 there', () => {
    const acc = new Expansion();
    addExp(acc, -746, 0, false);
    addExp(acc, -1e300, 0, false);
    expect(acc.length).toBe(0);
    addExp(acc, -800, 0, true);
    expect(components(acc)).toEqual([-1]);
  });
});
