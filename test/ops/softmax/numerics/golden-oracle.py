#!/usr/bin/python3
"""
Reference values for test/ops/softmax/numerics/golden.test.ts and test/ops/softmax/numerics/rules.test.ts, computed with mpmath at
200 decimal digits from the exact binary inputs (each decimal literal first rounded to float64, or to float32
via numpy), then rounded to the dtype. Run with Debian's interpreter: /usr/bin/python3 test/ops/softmax/numerics/golden-oracle.py
The printed numbers are hard-coded in the tests (they are data, not our own code's output).
"""
import numpy as np
from mpmath import mp, mpf, exp, log, log1p

mp.dps = 200

def r64(x):
    return repr(float(x))

def r32(x):
    # mpf -> nearest float64 -> nearest float32 could double-round; go via enough digits to be safe.
    s = mp.nstr(x, 60)
    return repr(float(np.float32(s)))

def exact(v, dt):
    return mpf(float(np.dtype(dt).type(v)))

def softmax(z):
    es = [exp(x) for x in z]
    s = sum(es)
    return [e / s for e in es]

def lse(z):
    return log(sum(exp(x) for x in z))

for dt, r in (('float64', r64), ('float32', r32)):
    print('==', dt)
    W = [[1, -1, 0.5], [0.8, 0.5, -0.3], [-0.5, 1.2, 1]]
    f = [0.5, 0.8, 1.2]
    b = [0.2, -0.1, 0.5]
    z = [sum(exact(W[i][j], dt) * exact(f[j], dt) for j in range(3)) + exact(b[i], dt) for i in range(3)]
    print('Wf+b', [r(x) for x in z])
    print('softmax(seed logits as literals)', [r(x) for x in softmax([exact(v, dt) for v in (0.5, 0.34, 2.41)])])
    print('softmax([2,1,0.1])', [r(x) for x in softmax([exact(v, dt) for v in (2.0, 1.0, 0.1)])])
    rows = [[0.5, 1.5, 0.1], [2.2, 1.3, 1.7]]
    labels = [1, 2]
    losses = []
    for row, y in zip(rows, labels):
        zz = [exact(v, dt) for v in row]
        print('softmax row', [r(x) for x in softmax(zz)])
        print('logSoftmax row', [r(x - lse(zz)) for x in zz])
        l = lse(zz) - zz[y]
        losses.append(l)
        print('loss', r(l))
    print('mean loss', r((losses[0] + losses[1]) / 2))
    print('lse rows', [r(lse([exact(v, dt) for v in row])) for row in rows])
    print('[20,0,0] label 0', r(log1p(2 * exp(-20))), mp.nstr(log1p(2 * exp(-20)), 25))
    print('logit(0.5)', r(log(mpf(0.5) / (1 - mpf(0.5)))))

print('== sigmoid cross-entropy (TensorFlow weighted form), loss = (1-z)x + (1+(q-1)z) log(1+e^-x)')
def sce(x, z, q):
    return (1 - z) * x + (1 + (q - 1) * z) * log1p(exp(-x))
for dt, r in (('float64', r64), ('float32', r32)):
    for x, z, q in ((35, 1 - 2**-20, 1), (-30, 1e-3, 3), (12, 1 - 2**-12, 1), (-17, 2**-10, 2)):
        xx, zz, qq = exact(x, dt), exact(z, dt), exact(q, dt)
        print(dt, 'x', x, 'z', z, 'q', q, '->', r(sce(xx, zz, qq)))
