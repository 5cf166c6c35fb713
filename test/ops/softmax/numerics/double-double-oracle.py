#!/usr/bin/python3
"""
Reference values for test/ops/softmax/numerics/double-double.test.ts (written to test/fixtures/double-double.json) and the
constants of src/kernels/ts/double-double.ts (printed with --constants), computed with mpmath at 400 bits.
Run with Debian's interpreter: /usr/bin/python3 test/ops/softmax/numerics/double-double-oracle.py [--constants]

Every exact value is written as its first four float64 components (greedy: each is the nearest double to what the
previous ones leave), so value = c0 + c1 + c2 + c3 to about 2^-210 relative; the test sums them exactly (BigInt).
Inputs are pairs of doubles (xh, xl) whose exact sum x = xh + xl is the argument. Deterministic (fixed seed).
"""
import json
import math
import os
import random
import sys

from mpmath import mp, mpf

mp.prec = 400

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'double-double.json')


def limbs(v, count=4):
    out = []
    for _ in range(count):
        f = float(v)
        out.append(f)
        v = v - mpf(f)
    return out


def split_bits(v, bits):
    """v rounded to `bits` significant bits (a double), and the remainder."""
    e = math.floor(math.log2(abs(float(v))))
    q = mpf(2) ** (e - bits + 1)
    h = mp.nint(v / q) * q
    return float(h), v - h


def ulp(x):
    return math.ldexp(1.0, math.frexp(x)[1] - 53) if x != 0 else 5e-324


def constants():
    ln2 = mp.log(2)
    l1, rest = split_bits(ln2, 42)
    l2, rest = split_bits(rest, 42)
    l3 = float(rest)
    lines = []
    lines.append('const INV_LN2 = %r;' % float(1 / ln2))
    lines.append('// ln 2 = LN2_1 + LN2_2 + LN2_3 + O(2^-138); LN2_1 and LN2_2 have 42 significant bits, so k·LN2_1 and')
    lines.append('// k·LN2_2 are exact for |k| < 2^11.')
    lines.append('const LN2_1 = %r;' % l1)
    lines.append('const LN2_2 = %r;' % l2)
    lines.append('const LN2_3 = %r;' % l3)
    lines.append('// 1/n! as double-doubles (n = 3..8) and doubles (n = 9..13).')
    for n in range(3, 9):
        c = limbs(1 / mp.factorial(n), 2)
        lines.append('const F%d_HI = %r;\nconst F%d_LO = %r;' % (n, c[0], n, c[1]))
    for n in range(9, 14):
        lines.append('const F%d = %r;' % (n, float(1 / mp.factorial(n))))
    lines.append('/** exp(j/64) for j = -23..23 as triple-doubles [hi, mid, lo] (relative error below 2^-155). */')
    lines.append('export const EXP_J64: readonly number[] = [')
    for j in range(-23, 24):
        c = limbs(mp.exp(mpf(j) / 64), 3)
        lines.append('  %r, %r, %r, // %d' % (c[0], c[1], c[2], j))
    lines.append('];')
    return '\n'.join(lines)


def fixtures():
    rng = random.Random(20240611)
    cases = []

    def add(xh, xl=0.0, note=''):
        xh = float(xh)
        xl = float(xl)
        x = mpf(xh) + mpf(xl)
        cases.append({'xh': repr(xh), 'xl': repr(xl), 'note': note,
                      'exp': [repr(c) for c in limbs(mp.exp(x))],
                      'expm1': [repr(c) for c in limbs(mp.expm1(x))]})

    def low(xh):
        # a random low part, |xl| <= ulp(xh)/2
        return rng.uniform(-0.5, 0.5) * ulp(xh)

    # special and structural points: 0, tiny, the table steps j/64 and their midpoints, multiples of ln 2 / 2
    add(0.0, 0.0, 'zero')
    for v in (1e-300, 5e-324, 2.0 ** -60, 1e-20, 1e-8, 2.0 ** -30, 1e-3):
        add(-v, 0.0, 'tiny')
        add(v, 0.0, 'tiny')
    for j in range(-23, 24):
        add(j / 64.0, 0.0, 'j/64')
        add(j / 64.0 + 1 / 128.0, low(j / 64.0 + 1 / 128.0), 'j/64 midpoint')
    for k in range(-8, 9):
        v = float(k * mp.log(2) / 2)
        add(v, low(v) if v else 0.0, 'k ln2/2')
        add(float(k * mp.log(2)), 0.0, 'k ln2')
    for v in (-745.0, -744.4, -740.0, -708.5, -708.0, -700.0, -600.0, -100.0, -40.0, -20.0, 20.0, 100.0, 700.0, 709.0):
        add(v, low(v), 'large')
    # random arguments of the sizes logSumExp meets: z_i - c with z_i, c floats
    for _ in range(150):
        v = -abs(rng.gauss(0, 3))
        add(v, low(v), 'normal')
    for _ in range(100):
        v = rng.uniform(-50, 0)
        add(v, low(v), 'uniform [-50, 0]')
    for _ in range(100):
        v = -(2.0 ** rng.uniform(-60, 0))
        add(v, low(v), 'log-uniform small negative')
        add(-v, low(-v), 'log-uniform small positive')
    for _ in range(30):
        v = rng.uniform(-745, 709)
        add(v, low(v), 'wide')
    return {'generator': 'test/ops/softmax/numerics/double-double-oracle.py', 'precisionBits': mp.prec, 'cases': cases}


if __name__ == '__main__':
    if '--constants' in sys.argv:
        print(constants())
    else:
        data = fixtures()
        with open(OUT, 'w') as f:
            json.dump(data, f, indent=1)
            f.write('\n')
        print('wrote %d cases to %s' % (len(data['cases']), os.path.relpath(OUT)))
