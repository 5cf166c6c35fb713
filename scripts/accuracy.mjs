#!/usr/bin/env node
// npm run accuracy: how exact is the softmax family? Every op and dtype is measured against the mpmath oracle in
// test/fixtures/oracle/ (written by scripts/accuracy/make_fixtures.py), in ulps of the exactly rounded true value.
//
//   npm run accuracy                      builds, then measures the public API (dist/index.js)
//   node scripts/accuracy.mjs --kernels   also the raw kernel sets (TypeScript; WebAssembly and native when built)
//   node scripts/accuracy.mjs --no-torch  skips the PyTorch comparison
//   node scripts/accuracy.mjs --worst 5   lists the 5 worst inputs of every op and dtype
//   node scripts/accuracy.mjs --json out.json   (default artifacts/accuracy.json)
//
// PyTorch (for information) runs through `${ACCURACY_PYTHON:-/usr/bin/python3} scripts/accuracy/torch_compare.py`.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DTYPES, apiAdapter, formatTable, formatUlp, kernelAdapter, loadFixtures, measure, parseValue, summarize, ulpError } from './accuracy/lib.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const flag = (name) => args.includes(name);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
};
const jsonPath = resolve(root, option('--json', 'artifacts/accuracy.json'));
const worstN = Number(option('--worst', '0'));

const distEntry = join(root, 'dist', 'index.js');
if (!existsSync(distEntry)) {
  console.error('dist/index.js is missing: run `npm run build` first (npm run accuracy does).');
  process.exit(1);
}
const lk = await import(pathToFileURL(distEntry).href);

const fixtures = loadFixtures();
const t0 = performance.now();
const api = apiAdapter(lk);
const ours = summarize(measure(api, fixtures));
const elapsed = performance.now() - t0;

const HEAD = ['op', 'dtype', 'rows', 'values', 'max ulp', 'median ulp', 'worst input'];
const clip = (s, n = 110) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const tableRows = (summary) =>
  summary.map((r) => {
    const w = r.worst[0];
    const worst = w && r.maxUlp > 0 ? clip(`${w.where} → ${w.ours} (exact ${w.expected})`) : '';
    return [r.op, r.dtype, r.rows, r.values, formatUlp(r.maxUlp), formatUlp(r.medianUlp), worst];
  });

console.log(`logitkit accuracy against the mpmath oracle (${fixtures.float64.oracle})`);
console.log('error = |ours − exact| / ulp(exact rounded to the dtype); ≤ 0.5 means correctly rounded.');
console.log(`Measured: ${api.name} (dist/index.js), in ${elapsed.toFixed(0)} ms.\n`);
console.log(formatTable(HEAD, tableRows(ours)));

if (worstN > 0) {
  for (const r of ours) {
    if (r.maxUlp <= 0.5) continue;
    console.log(`\n${r.op} ${r.dtype}: the ${Math.min(worstN, r.worst.length)} worst`);
    for (const w of r.worst.slice(0, worstN)) console.log(`  ${formatUlp(w.err).padStart(9)} ulp  ${w.where} → ${w.ours} (exact ${w.expected}, d=${w.d})`);
  }
}

let kernels = null;
if (flag('--kernels')) {
  kernels = {};
  const sets = [lk.tsKernels];
  const wasmEntry = join(root, 'dist', 'kernels', 'wasm', 'index.js');
  if (existsSync(wasmEntry)) {
    const wasm = await (await import(pathToFileURL(wasmEntry).href)).createWasmKernels?.().catch(() => null);
    if (wasm) sets.push(wasm);
    else console.log('\n(WebAssembly kernels not available here.)');
  }
  const nativeEntry = join(root, 'dist', 'kernels', 'native', 'index.js');
  if (existsSync(nativeEntry)) {
    const native = await (await import(pathToFileURL(nativeEntry).href)).createNativeKernels?.().catch(() => null);
    if (native) sets.push(native);
    else console.log('\n(Native kernels not built here.)');
  }
  for (const set of sets) {
    kernels[set.name] = summarize(measure(kernelAdapter(set), fixtures));
    console.log(`\nRaw kernel set '${set.name}' (no op layer):\n`);
    console.log(formatTable(HEAD, tableRows(kernels[set.name])));
  }
}

// ---------------------------------------------------------------------------------------------------------
// PyTorch, for information

const python = process.env.ACCURACY_PYTHON ?? '/usr/bin/python3';
let torch = null;
let torchNotice = null;
if (flag('--no-torch')) {
  torchNotice = 'skipped (--no-torch)';
} else {
  const run = spawnSync(python, [join(root, 'scripts', 'accuracy', 'torch_compare.py')], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (run.error || run.status !== 0) {
    torchNotice = `skipped: ${python} could not run torch (${run.error?.message ?? (run.stderr || '').trim().split('\n').pop()})`;
  } else {
    torch = JSON.parse(run.stdout);
  }
}

function expand(v, n, dtype) {
  // torch_compare.py sends sampled vectors of the big rows as {sample, values}
  const out = new Float64Array(n).fill(NaN);
  if (Array.isArray(v))
    v.forEach((s, i) => {
      out[i] = parseValue(s, dtype);
    });
  else
    v.sample.forEach((i, j) => {
      out[i] = parseValue(v.values[j], dtype);
    });
  return out;
}

function torchAdapter(data) {
  const rowIndex = new Map();
  for (const dtype of DTYPES) fixtures[dtype].rows.forEach((row, i) => rowIndex.set(row, i));
  return {
    name: `PyTorch ${data.torch}`,
    runRow(x, _labels, _ids, dtype, row) {
      const t = data[dtype].rows[rowIndex.get(row)];
      const n = x.length;
      return {
        softmax: expand(t.softmax, n, dtype),
        logSoftmax: expand(t.logSoftmax, n, dtype),
        logSumExp: parseValue(t.logSumExp, dtype),
        ce: t.ce.map((c) => ({ loss: parseValue(c.loss, dtype), grad: expand(c.grad, n, dtype) })),
        sparse: t.sparse.map((c) => ({ loss: parseValue(c.loss, dtype), grad: expand(c.grad, n, dtype) })),
      };
    },
    runElementwise(_x, _l, _z, dtype) {
      const e = data[dtype].elementwise;
      return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v.map((s) => parseValue(s, dtype))]));
    },
  };
}

let torchSummary = null;
let highlights = [];
if (torch) {
  const ta = torchAdapter(torch);
  torchSummary = summarize(measure(ta, fixtures));
  console.log(`\nFor information: ${ta.name} (CPU) on the same rows, same measure:\n`);
  console.log(formatTable(HEAD, tableRows(torchSummary)));

  // A few adversarial rows, value by value.
  const pick = (dtype, id) => fixtures[dtype].rows.find((r) => r.id === id);
  const CASES = [
    ['float32', 'dominant [20,0,0]', 'sparse', 0, 'loss', 'sparse CE, label 0'],
    ['float32', 'dominant [20,0,0]', 'ce', 0, 'loss', 'soft CE, labels [1,0,0]'],
    ['float64', 'dominant [40,0,0]', 'sparse', 0, 'loss', 'sparse CE, label 0'],
    ['float64', '0.1 vs 700.3', 'sparse', 0, 'loss', 'sparse CE, label 0'],
    ['float64', '0.1 vs 700.3', 'logSoftmax', 1, null, 'logSoftmax[1]'],
    ['float64', 'huge [big,-big]', 'sparse', 1, 'loss', 'sparse CE, label 1'],
    ['float32', 'huge [big,-big]', 'logSumExp', null, null, 'logSumExp'],
    ['float32', 'mask [-inf,1,2]', 'ce', 0, 'loss', 'soft CE, labels [0,.25,.75]'],
    ['float32', 'dominant [16,0,0]', 'sparse', 0, 'grad0', 'sparse CE grad[0], label 0'],
    ['float64', 'lse~0 [ln(1/3)]*3', 'logSumExp', null, null, 'logSumExp'],
  ];
  const ta2 = torchAdapter(torch);
  const rowsOut = [];
  for (const [dtype, id, kind, j, what, label] of CASES) {
    const row = pick(dtype, id);
    if (!row) continue;
    const a = api.runRow(row.x, row.labels, row.ids, dtype, row);
    const b = ta2.runRow(row.x, row.labels, row.ids, dtype, row);
    let e;
    let va;
    let vb;
    if (kind === 'logSumExp') {
      e = row.expected.logSumExp;
      va = a.logSumExp;
      vb = b.logSumExp;
    } else if (kind === 'logSoftmax') {
      e = { r: row.expected.logSoftmax.r[j], d: row.expected.logSoftmax.d[j] };
      va = a.logSoftmax[j];
      vb = b.logSoftmax[j];
    } else if (what === 'loss') {
      e = row.expected[kind][j].loss;
      va = a[kind][j].loss;
      vb = b[kind][j].loss;
    } else {
      e = { r: row.expected[kind][j].grad.r[0], d: row.expected[kind][j].grad.d[0] };
      va = a[kind][j].grad[0];
      vb = b[kind][j].grad[0];
    }
    const xs = Array.from(row.x, (v) => String(v)).join(', ');
    highlights.push({
      dtype,
      row: id,
      x: xs,
      output: label,
      exact: e.r,
      ours: va,
      torch: vb,
      oursUlp: ulpError(va, e.r, e.d, dtype),
      torchUlp: ulpError(vb, e.r, e.d, dtype),
    });
    rowsOut.push([
      dtype,
      `[${xs}]`,
      label,
      String(e.r),
      `${va} (${formatUlp(ulpError(va, e.r, e.d, dtype))})`,
      `${vb} (${formatUlp(ulpError(vb, e.r, e.d, dtype))})`,
    ]);
  }
  console.log('\nAdversarial rows (value, error in ulp):\n');
  console.log(formatTable(['dtype', 'logits', 'output', 'exact (rounded)', 'logitkit', 'PyTorch'], rowsOut));
} else {
  console.log(`\nPyTorch comparison ${torchNotice}.`);
}

const slim = (summary) =>
  summary?.map((r) => ({ ...r, maxUlp: finiteOr(r.maxUlp), medianUlp: finiteOr(r.medianUlp), worst: r.worst.map((w) => ({ ...w, err: finiteOr(w.err) })) })) ??
  null;
function finiteOr(v) {
  return Number.isFinite(v) ? v : String(v);
}
mkdirSync(dirname(jsonPath), { recursive: true });
writeFileSync(
  jsonPath,
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      node: process.version,
      oracle: fixtures.float64.oracle,
      measure: 'ulp error = |ours − exact| / ulp(exact rounded to the dtype); expected NaN/±Infinity must match exactly (else Infinity)',
      logitkit: slim(ours),
      kernels: kernels && Object.fromEntries(Object.entries(kernels).map(([k, v]) => [k, slim(v)])),
      torch: torch
        ? {
            version: torch.torch,
            summary: slim(torchSummary),
            highlights: highlights.map((h) => ({
              ...h,
              oursUlp: finiteOr(h.oursUlp),
              torchUlp: finiteOr(h.torchUlp),
              ours: String(h.ours),
              torch: String(h.torch),
              exact: String(h.exact),
            })),
          }
        : { skipped: torchNotice },
    },
    null,
    1,
  )}\n`,
);
console.log(`\nWrote ${jsonPath}`);
