#!/usr/bin/env node
// Quality bars of issue 3, on the built library (npm run acceptance builds first):
//  (a) embedded MNIST 8,000 / 2,000, the default `npm start` settings (trainMnistMlp()): test accuracy ≥ 95 %;
//  (b) full Fashion-MNIST 60,000 / 10,000 from /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist),
//      784-128-10, Adam 1e-3, batch 128, 10 epochs: test accuracy ≥ 88 %.
// Prints seconds per epoch; exits 1 when a bar is missed, 2 when a dataset is missing.
// Usage: node scripts/acceptance.mjs [--only mnist|fashion] [--fashion-dir DIR] [--json]
import { existsSync } from 'node:fs';
import { data, trainMlpClassifier, trainMnistMlp, MLP_CLASSIFIER_DEFAULTS } from '../dist/node.js';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const only = flag('--only');
const fashionDir = flag('--fashion-dir') ?? '/usr/share/datasets/fashion-mnist';
const json = args.includes('--json');
const log = (line) => (json ? undefined : console.log(line));

const progress = (label) => ({
  onEpochEnd: (epoch, l) =>
    log(
      `  ${label} epoch ${String(epoch + 1).padStart(2)}: loss ${l.loss.toFixed(4)}  acc ${l.acc.toFixed(4)}  ${l.seconds.toFixed(2)} s  (${Math.round(l.samplesPerSecond)} samples/s)`,
    ),
});

const stats = (s) => {
  const sorted = [...s].sort((a, b) => a - b);
  return { mean: s.reduce((a, b) => a + b, 0) / s.length, median: sorted[Math.floor(sorted.length / 2)], min: sorted[0], max: sorted.at(-1) };
};

const results = [];
let failed = false;

if (!only || only === 'mnist') {
  log(`(a) embedded MNIST 8,000 / 2,000, defaults ${JSON.stringify(MLP_CLASSIFIER_DEFAULTS)}`);
  const t0 = performance.now();
  const r = await trainMnistMlp({ onProgress: progress('mnist') });
  const total = (performance.now() - t0) / 1000;
  const pass = r.testAccuracy >= 0.95;
  failed ||= !pass;
  const s = stats(r.secondsPerEpoch);
  results.push({ name: 'embedded-mnist', bar: 0.95, testAccuracy: r.testAccuracy, pass, secondsPerEpoch: r.secondsPerEpoch, totalSeconds: total });
  log(
    `  test accuracy ${(100 * r.testAccuracy).toFixed(2)} % (bar 95 %) ${pass ? 'PASS' : 'FAIL'}; ` +
      `seconds/epoch mean ${s.mean.toFixed(2)}, median ${s.median.toFixed(2)} (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}); total ${total.toFixed(1)} s`,
  );
}

if (!only || only === 'fashion') {
  log(`(b) Fashion-MNIST 60,000 / 10,000 from ${fashionDir}: 784-128-10, Adam 1e-3, batch 128, 10 epochs`);
  if (!existsSync(fashionDir)) {
    console.error(`acceptance: ${fashionDir} not found (install the Debian package dataset-fashion-mnist or pass --fashion-dir)`);
    process.exit(2);
  }
  const { train, test } = await data.loadIdxDataset(fashionDir, { classNames: [...data.FASHION_MNIST_CLASS_NAMES] });
  const t0 = performance.now();
  const r = await trainMlpClassifier({ train, test }, { epochs: 10, batchSize: 128, learningRate: 1e-3, seed: 0, onProgress: progress('fashion') });
  const total = (performance.now() - t0) / 1000;
  const pass = r.testAccuracy >= 0.88;
  failed ||= !pass;
  const s = stats(r.secondsPerEpoch);
  results.push({ name: 'fashion-mnist', bar: 0.88, testAccuracy: r.testAccuracy, pass, secondsPerEpoch: r.secondsPerEpoch, totalSeconds: total });
  log(
    `  test accuracy ${(100 * r.testAccuracy).toFixed(2)} % (bar 88 %) ${pass ? 'PASS' : 'FAIL'}; ` +
      `seconds/epoch mean ${s.mean.toFixed(2)}, median ${s.median.toFixed(2)} (min ${s.min.toFixed(2)}, max ${s.max.toFixed(2)}); total ${total.toFixed(1)} s`,
  );
}

if (json) console.log(JSON.stringify({ pass: !failed, results }, null, 1));
else log(failed ? 'acceptance: FAILED' : 'acceptance: all bars met');
process.exit(failed ? 1 : 0);
