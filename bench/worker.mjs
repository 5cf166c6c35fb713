#!/usr/bin/env node
// One framework × one workload in its own process, so peak RSS is attributable and frameworks never share a heap.
//   node bench/worker.mjs --framework tfjs-wasm --workload softmax [--runs 7] [--warmup 2] [--budget 30]
//   node bench/worker.mjs --framework logitkit-ts --workload epoch --epoch-mode quick --quick-batches 50
//   node bench/worker.mjs --framework logitkit-native --workload cnn --cnn-batches 60 --cnn-runs 3
//   node --expose-gc bench/worker.mjs --framework logitkit-native --workload sampling --vocab 256000 --runs 300
//   node --expose-gc bench/worker.mjs --framework logitkit-native --workload linear-ce --path materialised --measure memory
//   node bench/worker.mjs --framework onnxruntime --workload inference --model mlp --batch 256 [--runs 31] [--warmup 30]
//   node bench/worker.mjs --framework logitkit-native --workload inference --prepare   (writes the models and .onnx)
//   node bench/worker.mjs --probe
// Prints one line `BENCH_RESULT {json}` (other lines on stdout are library chatter).
import { PerformanceObserver, performance } from 'node:perf_hooks';
import {
  EPOCH,
  MM_FLOPS,
  OUTPUTS_DIR,
  RESULT_MARKER,
  currentRssMiB,
  parseArgs,
  peakRssMiB,
  readMeta,
  readRaw,
  resetPeakRss,
  summarize,
  writeRaw,
} from './lib/common.mjs';

const args = parseArgs(process.argv.slice(2));

function emit(obj) {
  // Exit once the line is flushed: a kernel set's worker threads must not keep the process alive.
  process.stdout.write(`\n${RESULT_MARKER}${JSON.stringify(obj)}\n`, () => process.exit());
}

async function loadFramework(name) {
  if (name.startsWith('logitkit-')) {
    const lk = await import('./frameworks/logitkit.mjs');
    return lk.load(name.slice('logitkit-'.length));
  }
  if (name === 'tfjs-cpu' || name === 'tfjs-wasm') {
    const tfjs = await import('./frameworks/tfjs.mjs');
    return tfjs.load(name.slice('tfjs-'.length));
  }
  throw new Error(`unknown framework '${name}'`);
}

async function probe() {
  const out = {};
  try {
    out.logitkit = await (await import('./frameworks/logitkit.mjs')).probe();
  } catch (e) {
    out.logitkit = { available: false, reason: String(e?.message ?? e) };
  }
  try {
    // ONNX Runtime (the inference row's peer), resolved from the project like the tests resolve it.
    const { createRequire } = await import('node:module');
    const require = createRequire(new URL('../package.json', import.meta.url));
    out.onnxruntime = { version: require('onnxruntime-node/package.json').version };
  } catch (e) {
    out.onnxruntime = { error: String(e?.message ?? e).split('\n')[0] };
  }
  try {
    out.tfjs = (await import('./frameworks/tfjs.mjs')).versions();
  } catch (e) {
    out.tfjs = { error: String(e?.message ?? e) };
  }
  emit(out);
}

/** Counts garbage collections and their pause time while `fn` runs. */
async function withGcStats(fn) {
  const entries = [];
  const obs = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  const value = await fn();
  await new Promise((r) => setTimeout(r, 0)); // let the observer flush
  obs.disconnect();
  return { value, gc: { count: entries.length, ms: entries.reduce((s, e) => s + e.duration, 0) } };
}

function toFloat(u8) {
  const f = new Float32Array(u8.length);
  for (let i = 0; i < u8.length; i++) f[i] = u8[i] / 255;
  return f;
}

function timeRuns(run, { runs, warmup, minRuns, budgetMs }) {
  for (let i = 0; i < warmup; i++) run();
  const times = [];
  const start = performance.now();
  while (times.length < runs) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
    if (times.length >= minRuns && performance.now() - start > budgetMs) break;
  }
  return times;
}

async function main() {
  if (args.probe) return probe();
  const framework = String(args.framework);
  const workload = String(args.workload);
  const runs = Number(args.runs ?? 7);
  const warmup = Number(args.warmup ?? 2);
  const minRuns = Math.min(runs, Number(args['min-runs'] ?? 3));
  const budgetMs = 1000 * Number(args.budget ?? 30);
  const meta = readMeta();
  const rssStart = peakRssMiB();
  if (workload === 'inference') {
    // Issue 16's row (bench/lib/infer-worker.mjs): ONNX Runtime needs no logitkit kernel set.
    const infer = await import('./lib/infer-worker.mjs');
    const fw = framework === 'onnxruntime' ? null : await loadFramework(framework);
    const rssLoaded = peakRssMiB();
    const result = { framework, workload, info: fw?.info(), notes: fw?.notes ?? [] };
    if (args.prepare) await infer.prepareInference(fw.lk, result);
    else await infer.runInferenceCell(fw, args, result);
    result.rss = { startMiB: rssStart, afterLoadMiB: rssLoaded, peakMiB: peakRssMiB() };
    emit(result);
    return;
  }
  const fw = await loadFramework(framework);
  const rssLoaded = peakRssMiB();
  const result = { framework, workload, info: fw.info(), notes: fw.notes };
  const tag = `${framework}__${workload}`;

  if (workload === 'sampling' || workload === 'linear-ce') {
    // Issue 15's rows: their own inputs (artifacts/bench-inputs/lm/) and cells (bench/lib/lm-worker.mjs).
    if (!fw.lk) {
      emit({ ...result, skipped: true, reason: `${framework} has no ${workload} workload` });
      return;
    }
    const [{ runLmCell }, { importDist }] = await Promise.all([import('./lib/lm-worker.mjs'), import('./frameworks/logitkit.mjs')]);
    await runLmCell(fw, importDist, args, result);
    result.rss = { startMiB: rssStart, afterLoadMiB: rssLoaded, peakMiB: peakRssMiB() };
    emit(result);
    return;
  }
  if (workload === 'ce' || workload === 'softmax' || workload === 'matmul') {
    let bench;
    if (workload === 'matmul') {
      bench = fw.matmul({ a: readRaw(meta.matmul.a, Float32Array), b: readRaw(meta.matmul.b, Float32Array), n: meta.matmul.n });
    } else {
      const input = { logits: readRaw(meta.ce.logits, Float32Array), ids: readRaw(meta.ce.ids, Int32Array), rows: meta.ce.rows, cols: meta.ce.cols };
      bench = workload === 'ce' ? fw.ce(input) : fw.softmax(input);
    }
    const { value: times, gc } = await withGcStats(() => timeRuns(bench.run, { runs, warmup, minRuns, budgetMs }));
    const out = bench.result();
    if (out.grad) writeRaw(OUTPUTS_DIR, `${tag}.f32`, out.grad);
    if (out.out) writeRaw(OUTPUTS_DIR, `${tag}.f32`, out.out);
    Object.assign(result, { timesMs: times, summary: summarize(times), gc, output: `${tag}.f32` });
    if (out.loss !== undefined) result.loss = out.loss;
    if (workload === 'matmul') result.gflops = MM_FLOPS / (result.summary.medianMs * 1e6);
  } else if (workload === 'cnn') {
    // K batches of 128 from the shared initial weights, after a warm-up; times extrapolated to the whole epoch. The
    // epoch's peak RSS is VmHWM after a run, with the mark reset to the current RSS just before it.
    const e = meta.epoch;
    const c = meta.cnn;
    if (typeof fw.cnn !== 'function') {
      emit({ ...result, skipped: true, reason: `${framework} has no CNN workload` });
      return;
    }
    const data = {
      trainX: toFloat(readRaw(e.trainX, Uint8Array)),
      trainY: Int32Array.from(readRaw(e.trainY, Uint8Array)),
      k1: readRaw(c.k1, Float32Array),
      k2: readRaw(c.k2, Float32Array),
      w3: readRaw(c.w3, Float32Array),
      w4: readRaw(c.w4, Float32Array),
    };
    const trainer = await fw.cnn(data);
    if (trainer.skipped) {
      emit({ ...result, notes: fw.notes, skipped: true, reason: trainer.reason });
      return;
    }
    const n = e.trainN;
    const total = Math.ceil(n / c.batch);
    const batches = Math.min(Number(args['cnn-batches'] ?? 60), total);
    const examples = Math.min(n, batches * c.batch);
    const factor = n / examples;
    const cnnRuns = Number(args['cnn-runs'] ?? 3);
    await trainer.train(Math.min(n, Number(args['cnn-warmup-batches'] ?? 5) * c.batch));
    const peakBefore = peakRssMiB();
    const canReset = resetPeakRss();
    const rawTimes = [];
    const epochPeaks = [];
    let losses = null;
    let startRss = null;
    const { gc } = await withGcStats(async () => {
      const start = performance.now();
      for (let r = 0; r < cnnRuns; r++) {
        trainer.reset();
        resetPeakRss();
        startRss ??= currentRssMiB();
        const t0 = performance.now();
        const l = await trainer.train(examples);
        rawTimes.push(performance.now() - t0);
        epochPeaks.push(peakRssMiB());
        if (r === 0) losses = l;
        if (rawTimes.length >= Math.min(2, cnnRuns) && performance.now() - start > budgetMs) break;
      }
    });
    const times = rawTimes.map((t) => t * factor);
    Object.assign(result, {
      notes: fw.notes,
      mode: batches === total ? 'full' : 'quick',
      batchesTimed: batches,
      examplesTimed: examples,
      trainN: n,
      extrapolation: factor,
      rawTimesMs: rawTimes,
      timesMs: times,
      summary: summarize(times),
      gc,
      losses,
      meanLoss: losses.reduce((s, x) => s + x, 0) / losses.length,
    });
    result.rss = {
      startMiB: rssStart,
      afterLoadMiB: rssLoaded,
      peakMiB: Math.max(peakBefore, ...epochPeaks),
      epochPeakMiB: canReset ? Math.max(...epochPeaks) : null,
      epochStartMiB: startRss,
      epochPeakResetWorked: canReset,
    };
    emit(result);
    return;
  } else if (workload === 'epoch') {
    const e = meta.epoch;
    const data = {
      trainX: toFloat(readRaw(e.trainX, Uint8Array)),
      trainY: Int32Array.from(readRaw(e.trainY, Uint8Array)),
      testX: toFloat(readRaw(e.testX, Uint8Array)),
      testY: Int32Array.from(readRaw(e.testY, Uint8Array)),
      w1: readRaw(e.w1, Float32Array),
      w2: readRaw(e.w2, Float32Array),
    };
    const trainer = await fw.epoch(data, { api: args['epoch-api'] ?? 'auto' });
    const mode = args['epoch-mode'] === 'quick' ? 'quick' : 'full';
    const n = e.trainN;
    const batches = mode === 'quick' ? Math.min(Number(args['quick-batches'] ?? 50), Math.ceil(n / EPOCH.batch)) : Math.ceil(n / EPOCH.batch);
    const examples = Math.min(n, batches * EPOCH.batch);
    const factor = n / examples;
    const epochRuns = Number(args['epoch-runs'] ?? (mode === 'quick' ? 3 : 3));
    const warmBatches = Number(args['epoch-warmup-batches'] ?? 10);
    // Warm-up on a few batches, then every timed run starts from the same initial weights and a fresh optimizer.
    await trainer.train(Math.min(n, warmBatches * EPOCH.batch));
    const rawTimes = [];
    let losses = null;
    let accuracy = null;
    const { gc } = await withGcStats(async () => {
      const start = performance.now();
      for (let r = 0; r < epochRuns; r++) {
        trainer.reset();
        const t0 = performance.now();
        const l = await trainer.train(examples);
        rawTimes.push(performance.now() - t0);
        if (r === 0) {
          losses = l;
          if (mode === 'full') accuracy = await trainer.accuracy();
        }
        if (rawTimes.length >= Math.min(2, epochRuns) && performance.now() - start > budgetMs) break;
      }
    });
    const times = rawTimes.map((t) => t * factor);
    Object.assign(result, {
      mode,
      batchesTimed: batches,
      examplesTimed: examples,
      trainN: n,
      extrapolation: factor,
      rawTimesMs: rawTimes,
      timesMs: times,
      summary: summarize(times),
      gc,
      gcPerStep: gc.count / (batches * rawTimes.length),
      losses,
      meanLoss: losses.reduce((s, x) => s + x, 0) / losses.length,
      accuracy,
    });
  } else {
    throw new Error(`unknown workload '${workload}'`);
  }
  result.rss = { startMiB: rssStart, afterLoadMiB: rssLoaded, peakMiB: peakRssMiB() };
  emit(result);
}

main().catch((e) => {
  emit({ framework: args.framework, workload: args.workload, error: String(e?.stack ?? e) });
  process.exitCode = 1;
});
