// Shared by scripts/accuracy.mjs (npm run accuracy) and test/ops/softmax/numerics/oracle.test.ts: loading the oracle
// fixtures, running an implementation over them, and measuring its error in ulps of the exactly rounded truth.
// Plain JavaScript (ESM) so the script runs on built code without a TypeScript loader.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export const FIXTURE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'oracle');
export const DTYPES = ['float32', 'float64'];

/** The measured outputs, in table order. */
export const OPS = [
  'softmax',
  'logSoftmax',
  'logSumExp',
  'softmaxCrossEntropyWithLogits',
  'softmaxCrossEntropyWithLogits grad',
  'sparseSoftmaxCrossEntropyWithLogits',
  'sparseSoftmaxCrossEntropyWithLogits grad',
  'sigmoidCrossEntropyWithLogits',
  'sigmoidCrossEntropyWithLogits grad',
  'sigmoid',
  'softplus',
  'logSigmoid',
];

// ---------------------------------------------------------------------------------------------------------
// Values and ulps

const FORMAT = {
  float64: { p: 53, emin: -1022 },
  float32: { p: 24, emin: -126 },
};

/** Parses a fixture number (decimal string, "Infinity", "-Infinity", "NaN") to the exact value of the dtype. */
export function parseValue(s, dtype) {
  const v = Number(s);
  if (Number.isNaN(v) && s !== 'NaN') throw new Error(`bad fixture number ${JSON.stringify(s)}`);
  return dtype === 'float32' ? Math.fround(v) : v;
}

export function toTyped(values, dtype) {
  return dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values);
}

const view = new DataView(new ArrayBuffer(8));

/** floor(log2 |x|) for finite nonzero x, exactly (from the float64 bits). */
function exponentOf(x) {
  view.setFloat64(0, x);
  const biased = (view.getUint16(0) >> 4) & 0x7ff;
  if (biased !== 0) return biased - 1023;
  // float64 subnormal
  return exponentOf(x * 2 ** 64) - 64;
}

/** ulp(r) in the dtype: 2^(max(floor(log2|r|), emin) − p + 1); for r = 0 the smallest subnormal. */
export function ulpOf(r, dtype) {
  const { p, emin } = FORMAT[dtype];
  const e = r === 0 ? emin : Math.max(exponentOf(r), emin);
  return 2 ** (e - p + 1);
}

/**
 * Error of `ours` in ulps of the exactly rounded true value r, where the truth is r + d·ulp(r):
 * |ours − truth| / ulp(r) = |(ours − r)/ulp(r) − d|. A correctly rounded result scores ≤ 0.5.
 * Non-finite: an expected NaN must be NaN, an expected ±Infinity (true limit, overflow, or convention) must be
 * the same infinity; anything else against them, or a NaN/infinity where a finite value is expected, is Infinity.
 * The sign of zero is not checked.
 */
export function ulpError(ours, r, d, dtype) {
  if (Number.isNaN(r)) return Number.isNaN(ours) ? 0 : Infinity;
  if (!Number.isFinite(r)) return ours === r ? 0 : Infinity;
  if (!Number.isFinite(ours)) return Infinity;
  const k = (ours - r) / ulpOf(r, dtype);
  return Math.abs(k - d);
}

// ---------------------------------------------------------------------------------------------------------
// Generated rows (keep in step with gen_row/gen_labels in make_fixtures.py)

/** The LCG Irwin–Hall row of make_fixtures.py: exact dyadic values, every maskEvery-th one −∞. */
export function genRow(gen) {
  let s = gen.seed >>> 0;
  const out = new Float64Array(gen.n);
  for (let i = 0; i < gen.n; i++) {
    let acc = 0;
    for (let j = 0; j < 4; j++) {
      s = (Math.imul(1664525, s) + 1013904223) >>> 0;
      acc += s >>> 16;
    }
    out[i] = (acc - 131070) * 2 ** gen.scalePow2;
    if (gen.maskEvery && i % gen.maskEvery === gen.maskEvery - 1) out[i] = -Infinity;
  }
  return out;
}

export function genLabels(spec, x) {
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) y[i] = x[i] === -Infinity ? 0 : spec.off;
  y[spec.k] = spec.on;
  return y;
}

// ---------------------------------------------------------------------------------------------------------
// Fixtures

function expectedVector(e, dtype) {
  return { r: e.r.map((s) => parseValue(s, dtype)), d: e.d };
}

function expectedScalar(e, dtype) {
  return { r: parseValue(e.r, dtype), d: e.d };
}

/** Loads test/fixtures/oracle/*.json for both dtypes into plain numbers (inputs as TypedArrays of the dtype). */
export function loadFixtures(dir = FIXTURE_DIR) {
  const out = {};
  for (const dtype of DTYPES) {
    const sm = JSON.parse(readFileSync(join(dir, `softmax-${dtype}.json`), 'utf8'));
    const rows = sm.rows.map((row) => {
      let x;
      if (row.gen) {
        x = genRow(row.gen);
        const head = row.head.map((s) => parseValue(s, dtype));
        head.forEach((v, i) => {
          if (!Object.is(v, x[i]) && !(v === x[i])) throw new Error(`generated row ${row.id}: value ${i} is ${x[i]}, fixture says ${v}`);
        });
      } else {
        x = row.x.map((s) => parseValue(s, dtype));
      }
      const labels = row.labelGen ? [genLabels(row.labelGen, x)] : row.labels.map((ys) => ys.map((s) => parseValue(s, dtype)));
      const e = row.expected;
      return {
        id: row.id,
        group: row.group,
        n: row.n,
        x: toTyped(x, dtype),
        labels: labels.map((ys) => toTyped(ys, dtype)),
        ids: row.ids,
        sample: row.sample ?? null,
        expected: {
          softmax: expectedVector(e.softmax, dtype),
          logSoftmax: expectedVector(e.logSoftmax, dtype),
          logSumExp: expectedScalar(e.logSumExp, dtype),
          ce: e.ce.map((c) => ({ loss: expectedScalar(c.loss, dtype), grad: expectedVector(c.grad, dtype) })),
          sparse: e.sparse.map((c) => ({ loss: expectedScalar(c.loss, dtype), grad: expectedVector(c.grad, dtype) })),
        },
      };
    });
    const ew = JSON.parse(readFileSync(join(dir, `elementwise-${dtype}.json`), 'utf8'));
    const e = ew.expected;
    out[dtype] = {
      oracle: sm.oracle,
      rows,
      elementwise: {
        x: toTyped(
          ew.x.map((s) => parseValue(s, dtype)),
          dtype,
        ),
        ceLogits: toTyped(
          ew.ceLogits.map((s) => parseValue(s, dtype)),
          dtype,
        ),
        ceLabels: toTyped(
          ew.ceLabels.map((s) => parseValue(s, dtype)),
          dtype,
        ),
        expected: Object.fromEntries(Object.entries(e).map(([k, v]) => [k, expectedVector(v, dtype)])),
      },
    };
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Implementations under test. An adapter has
//   runRow(x, labels[], ids[], dtype) → {softmax, logSoftmax, logSumExp, ce: [{loss, grad}], sparse: [{loss, grad}]}
//   runElementwise(x, ceLogits, ceLabels, dtype) → {sigmoid, softplus, logSigmoid, sigmoidCE, sigmoidCEGrad}
// with vectors as array-likes of numbers and scalars as numbers (or null where the implementation has no value).

function allocate(dtype, n) {
  return dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
}

/** The public API of logitkit (the module namespace of src/index.ts or dist/index.js). */
export function apiAdapter(lk, name = 'logitkit public API') {
  const t = (values, dtype, shape) => lk.tensor(values, { dtype, shape });
  return {
    name,
    runRow(x, labels, ids, dtype) {
      const n = x.length;
      const z = t(x, dtype, [n]);
      const out = {
        softmax: lk.nn.softmax(z).values,
        logSoftmax: lk.nn.logSoftmax(z, -1).values,
        logSumExp: lk.logSumExp(z, -1, false).values[0],
        ce: [],
        sparse: [],
      };
      for (const y of labels) {
        const yt = t(y, dtype, [n]);
        const { value, grad } = lk.valueAndGrad((logits) => lk.nn.softmaxCrossEntropyWithLogits({ labels: yt, logits }))(z);
        out.ce.push({ loss: value.values[0], grad: grad.values });
      }
      const z2 = t(x, dtype, [1, n]);
      for (const k of ids) {
        const kt = lk.tensor(Int32Array.of(k), { dtype: 'int32', shape: [1] });
        const { value, grad } = lk.valueAndGrad((logits) => lk.nn.sparseSoftmaxCrossEntropyWithLogits({ labels: kt, logits }))(z2);
        out.sparse.push({ loss: value.values[0], grad: grad.values });
      }
      return out;
    },
    runElementwise(x, ceLogits, ceLabels, dtype) {
      const xt = t(x, dtype, [x.length]);
      const zt = t(ceLabels, dtype, [ceLabels.length]);
      const lt = t(ceLogits, dtype, [ceLogits.length]);
      const { value, grad } = lk.valueAndGrad((logits) => lk.nn.sigmoidCrossEntropyWithLogits({ labels: zt, logits }))(lt);
      return {
        sigmoid: lk.sigmoid(xt).values,
        softplus: lk.softplus(xt).values,
        logSigmoid: lk.logSigmoid(xt).values,
        sigmoidCE: value.values,
        sigmoidCEGrad: grad.values,
      };
    },
  };
}

/** The raw kernel set (Kernels of src/kernels/types.ts), rows as (outer 1, n, inner 1). */
export function kernelAdapter(K, name = `kernels '${K.name}'`) {
  return {
    name,
    runRow(x, labels, ids, dtype) {
      const n = x.length;
      const softmax = allocate(dtype, n);
      const logSoftmax = allocate(dtype, n);
      const lse = allocate(dtype, 1);
      K.softmax(x, 1, n, 1, softmax);
      K.logSoftmax(x, 1, n, 1, logSoftmax);
      K.reduce('logSumExp', x, 1, n, 1, lse);
      const ce = labels.map((y) => {
        const loss = allocate(dtype, 1);
        const grad = allocate(dtype, n);
        K.softmaxCrossEntropy(x, y, 1, n, 1, loss, grad);
        return { loss: loss[0], grad };
      });
      const sparse = ids.map((k) => {
        const loss = allocate(dtype, 1);
        const grad = allocate(dtype, n);
        K.sparseSoftmaxCrossEntropy(x, Int32Array.of(k), 1, n, loss, grad);
        return { loss: loss[0], grad };
      });
      return { softmax, logSoftmax, logSumExp: lse[0], ce, sparse };
    },
    runElementwise(x, ceLogits, ceLabels, dtype) {
      const un = (op) => {
        const out = allocate(dtype, x.length);
        K.unary(op, x, out);
        return out;
      };
      const loss = allocate(dtype, ceLogits.length);
      const grad = allocate(dtype, ceLogits.length);
      K.sigmoidCrossEntropy(ceLogits, ceLabels, null, loss, grad, null);
      return { sigmoid: un('sigmoid'), softplus: un('softplus'), logSigmoid: un('logSigmoid'), sigmoidCE: loss, sigmoidCEGrad: grad };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measurement

function fmtNum(v) {
  if (v === null || v === undefined) return String(v);
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  return String(v);
}

/** A short description of a row's inputs for the "worst input" column. */
function describeRow(row, maxLen = 60) {
  if (row.n > 12) return `${row.id}`;
  const xs = Array.from(row.x, fmtNum).join(', ');
  const s = `${row.id}: [${xs}]`;
  return s.length > maxLen + row.id.length ? `${row.id}` : s;
}

/**
 * Runs the adapter over the fixtures; returns a Map "op|dtype" → {op, dtype, rows: Set of row ids,
 * errors: number[], worst: [{err, where, ours, expected, d}] (top 5), entries}.
 * With keepEntries, entries lists every measured value as {err, ours, r, d, where, row, i, label} (row: the fixture row,
 * or null for the element-wise ops; i: the element index; label: the label set or class-id index, else -1).
 */
export function measure(adapter, fixtures, { dtypes = DTYPES, rowFilter = () => true, keepEntries = false } = {}) {
  const results = new Map();
  const bucket = (op, dtype) => {
    const key = `${op}|${dtype}`;
    let b = results.get(key);
    if (!b) {
      b = { op, dtype, rows: new Set(), errors: [], worst: [], entries: [] };
      results.set(key, b);
    }
    return b;
  };
  const note = (b, rowId, err, where, ours, exp, meta) => {
    b.rows.add(rowId);
    b.errors.push(err);
    if (keepEntries) b.entries.push({ err, ours, r: exp.r, d: exp.d, where, ...meta });
    if (b.worst.length < 5 || err > b.worst[b.worst.length - 1].err) {
      b.worst.push({ err, where, ours: fmtNum(ours), expected: fmtNum(exp.r), d: exp.d });
      b.worst.sort((a, c) => c.err - a.err);
      if (b.worst.length > 5) b.worst.pop();
    }
  };
  const vector = (op, dtype, row, ours, exp, what, label = -1) => {
    const b = bucket(op, dtype);
    const idx = row.sample;
    for (let j = 0; j < exp.r.length; j++) {
      const i = idx ? idx[j] : j;
      const v = ours ? ours[i] : null;
      const e = { r: exp.r[j], d: exp.d[j] };
      const err = v === null || v === undefined ? Infinity : ulpError(v, e.r, e.d, dtype);
      note(b, row.id, err, `${describeRow(row)} ${what}[${i}] (x=${fmtNum(row.x[i])})`, v, e, { row, i, label });
    }
  };
  const scalar = (op, dtype, row, v, e, what, label = -1) => {
    const b = bucket(op, dtype);
    const err = v === null || v === undefined ? Infinity : ulpError(v, e.r, e.d, dtype);
    note(b, row.id, err, `${describeRow(row)}${what}`, v, e, { row, i: -1, label });
  };

  for (const dtype of dtypes) {
    const F = fixtures[dtype];
    for (const row of F.rows) {
      if (!rowFilter(row, dtype)) continue;
      const got = adapter.runRow(row.x, row.labels, row.ids, dtype, row);
      if (!got) continue;
      const E = row.expected;
      vector('softmax', dtype, row, got.softmax, E.softmax, 'softmax');
      vector('logSoftmax', dtype, row, got.logSoftmax, E.logSoftmax, 'logSoftmax');
      scalar('logSumExp', dtype, row, got.logSumExp, E.logSumExp, '');
      E.ce.forEach((c, j) => {
        const lab = row.n <= 12 ? ` labels=[${Array.from(row.labels[j], fmtNum).join(', ')}]` : ` labels#${j}`;
        scalar('softmaxCrossEntropyWithLogits', dtype, row, got.ce[j]?.loss, c.loss, lab, j);
        vector('softmaxCrossEntropyWithLogits grad', dtype, row, got.ce[j]?.grad, c.grad, `${lab} grad`, j);
      });
      E.sparse.forEach((c, j) => {
        const k = row.ids[j];
        scalar('sparseSoftmaxCrossEntropyWithLogits', dtype, row, got.sparse[j]?.loss, c.loss, ` label=${k}`, j);
        vector('sparseSoftmaxCrossEntropyWithLogits grad', dtype, row, got.sparse[j]?.grad, c.grad, ` label=${k} grad`, j);
      });
    }
    if (!rowFilter({ id: 'elementwise', group: 'elementwise' }, dtype)) continue;
    const W = F.elementwise;
    const got = adapter.runElementwise(W.x, W.ceLogits, W.ceLabels, dtype);
    if (!got) continue;
    for (const [key, op] of [
      ['sigmoid', 'sigmoid'],
      ['softplus', 'softplus'],
      ['logSigmoid', 'logSigmoid'],
    ]) {
      const b = bucket(op, dtype);
      const exp = W.expected[key];
      for (let i = 0; i < W.x.length; i++) {
        const v = got[key]?.[i];
        const e = { r: exp.r[i], d: exp.d[i] };
        note(b, 'elementwise', v === null || v === undefined ? Infinity : ulpError(v, e.r, e.d, dtype), `x=${fmtNum(W.x[i])}`, v, e, {
          row: null,
          i,
          label: -1,
        });
      }
    }
    for (const [key, op] of [
      ['sigmoidCE', 'sigmoidCrossEntropyWithLogits'],
      ['sigmoidCEGrad', 'sigmoidCrossEntropyWithLogits grad'],
    ]) {
      const b = bucket(op, dtype);
      const exp = W.expected[key];
      for (let i = 0; i < W.ceLogits.length; i++) {
        const v = got[key]?.[i];
        const e = { r: exp.r[i], d: exp.d[i] };
        const where = `x=${fmtNum(W.ceLogits[i])}, z=${fmtNum(W.ceLabels[i])}`;
        note(b, 'elementwise', v === null || v === undefined ? Infinity : ulpError(v, e.r, e.d, dtype), where, v, e, { row: null, i, label: -1 });
      }
    }
  }
  return results;
}

function median(xs) {
  const s = Float64Array.from(xs).sort();
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Summary rows in OPS × DTYPES order: {op, dtype, rows, values, maxUlp, medianUlp, worst}. */
export function summarize(results) {
  const out = [];
  for (const op of OPS) {
    for (const dtype of DTYPES) {
      const b = results.get(`${op}|${dtype}`);
      if (!b) continue;
      let max = 0;
      for (const e of b.errors) if (!(e <= max)) max = e;
      out.push({
        op,
        dtype,
        rows: b.op.startsWith('sigmoid') || b.op === 'softplus' || b.op === 'logSigmoid' ? b.errors.length : b.rows.size,
        values: b.errors.length,
        maxUlp: max,
        medianUlp: median(b.errors),
        worst: b.worst,
      });
    }
  }
  return out;
}

export function formatUlp(u) {
  if (Number.isNaN(u)) return 'NaN';
  if (u === Infinity) return 'inf';
  if (u === 0) return '0';
  if (u < 0.01) return u.toExponential(1);
  if (u < 100) return u.toFixed(3);
  return u.toExponential(2);
}

/** A plain-text table. */
export function formatTable(headers, rows) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) =>
    cells
      .map((c, i) => String(c).padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------------
// Classification of measured entries (used by test/ops/softmax/numerics/oracle.test.ts)

export const rowMax = (row) => row.x.reduce((m, v) => (v > m ? v : m), -Infinity);

/** logSumExp = m + log1p(s) with m < 0 and a result below |m|/2: the two terms cancel. */
export function lseCancels(entry) {
  const m = entry.row ? rowMax(entry.row) : NaN;
  return m < 0 && Number.isFinite(m) && Math.abs(entry.r) < Math.abs(m) / 2;
}

/** One-hot labels: a single nonzero label, equal to 1. */
export function oneHot(ys) {
  let nz = 0;
  let one = false;
  for (let i = 0; i < ys.length; i++) {
    if (ys[i] !== 0) nz++;
    if (ys[i] === 1) one = true;
  }
  return nz === 1 && one;
}

/** Neumaier-compensated sum. */
export function compensatedSum(ys) {
  let s = 0;
  let c = 0;
  for (let i = 0; i < ys.length; i++) {
    const t = s + ys[i];
    c += Math.abs(s) >= Math.abs(ys[i]) ? s - t + ys[i] : ys[i] - t + s;
    s = t;
  }
  return s + c;
}

/** The two terms of a soft-label gradient entry, (Σy)·p_i and y_i (p_i the exactly rounded softmax). */
const labelSums = new WeakMap();
export function softGradTerms(entry) {
  const row = entry.row;
  const ys = row.labels[entry.label];
  let Y = labelSums.get(ys);
  if (Y === undefined) labelSums.set(ys, (Y = compensatedSum(ys)));
  const j = row.sample ? row.sample.indexOf(entry.i) : entry.i;
  return [Y * row.expected.softmax.r[j], ys[entry.i]];
}

const sigmoid64 = (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/** The two terms of a sigmoid cross-entropy gradient entry, σ(x) and z. */
export function sigmoidGradTerms(fixtures, dtype, entry) {
  const W = fixtures[dtype].elementwise;
  return [sigmoid64(W.ceLogits[entry.i]), W.ceLabels[entry.i]];
}

/** max(|a|, |b|) / |a − b| (at least 1): how much the difference a − b magnifies relative errors in a and b. */
export function cancellation([a, b], exact) {
  const big = Math.max(Math.abs(a), Math.abs(b));
  if (exact === 0) return big === 0 ? 1 : Infinity;
  return Math.max(1, big / Math.abs(exact));
}

/** The error of a difference a − b in ulps of its larger operand (or of the result if that is larger). */
export function operandUlps(dtype, terms, entry) {
  if (!Number.isFinite(entry.err)) return entry.err;
  const big = Math.max(Math.abs(terms[0]), Math.abs(terms[1]), Math.abs(entry.r));
  return (entry.err * ulpOf(entry.r, dtype)) / ulpOf(big, dtype);
}
