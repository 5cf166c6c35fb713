// The Node side of the inference-throughput row (issue 16, item 6), run inside bench/worker.mjs, one framework ×
// model × batch per process:
//   --workload inference --prepare                           builds both models (seeded weights), writes their weights
//                                                            and exportOnnx's bytes to artifacts/bench-inputs/infer/
//   --framework logitkit-native --workload inference --model mlp|cnn --batch 1|256 [--runs 31] [--warmup 30]
//   --framework onnxruntime     --workload inference --model mlp|cnn --batch 1|256
// logitkit times `model.predict(x)` on a model rebuilt from the saved weights; ONNX Runtime times
// `await session.run({input})` on the saved .onnx (CPU, one intra-op and one inter-op thread, sequential execution).
// Both read the same images (the epoch row's test images, pixels / 255) and write their logits of the first batch.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { INPUTS_DIR, OUTPUTS_DIR, ROOT, cnnLayers, gaussian, readMeta, readRaw, rng, summarize, timingOptions, writeRaw } from './common.mjs';

export const INFER_DIR = path.join(INPUTS_DIR, 'infer');
export const INFER = {
  models: ['mlp', 'cnn'],
  batches: [1, 256],
  seed: 16_0006,
  biasStd: 0.1,
  /** The images cycled through by every framework (in the same order): this many distinct input batches per cell. */
  distinctInputs: 4,
};

/** The two networks of the row, through the public Keras-style API (dropout is the identity at inference). */
export function buildModel(lk, name) {
  const L = lk.layers;
  if (name === 'mlp') {
    // The seeds' MLP: 784-128(relu)-10, logits out.
    return lk.sequential([L.dense({ units: 128, activation: 'relu', inputShape: [784] }), L.dense({ units: 10 })], { seed: INFER.seed });
  }
  if (name === 'cnn') {
    // Issue 12's CNN ('valid' padding, channels last).
    return lk.sequential(cnnLayers(L), { seed: INFER.seed });
  }
  throw new Error(`inference: unknown model '${name}' (mlp or cnn)`);
}

export const inputShape = (model, batch) => (model === 'mlp' ? [batch, 784] : [batch, 28, 28, 1]);

/**
 * Writes each model's weights (Glorot-uniform kernels from the model's seed, biases ~ N(0, 0.1²) so they matter)
 * and its ONNX export (exportOnnx, logits only) to artifacts/bench-inputs/infer/. Run in a child every bench run,
 * so the .onnx always comes from the build under test.
 */
export async function prepareInference(lk, result) {
  fs.mkdirSync(INFER_DIR, { recursive: true });
  const rand = rng(INFER.seed);
  const meta = { seed: INFER.seed, biasStd: INFER.biasStd, models: {} };
  for (const name of INFER.models) {
    const net = buildModel(lk, name);
    const values = net.weights.map((v) => {
      const isBias = v.shape.length === 1;
      const x = Float32Array.from(v.value.values);
      if (isBias) for (let i = 0; i < x.length; i++) x[i] = INFER.biasStd * gaussian(rand);
      return lk.tensor(x, { shape: v.shape.slice() });
    });
    net.setWeights(values);
    const total = values.reduce((s, t) => s + t.size, 0);
    const flat = new Float32Array(total);
    let at = 0;
    for (const t of values) {
      flat.set(t.values, at);
      at += t.size;
    }
    writeRaw(INFER_DIR, `${name}_weights.f32`, flat);
    const bytes = lk.exportOnnx(net, { probabilities: false });
    fs.writeFileSync(path.join(INFER_DIR, `${name}.onnx`), bytes);
    meta.models[name] = {
      weights: `${name}_weights.f32`,
      shapes: values.map((t) => t.shape.slice()),
      params: total,
      onnx: `${name}.onnx`,
      onnxBytes: bytes.length,
      layers: net.layers.map((l) => l.className),
    };
  }
  fs.writeFileSync(path.join(INFER_DIR, 'meta.json'), JSON.stringify(meta, null, 2));
  Object.assign(result, { prepared: meta });
}

function readInferMeta() {
  return JSON.parse(fs.readFileSync(path.join(INFER_DIR, 'meta.json'), 'utf8'));
}

/** `distinctInputs` batches of the test images (pixels / 255), consecutive, starting at image 0. */
function imageBatches(batch) {
  const e = readMeta().epoch;
  const u8 = readRaw(e.testX, Uint8Array);
  const out = [];
  for (let i = 0; i < INFER.distinctInputs; i++) {
    const start = (i * batch) % Math.max(1, e.testN - batch + 1);
    const x = new Float32Array(batch * 784);
    for (let j = 0; j < x.length; j++) x[j] = u8[start * 784 + j] / 255;
    out.push(x);
  }
  return out;
}

/**
 * Warm-up (at least `warmup` calls and 0.3 s), then `runs` timed runs of `calls` calls each (calls chosen so a run
 * lasts ≥ 5 ms; 1 for slow calls). Returns the time per call of every run, in ms, and the process CPU time per call.
 */
async function timeCalls(call, { runs, warmup, minRuns, budgetMs }) {
  const t0 = performance.now();
  let n = 0;
  while (n < warmup || performance.now() - t0 < 300) {
    await call(n++);
  }
  const perCall = (performance.now() - t0) / n;
  const calls = Math.max(1, Math.min(1000, Math.round(5 / perCall)));
  const times = [];
  const cpu = [];
  const start = performance.now();
  let i = n;
  while (times.length < runs) {
    const c0 = process.cpuUsage();
    const r0 = performance.now();
    for (let c = 0; c < calls; c++) await call(i++);
    times.push((performance.now() - r0) / calls);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000 / calls);
    if (times.length >= minRuns && performance.now() - start > budgetMs) break;
  }
  return { times, cpu, calls, warmupCalls: n };
}

/** One inference cell in this process (framework 'onnxruntime' or a logitkit kernel set from `fw`); fills `result`. */
export async function runInferenceCell(fw, args, result) {
  const model = String(args.model ?? 'mlp');
  const batch = Number(args.batch ?? 1);
  const meta = readInferMeta().models[model];
  if (!meta) throw new Error(`inference: no prepared model '${model}' in ${INFER_DIR}`);
  const timing = timingOptions(args, { runs: 31, warmup: 30, minRuns: 5, budgetS: 6 });
  const shape = inputShape(model, batch);
  const xs = imageBatches(batch);
  let call;
  let first;
  if (result.framework === 'onnxruntime') {
    const require = createRequire(path.join(ROOT, 'package.json'));
    const ort = require('onnxruntime-node');
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
    const session = await ort.InferenceSession.create(fs.readFileSync(path.join(INFER_DIR, meta.onnx)), options);
    const feeds = xs.map((x) => ({ input: new ort.Tensor('float32', x, shape) }));
    call = (i) => session.run(feeds[i % feeds.length]);
    first = async () => Float32Array.from((await session.run(feeds[0])).logits.data);
    result.info = { ort: require('onnxruntime-node/package.json').version, sessionOptions: options };
    result.notes = [
      `inference: onnxruntime-node ${result.info.ort}, CPU execution provider, await session.run({input}) on exportOnnx's model (logits only), ${JSON.stringify(options)}`,
    ];
  } else {
    const lk = fw.lk;
    const net = buildModel(lk, model);
    const flat = readRaw(path.join('infer', meta.weights), Float32Array);
    let at = 0;
    net.setWeights(
      meta.shapes.map((s) => {
        const size = s.reduce((a, b) => a * b, 1);
        const t = lk.tensor(flat.slice(at, at + size), { shape: s });
        at += size;
        return t;
      }),
    );
    const tensors = xs.map((x) => lk.tensor(x, { shape }));
    call = (i) => net.predict(tensors[i % tensors.length]).values;
    first = () => Float32Array.from(net.predict(tensors[0]).values);
    result.notes = [...(result.notes ?? []), 'inference: model.predict(x) (eager, no tape), logits read with .values'];
  }
  const { times, cpu, calls, warmupCalls } = await timeCalls(call, timing);
  const logits = await first();
  const tag = `${result.framework}__inference_${model}_b${batch}.f32`;
  writeRaw(OUTPUTS_DIR, tag, logits);
  const s = summarize(times);
  Object.assign(result, {
    model,
    batch,
    callsPerRun: calls,
    warmupCalls,
    timesMs: times,
    cpuMs: cpu,
    summary: s,
    cpuSummary: summarize(cpu),
    samplesPerSecond: (1000 * batch) / s.medianMs,
    output: tag,
  });
}
