/**
 * The numerics rules of DESIGN.md and issue 2, one test each, in float32 and float64.
 * References are exact by construction (e.g. differences of huge logits), from mpmath
 * (test/ops/softmax/numerics/golden-oracle.py), or plain float64 JS computations for float32 results.
 */
import { describe, expect, it } from 'vitest';
import { grads, logSumExp, losses, mean, nn, sum, tensor, type Tensor } from '../../../../src/index.js';
import { expectAllUlp, expectUlp, FLOAT_DTYPES, ref, rng, type FloatDType } from '../../../helpers/numbers.js';

const BIG: Record<FloatDType, number> = { float64: 1e300, float32: 3e38 };
const f32 = Math.fround;

function noNaN(t: Tensor, what: string): void {
  t.values.forEach((v, i) => expect(Number.isNaN(v), `${what}[${i}] is NaN`).toBe(false));
}

describe.each(FLOAT_DTYPES)('logits of any finite size (%s): no overflow, no NaN', (dtype) => {
  const big = BIG[dtype];
  const B = dtype === 'float32' ? f32(big) : big;
  // Rows whose results are all representable: the largest gap is 1.1·big (< 3.4e38 in float32).
  const rows = [
    [big, -0.1 * big, 0],
    [-big, -big, -big],
    [big, big, 0.5 * big],
    [-0.1 * big, -big, 1],
  ];
  const z = () => tensor(rows, { dtype });
  const zv = rows.map((r) => r.map((v) => (dtype === 'float32' ? f32(v) : v)));

  it('softmax', () => {
    const p = nn.softmax(z());
    noNaN(p, 'softmax');
    // exp of the gaps underflows to exactly 0; equal maxima share the mass.
    expect(Array.from(p.values)).toEqual(
      [1, 0, 0, f32(1 / 3), f32(1 / 3), f32(1 / 3), 0.5, 0.5, 0, 0, 0, 1].map((v, i) => (dtype === 'float64' && i >= 3 && i < 6 ? 1 / 3 : v)),
    );
  });
  it('logSoftmax: the exact gaps', () => {
    const lp = nn.logSoftmax(z());
    noNaN(lp, 'logSoftmax');
    const r = (v: number) => (dtype === 'float32' ? f32(v) : v);
    const expected = [
      0,
      r(zv[0][1] - zv[0][0]),
      r(-zv[0][0]),
      r(-Math.log(3)),
      r(-Math.log(3)),
      r(-Math.log(3)),
      r(-Math.LN2),
      r(-Math.LN2),
      r(zv[2][2] - zv[2][0]),
      r(zv[3][0] - 1),
      r(zv[3][1] - 1),
      0,
    ];
    expectAllUlp(lp.values, expected, 1, dtype, 'logSoftmax');
  });
  it('logSumExp', () => {
    const l = logSumExp(z(), -1);
    noNaN(l, 'logSumExp');
    expectAllUlp(l.values, [B, -B + Math.log(3), B + Math.LN2, 1], 1, dtype, 'logSumExp');
  });
  it('softmaxCrossEntropyWithLogits (soft labels, all classes)', () => {
    const labels = tensor(
      [
        [0.5, 0.5, 0],
        [1, 0, 0],
        [0.25, 0.25, 0.5],
        [0.5, 0, 0.5],
      ],
      { dtype },
    );
    const l = nn.softmaxCrossEntropyWithLogits({ labels, logits: z() });
    noNaN(l, 'CE');
    const r = (v: number) => (dtype === 'float32' ? f32(v) : v);
    const expected = [r(0.5 * (zv[0][0] - zv[0][1])), r(Math.log(3)), r(0.5 * (zv[2][0] - zv[2][2]) + Math.LN2), r(0.5 * (1 - zv[3][0]))];
    expectAllUlp(l.values, expected, 2, dtype, 'CE');
    // Its gradient is softmax − labels, finite.
    const g = grads((x) => nn.softmaxCrossEntropyWithLogits({ labels, logits: x }))([z()])[0];
    noNaN(g, 'dCE');
    expect(Array.from(g.values.slice(0, 3))).toEqual([0.5, -0.5, 0]);
  });
  it('sparseSoftmaxCrossEntropyWithLogits', () => {
    const l = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [1, 0, 2, 2], logits: z() });
    noNaN(l, 'sparse CE');
    const r = (v: number) => (dtype === 'float32' ? f32(v) : v);
    expectAllUlp(l.values, [r(zv[0][0] - zv[0][1]), r(Math.log(3)), r(zv[2][0] - zv[2][2] + Math.LN2), 0], 1, dtype, 'sparse CE');
  });
  it('sigmoid and weighted cross-entropy', () => {
    const x = tensor([big, big, -big, -big], { dtype });
    const y = tensor([0, 1, 0, 1], { dtype });
    const l = nn.sigmoidCrossEntropyWithLogits({ labels: y, logits: x });
    expect(Array.from(l.values)).toEqual([B, 0, 0, B]);
    const w = nn.weightedCrossEntropyWithLogits({ labels: y, logits: x, posWeight: 0.5 });
    expect(Array.from(w.values)).toEqual([B, 0, 0, 0.5 * B]);
  });
  it('losses.* (every reduction)', () => {
    for (const reduction of ['none', 'sum', 'mean', 'sumByNonzeroWeights'] as const) {
      noNaN(
        losses.softmaxCrossEntropy(
          tensor(
            [
              [1, 0, 0],
              [0, 0, 1],
              [1, 0, 0],
              [0, 0, 1],
            ],
            { dtype },
          ),
          z(),
          { reduction, labelSmoothing: 0 },
        ),
        `softmaxCE ${reduction}`,
      );
      noNaN(losses.sparseSoftmaxCrossEntropy([0, 1, 1, 2], z(), { reduction }), `sparseCE ${reduction}`);
      noNaN(
        losses.sigmoidCrossEntropy(
          tensor(
            [
              [1, 0, 1],
              [0, 0, 0],
              [1, 1, 1],
              [0, 0, 1],
            ],
            { dtype },
          ),
          z(),
          { reduction },
        ),
        `sigmoidCE ${reduction}`,
      );
    }
    expect(losses.sparseSoftmaxCrossEntropy([0, 1, 1, 2], z(), { reduction: 'none' }).values[3]).toBe(0);
  });
  it('soft labels against logits at the edge of the range: m − z overflows but the loss does not', () => {
    // 0.5·(1.7e308 − (−1.7e308)) = 1.7e308 is finite although the gap itself overflows float64.
    const edge = dtype === 'float64' ? 1.7e308 : 3.4e38;
    const loss = nn.softmaxCrossEntropyWithLogits({ labels: tensor([[0.5, 0.5]], { dtype }), logits: tensor([[edge, -edge]], { dtype }) });
    expect(loss.values[0]).toBe(dtype === 'float64' ? edge : f32(edge));
  });
  it('when the true value itself exceeds the dtype, the result is ±Infinity, not NaN', () => {
    // The gap 2·big does not fit in float32 (but does in float64).
    const lp = nn.logSoftmax(tensor([big, -big], { dtype }));
    expect(lp.values[1]).toBe(dtype === 'float32' ? -Infinity : -2 * big);
  });
});

describe.each(FLOAT_DTYPES)('−∞ logits are masks (%s)', (dtype) => {
  const z = () =>
    tensor(
      [
        [0.3, -Infinity, 1.2, -Infinity],
        [-Infinity, 2, -1, 0.5],
      ],
      { dtype },
    );
  const unmasked = [
    [0.3, 1.2],
    [2, -1, 0.5],
  ];
  const r = (v: number) => (dtype === 'float32' ? f32(v) : v);

  it('probability exactly 0; the others as if the masked classes did not exist', () => {
    const p = nn.softmax(z());
    expect(p.values[1]).toBe(0);
    expect(p.values[3]).toBe(0);
    expect(p.values[4]).toBe(0);
    const sm0 = ref.softmax(unmasked[0].map(r));
    const sm1 = ref.softmax(unmasked[1].map(r));
    expectAllUlp([p.values[0], p.values[2], p.values[5], p.values[6], p.values[7]], [...sm0, ...sm1], 2, dtype, 'softmax');
    // logSoftmax of a masked class is −∞ (log 0), and logSumExp ignores it.
    const lp = nn.logSoftmax(z());
    expect(lp.values[1]).toBe(-Infinity);
    expectUlp(logSumExp(z(), -1).values[0], ref.logSumExp(unmasked[0].map(r)), 2, dtype, 'logSumExp');
  });
  it('gradient exactly 0 at masked logits (softmax, logSumExp, CE, sparse CE)', () => {
    const dy = tensor(
      [
        [0.3, -2, 1, 5],
        [7, -1, 0.25, 2],
      ],
      { dtype },
    );
    const masked = [1, 3, 4];
    const check = (g: Tensor, what: string) => {
      noNaN(g, what);
      for (const k of masked) expect(Object.is(g.values[k], 0) || Object.is(g.values[k], -0), `${what}[${k}] = ${g.values[k]}`).toBe(true);
    };
    check(grads((x) => nn.softmax(x))([z()], dy)[0], 'dsoftmax');
    check(grads((x) => logSumExp(x, -1))([z()])[0], 'dlogSumExp');
    const labels = tensor(
      [
        [0.4, 0, 0.6, 0],
        [0, 0.2, 0.3, 0.5],
      ],
      { dtype },
    );
    check(grads((x) => nn.softmaxCrossEntropyWithLogits({ labels, logits: x }))([z()])[0], 'dCE');
    check(grads((x) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [2, 1], logits: x }))([z()])[0], 'dsparse');
    check(grads((x) => losses.sparseSoftmaxCrossEntropy([0, 3], x, { reduction: 'sum' }))([z()])[0], 'dlosses.sparse');
  });
  it('a zero label against a −∞ logit adds 0 (finite loss, no NaN)', () => {
    const labels = tensor(
      [
        [0.4, 0, 0.6, 0],
        [0, 0.2, 0.3, 0.5],
      ],
      { dtype },
    );
    const l = nn.softmaxCrossEntropyWithLogits({ labels, logits: z() });
    const expect0 = 0.4 * (ref.logSumExp(unmasked[0].map(r)) - r(0.3)) + 0.6 * (ref.logSumExp(unmasked[0].map(r)) - r(1.2));
    const lse1 = ref.logSumExp(unmasked[1].map(r));
    const expect1 = 0.2 * (lse1 - 2) + r(0.3) * (lse1 + 1) + 0.5 * (lse1 - 0.5);
    expectAllUlp(l.values, [expect0, expect1], dtype === 'float32' ? 2 : 8, dtype, 'CE with masks');
    const total = losses.softmaxCrossEntropy(labels, z());
    expect(Number.isFinite(total.item())).toBe(true);
    // A positive label on a masked class is an infinitely bad prediction.
    expect(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [1, 0], logits: z() }).values[0]).toBe(Infinity);
  });
});

describe.each(FLOAT_DTYPES)('NaN rows (%s)', (dtype) => {
  it('an all −∞ row gives NaN (as TensorFlow and PyTorch); logSumExp of it is −∞ (tf.reduce_logsumexp)', () => {
    const z = tensor(
      [
        [-Infinity, -Infinity, -Infinity],
        [1, 2, 3],
      ],
      { dtype },
    );
    expect(Array.from(nn.softmax(z).values.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(Array.from(nn.logSoftmax(z).values.slice(0, 3)).every(Number.isNaN)).toBe(true);
    expect(
      nn.softmaxCrossEntropyWithLogits({
        labels: tensor(
          [
            [1, 0, 0],
            [0, 0, 1],
          ],
          { dtype },
        ),
        logits: z,
      }).values[0],
    ).toBeNaN();
    expect(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 2], logits: z }).values[0]).toBeNaN();
    expect(logSumExp(z, -1).values[0]).toBe(-Infinity);
    // The other row is untouched.
    expectAllUlp(nn.softmax(z).values.slice(3), ref.softmax([1, 2, 3]), 2, dtype, 'other row');
  });

  it('a NaN in one row never changes another row (softmax, logSoftmax, logSumExp, all CEs, losses with reduction none)', () => {
    const clean = [
      [0.5, -1, 2, 0.1],
      [3, 0.2, -0.7, 1],
      [1, 1, 1, -2],
    ];
    const dirty = clean.map((row) => row.slice());
    dirty[1][2] = NaN;
    const run = (rows: number[][]) => {
      const z = tensor(rows, { dtype });
      const zt = tensor(
        [0, 1, 2, 3].map((j) => rows.map((row) => row[j])),
        { dtype },
      ); // classes on axis 0
      const soft = tensor(
        [
          [0.1, 0.2, 0.3, 0.4],
          [0, 0, 1, 0],
          [0.25, 0.25, 0.25, 0.25],
        ],
        { dtype },
      );
      const softT = tensor(
        [0, 1, 2, 3].map(() => soft.toArray() as number[][]).map((m, j) => m.map((row) => row[j])),
        { dtype },
      );
      const hard = tensor(
        [
          [0, 1, 0, 0],
          [1, 0, 0, 0],
          [0, 0, 0, 1],
        ],
        { dtype },
      );
      return {
        softmax: nn.softmax(z),
        logSoftmax: nn.logSoftmax(z),
        softmaxAxis0: nn.softmax(zt, 0),
        lse: logSumExp(z, -1),
        ce: nn.softmaxCrossEntropyWithLogits({ labels: soft, logits: z }),
        ceAxis0: nn.softmaxCrossEntropyWithLogits({ labels: softT, logits: zt, axis: 0 }),
        sparse: nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [1, 0, 3], logits: z }),
        sigmoid: nn.sigmoidCrossEntropyWithLogits({ labels: hard, logits: z }),
        lSoftmax: losses.softmaxCrossEntropy(soft, z, { reduction: 'none', labelSmoothing: 0.1 }),
        lSparse: losses.sparseSoftmaxCrossEntropy([1, 0, 3], z, { reduction: 'none', labelSmoothing: 0.1, classWeights: [1, 2, 3, 4] }),
        lSigmoid: losses.sigmoidCrossEntropy(hard, z, { reduction: 'none', posWeight: 2 }),
        dCE: grads((x) => nn.softmaxCrossEntropyWithLogits({ labels: soft, logits: x }))([z])[0],
        dSparse: grads((x) => losses.sparseSoftmaxCrossEntropy([1, 0, 3], x, { reduction: 'sum' }))([z])[0],
      };
    };
    const a = run(clean);
    const b = run(dirty);
    // Which outputs the NaN (row 1, class 2) may touch: its whole row for the row-wise ops, only itself for the
    // element-wise sigmoid ones.
    const affected = (key: keyof typeof a, k: number): boolean => {
      if (key === 'sigmoid' || key === 'lSigmoid') return k === 1 * 4 + 2;
      if (key === 'softmaxAxis0') return k % 3 === 1; // [classes 4, rows 3]
      return Math.floor(k / (a[key].size / 3)) === 1;
    };
    for (const key of Object.keys(a) as Array<keyof typeof a>) {
      const ta = a[key];
      const tb = b[key];
      for (let k = 0; k < ta.size; k++) {
        if (affected(key, k)) expect(tb.values[k], `${key}[${k}] in the NaN row`).toBeNaN();
        else expect(tb.values[k], `${key}[${k}]`).toBe(ta.values[k]);
      }
    }
  });
});

describe('small losses keep their relative precision', () => {
  it('logits [20, 0, 0] with label 0 give 4.1223072e-9 in float32 (PyTorch gives 0)', () => {
    // mpmath: log1p(2·e^−20) = 4.122307236380407e-9 (the brief's 4.122307244877116e-9 is 2·e^−20, the first-order
    // term; both round to the same float32, 4.1223074e-9 in shortest form, which reads back as 4.1223072e-9's float32).
    const truth = 4.1223072363804075e-9;
    expect(f32(truth)).toBe(f32(4.1223072e-9));
    const z32 = tensor([[20, 0, 0]], { dtype: 'float32' });
    const sparse = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: z32 });
    expect(sparse.values[0]).toBe(f32(truth));
    const soft = nn.softmaxCrossEntropyWithLogits({ labels: tensor([[1, 0, 0]], { dtype: 'float32' }), logits: z32 });
    expect(soft.values[0]).toBe(f32(truth));
    expect(nn.logSoftmax(z32).values[0]).toBe(-f32(truth));
    expect(losses.sparseSoftmaxCrossEntropy([0], z32).item()).toBe(f32(truth));
    expect(losses.softmaxCrossEntropy(tensor([[1, 0, 0]], { dtype: 'float32' }), z32).item()).toBe(f32(truth));
    // float64: within 1 ulp of the mpmath value.
    const z64 = tensor([[20, 0, 0]], { dtype: 'float64' });
    expectUlp(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: z64 }).values[0], truth, 1, 'float64', 'f64 loss');
    // PyTorch float64 misses [30, 0, 0] by 1e-3 relative: 2·e^−30 − 2·e^−60 = 1.8715245937680347e-13.
    const l30 = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: tensor([[30, 0, 0]], { dtype: 'float64' }) }).values[0];
    expect(Math.abs(l30 / (2 * Math.exp(-30) - 2 * Math.exp(-60)) - 1)).toBeLessThan(1e-15);
  });

  it('sigmoid cross-entropy: no cancellation with labels near 0 or 1 (mpmath)', () => {
    // golden-oracle.py, "sigmoid cross-entropy": (x, z, posWeight) → true loss rounded to the dtype.
    const cases: Array<[number, number, number, number, number]> = [
      [35, 1 - 2 ** -20, 1, 3.337860107484926e-5, 3.337860107421875e-5],
      [-30, 1e-3, 3, 0.09000000000009377, 0.09000000357627869],
      [12, 1 - 2 ** -12, 1, 0.002935831693477733, 0.002935831667855382],
      [-17, 2 ** -10, 2, 0.03320316643980541, 0.03320316597819328],
    ];
    for (const dtype of FLOAT_DTYPES) {
      for (const [x, z, q, t64, t32] of cases) {
        const args = { labels: tensor([z], { dtype }), logits: tensor([x], { dtype }) };
        const l = q === 1 ? nn.sigmoidCrossEntropyWithLogits(args) : nn.weightedCrossEntropyWithLogits({ ...args, posWeight: tensor([q], { dtype }) });
        expectUlp(l.values[0], dtype === 'float64' ? t64 : t32, 2, dtype, `sigmoid CE x=${x} z=${z} q=${q}`);
      }
    }
  });

  it('sigmoid cross-entropy gradient for hard labels at large |x| is −σ(−x) / σ(x), not 0', () => {
    const g = grads((x) => nn.sigmoidCrossEntropyWithLogits({ labels: tensor([1, 0], { dtype: 'float64' }), logits: x }))([
      tensor([40, -40], { dtype: 'float64' }),
    ])[0];
    const s = Math.exp(-40) / (1 + Math.exp(-40));
    expect(g.values[0] / -s).toBeCloseTo(1, 14);
    expect(g.values[1] / s).toBeCloseTo(1, 14);
    const gw = grads((x) => nn.weightedCrossEntropyWithLogits({ labels: tensor([1], { dtype: 'float32' }), logits: x, posWeight: 3 }))([
      tensor([20], { dtype: 'float32' }),
    ])[0];
    expect(gw.values[0] / (-3 * Math.exp(-20))).toBeCloseTo(1, 6);
  });
});

describe('float32 sums accumulate in float64', () => {
  it('a 100,000-class float32 row stays accurate (softmax, logSoftmax, logSumExp, CE)', () => {
    const n = 100_000;
    const rand = rng(99);
    const row = Array.from({ length: n }, () => f32(rand() * 8 - 4));
    const z = tensor(Float32Array.from(row), { shape: [1, n] });
    // float64 reference, with a compensated sum.
    const m = Math.max(...row);
    let s = 0;
    let c = 0;
    for (const v of row) {
      const e = Math.exp(v - m);
      const t = s + e;
      c += Math.abs(s) >= e ? s - t + e : e - t + s;
      s = t;
    }
    const total = s + c;
    const lse = m + Math.log(total);
    const p = nn.softmax(z).values;
    for (let i = 0; i < n; i += 997) expectUlp(p[i], Math.exp(row[i] - m) / total, 2, 'float32', `softmax[${i}]`);
    expectUlp(p[0] + 0, Math.exp(row[0] - m) / total, 2, 'float32');
    let psum = 0;
    for (let i = 0; i < n; i++) psum += p[i];
    expect(Math.abs(psum - 1)).toBeLessThan(1e-5);
    expectUlp(logSumExp(z, -1).item(), lse, 1, 'float32', 'logSumExp');
    const lp = nn.logSoftmax(z).values;
    for (let i = 0; i < n; i += 997) expectUlp(lp[i], row[i] - lse, 2, 'float32', `logSoftmax[${i}]`);
    const label = 4242;
    expectUlp(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [label], logits: z }).item(), lse - row[label], 2, 'float32', 'sparse CE');
    const uniform = tensor(new Float32Array(n).fill(1 / n), { shape: [1, n] });
    const yz = row.reduce((acc, v) => acc + f32(1 / n) * v, 0);
    expectUlp(nn.softmaxCrossEntropyWithLogits({ labels: uniform, logits: z }).item(), f32(1 / n) * n * lse - yz, 4, 'float32', 'soft CE');
  });
  it('sum and mean of 1e6 float32 values', () => {
    const x = new Float32Array(1_000_000).fill(f32(0.1));
    expectUlp(sum(tensor(x)).item(), 1_000_000 * f32(0.1), 1, 'float32', 'sum');
    expectUlp(mean(tensor(x)).item(), f32(0.1), 1, 'float32', 'mean');
  });
});

describe.each(FLOAT_DTYPES)('reductions over nothing return 0, not NaN (%s)', (dtype) => {
  const z = () =>
    tensor(
      [
        [1, 2, 0.5],
        [0.3, -1, 4],
      ],
      { dtype },
    );
  const hard = () =>
    tensor(
      [
        [0, 1, 0],
        [1, 0, 0],
      ],
      { dtype },
    );
  for (const reduction of ['mean', 'sumByNonzeroWeights', 'sum'] as const) {
    it(`all weights 0, reduction ${reduction}`, () => {
      for (const l of [
        losses.softmaxCrossEntropy(hard(), z(), { weights: 0, reduction }),
        losses.softmaxCrossEntropy(hard(), z(), { weights: [0, 0], reduction }),
        losses.sparseSoftmaxCrossEntropy([1, 0], z(), { weights: [0, 0], reduction }),
        losses.sparseSoftmaxCrossEntropy([1, 0], z(), { classWeights: [0, 0, 5], reduction }),
        losses.sigmoidCrossEntropy(hard(), z(), { weights: 0, reduction }),
      ]) {
        expect(Object.is(l.item(), 0)).toBe(true);
        expect(l.dtype).toBe(dtype);
      }
    });
    it(`every example ignored, reduction ${reduction}`, () => {
      const l = losses.sparseSoftmaxCrossEntropy([-1, -1], z(), { ignoreIndex: -1, reduction });
      expect(Object.is(l.item(), 0)).toBe(true);
      const g = grads((x) => losses.sparseSoftmaxCrossEntropy([-1, -1], x, { ignoreIndex: -1, reduction }))([z()])[0];
      expect(
        Array.from(g.values).every((v) => v === 0),
        `gradient ${Array.from(g.values)}`,
      ).toBe(true);
    });
  }
  it('an empty batch', () => {
    const empty = tensor(new Float64Array(0), { shape: [0, 3], dtype });
    expect(losses.sparseSoftmaxCrossEntropy(tensor(new Int32Array(0)), empty).item()).toBe(0);
    expect(losses.softmaxCrossEntropy(empty, empty, { reduction: 'mean' }).item()).toBe(0);
  });
});

describe.each(FLOAT_DTYPES)('label smoothing uses the class count of the class axis (%s)', (dtype) => {
  // Rank 3 [batch 2, time 3, classes 4]: TensorFlow.js takes shape[1] = 3 as the class count; the right one is 4.
  const rand = rng(5);
  const zv = Array.from({ length: 24 }, () => rand() * 4 - 2);
  const z = () => tensor(zv, { shape: [2, 3, 4], dtype });
  const ids = [
    [0, 3, 1],
    [2, 2, 0],
  ];
  const eps = 0.2;
  const zr = zv.map((v) => (dtype === 'float32' ? f32(v) : v));
  const refLoss = (qOf: (r: number, c: number) => number) => {
    const out: number[] = [];
    for (let r = 0; r < 6; r++) {
      const row = zr.slice(r * 4, r * 4 + 4);
      const l = ref.logSumExp(row);
      out.push(row.reduce((acc, v, c) => acc + qOf(r, c) * (l - v), 0));
    }
    return out;
  };
  it('losses.softmaxCrossEntropy, rank 3', () => {
    const onehot = tensor(
      ids.flat().flatMap((k) => [0, 1, 2, 3].map((c) => (c === k ? 1 : 0))),
      { shape: [2, 3, 4], dtype },
    );
    const l = losses.softmaxCrossEntropy(onehot, z(), { labelSmoothing: eps, reduction: 'none' });
    expect([...l.shape]).toEqual([2, 3]);
    const expected = refLoss((r, c) => (c === ids.flat()[r] ? 1 - eps : 0) + eps / 4);
    expectAllUlp(l.values, expected, dtype === 'float32' ? 4 : 16, dtype, 'smoothed CE');
  });
  it('losses.sparseSoftmaxCrossEntropy, rank 3', () => {
    const l = losses.sparseSoftmaxCrossEntropy(ids, z(), { labelSmoothing: eps, reduction: 'none' });
    const expected = refLoss((r, c) => (c === ids.flat()[r] ? 1 - eps : 0) + eps / 4);
    expectAllUlp(l.values, expected, dtype === 'float32' ? 4 : 16, dtype, 'smoothed sparse CE');
  });
});
