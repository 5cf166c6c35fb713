#!/usr/bin/env node
// `npm run bench`: logitkit side by side with TensorFlow.js (cpu, wasm) and PyTorch (1 and 2 threads), in one run.
// Each framework × workload runs in its own child process (bench/worker.mjs, bench/torch_bench.py); this
// script prepares identical inputs, checks every framework's outputs against a float64 reference, prints
// medians and ratios and writes artifacts/bench.json. See docs/benchmarks.md.
//
//   node bench/run.mjs [--runs 7] [--warmup 2] [--budget 25] [--quick | --full] [--quick-batches 50]
//                      [--epoch-runs 3] [--rounds 1] [--frameworks a,b] [--workloads ce,softmax,matmul,epoch,cnn] [--json path]
//                      [--epoch-api auto|fit|ops]   (logitkit epoch: model.fit, or ops + autograd + a bench-side Adam)
//                      [--cnn-batches 60 (--quick: 20)] [--cnn-tfjs-batches 12] [--cnn-runs 3] [--cnn-warmup-batches 5]
//   The CNN row (issue 12) runs on logitkit-native, logitkit-wasm, tfjs-wasm and torch-1t unless --frameworks names
//   others; it times K batches of 128 per run and extrapolates to the 60,000-image epoch (K = 469: whole epochs).
//   Issue 15's rows: --workloads sampling,linear-ce [--vocabs 32000,128000,256000] [--sampling-runs 400]
//                    [--sampling-warmup 100] [--sampling-budget 20] [--lce-runs 5] [--lce-warmup 1] [--lce-memory-steps 2]
//   Issue 16's row: --workloads inference [--infer-models mlp,cnn] [--infer-batches 1,256] [--infer-runs 31]
//                   [--infer-warmup 30] [--infer-budget 6]   (logitkit model.predict vs ONNX Runtime, 1 thread)
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ARTIFACTS, BENCH_DIR, MM_FLOPS, OUTPUTS_DIR, RESULT_MARKER, ROOT, WORKLOADS, cnnFlops, parseArgs, readOutput, summarize } from './lib/common.mjs';
import { compareArrays, ensureInputs, references } from './lib/inputs.mjs';
import { runInferenceRow } from './lib/infer-run.mjs';
import { LM_WORKLOADS, runLmRows } from './lib/lm-run.mjs';

const args = parseArgs(process.argv.slice(2));
if (args.help || args.h) {
  console.log(
    fs
      .readFileSync(new URL(import.meta.url), 'utf8')
      .split('\n')
      .slice(1, 16)
      .join('\n')
      .replace(/^\/\/ ?/gm, ''),
  );
  process.exit(0);
}
const RUNS = Number(args.runs ?? 7);
const WARMUP = Number(args.warmup ?? 2);
const BUDGET_S = Number(args.budget ?? 25);
const EPOCH_BUDGET_S = Number(args['epoch-budget'] ?? 60);
const QUICK_BATCHES = Number(args['quick-batches'] ?? 50);
const EPOCH_RUNS = Number(args['epoch-runs'] ?? 3);
const TIMEOUT_S = Number(args.timeout ?? 300);
const JSON_PATH = path.resolve(ROOT, String(args.json ?? path.join(ARTIFACTS, 'bench.json')));
const EPOCH_MODE = args.quick ? 'quick' : args.full ? 'full' : 'auto';
// The CNN row: K batches of 128 per timed run (a whole epoch is ≈ 50 s for PyTorch, minutes for TF.js wasm).
const CNN_BATCHES = Number(args['cnn-batches'] ?? (args.quick ? 20 : 60));
const CNN_TFJS_BATCHES = Number(args['cnn-tfjs-batches'] ?? Math.min(CNN_BATCHES, 12));
const CNN_RUNS = Number(args['cnn-runs'] ?? 3);
const CNN_WARMUP = Number(args['cnn-warmup-batches'] ?? 5);
/** The CNN row's columns unless --frameworks picks others: the issue's comparison (native, wasm; TF.js wasm; PyTorch 1 thread). */
const CNN_FRAMEWORKS = ['logitkit-native', 'logitkit-wasm', 'tfjs-wasm', 'torch-1t'];
const CNN_FLOPS = cnnFlops();
const workloads = args.workloads ? String(args.workloads).split(',') : Object.keys(WORKLOADS);
const unknownWorkloads = workloads.filter((w) => !WORKLOADS[w]);
if (unknownWorkloads.length) {
  console.error(`bench: unknown workload(s) ${unknownWorkloads.join(', ')}; known: ${Object.keys(WORKLOADS).join(', ')}`);
  process.exit(2);
}
const notices = [];
const warnings = [];

function notice(msg) {
  notices.push(msg);
  console.log(`notice: ${msg}`);
}
function warn(msg) {
  warnings.push(msg);
  console.log(`WARNING: ${msg}`);
}

/** Runs a child, returns the parsed BENCH_RESULT line (or an error object). */
function runChild(cmd, argv, label, timeoutS = TIMEOUT_S) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      err += `\n(killed after ${timeoutS} s)`;
    }, timeoutS * 1000);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: `${label}: cannot start ${cmd}: ${e.message}` });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = out
        .split('\n')
        .reverse()
        .find((l) => l.startsWith(RESULT_MARKER));
      if (!line) {
        resolve({ error: `${label}: no result (exit ${code}): ${(err || out).trim().split('\n').slice(-5).join(' | ')}` });
        return;
      }
      try {
        resolve(JSON.parse(line.slice(RESULT_MARKER.length)));
      } catch (e) {
        resolve({ error: `${label}: bad result JSON: ${e.message}` });
      }
    });
  });
}

function findPython() {
  // BENCH_PYTHON, when set, is the only interpreter tried.
  if (process.env.BENCH_PYTHON) return [process.env.BENCH_PYTHON];
  return ['/usr/bin/python3', 'python3'];
}

// ---------- formatting ----------
const fmtNum = (x, digits = 3) => {
  if (!Number.isFinite(x)) return String(x);
  const abs = Math.abs(x);
  if (abs >= 1000) return Math.round(x).toLocaleString('en-US');
  if (abs >= 100) return x.toFixed(0);
  if (abs >= 10) return x.toFixed(digits - 2);
  if (abs >= 1) return x.toFixed(digits - 1);
  return x.toPrecision(digits);
};
const fmtMs = (ms) => (ms >= 1000 ? `${fmtNum(ms / 1000)} s` : `${fmtNum(ms)} ms`);

function cellText(workload, r) {
  if (!r) return '—';
  if (r.skipped) return 'skipped';
  if (r.error) return 'error';
  const s = r.summary;
  if (workload === 'matmul') {
    const g = (ms) => MM_FLOPS / (ms * 1e6);
    return `${fmtNum(g(s.medianMs))} GFLOP/s (${fmtNum(g(s.maxMs))}–${fmtNum(g(s.minMs))})`;
  }
  const range = `${fmtMs(s.minMs)}–${fmtMs(s.maxMs)}`;
  const mark = (workload === 'epoch' || workload === 'cnn') && r.mode === 'quick' ? ` *est. from ${r.batchesTimed} batches*` : '';
  return `${fmtMs(s.medianMs)} (${range})${mark}`;
}

function table(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

function ratioText(workload, ours, theirs) {
  if (!ours?.summary || !theirs?.summary) return '—';
  if (workload === 'matmul') {
    const q = theirs.summary.medianMs / ours.summary.medianMs; // GFLOP/s ours / theirs
    return `${fmtNum(q)} (GFLOP/s)`;
  }
  const q = ours.summary.medianMs / theirs.summary.medianMs;
  const words = q <= 1 ? `${fmtNum(1 / q)}× faster` : `${fmtNum(q)}× slower`;
  return `${fmtNum(q)} (${words})`;
}

// ---------- machine ----------
function machineInfo() {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  let flags = [];
  try {
    const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
    cpuModel = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? cpuModel;
    const f = /flags\s*:\s*(.*)/.exec(cpuinfo)?.[1]?.split(' ') ?? [];
    flags = ['avx2', 'fma', 'avx512f'].filter((x) => f.includes(x));
  } catch {
    // not Linux
  }
  let commit = null;
  let dirty = null;
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    cpuModel,
    cpuFlags: flags,
    cores: os.cpus().length,
    memGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    v8: process.versions.v8,
    git: commit ? { commit, dirty } : null,
    loadavgStart: os.loadavg(),
  };
}

// ---------- correctness ----------
const TOL = { ceLossRel: 1e-5, ceGradRel: 1e-4, softmaxAbs: 1e-5, matmulRel: 1e-4, epochFirstLossRel: 1e-4, epochMeanLossRel: 2e-2, accuracyAbs: 0.02 };

function checkResult(workload, r, ref) {
  if (!r?.summary) return null;
  const check = {};
  if (workload === 'ce') {
    check.lossRelErr = Math.abs(r.loss - ref.ceLoss) / Math.abs(ref.ceLoss);
    const g = compareArrays(readOutput(r.output, Float32Array), ref.ceGrad);
    check.gradMaxRelErr = g.maxRel;
    check.ok = check.lossRelErr <= TOL.ceLossRel && g.maxRel <= TOL.ceGradRel;
    if (!check.ok)
      warn(
        `${r.framework} cross-entropy disagrees with the float64 reference: loss rel. error ${check.lossRelErr.toExponential(2)}, gradient max rel. error ${g.maxRel?.toExponential(2) ?? g.error}`,
      );
  } else if (workload === 'softmax') {
    const s = compareArrays(readOutput(r.output, Float32Array), ref.softmax);
    check.maxAbsErr = s.maxAbs;
    check.ok = s.maxAbs <= TOL.softmaxAbs;
    if (!check.ok) warn(`${r.framework} softmax disagrees with the float64 reference: max abs. error ${s.maxAbs?.toExponential(2) ?? s.error}`);
  } else if (workload === 'matmul') {
    const m = compareArrays(readOutput(r.output, Float32Array), ref.matmul);
    check.maxRelErr = m.maxRel;
    check.ok = m.maxRel <= TOL.matmulRel;
    if (!check.ok) warn(`${r.framework} matMul disagrees with the float64 reference: max rel. error ${m.maxRel?.toExponential(2) ?? m.error}`);
  }
  return check;
}

/** Epoch: every framework starts from the same weights on the same batches, so their per-step losses must agree. */
function checkEpochs(results) {
  const ok = results.filter((r) => r?.losses?.length);
  if (ok.length < 2) return {};
  const ref = ok.find((r) => r.framework === 'torch-1t') ?? ok[0];
  // Each framework against the reference over the steps both ran (all 469 when both ran full epochs).
  const mean = (xs, k) => xs.slice(0, k).reduce((s, x) => s + x, 0) / k;
  const fullAcc = ok.filter((r) => r.accuracy != null);
  const accRef = fullAcc.find((r) => r.framework === ref.framework) ?? fullAcc[0];
  const checks = {};
  for (const r of ok) {
    const common = Math.min(r.losses.length, ref.losses.length);
    const first = Math.abs(r.losses[0] - ref.losses[0]) / Math.abs(ref.losses[0]);
    const meanRel = Math.abs(mean(r.losses, common) - mean(ref.losses, common)) / Math.abs(mean(ref.losses, common));
    const c = { reference: ref.framework, stepsCompared: common, firstLossRelErr: first, meanLossRelErr: meanRel, meanLoss: mean(r.losses, common) };
    c.ok = first <= TOL.epochFirstLossRel && meanRel <= TOL.epochMeanLossRel;
    if (r.accuracy != null && accRef) {
      c.accuracyDiff = r.accuracy - accRef.accuracy;
      c.ok &&= Math.abs(c.accuracyDiff) <= TOL.accuracyAbs;
    }
    if (!c.ok)
      warn(
        `${r.framework} epoch disagrees with ${ref.framework}: first-step loss rel. error ${first.toExponential(2)}, mean loss over ${common} steps rel. error ${meanRel.toExponential(2)}${c.accuracyDiff != null ? `, accuracy diff ${c.accuracyDiff.toFixed(3)}` : ''}`,
      );
    checks[r.framework] = c;
  }
  return checks;
}

/**
 * CNN: every framework starts from the same weights on the same batches, but dropout draws its own masks, so the
 * per-step losses agree only loosely: the first step within 5 % and the mean over the common steps within 5 %.
 */
const CNN_TOL = { firstLossRel: 0.05, meanLossRel: 0.05 };
function checkCnn(results) {
  const ok = results.filter((r) => r?.losses?.length);
  if (ok.length < 2) return {};
  const ref = ok.find((r) => r.framework === 'torch-1t') ?? ok[0];
  const mean = (xs, k) => xs.slice(0, k).reduce((s, x) => s + x, 0) / k;
  const checks = {};
  for (const r of ok) {
    const common = Math.min(r.losses.length, ref.losses.length);
    const first = Math.abs(r.losses[0] - ref.losses[0]) / Math.abs(ref.losses[0]);
    const meanRel = Math.abs(mean(r.losses, common) - mean(ref.losses, common)) / Math.abs(mean(ref.losses, common));
    const c = { reference: ref.framework, stepsCompared: common, firstLossRelErr: first, meanLossRelErr: meanRel, meanLoss: mean(r.losses, common) };
    c.ok = first <= CNN_TOL.firstLossRel && meanRel <= CNN_TOL.meanLossRel;
    if (!c.ok)
      warn(
        `${r.framework} CNN losses disagree with ${ref.framework}: first-step loss rel. error ${first.toExponential(2)}, mean loss over ${common} steps rel. error ${meanRel.toExponential(2)}`,
      );
    checks[r.framework] = c;
  }
  return checks;
}

/** Pools a later round's runs into the first round's result (first round's outputs and losses are kept). */
function merge(prev, r) {
  if (!prev) return r;
  if (!prev.summary || !r.summary) return prev.summary ? prev : r;
  const out = { ...prev };
  out.timesMs = [...prev.timesMs, ...r.timesMs];
  if (prev.rawTimesMs) out.rawTimesMs = [...prev.rawTimesMs, ...r.rawTimesMs];
  out.summary = summarize(out.timesMs);
  if (out.gflops !== undefined) out.gflops = MM_FLOPS / (out.summary.medianMs * 1e6);
  out.rss = { ...prev.rss, peakMiB: Math.max(prev.rss.peakMiB, r.rss.peakMiB) };
  if (prev.rss.epochPeakMiB != null && r.rss.epochPeakMiB != null) out.rss.epochPeakMiB = Math.max(prev.rss.epochPeakMiB, r.rss.epochPeakMiB);
  if (prev.gc && r.gc) out.gc = { count: prev.gc.count + r.gc.count, ms: prev.gc.ms + r.gc.ms };
  out.loadavg = [...prev.loadavg, ...r.loadavg];
  out.check = prev.check?.ok === false ? prev.check : (r.check ?? prev.check);
  return out;
}

// ---------- main ----------
async function main() {
  const started = Date.now();
  const machine = machineInfo();
  console.log(`logitkit benchmark — ${machine.date}`);
  console.log(
    `${machine.cpuModel}, ${machine.cores} cores (${machine.cpuFlags.join(', ')}), Node ${machine.node}, load average ${machine.loadavgStart.map((x) => x.toFixed(2)).join(' ')}`,
  );
  if (machine.loadavgStart[0] > machine.cores * 0.5) {
    notice(
      `the machine is busy (load average ${machine.loadavgStart[0].toFixed(2)} on ${machine.cores} cores): timings are noisy; compare medians and ratios from one run`,
    );
  }
  const meta = ensureInputs();
  const ref = references(meta);
  fs.rmSync(OUTPUTS_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUTPUTS_DIR, { recursive: true });
  if (!meta.epoch.fashion) notice(`epoch row: ${meta.epoch.source}`);

  // Which frameworks exist here?
  const probe = await runChild(process.execPath, [path.join(BENCH_DIR, 'worker.mjs'), '--probe'], 'probe');
  const frameworks = [];
  const lk = probe.logitkit ?? { available: false, reason: probe.error };
  if (lk.available) {
    frameworks.push({ id: 'logitkit-ts', label: 'logitkit (ts kernels)', ours: true });
    if (lk.native) {
      // The native set (C++ built at install): Node's default. '-f32': float32 matMul sums, PyTorch's and TF.js's
      // precision; they change only matrix products, so they run only on the rows that have them.
      frameworks.push({ id: 'logitkit-native', label: 'logitkit (native kernels)', ours: true });
      frameworks.push({ id: 'logitkit-native-2t', label: 'logitkit (native, 2 threads)', ours: true, threads: 2 });
      frameworks.push({ id: 'logitkit-native-f32', label: 'logitkit (native, f32 matMul sums)', ours: true, workloads: ['matmul', 'epoch', 'inference'] });
      frameworks.push({
        id: 'logitkit-native-2t-f32',
        label: 'logitkit (native, 2 threads, f32 sums)',
        ours: true,
        threads: 2,
        workloads: ['matmul', 'epoch'],
      });
    } else notice('logitkit native kernels not built (npm run build:native says why): not measured');
    if (lk.wasm) {
      // The WebAssembly set: the browsers' kernels, and Node's where the native module is not built.
      frameworks.push({ id: 'logitkit-wasm', label: 'logitkit (wasm kernels)', ours: true });
      frameworks.push({ id: 'logitkit-wasm-2t', label: 'logitkit (wasm, 2 threads)', ours: true, threads: 2 });
      frameworks.push({ id: 'logitkit-wasm-2t-f32', label: 'logitkit (wasm, 2 threads, f32 sums)', ours: true, threads: 2, workloads: ['matmul', 'epoch'] });
    } else notice('logitkit WebAssembly kernels not found in dist/: only the TypeScript kernel set is measured');
    if (lk.defaultKernels) notice(`logitkit's default kernel set at import: '${lk.defaultKernels}'`);
    if (workloads.includes('epoch')) {
      if (lk.trainApi && args['epoch-api'] !== 'ops') notice('logitkit epoch: the training API (sequential + compile + fit)');
      else notice('logitkit epoch: ops + valueAndGrads with an Adam update written in bench/ (not the training API)');
    }
  } else {
    notice(`logitkit skipped: ${lk.reason}`);
  }
  frameworks.push({ id: 'tfjs-wasm', label: `TF.js ${probe.tfjs?.tfjs ?? ''} wasm`, peer: 'tfjs' });
  frameworks.push({ id: 'tfjs-cpu', label: `TF.js ${probe.tfjs?.tfjs ?? ''} cpu`, peer: 'tfjs' });
  if (probe.onnxruntime?.version)
    frameworks.push({ id: 'onnxruntime', label: `ONNX Runtime ${probe.onnxruntime.version}`, peer: 'ort', workloads: ['inference'] });
  else if (workloads.includes('inference')) notice(`ONNX Runtime skipped: ${probe.onnxruntime?.error ?? 'onnxruntime-node not found'}`);
  let python = null;
  let torchInfo = null;
  for (const py of findPython()) {
    const r = await runChild(py, [path.join(BENCH_DIR, 'torch_bench.py'), '--probe'], `torch probe (${py})`);
    if (r.torch) {
      python = py;
      torchInfo = { python: py, ...r };
      break;
    }
  }
  if (python) {
    frameworks.push({ id: 'torch-1t', label: `PyTorch ${torchInfo.torch} 1 thread`, peer: 'torch', threads: 1 });
    frameworks.push({ id: 'torch-2t', label: `PyTorch ${torchInfo.torch} 2 threads`, peer: 'torch', threads: 2 });
    const blas = torchInfo.blasLibraries?.join(', ') || 'none found';
    if (torchInfo.blasInfo === 'generic' && !/openblas|mkl|blis/i.test(blas)) {
      notice(`PyTorch uses the reference (netlib) BLAS here (${blas}): its matMul and epoch are far slower than with OpenBLAS/MKL`);
    }
  } else {
    notice("PyTorch skipped: torch is not importable (install Debian's python3-torch; /usr/bin/python3 is tried first, or set BENCH_PYTHON)");
  }
  const only = args.frameworks ? String(args.frameworks).split(',') : null;
  const selected = frameworks.filter((f) => !only || only.includes(f.id));

  const epochModeFor = (f) => (EPOCH_MODE === 'auto' ? (f.peer === 'tfjs' ? 'quick' : 'full') : EPOCH_MODE);
  if (workloads.includes('epoch') && selected.some((f) => epochModeFor(f) === 'quick')) {
    const who = selected
      .filter((f) => epochModeFor(f) === 'quick')
      .map((f) => f.id)
      .join(', ');
    notice(`epoch row for ${who}: quick mode, timed on ${QUICK_BATCHES} batches and extrapolated to the full epoch (run with --full to time whole epochs)`);
  }
  const cnnFrameworks = selected.filter((f) => (only ? true : CNN_FRAMEWORKS.includes(f.id)) && !(f.workloads && !f.workloads.includes('cnn')));
  const cnnBatchesFor = (f) => Math.min(f.peer === 'tfjs' ? CNN_TFJS_BATCHES : CNN_BATCHES, meta.epoch.batches);
  if (workloads.includes('cnn')) {
    if (lk.available && lk.cnnApi?.missing) notice(`CNN row: logitkit skipped: ${lk.cnnApi.missing}`);
    const describeBatches = (k) =>
      k >= meta.epoch.batches
        ? 'whole epochs'
        : `${k} batches of ${meta.cnn.batch} (${Math.min(meta.epoch.trainN, k * meta.cnn.batch).toLocaleString('en-US')} images) per run, extrapolated to the ${meta.epoch.trainN.toLocaleString('en-US')}-image epoch`;
    const tf = cnnFrameworks.filter((f) => f.peer === 'tfjs').map((f) => f.id);
    notice(
      `CNN row: ${describeBatches(CNN_BATCHES)}${tf.length && CNN_TFJS_BATCHES !== CNN_BATCHES ? `; ${tf.join(', ')}: ${describeBatches(CNN_TFJS_BATCHES)}` : ''}; median of up to ${CNN_RUNS} runs after ${CNN_WARMUP} warm-up batches${tf.length && CNN_WARMUP > 2 ? ` (TF.js 2)` : ''}; columns ${cnnFrameworks.map((f) => f.id).join(', ')}`,
    );
  }

  /** One CNN cell: logitkit and TF.js through bench/worker.mjs, PyTorch through bench/torch_cnn.py. */
  async function runCnnCell(f) {
    const load = os.loadavg()[0];
    let r;
    if (f.ours && lk.cnnApi?.missing) r = { framework: f.id, skipped: true, reason: lk.cnnApi.missing };
    else {
      const batches = cnnBatchesFor(f);
      const warm = String(f.peer === 'tfjs' ? Math.min(CNN_WARMUP, 2) : CNN_WARMUP);
      const budget = String(EPOCH_BUDGET_S * 2);
      const timeout = Math.max(TIMEOUT_S, 900);
      r =
        f.peer === 'torch'
          ? await runChild(
              python,
              [
                path.join(BENCH_DIR, 'torch_cnn.py'),
                '--mode',
                'bench',
                '--threads',
                String(f.threads),
                '--batches',
                String(batches),
                '--runs',
                String(CNN_RUNS),
                '--warmup-batches',
                warm,
                '--budget',
                budget,
              ],
              f.id,
              timeout,
            )
          : await runChild(
              process.execPath,
              [
                path.join(BENCH_DIR, 'worker.mjs'),
                '--framework',
                f.id,
                '--workload',
                'cnn',
                '--cnn-batches',
                String(batches),
                '--cnn-runs',
                String(CNN_RUNS),
                '--cnn-warmup-batches',
                warm,
                '--budget',
                budget,
              ],
              f.id,
              timeout,
            );
    }
    r.framework ??= f.id;
    r.loadavg = [load];
    if (r.error) warn(`${f.id} cnn: ${r.error.split('\n')[0]}`);
    for (const n of r.notes ?? []) if (n.startsWith('cnn:') && !notices.includes(`${f.id} ${n}`)) notice(`${f.id} ${n}`);
    const gf = r.summary ? `, ${fmtNum(CNN_FLOPS.perEpoch / (r.summary.medianMs * 1e6))} GFLOP/s` : '';
    const extra = r.summary
      ? `${r.summary.runs} runs, ${r.batchesTimed} batches ×${r.extrapolation.toFixed(2)}${gf}, epoch peak RSS ${fmtNum(r.rss.epochPeakMiB ?? r.rss.peakMiB)} MiB${r.gc ? `, ${r.gc.count} GCs` : ''}, load ${load.toFixed(1)}`
      : r.skipped
        ? `(${r.reason})`
        : '';
    console.log(`  ${f.id.padEnd(17)} ${cellText('cnn', r).padEnd(44)} ${extra}`);
    return r;
  }

  // Each (workload, framework) cell runs in its own process. With --rounds R the whole sweep repeats R times and
  // the timed runs are pooled, so load changes on a shared machine spread over every framework.
  const ROUNDS = Math.max(1, Number(args.rounds ?? 1));
  const results = {};
  const kernelNames = new Map();
  for (const w of workloads) results[w] = {};
  // Issue 15's rows (sampling, linear-ce) have their own cells and tables (bench/lib/lm-run.mjs).
  const classic = workloads.filter((w) => !LM_WORKLOADS.has(w) && w !== 'inference');
  for (let round = 0; round < ROUNDS; round++) {
    for (const w of classic) {
      console.log(`\n${WORKLOADS[w].title}${ROUNDS > 1 ? ` (round ${round + 1} of ${ROUNDS})` : ''}`);
      for (const f of w === 'cnn' ? cnnFrameworks : selected) {
        if (f.workloads && !f.workloads.includes(w)) continue;
        if (w === 'cnn') {
          results[w][f.id] = merge(results[w][f.id], await runCnnCell(f));
          continue;
        }
        const common = [
          '--workload',
          w,
          '--runs',
          String(RUNS),
          '--warmup',
          String(WARMUP),
          '--budget',
          String(w === 'epoch' ? EPOCH_BUDGET_S : BUDGET_S),
          '--epoch-mode',
          epochModeFor(f),
          '--quick-batches',
          String(QUICK_BATCHES),
          '--epoch-runs',
          String(EPOCH_RUNS),
        ];
        if (f.ours && args['epoch-api']) common.push('--epoch-api', String(args['epoch-api']));
        const load = os.loadavg()[0];
        const r =
          f.peer === 'torch'
            ? await runChild(python, [path.join(BENCH_DIR, 'torch_bench.py'), '--threads', String(f.threads), ...common], f.id)
            : await runChild(process.execPath, [path.join(BENCH_DIR, 'worker.mjs'), '--framework', f.id, ...common], f.id);
        r.framework ??= f.id;
        r.loadavg = [load];
        if (r.error) warn(`${f.id} ${w}: ${r.error.split('\n')[0]}`);
        r.check = checkResult(w, r, ref);
        if (f.ours && r.info?.kernels && !kernelNames.has(f.id)) {
          kernelNames.set(f.id, r.info.kernels);
          notice(`${f.id}: ${r.notes?.find((n) => n.startsWith('kernels')) ?? `kernels '${r.info.kernels}'`}`);
        }
        results[w][f.id] = merge(results[w][f.id], r);
        const extra = r.summary
          ? `${r.summary.runs} runs${r.mode === 'quick' ? `, ${r.batchesTimed} batches ×${r.extrapolation.toFixed(2)}` : ''}, peak RSS ${r.rss.peakMiB.toFixed(0)} MiB${r.gc ? `, ${r.gc.count} GCs` : ''}${r.accuracy != null ? `, test accuracy ${(100 * r.accuracy).toFixed(2)} %` : ''}, load ${load.toFixed(1)}`
          : '';
        console.log(`  ${f.id.padEnd(17)} ${cellText(w, r).padEnd(44)} ${extra}`);
      }
    }
  }
  const lm = workloads.some((w) => LM_WORKLOADS.has(w))
    ? await runLmRows({ workloads, args, selected, only, python, runChild, notice, warn })
    : { results: {}, tables: [], goals: [] };
  Object.assign(results, lm.results);
  const infer = workloads.includes('inference')
    ? await runInferenceRow({ args, selected, only, runChild, notice, warn })
    : { results: {}, tables: [], goals: [] };
  Object.assign(results, infer.results);
  if (results.epoch) {
    const checks = checkEpochs(Object.values(results.epoch));
    for (const [id, c] of Object.entries(checks)) results.epoch[id].check = c;
  }
  if (results.cnn) {
    const checks = checkCnn(Object.values(results.cnn));
    for (const [id, c] of Object.entries(checks)) results.cnn[id].check = c;
  }

  // ---------- report ----------
  const cols = selected.filter((f) => classic.some((w) => results[w][f.id]));
  const ours = cols.filter((f) => f.ours);
  const peers = cols.filter((f) => !f.ours);
  const medianTable = table(
    ['workload', ...cols.map((f) => f.label)],
    classic.map((w) => [WORKLOADS[w].short, ...cols.map((f) => cellText(w, results[w][f.id]))]),
  );
  const ratioRows = [];
  for (const w of classic) {
    for (const o of ours.filter((f) => results[w][f.id]))
      ratioRows.push([WORKLOADS[w].short, o.label, ...peers.map((p) => ratioText(w, results[w][o.id], results[w][p.id]))]);
  }
  const ratioTable = table(['workload', 'ours', ...peers.map((p) => `vs ${p.label}`)], ratioRows);
  const memTable = table(
    ['workload', ...cols.map((f) => f.label)],
    classic.map((w) => [
      WORKLOADS[w].short,
      ...cols.map((f) => {
        const r = results[w][f.id];
        if (!r?.rss) return '—';
        const gc = r.gc ? `, ${r.gc.count} GCs` : '';
        // The CNN row: the peak during the timed epochs (VmHWM reset before each), then the whole process's.
        if (w === 'cnn' && r.rss.epochPeakMiB != null) return `${r.rss.epochPeakMiB.toFixed(0)} MiB in the epoch (process ${r.rss.peakMiB.toFixed(0)})${gc}`;
        return `${r.rss.peakMiB.toFixed(0)} MiB${gc}`;
      }),
    ]),
  );

  // The issue's goals, per logitkit kernel set.
  const goals = [];
  for (const o of ours) {
    const get = (w, id) => results[w]?.[id]?.summary?.medianMs;
    const t1 = (w) => get(w, 'torch-1t');
    for (const w of ['ce', 'softmax', 'epoch']) {
      if (get(w, o.id) && t1(w))
        goals.push({ ours: o.id, goal: `${WORKLOADS[w].short}: faster than PyTorch 1 thread`, met: get(w, o.id) < t1(w), ratio: get(w, o.id) / t1(w) });
    }
    if (get('matmul', o.id) && t1('matmul')) {
      const q = t1('matmul') / get('matmul', o.id);
      goals.push({ ours: o.id, goal: 'matMul: ≥ 40 % of PyTorch 1 thread GFLOP/s', met: q >= 0.4, ratio: q });
    }
    for (const w of classic.filter((x) => x !== 'cnn')) {
      const a = get(w, o.id);
      const b = get(w, 'tfjs-wasm');
      if (a && b) goals.push({ ours: o.id, goal: `${WORKLOADS[w].short}: ≥ 20× faster than TF.js wasm`, met: b / a >= 20, ratio: b / a });
    }
    // Issue 12's goals for the CNN epoch.
    const cnn = results.cnn?.[o.id];
    if (cnn?.summary) {
      const torch = results.cnn['torch-1t'];
      const tfw = results.cnn['tfjs-wasm'];
      if (torch?.summary) {
        const q = cnn.summary.medianMs / torch.summary.medianMs;
        goals.push({ ours: o.id, goal: 'CNN epoch: ≤ 0.5 × PyTorch 1 thread', met: q <= 0.5, ratio: q });
        const a = cnn.rss.epochPeakMiB ?? cnn.rss.peakMiB;
        const b = torch.rss.epochPeakMiB ?? torch.rss.peakMiB;
        goals.push({ ours: o.id, goal: "CNN epoch: peak memory ≤ PyTorch 1 thread's", met: a <= b, ratio: a / b, unit: 'memory' });
      }
      if (tfw?.summary) {
        const q = tfw.summary.medianMs / cnn.summary.medianMs;
        goals.push({ ours: o.id, goal: 'CNN epoch: ≥ 5× faster than TF.js wasm', met: q >= 5, ratio: q });
      }
    }
  }
  const refBlas = torchInfo && torchInfo.blasInfo === 'generic' && !/openblas|mkl|blis/i.test(torchInfo.blasLibraries?.join(' ') ?? '');
  for (const g of goals) {
    if (refBlas && /PyTorch/.test(g.goal) && /matMul|epoch/.test(g.goal))
      g.caveat = "PyTorch runs on the reference BLAS here, a much weaker baseline than the issue's";
  }
  goals.push(...lm.goals, ...infer.goals);
  const goalLines = goals.map(
    (g) =>
      `- ${g.met ? '[x]' : '[ ]'} ${g.ours}: ${g.goal} (measured ${fmtNum(g.ratio)}${g.unitText ?? (g.goal.includes('TF.js') ? '×' : g.goal.includes('GFLOP') ? ' of theirs' : g.unit === 'memory' ? ' ours/theirs (MiB)' : ' ours/theirs')})${g.caveat ? ` — ${g.caveat}` : ''}`,
  );

  // The CNN epoch's floating-point work, and what each column's median makes of it.
  const cnnLines = [];
  if (results.cnn && Object.values(results.cnn).some((r) => r?.summary)) {
    const tf = (x) => `${(x / 1e12).toFixed(3)} TFLOP`;
    const mm = results.matmul?.['torch-1t']?.gflops;
    cnnLines.push(
      `Physical floor: one epoch of ${CNN_FLOPS.examples.toLocaleString('en-US')} images is ${tf(CNN_FLOPS.perEpoch)} of matrix-product work (${fmtNum(CNN_FLOPS.trainingPerExample / 1e6)} MFLOP per image: ${CNN_FLOPS.layers.map((l) => `${l.name} ${l.passes}×${fmtNum((2 * l.macs) / 1e6)}`).join(', ')} MFLOP; the first convolution needs no input gradient); 3 × forward, the usual estimate, is ${tf(CNN_FLOPS.conventionalPerEpoch)}.`,
    );
    for (const f of cols) {
      const r = results.cnn[f.id];
      if (!r?.summary) continue;
      const s = r.summary.medianMs / 1000;
      cnnLines.push(
        `- ${f.label}: ${fmtNum(s)} s per epoch${r.mode === 'quick' ? ` (est. from ${r.batchesTimed} batches)` : ''} → ${fmtNum(CNN_FLOPS.perEpoch / (s * 1e9))} GFLOP/s`,
      );
    }
    if (mm)
      cnnLines.push(
        `At the matMul row's PyTorch rate (${fmtNum(mm)} GFLOP/s) the epoch's products alone would take ${fmtNum(CNN_FLOPS.perEpoch / (mm * 1e9))} s.`,
      );
  }

  machine.loadavgEnd = os.loadavg();
  const viaNpm = process.env.npm_lifecycle_event === 'bench';
  const rest = process.argv.slice(2).join(' ');
  const command = viaNpm ? `npm run bench${rest ? ` -- ${rest}` : ''}` : `node bench/run.mjs${rest ? ` ${rest}` : ''}`;
  const elapsedS = (Date.now() - started) / 1000;
  if (classic.length) {
    console.log('\n## Medians (min–max), lower time is better\n');
    console.log(medianTable);
    console.log('\n## Ratios ours/theirs (time: < 1 means logitkit is faster; matMul: GFLOP/s, > 1 means logitkit is faster)\n');
    console.log(ratioTable);
    console.log('\n## Peak RSS of each worker process (and garbage collections during the timed runs, Node only)\n');
    console.log(memTable);
  }
  for (const t of [...lm.tables, ...infer.tables]) console.log(`\n## ${t.title}\n\n${t.md}`);
  if (cnnLines.length) console.log(`\n## CNN epoch: work and rate\n\n${cnnLines.join('\n')}`);
  if (goalLines.length) console.log(`\n## Goals\n\n${goalLines.join('\n')}`);
  if (notices.length) console.log(`\nNotices:\n${notices.map((n) => `- ${n}`).join('\n')}`);
  if (warnings.length) console.log(`\nWarnings:\n${warnings.map((n) => `- ${n}`).join('\n')}`);
  else
    console.log(
      '\nCorrectness: every checked cell agrees with its reference within tolerance (float64 references; the epoch losses; PyTorch for the sampling and linear-ce rows).',
    );
  console.log(`\n${command} — ${elapsedS.toFixed(0)} s, load average at end ${machine.loadavgEnd.map((x) => x.toFixed(2)).join(' ')}`);

  const report = {
    command,
    elapsedS,
    machine,
    versions: {
      logitkit: lk.version ?? null,
      logitkitKernels: { default: lk.defaultKernels ?? null, wasm: lk.wasm ?? null },
      trainApi: lk.trainApi ?? null,
      ...probe.tfjs,
      torch: torchInfo,
      onnxruntime: probe.onnxruntime ?? null,
    },
    settings: {
      rounds: ROUNDS,
      runs: RUNS,
      warmup: WARMUP,
      budgetS: BUDGET_S,
      epochBudgetS: EPOCH_BUDGET_S,
      epochMode: EPOCH_MODE,
      quickBatches: QUICK_BATCHES,
      epochRuns: EPOCH_RUNS,
      cnn: { batches: CNN_BATCHES, tfjsBatches: CNN_TFJS_BATCHES, runs: CNN_RUNS, warmupBatches: CNN_WARMUP, frameworks: CNN_FRAMEWORKS, flops: CNN_FLOPS },
      tolerances: { ...TOL, cnn: CNN_TOL },
    },
    inputs: meta,
    frameworks: cols,
    results,
    goals,
    notices,
    warnings,
    tables: { medians: medianTable, ratios: ratioTable, memory: memTable, cnn: cnnLines, lm: lm.tables, inference: infer.tables },
  };
  fs.mkdirSync(path.dirname(JSON_PATH), { recursive: true });
  fs.writeFileSync(JSON_PATH, JSON.stringify(report, null, 2));
  // The same report as Markdown, ready for docs/benchmarks.md.
  const mdPath = JSON_PATH.replace(/\.json$/, '') + '.md';
  const load = (xs) => xs.map((x) => x.toFixed(1)).join(' ');
  const md = [
    `Measured ${machine.date.slice(0, 10)} with \`${command}\` (${elapsedS.toFixed(0)} s) at commit ${machine.git?.commit ?? '?'}${machine.git?.dirty ? ' (with uncommitted changes in the tree)' : ''}.`,
    `Machine: ${machine.cpuModel}, ${machine.cores} cores (${machine.cpuFlags.join(', ')}), ${machine.memGiB} GiB, Node ${machine.node}; TF.js ${probe.tfjs?.tfjs ?? '—'}; ${torchInfo ? `PyTorch ${torchInfo.torch} (Python ${torchInfo.python}, BLAS: ${torchInfo.blasLibraries?.map((b) => path.basename(b)).join(', ') || '?'})` : 'PyTorch not available'}.`,
    `Load average (1 min) at start ${load(machine.loadavgStart.slice(0, 1))}, at end ${load(machine.loadavgEnd.slice(0, 1))}.`,
    ...(classic.length
      ? [
          '',
          '**Medians (min–max)**',
          '',
          medianTable,
          '',
          '**Ratios ours/theirs** (time: < 1 means logitkit is faster; matMul: GFLOP/s, > 1 means logitkit is faster)',
          '',
          ratioTable,
          '',
          '**Peak RSS per worker process** (GCs during the timed runs, Node only)',
          '',
          memTable,
        ]
      : []),
    ...[...lm.tables, ...infer.tables].flatMap((t) => ['', `**${t.title}**`, '', t.md]),
    ...(cnnLines.length ? ['', '**CNN epoch: work and rate**', '', ...cnnLines] : []),
    ...(goalLines.length ? ['', '**Goals**', '', ...goalLines] : []),
    ...(notices.length ? ['', '**Notices**', '', ...notices.map((n) => `- ${n}`)] : []),
    '',
    warnings.length
      ? `**Warnings**\n\n${warnings.map((n) => `- ${n}`).join('\n')}`
      : 'Correctness: every checked cell agreed with its reference within tolerance (float64 references; the epoch losses; PyTorch for the sampling and linear-ce rows).',
    '',
  ].join('\n');
  fs.writeFileSync(mdPath, md);
  console.log(`Wrote ${path.relative(ROOT, JSON_PATH)} and ${path.relative(ROOT, mdPath)}`);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
