#!/usr/bin/python3
"""
Writes the oracle fixtures in test/fixtures/oracle/: inputs of the softmax family and the element-wise
logistic ops, with the exactly rounded true results computed by mpmath.

Run with Debian's interpreter (it has mpmath; CI: apt-get install python3-mpmath python3-numpy):

    /usr/bin/python3 scripts/accuracy/make_fixtures.py

The fixtures are the source of truth for test/ops/softmax/numerics/oracle.test.ts and `npm run accuracy`; this script
only needs to run again when rows are added. Its output is deterministic (fixed seeds).

Encoding (see also "format" in every file):
- Every input is a float of the fixture's dtype, written as a decimal string that JavaScript parses back to
  that exact value: `Number(s)` for float64, `Math.fround(Number(s))` for float32 (checked here), plus
  "Infinity", "-Infinity", "NaN".
- Every expected value is {r, d}: r = the true value correctly rounded (to nearest, ties to even) to the dtype,
  with IEEE subnormals and overflow to ±Infinity; d = (true − r) / ulp(r), in [−0.5, 0.5], rounded to 6
  decimals. ulp(r) = 2^(max(floor(log2|r|), emin) − p + 1), for r = 0 the smallest subnormal.
  A vector is {r: [...], d: [...]}.
- The very large rows (n = 100,000) are not spelled out: "gen" describes a 32-bit LCG whose integers map to
  exact dyadic values (see genRow below and in scripts/accuracy/lib.mjs); "head" holds its first values to check
  the reproduction, and "sample" lists the indices whose outputs are stored.

Truth: the softmax family is computed from the exact differences d_i = z_i − m (m the row max) and
L = log1p(Σ_{i≠argmax} e^{d_i}), with the algebra arranged so that no cancellation is structural (for example
softmax_k − 1 = −(1 − e^{d_k} + s)/(1 + s)). Every value is computed at 256 and at 512 bits; if the two round
differently (or their d differs), the row is recomputed at 4x the precision until two successive precisions agree.
"""
import json
import math
import os
import sys

import mpmath
import numpy as np
from mpmath import mp, mpf

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'test', 'fixtures', 'oracle')
BASE_PREC = 256
MAX_PREC = 16384

FORMATS = {
    # p (significand bits incl. the implicit one), emin, emax
    'float64': (53, -1022, 1023),
    'float32': (24, -126, 127),
}

NAN = float('nan')
INF = float('inf')


# ---------------------------------------------------------------------------------------------------------
# Exact rounding of an mpf to a binary format, and the residual in ulps.

class Special:
    """A non-finite expected value: NaN, +inf or -inf (by convention or as the true limit)."""

    def __init__(self, v):
        self.v = v

    def __repr__(self):
        return 'Special(%r)' % self.v


def round_to(v, dtype):
    """(r, d): r the float nearest to v in dtype (ties to even), d = (v − r)/ulp(r)."""
    if isinstance(v, Special):
        return v.v, 0.0
    p, emin, emax = FORMATS[dtype]
    if mpmath.isnan(v):
        return NAN, 0.0
    if mpmath.isinf(v):
        return (INF if v > 0 else -INF), 0.0
    sign, man, exp, bc = v._mpf_
    if man == 0:
        return 0.0, 0.0
    e = exp + bc - 1  # floor(log2 |v|)
    q = max(e, emin) - p + 1  # exponent of the ulp
    shift = exp - q
    if -shift > bc + 1:
        # |v| < ulp/4 of the smallest subnormal: rounds to zero, and d is below float range
        return (-0.0 if sign else 0.0), 0.0
    if shift >= 0:
        n = man << shift
    else:
        n = man >> (-shift)
        rem = man - (n << (-shift))
        half = 1 << (-shift - 1)
        if rem > half or (rem == half and (n & 1)):
            n += 1
    # n * 2^q, n < 2^p (or == 2^p after a carry, still representable unless it overflows)
    if n != 0 and q + n.bit_length() - 1 > emax:
        return (-INF if sign else INF), 0.0
    r = math.ldexp(n, q)
    if sign:
        r = -r
    if r == 0:
        ulp_exp = emin - p + 1
    else:
        er = math.frexp(abs(r))[1] - 1
        ulp_exp = max(er, emin) - p + 1
    with mp.workprec(max(mp.prec, 64)):
        diff = mpmath.fsub(v, mpf(r), exact=True)
        d = float(mpmath.ldexp(diff, -ulp_exp))
    return r, round(d, 6)


def same(a, b):
    ra, da = a
    rb, db = b
    if math.isnan(ra) or math.isnan(rb):
        return math.isnan(ra) and math.isnan(rb)
    return ra == rb and abs(da - db) <= 2e-6


def rounded_tree(t, dtype):
    if isinstance(t, dict):
        return {k: rounded_tree(v, dtype) for k, v in t.items()}
    if isinstance(t, list):
        return [rounded_tree(v, dtype) for v in t]
    return round_to(t, dtype)


def trees_agree(a, b):
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(trees_agree(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(trees_agree(x, y) for x, y in zip(a, b))
    return same(a, b)


def ziv(compute, dtypes):
    """Runs compute(prec) at increasing precisions until two successive ones round identically in every dtype."""
    prec = BASE_PREC
    with mp.workprec(prec):
        prev = compute(prec)
    prev_r = {dt: rounded_tree(prev, dt) for dt in dtypes}
    while True:
        prec *= 2
        if prec > MAX_PREC:
            raise RuntimeError('oracle did not converge')
        with mp.workprec(prec):
            cur = compute(prec)
        cur_r = {dt: rounded_tree(cur, dt) for dt in dtypes}
        if all(trees_agree(prev_r[dt], cur_r[dt]) for dt in dtypes):
            return cur_r, prec
        if prec >= 1024:
            print('  note: escalated to %d bits' % (prec * 2), file=sys.stderr)
        prev_r = cur_r


# ---------------------------------------------------------------------------------------------------------
# The true values.

def exact_sub(a, b):
    return mpmath.fsub(a, b, exact=True)


def exact_mul(a, b):
    return mpmath.fmul(a, b, exact=True)


def exact_sum(xs):
    acc = mpf(0)
    for v in xs:
        acc = mpmath.fadd(acc, v, exact=True)
    return acc


def softmax_family(x, label_sets, ids, sample):
    """
    Builds compute(prec) for one row. x: floats (exact values of the row), label_sets: lists of floats,
    ids: class ids, sample: indices whose vector outputs are kept (None = all).
    Conventions for non-finite rows (those of TensorFlow, PyTorch and our kernels): a NaN anywhere makes every
    output NaN; a +inf makes logSumExp +inf and the rest NaN; an all −inf row makes logSumExp −inf and the rest NaN.
    """
    n = len(x)
    idx = list(range(n)) if sample is None else sample

    def special_row(lse):
        nanv = Special(NAN)
        return {
            'softmax': [nanv for _ in idx],
            'logSoftmax': [nanv for _ in idx],
            'logSumExp': lse,
            'ce': [{'loss': nanv, 'grad': [nanv for _ in idx]} for _ in label_sets],
            'sparse': [{'loss': nanv, 'grad': [nanv for _ in idx]} for _ in ids],
        }

    if any(math.isnan(v) for v in x):
        return lambda prec: special_row(Special(NAN))
    if any(v == INF for v in x):
        return lambda prec: special_row(Special(INF))
    if all(v == -INF for v in x):
        return lambda prec: special_row(Special(-INF))

    m_f = max(x)
    im = x.index(m_f)
    m = mpf(m_f)
    # exact differences (None for a −inf mask)
    d = [None if v == -INF else exact_sub(mpf(v), m) for v in x]
    label_exact = [[mpf(y) for y in ys] for ys in label_sets]

    def compute(prec):
        e = [mpf(0) if di is None else (mpf(1) if i == im else mpmath.exp(di)) for i, di in enumerate(d)]
        s = mpmath.fsum(e[i] for i in range(n) if i != im)
        T = 1 + s
        L = mpmath.log1p(s)
        out = {
            'softmax': [e[i] / T for i in idx],
            'logSoftmax': [Special(-INF) if d[i] is None else d[i] - L for i in idx],
            'logSumExp': m + L,
            'ce': [],
            'sparse': [],
        }
        for ys in label_exact:
            Y = exact_sum(ys)
            # loss = Σ_{y_i ≠ 0} y_i (L − d_i); a nonzero label on a mask gives ±inf
            infs = set()
            A = exact_sum(exact_mul(ys[i], -d[i]) for i in range(n) if ys[i] != 0 and d[i] is not None)
            for i in range(n):
                if ys[i] != 0 and d[i] is None:
                    infs.add(1 if ys[i] > 0 else -1)
            if len(infs) == 2:
                loss = Special(NAN)
            elif infs:
                loss = Special(INF if 1 in infs else -INF)
            else:
                loss = A + Y * L
            grad = []
            for i in idx:
                if i == im:
                    # Y/T − y_im = ((Y − y_im) − y_im·s) / T
                    others = exact_sub(Y, ys[im])
                    grad.append((others - ys[im] * s) / T)
                else:
                    grad.append((Y * e[i] - ys[i] * T) / T)
            out['ce'].append({'loss': loss, 'grad': grad})
        for k in ids:
            if d[k] is None:
                loss = Special(INF)
            elif k == im:
                loss = L
            else:
                loss = L - d[k]
            grad = []
            for i in idx:
                if i != k:
                    grad.append(e[i] / T)
                elif k == im:
                    grad.append(-s / T)
                elif d[k] is None:
                    grad.append(mpf(-1))
                else:
                    # e_k/T − 1 = (expm1(d_k) − s) / T
                    grad.append((mpmath.expm1(d[k]) - s) / T)
            out['sparse'].append({'loss': loss, 'grad': grad})
        return out

    return compute


def log1p_exp_neg_abs(x):
    return mpmath.log1p(mpmath.exp(-abs(x)))


def sigmoid_mp(x):
    if x >= 0:
        return 1 / (1 + mpmath.exp(-x))
    ex = mpmath.exp(x)
    return ex / (1 + ex)


def elementwise(xs, ce_x, ce_z):
    """compute(prec) for sigmoid, softplus, logSigmoid over xs and sigmoid CE (loss, d/dlogits) over (ce_x, ce_z)."""

    def unary(f, limits):
        def g(v):
            if math.isnan(v):
                return Special(NAN)
            if math.isinf(v):
                return limits[v > 0]
            return f(mpf(v))
        return g

    sig = unary(sigmoid_mp, {True: mpf(1), False: mpf(0)})
    sp = unary(lambda x: max(x, 0) + log1p_exp_neg_abs(x), {True: Special(INF), False: mpf(0)})
    ls = unary(lambda x: min(x, 0) - log1p_exp_neg_abs(x), {True: mpf(0), False: Special(-INF)})

    def sce(xf, zf):
        # loss = softplus(x) − x·z = (max(x, 0) − x·z) + log1p(e^{−|x|}), the first part exact
        if math.isnan(xf) or math.isnan(zf):
            return Special(NAN), Special(NAN)
        assert not math.isinf(zf)
        if math.isinf(xf):
            # limits: x → +∞: loss (1 − z)·x, gradient 1 − z; x → −∞: loss −z·x, gradient −z (a zero coefficient gives 0)
            c = 1 - zf if xf > 0 else zf
            loss = mpf(0) if c == 0 else Special(INF if c > 0 else -INF)
            return loss, (exact_sub(1, mpf(zf)) if xf > 0 else -mpf(zf))
        x, z = mpf(xf), mpf(zf)
        a = exact_sub(max(x, 0), exact_mul(x, z))
        loss = a + log1p_exp_neg_abs(x)
        if x >= 0:
            # σ(x) − z = (1 − z) − e^{−x}/(1 + e^{−x})
            en = mpmath.exp(-x)
            grad = exact_sub(1, z) - en / (1 + en)
        else:
            grad = sigmoid_mp(x) - z
        return loss, grad

    def compute(prec):
        pairs = [sce(x, z) for x, z in zip(ce_x, ce_z)]
        return {
            'sigmoid': [sig(v) for v in xs],
            'softplus': [sp(v) for v in xs],
            'logSigmoid': [ls(v) for v in xs],
            'sigmoidCE': [p[0] for p in pairs],
            'sigmoidCEGrad': [p[1] for p in pairs],
        }

    return compute


# ---------------------------------------------------------------------------------------------------------
# Encoding.

def to_dtype(v, dtype):
    return float(np.float32(v)) if dtype == 'float32' else float(v)


def enc(v, dtype):
    if math.isnan(v):
        return 'NaN'
    if math.isinf(v):
        return 'Infinity' if v > 0 else '-Infinity'
    if dtype == 'float32':
        assert float(np.float32(v)) == v, v
        s = str(np.float32(v))
        # what JavaScript does: parse to float64, then round to float32
        if float(np.float32(float(s))) == v:
            return s
    s = repr(float(v))
    assert float(s) == v
    return s


def enc_tree(t, dtype):
    """Rounded tree → JSON: a list of (r, d) becomes {r: [...], d: [...]}, a single (r, d) becomes {r, d}."""
    if isinstance(t, dict):
        # 'ce' and 'sparse' are lists of {loss, grad} (possibly empty); other lists are vectors
        return {k: [enc_tree(c, dtype) for c in v] if k in ('ce', 'sparse') else enc_tree(v, dtype) for k, v in t.items()}
    if isinstance(t, list):
        return {'r': [enc(r, dtype) for r, _ in t], 'd': [d for _, d in t]}
    r, d = t
    return {'r': enc(r, dtype), 'd': d}


# ---------------------------------------------------------------------------------------------------------
# Generated rows (shared with scripts/accuracy/lib.mjs: keep the two in step).

def gen_row(gen):
    """
    32-bit LCG s ← (1664525·s + 1013904223) mod 2^32; u = s >> 16 (16 bits). Value i is
    (u1 + u2 + u3 + u4 − 131070) · 2^scalePow2 (an Irwin–Hall, roughly normal with sd ≈ 1.15·2^(scalePow2+15)),
    exact in float32 and float64; when maskEvery > 0, every index i with i % maskEvery == maskEvery − 1 is −inf.
    """
    s = gen['seed'] & 0xFFFFFFFF
    out = []
    for i in range(gen['n']):
        acc = 0
        for _ in range(4):
            s = (1664525 * s + 1013904223) & 0xFFFFFFFF
            acc += s >> 16
        v = math.ldexp(acc - 131070, gen['scalePow2'])
        if gen.get('maskEvery', 0) and i % gen['maskEvery'] == gen['maskEvery'] - 1:
            v = -INF
        out.append(v)
    return out


def gen_labels(spec, x):
    """Label smoothing: off everywhere, on at k, 0 where x is −inf (zero labels against masks)."""
    ys = [0.0 if v == -INF else spec['off'] for v in x]
    ys[spec['k']] = spec['on']
    return ys


# ---------------------------------------------------------------------------------------------------------
# The rows.

def sample_indices(x, n_keep, extra, rng):
    n = len(x)
    finite = [i for i in range(n) if x[i] != -INF]
    keep = {0, 1, n - 1, x.index(max(x)), min(finite, key=lambda i: x[i])}
    keep.update(extra)
    keep.update(int(i) for i in rng.choice(n, size=n_keep, replace=False))
    return sorted(keep)


def build_rows(dtype, rng):
    """Rows of the softmax family for one dtype: (id, group, x, label_sets, ids, gen, sample)."""
    f = lambda v: to_dtype(v, dtype)
    rows = []

    def add(name, group, x, labels=None, ids=None, gen=None, sample=None, label_gen=None):
        x = [f(v) for v in x]
        n = len(x)
        if labels is None:
            labels = []
        labels = [[f(v) for v in ys] for ys in labels]
        if ids is None:
            ids = []
        rows.append({'id': name, 'group': group, 'x': x, 'labels': labels, 'ids': ids, 'gen': gen,
                     'sample': sample, 'labelGen': label_gen})

    def random_labels(n, x):
        # normalized soft labels (rounded to dtype) and unnormalized ones; zero against masks
        p = rng.dirichlet(np.ones(n) * 0.7)
        u = rng.uniform(0, 2, n)
        p = [0.0 if x[i] == -INF else p[i] for i in range(n)]
        u = [0.0 if x[i] == -INF else u[i] for i in range(n)]
        return [p, u]

    def add_random(name, x, group='random'):
        x = [f(v) for v in x]
        n = len(x)
        ids = [int(rng.integers(n))]
        add(name, group, x, random_labels(n, x), ids)

    # random rows
    for scale in (0.01, 1.0, 5.0, 30.0, 300.0):
        for n in (2, 3, 7, 10, 64):
            add_random('normal(sd=%g) n=%d' % (scale, n), rng.normal(0, scale, n))
    for lo, hi in ((-1, 1), (-100, 100), (0, 1000)):
        for n in (4, 16):
            add_random('uniform(%g,%g) n=%d' % (lo, hi, n), rng.uniform(lo, hi, n))

    # 1000 classes: stored explicitly, outputs sampled
    for scale in (1.0, 10.0):
        x = [f(v) for v in rng.normal(0, scale, 1000)]
        lab = random_labels(1000, x)
        ids = [int(rng.integers(1000)), x.index(max(x))]
        add('normal(sd=%g) n=1000' % scale, 'random', x, lab, ids, sample=sample_indices(x, 96, ids, rng))
    x = [-math.log(1000.0)] * 1000
    add('ties -log(1000) n=1000', 'logsumexp-near-0', x, [[1.0 / 1000] * 1000], [0, 999],
        sample=sample_indices([f(v) for v in x], 16, [], rng))

    # 100,000 classes: generated
    for gen in ({'kind': 'lcg-irwin-hall', 'seed': 12345, 'n': 100000, 'scalePow2': -15},
                {'kind': 'lcg-irwin-hall', 'seed': 777, 'n': 100000, 'scalePow2': -12, 'maskEvery': 97}):
        x = gen_row(gen)
        k = 31337 if x[31337] != -INF else 31338
        im = x.index(max(x))
        off = 2.0 ** -20
        lg = {'kind': 'smooth', 'k': k, 'off': off, 'on': (2 ** 20 - (gen['n'] - 1)) * off}
        ids = [k, im]
        name = 'lcg n=100000 scale 2^%d%s' % (gen['scalePow2'], ' masked every %d' % gen['maskEvery'] if gen.get('maskEvery') else '')
        add(name, 'random', x, [gen_labels(lg, x)], ids, gen=gen, sample=sample_indices(x, 96, ids, rng), label_gen=lg)

    # --- adversarial ---
    big = 1e300 if dtype == 'float64' else 3e38
    fmax = float(np.finfo(np.float64 if dtype == 'float64' else np.float32).max)
    add('single [0]', 'small-n', [0.0], [[1.0], [0.7]], [0])
    add('single [3.5]', 'small-n', [3.5], [[1.0]], [0])
    add('single [-big]', 'small-n', [-big], [[2.0]], [0])
    add('two [0,0]', 'small-n', [0.0, 0.0], [[1.0, 0.0], [0.5, 0.5]], [0, 1])
    add('two [1,-1]', 'small-n', [1.0, -1.0], [[0.25, 0.75]], [1])
    add('huge [big,-big]', 'huge', [big, -big], [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]], [0, 1])
    add('huge [-big,big,0]', 'huge', [-big, big, 0.0], [[0.0, 1.0, 0.0], [0.2, 0.3, 0.5]], [0, 1, 2])
    add('huge [big,big]', 'huge', [big, big], [[1.0, 0.0], [0.5, 0.5]], [0])
    add('huge [-big,-big,-big]', 'huge', [-big, -big, -big], [[1.0, 0.0, 0.0]], [2])
    add('huge [max,-max]', 'huge', [fmax, -fmax], [[1.0, 0.0], [0.0, 1.0]], [0, 1])
    add('huge [max,max*0.5]', 'huge', [fmax, fmax * 0.5], [[0.0, 1.0]], [1])
    add('huge [big,big*(1-2^-20)]', 'huge', [big, big * (1 - 2.0 ** -20)], [[1.0, 0.0]], [0, 1])
    # one dominant logit: tiny losses
    for t in (5, 10, 16, 17, 20, 30, 40, 50, 88, 89, 100, 104, 200, 416, 700, 745, 800):
        add('dominant [%g,0,0]' % t, 'dominant', [float(t), 0.0, 0.0], [[1.0, 0.0, 0.0], [0.9, 0.05, 0.05]], [0, 1])
    add('dominant [20,0] x 1000', 'dominant', [20.0] + [0.0] * 999, [[1.0] + [0.0] * 999], [0],
        sample=list(range(0, 1000, 37)) + [999])
    add('dominant [1e4,-1e4,1e4-40]', 'dominant', [1e4, -1e4, 1e4 - 40], [[1.0, 0.0, 0.0]], [0, 2])
    # precision of z − max
    add('0.1 vs 700.3', 'z-minus-max', [0.1, 700.3], [[1.0, 0.0], [0.5, 0.5]], [0, 1])
    add('700.3 vs 0.1, 350.15, 699.9', 'z-minus-max', [700.3, 0.1, 350.15, 699.9], [[0.1, 0.2, 0.3, 0.4]], [0, 3])
    add('1e-20 vs 1e20, 1e20-1e5', 'z-minus-max', [1e-20, 1e20, 1e20 - 1e5],
        [[0.0, 0.0, 1.0]], [2])
    add('0.3 vs 37.7, 37.70001', 'z-minus-max', [0.3, 37.7, 37.70001, 20.123456789], [[0.0, 0.5, 0.5, 0.0]], [1, 3])
    # near ties
    one_up = float(np.nextafter(np.float64(1), 2)) if dtype == 'float64' else float(np.nextafter(np.float32(1), np.float32(2)))
    one_dn = float(np.nextafter(np.float64(1), 0)) if dtype == 'float64' else float(np.nextafter(np.float32(1), np.float32(0)))
    add('near-tie [1,1+ulp,1-ulp]', 'near-tie', [1.0, one_up, one_dn], [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]], [0, 1, 2])
    add('tie [7,7,7]', 'near-tie', [7.0, 7.0, 7.0], [[1.0 / 3] * 3], [0, 2])
    add('near-tie [1e5, 1e5+2^-6]', 'near-tie', [1e5, 1e5 + 2.0 ** -6], [[1.0, 0.0]], [0, 1])
    add('near-tie [-50,-50-1e-7,-50+1e-7]', 'near-tie', [-50.0, -50.0 - 1e-7, -50.0 + 1e-7], [[0.3, 0.3, 0.4]], [1])
    # −inf masks
    add('mask [-inf,1,2]', 'mask', [-INF, 1.0, 2.0], [[0.0, 0.25, 0.75], [0.0, 1.0, 0.0]], [1, 2])
    add('mask [-inf,-inf,0]', 'mask', [-INF, -INF, 0.0], [[0.0, 0.0, 1.0]], [2])
    add('mask [-inf,5,-inf,3]', 'mask', [-INF, 5.0, -INF, 3.0], [[0.0, 0.5, 0.0, 0.5]], [1, 3])
    add('mask label on mask [-inf,1]', 'mask', [-INF, 1.0], [[0.5, 0.5]], [0])
    add('mask [-inf,-big,big]', 'mask', [-INF, -big, big], [[0.0, 1.0, 0.0]], [1, 2])
    add('all masked [-inf,-inf]', 'non-finite', [-INF, -INF], [[0.0, 1.0]], [0])
    add('+inf [inf,0]', 'non-finite', [INF, 0.0], [[1.0, 0.0]], [0])
    add('NaN [nan,1]', 'non-finite', [NAN, 1.0], [[0.0, 1.0]], [1])
    # logSumExp near 0: m + log1p(s) cancels
    add('lse~0 [-ln2,-ln2]', 'logsumexp-near-0', [-math.log(2), -math.log(2)], [[0.5, 0.5]], [0])
    add('lse~0 [ln(1/3)]*3', 'logsumexp-near-0', [math.log(1 / 3)] * 3, [[1 / 3] * 3], [0])
    for a in (-0.1, -1.0, -1e-3, -1e-8, -20.0):
        b = math.log(-math.expm1(a))
        add('lse~0 [%g, log(1-e^%g)]' % (a, a), 'logsumexp-near-0', [a, b], [[0.5, 0.5]], [0, 1])
    add('lse~0 [-0.5,-1.2,log(1-e^-.5-e^-1.2)]', 'logsumexp-near-0',
        [-0.5, -1.2, math.log(1 - math.exp(-0.5) - math.exp(-1.2))], [[0.2, 0.3, 0.5]], [2])
    # soft labels: unnormalized, negative, tiny
    add('labels unnormalized [1,2,3]', 'soft-labels', [1.0, 2.0, 3.0], [[2.0, 0.0, 0.0], [0.3, 0.3, 0.3], [1e-30, 0.0, 3.0]], [0])
    add('labels with a negative', 'soft-labels', [0.5, -0.25, 2.0], [[1.5, -0.5, 0.0]], [])
    add('labels = softmax (near-zero gradient)', 'soft-labels', [0.0, 1.0, 2.0],
        [[math.exp(v - math.log(1 + math.e + math.e ** 2)) for v in (0.0, 1.0, 2.0)]], [])
    return rows


def build_elementwise(dtype, rng):
    f = lambda v: to_dtype(v, dtype)
    tiny = 5e-324 if dtype == 'float64' else 1e-45
    big = 1e300 if dtype == 'float64' else 3e38
    fmax = float(np.finfo(np.float64 if dtype == 'float64' else np.float32).max)
    special = [0.0, tiny, 1e-300 if dtype == 'float64' else 1e-40, 1e-30, 1e-8, 1e-3, 0.1, 0.5, 1.0, 2.0, 3.0, 5.0, 10.0,
               15.0, 16.0, 17.0, 20.0, 30.0, 36.7, 37.0, 40.0, 50.0, 87.0, 88.7, 89.0, 100.0, 103.9, 104.0, 700.0,
               709.7, 710.0, 745.0, 746.0, 1000.0, 1e10, 1e30, big, fmax]
    xs = []
    for v in special:
        xs += [v, -v]
    xs += list(rng.normal(0, 1, 120)) + list(rng.normal(0, 10, 120)) + list(rng.normal(0, 100, 60))
    xs += list(rng.uniform(-1e-3, 1e-3, 20))
    xs = [f(v) for v in xs]
    # sigmoid CE: each finite x with a few labels
    zs_cycle = [0.0, 1.0, 0.5, 0.25, 0.9]
    ce_x, ce_z = [], []
    for j, v in enumerate(xs):
        ce_x += [v, v]
        ce_z += [zs_cycle[j % len(zs_cycle)], f(rng.uniform(0, 1))]
    # large |x| with labels 0 and 1 (tiny losses), and labels out of [0, 1]
    for v in (10.0, 20.0, 40.0, 100.0, 700.0, 1e10, big):
        for sgn in (1, -1):
            ce_x += [sgn * v, sgn * v]
            ce_z += [0.0, 1.0]
    ce_x += [3.0, -3.0, 50.0]
    ce_z += [1.5, -0.5, 1.0 + 2 ** -20]
    ce_x = [f(v) for v in ce_x]
    ce_z = [f(v) for v in ce_z]
    xs_un = xs + [INF, -INF, NAN]
    ce_x += [NAN, 1.0]
    ce_z += [0.5, NAN]
    # infinite logits (limits): label 1 against +inf and label 0 against −inf give 0
    for v in (INF, -INF):
        for z in (0.0, 1.0, 0.5):
            ce_x.append(v)
            ce_z.append(z)
    return xs_un, ce_x, ce_z


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    common = {
        'generator': 'scripts/accuracy/make_fixtures.py',
        'oracle': 'mpmath %s, %d bits, doubled until two precisions round identically' % (mpmath.__version__, BASE_PREC),
        'format': __doc__.split('Encoding (see also "format" in every file):')[1].split('Truth:')[0].strip(),
    }
    oracle_cache = {}
    for dtype in ('float32', 'float64'):
        rng = np.random.default_rng(20240611 if dtype == 'float64' else 20240612)
        rows = build_rows(dtype, rng)
        out_rows = []
        for row in rows:
            key = (tuple(row['x']), tuple(tuple(y) for y in row['labels']), tuple(row['ids']),
                   None if row['sample'] is None else tuple(row['sample']))
            print('%s: %s (n=%d)' % (dtype, row['id'], len(row['x'])), file=sys.stderr)
            if key not in oracle_cache:
                oracle_cache[key] = ziv(softmax_family(row['x'], row['labels'], row['ids'], row['sample']),
                                        ('float32', 'float64'))
            res, prec = oracle_cache[key]
            r = res[dtype]
            rec = {'id': row['id'], 'group': row['group'], 'n': len(row['x'])}
            if row['gen']:
                rec['gen'] = row['gen']
                rec['head'] = [enc(v, dtype) for v in row['x'][:8]]
            else:
                rec['x'] = [enc(v, dtype) for v in row['x']]
            if row['labelGen']:
                rec['labelGen'] = row['labelGen']
            else:
                rec['labels'] = [[enc(v, dtype) for v in ys] for ys in row['labels']]
            rec['ids'] = row['ids']
            if row['sample'] is not None:
                rec['sample'] = row['sample']
            rec['bits'] = prec
            rec['expected'] = enc_tree(r, dtype)
            out_rows.append(rec)
        path = os.path.join(OUT_DIR, 'softmax-%s.json' % dtype)
        with open(path, 'w') as fh:
            json.dump(dict(common, dtype=dtype, rows=out_rows), fh, separators=(',', ':'))
            fh.write('\n')
        print('wrote %s (%d rows, %d bytes)' % (path, len(out_rows), os.path.getsize(path)), file=sys.stderr)

        xs, ce_x, ce_z = build_elementwise(dtype, rng)
        res, prec = ziv(elementwise(xs, ce_x, ce_z), (dtype,))
        r = res[dtype]
        rec = dict(common, dtype=dtype, bits=prec,
                   x=[enc(v, dtype) for v in xs],
                   ceLogits=[enc(v, dtype) for v in ce_x], ceLabels=[enc(v, dtype) for v in ce_z],
                   expected=enc_tree(r, dtype))
        path = os.path.join(OUT_DIR, 'elementwise-%s.json' % dtype)
        with open(path, 'w') as fh:
            json.dump(rec, fh, separators=(',', ':'))
            fh.write('\n')
        print('wrote %s (%d + %d values, %d bytes)' % (path, len(xs), len(ce_x), os.path.getsize(path)), file=sys.stderr)


if __name__ == '__main__':
    main()
