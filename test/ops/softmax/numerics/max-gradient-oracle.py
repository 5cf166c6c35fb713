#!/usr/bin/python3
"""
mpmath oracle for the kernel spec case "rounds the soft-label gradient at the row max once" (test/kernels/spec-softmax.ts):
logits [a, 0], labels [y0, y1] in the dtype; the exact dLogits = (y0 + y1)·softmax − labels, rounded once to the dtype.
Run: /usr/bin/python3 test/ops/softmax/numerics/max-gradient-oracle.py > test/ops/softmax/numerics/max-gradient-oracle.json
"""
from mpmath import mp, mpf, exp
import json
import numpy as np

rows = []

for a, y0 in [(37.42994775023705, 0.5), (36.04365338911715, 0.5), (38.5, 0.25), (17.0, 0.5), (17.25, 0.75), (16.5, 0.5)]:
    for dt, bits in (('float64', 53), ('float32', 24)):
        cast = (lambda v: float(np.float32(v))) if dt == 'float32' else float
        A, Y0, Y1 = cast(a), cast(y0), cast(1 - y0)
        mp.prec = 400
        s = exp(-mpf(A))
        Y = mpf(Y0) + mpf(Y1)
        g0, g1 = Y / (1 + s) - mpf(Y0), Y * s / (1 + s) - mpf(Y1)
        mp.prec = bits
        rows.append([dt, A, Y0, Y1, float(+g0), float(+g1)])
print(json.dumps({"source": "test/ops/softmax/numerics/max-gradient-oracle.py (mpmath)", "rows": rows}, indent=1))
