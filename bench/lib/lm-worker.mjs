// The Node side of the language-model rows (issue 15), run inside bench/worker.mjs (one framework × one cell per
// process):
//   --workload sampling --vocab V                      one processing + sampling step at V, batch 1
//   --workload linear-ce --path fused|materialised     nn.linearCrossEntropy, or matMul → sparse cross-entropy
//                        [--measure time|memory]       median time, or the extra peak RSS of one step (fresh process)
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { OUTPUTS_DIR, currentRssMiB, peakRssMiB, resetPeakRss, summarize, timingOptions, writeRaw } from './common.mjs';
import { readLmMeta, readLmRaw } from './lm-inputs.mjs';

/** Warm-up then timed runs; `run(i)` gets the step's index (rows are cycled by it). */
function timeSteps(run, { runs, warmup, minRuns, budgetMs }) {
  for (let i = 0; i < warmup; i++) run(i);
  const times = [];
  const start = performance.now();
  while (times.length < runs) {
    const t0 = performance.now();
    run(warmup + times.length);
    times.push(performance.now() - t0);
    if (times.length >= minRuns && performance.now() - start > budgetMs) break;
  }
  return times;
}

/** Full garbage collections until the RSS settles (the worker runs with --expose-gc for these rows). */
async function settle() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 30));
  }
}

/** The sampling module and nn.linearCrossEntropy of the build under test, or why they are missing. */
export async function findLmApi(lk, importDist) {
  const api = { notes: [] };
  let sampling = lk.sampling;
  let from = 'dist/index.js sampling';
  if (!sampling?.pipeline) {
    // Not exported from the package root yet: the module itself.
    try {
      sampling = await importDist('sampling/index.js');
      from = 'dist/sampling/index.js';
    } catch (e) {
      sampling = null;
      api.samplingMissing = `no sampling module in the build (${String(e?.message ?? e).split('\n')[0]})`;
    }
  }
  if (sampling && (typeof sampling.pipeline !== 'function' || typeof sampling.sample !== 'function')) {
    api.samplingMissing = `${from} has no pipeline() and sample()`;
    sampling = null;
  }
  if (sampling) {
    api.sampling = sampling;
    api.notes.push(`sampling: ${from} pipeline(...).apply + sample`);
  }
  let lce = lk.nn?.linearCrossEntropy;
  let lceFrom = 'dist/index.js nn.linearCrossEntropy';
  if (typeof lce !== 'function') {
    try {
      lce = (await importDist('ops/softmax/linear-cross-entropy.js')).linearCrossEntropy;
      lceFrom = 'dist/ops/softmax/linear-cross-entropy.js';
    } catch (e) {
      api.linearCeMissing = `no nn.linearCrossEntropy in the build (${String(e?.message ?? e).split('\n')[0]})`;
    }
  }
  if (typeof lce === 'function') {
    api.linearCrossEntropy = lce;
    api.notes.push(`linear-ce: ${lceFrom}`);
  } else api.linearCeMissing ??= `${lceFrom} is not a function`;
  return api;
}

/** The pipeline, as logitkit's sampling module spells it. */
export function samplingSpec(cfg) {
  return [
    { type: 'repetitionPenalty', penalty: cfg.repetitionPenalty },
    { type: 'temperature', temperature: cfg.temperature },
    { type: 'topK', k: cfg.topK },
    { type: 'topP', p: cfg.topP },
    { type: 'minP', p: cfg.minP },
  ];
}

async function runSampling(lk, api, args, result, timing) {
  const meta = readLmMeta();
  const cfg = meta.sampling;
  const v = Number(args.vocab);
  const files = cfg.files[v];
  if (!files) throw new Error(`sampling: no inputs for V = ${v} (have ${cfg.vocabs.join(', ')})`);
  const { rows, context } = cfg;
  const all = readLmRaw(files.logits, Float32Array);
  const ctx = readLmRaw(files.context, Int32Array);
  // The model hands over [1, V] logits and the context so far; both exist before the step.
  const logits = Array.from({ length: rows }, (_, r) => lk.tensor(all.slice(r * v, (r + 1) * v), { shape: [1, v] }));
  const contexts = Array.from({ length: rows }, (_, r) => lk.tensor(ctx.slice(r * context, (r + 1) * context), { shape: [1, context] }));
  const pipe = api.sampling.pipeline(samplingSpec(cfg));
  // One seeded generator per process: every step draws the next number of the same stream (torch: one Generator).
  const sampler = makeSampler(lk, api.sampling, cfg.seed);
  let token = -1;
  const step = (i) => {
    const r = i % rows;
    token = sampler(pipe.apply(logits[r], { previousTokens: contexts[r] }));
  };
  const times = timeSteps(step, timing);
  // The check (not timed): each row's kept set and processed logits, and 32 samples that must fall in the kept set.
  const kept = [];
  const values = [];
  const tokens = [];
  for (let r = 0; r < rows; r++) {
    const out = pipe.apply(logits[r], { previousTokens: contexts[r] });
    const x = out.values;
    const k = [];
    const vals = [];
    for (let j = 0; j < x.length; j++) {
      if (Number.isFinite(x[j])) {
        k.push(j);
        vals.push(x[j]);
      }
    }
    kept.push(k);
    values.push(vals);
    tokens.push(Array.from({ length: 32 }, () => sampler(pipe.apply(logits[r], { previousTokens: contexts[r] }))));
  }
  const tag = `${result.framework}__sampling_${v}.json`;
  fs.mkdirSync(OUTPUTS_DIR, { recursive: true });
  fs.writeFileSync(path.join(OUTPUTS_DIR, tag), JSON.stringify({ kept, values, tokens }));
  Object.assign(result, { vocab: v, timesMs: times, summary: summarize(times), output: tag, lastToken: token });
}

/** sample(logits, {rng}) → the token id, drawing from one generator kept for the whole process (lk.Random). */
function makeSampler(lk, sampling, seed) {
  const rng = new lk.Random(seed);
  return (processed) => sampling.sample(processed, { rng }).values[0];
}

async function runLinearCe(lk, api, args, result, timing) {
  const m = readLmMeta().linearCe;
  const { n, d, v } = m;
  const mode = String(args.path ?? 'fused');
  const hidden = lk.tensor(readLmRaw(m.hidden, Float32Array), { shape: [n, d] });
  const weight = lk.tensor(readLmRaw(m.weight, Float32Array), { shape: [v, d] });
  const labels = lk.tensor(readLmRaw(m.labels, Int32Array), { shape: [n] });
  const lossOf = (lab) =>
    mode === 'fused'
      ? (h, w) => api.linearCrossEntropy(h, w, lab)
      : // The materialised path a user writes today: the [N, V] logits, then the mean sparse cross-entropy.
        (h, w) => lk.losses.sparseSoftmaxCrossEntropy(lab, lk.matMul(h, w, false, true));
  result.path = mode;
  result.notes = [
    ...(result.notes ?? []),
    mode === 'fused'
      ? 'linear-ce: valueAndGrads((h, W) => nn.linearCrossEntropy(h, W, labels)) (mean), gradients to h and W'
      : 'linear-ce: valueAndGrads((h, W) => losses.sparseSoftmaxCrossEntropy(labels, matMul(h, W, false, true))) (mean)',
  ];
  const f = lk.valueAndGrads(lossOf(labels));
  let last = null;
  const step = () => {
    last = null; // the previous step's gradients are dropped before the next one, as a training loop would
    last = f([hidden, weight]);
    last.value.item();
  };
  const outMiB = ((n * d + v * d) * 4) / 2 ** 20;
  if (args.measure === 'memory') {
    // A fresh process: inputs allocated, one small step of the same code (kernel start-up, JIT), a full collection,
    // then the RSS before the full-size step and the peak during it (VmHWM reset to the current RSS just before it).
    const hs = lk.tensor(hidden.values.slice(0, 64 * d), { shape: [64, d] });
    const ws = lk.tensor(weight.values.slice(0, 4096 * d), { shape: [4096, d] });
    const ls = lk.tensor(
      labels.values.slice(0, 64).map((y) => y % 4096),
      { shape: [64] },
    );
    lk.valueAndGrads(lossOf(ls))([hs, ws]).value.item();
    const steps = [];
    for (let i = 0; i < Number(args['memory-steps'] ?? 2); i++) {
      last = null;
      await settle();
      const base = currentRssMiB();
      const ok = resetPeakRss();
      last = f([hidden, weight]);
      last.value.item();
      const peak = peakRssMiB();
      steps.push({ baseMiB: base, peakMiB: peak, extraMiB: peak - base, afterMiB: currentRssMiB(), resetWorked: ok });
    }
    Object.assign(result, { measure: 'memory', memorySteps: steps, outputsMiB: outMiB, loss: last.value.item() });
    return;
  }
  const times = timeSteps(step, timing);
  const tag = `${result.framework}${mode === 'fused' ? '' : '-materialised'}__linear-ce`;
  const [dh, dw] = last.grads;
  writeRaw(OUTPUTS_DIR, `${tag}__dh.f32`, Float32Array.from(dh.values));
  const every16 = new Float32Array((v / 16) * d);
  for (let r = 0; r < v / 16; r++) every16.set(dw.values.subarray(16 * r * d, (16 * r + 1) * d), r * d);
  writeRaw(OUTPUTS_DIR, `${tag}__dw16.f32`, every16);
  Object.assign(result, { measure: 'time', timesMs: times, summary: summarize(times), loss: last.value.item(), output: tag });
}

/** Runs one language-model cell in this process; fills `result`. */
export async function runLmCell(fw, importDist, args, result) {
  const lk = fw.lk;
  const api = await findLmApi(lk, importDist);
  result.notes = [...(result.notes ?? []), ...api.notes];
  const timing = timingOptions(args, { runs: 7, warmup: 2, minRuns: 3, budgetS: 30 });
  if (result.workload === 'sampling') {
    if (!api.sampling) return Object.assign(result, { skipped: true, reason: api.samplingMissing });
    await runSampling(lk, api, args, result, timing);
  } else {
    if (args.path !== 'materialised' && !api.linearCrossEntropy) return Object.assign(result, { skipped: true, reason: api.linearCeMissing });
    await runLinearCe(lk, api, args, result, timing);
  }
  return result;
}
