// The inference-throughput row of `npm run bench` (issue 16, item 6), run by bench/run.mjs:
//   the seeds' MLP 784-128(relu)-10 and issue 12's CNN on [28, 28, 1] images, batch 1 and 256, float32 logits;
//   logitkit's model.predict (native kernels, their float32-sum option, the WebAssembly kernels) against ONNX Runtime
//   (onnxruntime-node, CPU, intraOpNumThreads 1, interOpNumThreads 1, sequential) running the same model exported
//   by logitkit's exportOnnx, with the same weights. Samples per second from the median time per call.
// One child process per framework × model × batch (bench/worker.mjs, bench/lib/infer-worker.mjs); a preparation
// child writes the weights and the .onnx first.
import os from 'node:os';
import path from 'node:path';
import { BENCH_DIR, fmt, readOutput, summarize } from './common.mjs';
import { compareArrays } from './inputs.mjs';

/** The columns unless --frameworks names others. */
const INFER_FRAMEWORKS = ['logitkit-native', 'logitkit-native-f32', 'logitkit-wasm', 'onnxruntime'];
const MODELS = { mlp: 'MLP 784-128-10', cnn: 'CNN conv32-conv64-128-10' };
const TOL = { maxRel: 1e-4 };
const GOAL = { model: 'mlp', batch: 256 };

const time = (ms) => (ms >= 1 ? `${fmt(ms)} ms` : `${fmt(ms * 1000)} µs`);
function table(header, rows) {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

/**
 * Runs the row and returns its results, Markdown tables and goal lines.
 * ctx: { args, selected, only, runChild, notice, warn }
 */
export async function runInferenceRow(ctx) {
  const { args, selected, only, runChild, notice, warn } = ctx;
  const out = { results: {}, tables: [], goals: [] };
  const cols = selected.filter((f) => (only ? true : INFER_FRAMEWORKS.includes(f.id)) && (f.ours || f.peer === 'ort'));
  if (!cols.length) return out;
  const models = args['infer-models'] ? String(args['infer-models']).split(',') : Object.keys(MODELS);
  const batches = args['infer-batches'] ? String(args['infer-batches']).split(',').map(Number) : [1, 256];
  const runs = String(args['infer-runs'] ?? 31);
  const warmup = String(args['infer-warmup'] ?? 30);
  const budget = String(args['infer-budget'] ?? 6);
  const rounds = Math.max(1, Number(args.rounds ?? 1));
  const worker = path.join(BENCH_DIR, 'worker.mjs');

  // The weights and exportOnnx's bytes, from the build under test.
  const prepFramework = cols.find((f) => f.ours)?.id ?? 'logitkit-ts';
  const prep = await runChild(process.execPath, [worker, '--framework', prepFramework, '--workload', 'inference', '--prepare'], 'inference prepare');
  if (prep.error) {
    warn(`inference: preparing the models failed: ${prep.error.split('\n')[0]}`);
    return out;
  }
  notice(
    `inference row: model.predict(x) for logitkit, await session.run({input}) for ONNX Runtime (exportOnnx's model, logits only, CPU, intraOpNumThreads 1, interOpNumThreads 1, sequential); the first test images, pixels / 255, 4 distinct batches cycled; ≥ ${warmup} warm-up calls (and ≥ 0.3 s), then up to ${runs} timed runs of enough calls to last ≥ 5 ms (${budget} s budget per cell); samples/s = batch / median time per call`,
  );

  const res = {};
  const seen = new Set();
  const key = (m, b) => `${m}_b${b}`;
  for (const m of models) for (const b of batches) res[key(m, b)] = {};
  const pool = (prev, r) => {
    if (!prev?.summary || !r.summary) return prev?.summary ? prev : r;
    const timesMs = [...prev.timesMs, ...r.timesMs];
    const cpuMs = [...prev.cpuMs, ...r.cpuMs];
    const summary = summarize(timesMs);
    return {
      ...prev,
      timesMs,
      cpuMs,
      summary,
      cpuSummary: summarize(cpuMs),
      samplesPerSecond: (1000 * prev.batch) / summary.medianMs,
      loadavg: [...prev.loadavg, ...r.loadavg],
    };
  };
  for (let round = 0; round < rounds; round++) {
    console.log(`\ninference throughput, float32 logits${rounds > 1 ? ` (round ${round + 1} of ${rounds})` : ''}`);
    for (const m of models) {
      for (const b of batches) {
        // The frameworks of one (model, batch) pair run back to back, so they see about the same load.
        for (const f of cols) {
          const load = os.loadavg()[0];
          const r = await runChild(
            process.execPath,
            [
              worker,
              '--framework',
              f.id,
              '--workload',
              'inference',
              '--model',
              m,
              '--batch',
              String(b),
              '--runs',
              runs,
              '--warmup',
              warmup,
              '--budget',
              budget,
            ],
            f.id,
          );
          r.framework ??= f.id;
          r.loadavg = [load];
          if (r.error) warn(`${f.id} inference ${m} batch ${b}: ${r.error.split('\n')[0]}`);
          for (const n of r.notes ?? []) if (/^(kernels|inference)/.test(n)) seen.add(`${f.id}: ${n}`);
          res[key(m, b)][f.id] = pool(res[key(m, b)][f.id], r);
          const s = r.summary;
          console.log(
            `  ${`${m} b${b}`.padEnd(9)} ${f.id.padEnd(20)} ${s ? `${fmt(r.samplesPerSecond)} samples/s, ${time(s.medianMs)} per call (q1–q3 ${time(s.q1Ms)}–${time(s.q3Ms)}; CPU ${time(r.cpuSummary.medianMs)}), ${s.runs} runs × ${r.callsPerRun} calls after ${r.warmupCalls} warm-up calls, peak RSS ${fmt(r.rss.peakMiB)} MiB, load ${load.toFixed(1)}` : 'error'}`,
          );
        }
      }
    }
  }
  for (const n of seen) notice(n);

  // Checks: every logitkit column's logits of the first batch against ONNX Runtime's (max |Δ| / max |ORT|).
  for (const m of models) {
    for (const b of batches) {
      const cell = res[key(m, b)];
      const ref = cell.onnxruntime?.output ? readOutput(cell.onnxruntime.output, Float32Array) : null;
      if (!ref) continue;
      for (const f of cols.filter((c) => c.ours)) {
        const r = cell[f.id];
        if (!r?.output) continue;
        const c = compareArrays(readOutput(r.output, Float32Array), ref);
        r.check = { reference: 'onnxruntime', maxRelErr: c.maxRel ?? null, maxAbsErr: c.maxAbs ?? null, ok: c.maxRel != null && c.maxRel <= TOL.maxRel };
        if (!r.check.ok)
          warn(
            `${f.id} inference ${m} batch ${b}: logits disagree with ONNX Runtime's: max rel. error ${c.maxRel?.toExponential(2) ?? c.error} (tolerance ${TOL.maxRel})`,
          );
      }
    }
  }
  out.results.inference = res;

  // Table: samples/s (time per call) per framework, then ours/ORT throughput and the agreement.
  const ort = cols.find((c) => c.id === 'onnxruntime');
  const ours = cols.filter((c) => c.ours);
  const header = [
    'model, batch',
    ...cols.map((c) => `${c.label}: samples/s (per call)`),
    ...(ort ? ours.map((c) => `${c.label} / ORT (throughput; CPU time)`) : []),
    ...(ort ? ['max rel. error vs ORT'] : []),
  ];
  const rows = [];
  for (const m of models) {
    for (const b of batches) {
      const cell = res[key(m, b)];
      const t = cell.onnxruntime?.summary;
      const cells = cols.map((c) => {
        const r = cell[c.id];
        return r?.summary ? `${fmt(r.samplesPerSecond)} (${time(r.summary.medianMs)})` : r?.error ? 'error' : '—';
      });
      const ratios = ort
        ? ours.map((c) => {
            const r = cell[c.id];
            if (!r?.summary || !t) return '—';
            return `${fmt(t.medianMs / r.summary.medianMs)}; ${fmt(cell.onnxruntime.cpuSummary.medianMs / r.cpuSummary.medianMs)}`;
          })
        : [];
      const errs = ort
        ? [
            ours
              .map((c) => cell[c.id]?.check?.maxRelErr)
              .filter((e) => e != null)
              .reduce((a, e) => Math.max(a, e), -Infinity),
          ].map((e) => (Number.isFinite(e) ? e.toExponential(1) : '—'))
        : [];
      rows.push([`${MODELS[m] ?? m}, ${b}`, ...cells, ...ratios, ...errs]);
    }
  }
  out.tables.push({
    title: 'Inference throughput, float32 logits, one thread: samples/s (median time per call); ratios > 1 mean logitkit is faster',
    md: table(header, rows),
  });
  const g = res[key(GOAL.model, GOAL.batch)];
  if (g?.onnxruntime?.summary) {
    for (const c of ours) {
      const r = g[c.id];
      if (!r?.summary) continue;
      const q = g.onnxruntime.summary.medianMs / r.summary.medianMs;
      out.goals.push({ ours: c.id, goal: 'inference, MLP batch 256: throughput ≥ ONNX Runtime 1 thread', met: q >= 1, ratio: q, unitText: '× ORT throughput' });
    }
  }
  return out;
}
