#!/usr/bin/env node
// Where the time of issue 15's rows goes, on the inputs of `npm run bench` (run the bench once to write them):
//   node bench/lm-profile.mjs lce [fused|materialised]   per-kernel time of one warm step (native kernel set)
//   node bench/lm-profile.mjs sampling [V]               cumulative time of the pipeline's prefixes, and sample()
// BENCH_LOGITKIT_DIST measures another build than dist/. PyTorch's stages: bench/torch_lm_profile.py.
import { performance } from 'node:perf_hooks';
import { importDist } from './frameworks/logitkit.mjs';
import { median } from './lib/common.mjs';
import { readLmMeta, readLmRaw } from './lib/lm-inputs.mjs';
import { samplingSpec } from './lib/lm-worker.mjs';

const [what = 'lce', arg] = process.argv.slice(2);
const lk = await importDist('index.js');
const meta = readLmMeta();

if (what === 'lce') {
  // Every kernel of the native set wrapped with a timer; matMul keyed by its shape and transposes.
  const k = await lk.createNativeKernels({});
  if (!k) throw new Error('the native kernel module is not built');
  const acc = new Map();
  const wrapped = { ...k };
  for (const [name, fn] of Object.entries(k)) {
    if (typeof fn !== 'function') continue;
    wrapped[name] = function (...a) {
      const key = name === 'matMul' ? `matMul m=${a[4]} k=${a[5]} n=${a[6]} transposeA=${a[7]} transposeB=${a[8]}` : name;
      const t0 = performance.now();
      const r = fn.apply(this, a);
      const e = acc.get(key) ?? { calls: 0, ms: 0 };
      e.calls++;
      e.ms += performance.now() - t0;
      acc.set(key, e);
      return r;
    };
  }
  lk.setKernels(wrapped);
  const { n, d, v } = meta.linearCe;
  const h = lk.tensor(readLmRaw(meta.linearCe.hidden, Float32Array), { shape: [n, d] });
  const w = lk.tensor(readLmRaw(meta.linearCe.weight, Float32Array), { shape: [v, d] });
  const y = lk.tensor(readLmRaw(meta.linearCe.labels, Int32Array), { shape: [n] });
  const paths = {
    fused: (a, b) => lk.nn.linearCrossEntropy(a, b, y),
    materialised: (a, b) => lk.losses.sparseSoftmaxCrossEntropy(y, lk.matMul(a, b, false, true)),
  };
  for (const [name, f] of Object.entries(paths)) {
    if (arg && arg !== name) continue;
    const vg = lk.valueAndGrads(f);
    vg([h, w]).value.item(); // warm-up
    acc.clear();
    const t0 = performance.now();
    const r = vg([h, w]);
    const total = performance.now() - t0;
    console.log(`\n${name}: ${total.toFixed(0)} ms, loss ${r.value.item()}`);
    let inKernels = 0;
    for (const [key, e] of [...acc].sort((a, b) => b[1].ms - a[1].ms)) {
      inKernels += e.ms;
      console.log(`  ${e.ms.toFixed(0).padStart(7)} ms  ${String(e.calls).padStart(4)}×  ${key}`);
    }
    console.log(`  ${(total - inKernels).toFixed(0).padStart(7)} ms         outside kernels`);
  }
} else if (what === 'sampling') {
  const cfg = meta.sampling;
  const V = Number(arg ?? 256_000);
  const all = readLmRaw(cfg.files[V].logits, Float32Array);
  const ctx = readLmRaw(cfg.files[V].context, Int32Array);
  const R = cfg.rows;
  const T = cfg.context;
  const logits = Array.from({ length: R }, (_, r) => lk.tensor(all.slice(r * V, (r + 1) * V), { shape: [1, V] }));
  const prev = Array.from({ length: R }, (_, r) => lk.tensor(ctx.slice(r * T, (r + 1) * T), { shape: [1, T] }));
  const spec = samplingSpec(cfg);
  const rng = new lk.Random(1);
  const time = (fn, runs = 300) => {
    for (let i = 0; i < 50; i++) fn(i);
    const t = [];
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      fn(i);
      t.push(performance.now() - t0);
    }
    return median(t) * 1000;
  };
  console.log(`V = ${V}: copy of a row ${time((i) => logits[i % R].values.slice()).toFixed(0)} µs; pipeline prefixes (median µs):`);
  let before = 0;
  for (let j = 1; j <= spec.length; j++) {
    const p = lk.sampling.pipeline(spec.slice(0, j));
    const us = time((i) => p.apply(logits[i % R], { previousTokens: prev[i % R] }));
    console.log(`  + ${spec[j - 1].type.padEnd(18)} ${us.toFixed(0).padStart(7)} µs (this step ≈ ${(us - before).toFixed(0)})`);
    before = us;
  }
  const full = lk.sampling.pipeline(spec);
  const outs = logits.map((l, r) => full.apply(l, { previousTokens: prev[r] }));
  console.log(`  sample() on a processed row ${time((i) => lk.sampling.sample(outs[i % R], { rng }).values[0]).toFixed(0)} µs`);
  const whole = time((i) => lk.sampling.sample(full.apply(logits[i % R], { previousTokens: prev[i % R] }), { rng }).values[0]);
  console.log(`  whole step ${whole.toFixed(0)} µs`);
} else {
  console.error(`lm-profile: unknown '${what}' (lce or sampling)`);
  process.exitCode = 2;
}
