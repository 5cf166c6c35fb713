// Shared helpers for the benchmark: paths, a seeded generator, statistics, raw file I/O.
// Everything here is plain Node (no logitkit, no TF.js) so the orchestrator and every worker agree on it.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const ROOT = path.dirname(BENCH_DIR);
export const ARTIFACTS = path.join(ROOT, 'artifacts');
export const INPUTS_DIR = path.join(ARTIFACTS, 'bench-inputs');
export const OUTPUTS_DIR = path.join(ARTIFACTS, 'bench-outputs');

/** Marker that starts the one result line a worker prints (libraries may print other things on stdout). */
export const RESULT_MARKER = 'BENCH_RESULT ';

/** A number for the tables: grouped thousands, else about `digits` significant digits. */
export function fmt(x, digits = 3) {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(digits - 2);
  if (a >= 1) return x.toFixed(digits - 1);
  return x.toPrecision(digits);
}

/**
 * A worker's timing settings from its command line (--runs, --warmup, --min-runs, --budget seconds), each
 * defaulting to the row's own: at least minRuns timed runs, more until `runs` or the budget is spent.
 */
export function timingOptions(args, defaults) {
  const runs = Number(args.runs ?? defaults.runs);
  return {
    runs,
    warmup: Number(args.warmup ?? defaults.warmup),
    minRuns: Math.min(runs, Number(args['min-runs'] ?? defaults.minRuns)),
    budgetMs: 1000 * Number(args.budget ?? defaults.budgetS),
  };
}

/** The workloads, in table order. */
export const WORKLOADS = {
  ce: {
    title: 'cross-entropy fwd + grad, logits [2048, 1000] f32, one-hot labels',
    short: 'cross-entropy fwd+grad [2048,1000]',
  },
  softmax: { title: 'softmax, [2048, 1000] f32', short: 'softmax [2048,1000]' },
  matmul: { title: 'matMul 512 × 512 × 512 f32 (GFLOP/s)', short: 'matMul 512³ (GFLOP/s)' },
  epoch: {
    title: 'one training epoch, 784-128-10 MLP, Adam, batch 128',
    short: 'epoch 784-128-10 Adam b128',
  },
  cnn: {
    title: 'one CNN training epoch, [28, 28, 1] → conv 32 3×3 → pool 2 → conv 64 3×3 → pool 2 → 128 → dropout 0.3 → 10, Adam, batch 128',
    short: 'CNN epoch conv32-conv64-128 b128',
  },
  // Issue 15 (bench/lib/lm-run.mjs): their own cells, tables and goals.
  sampling: {
    title: 'one processing + sampling step, batch 1, V = 32,000 / 128,000 / 256,000 (repetition penalty, temperature, top-k, top-p, min-p, sample)',
    short: 'sampling step b1',
  },
  'linear-ce': {
    title: 'nn.linearCrossEntropy forward + backward, N = 1,024, D = 512, V = 65,536, against the materialised path',
    short: 'linear cross-entropy 1024×512×65536',
  },
  // Issue 16 (bench/lib/infer-run.mjs): its own cells, table and goal.
  inference: {
    title: 'inference throughput, MLP 784-128-10 and the CNN, batch 1 and 256, float32 logits, against ONNX Runtime (one thread)',
    short: 'inference MLP/CNN b1/b256',
  },
};

export const CE_ROWS = 2048;
export const CE_COLS = 1000;
export const MM_N = 512;
export const MM_FLOPS = 2 * MM_N * MM_N * MM_N;
export const EPOCH = { inputs: 784, hidden: 128, classes: 10, batch: 128, lr: 1e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-7 };

/**
 * The convolutional network of issue 12 (Keras names, 'valid' padding, channels last), trained as the epoch row:
 * conv2d(32, 3×3, relu) → maxPooling2d(2) → conv2d(64, 3×3, relu) → maxPooling2d(2) → flatten → dense(128, relu) →
 * dropout(0.3) → dense(10), mean sparse cross-entropy from logits, Adam (lr 1e-3, β 0.9/0.999, ε 1e-7), batch 128.
 */
export const CNN = {
  height: 28,
  width: 28,
  channels: 1,
  conv: [
    { filters: 32, kernel: 3 },
    { filters: 64, kernel: 3 },
  ],
  pool: 2,
  hidden: 128,
  dropout: 0.3,
  classes: 10,
  batch: 128,
  lr: 1e-3,
  beta1: 0.9,
  beta2: 0.999,
  epsilon: 1e-7,
};

/** CNN's layers through logitkit's Keras-named `layers` (passed in: this module imports no library). */
export function cnnLayers(L) {
  const [c1, c2] = CNN.conv;
  return [
    L.conv2d({ filters: c1.filters, kernelSize: c1.kernel, activation: 'relu', inputShape: [CNN.height, CNN.width, CNN.channels] }),
    L.maxPooling2d({ poolSize: CNN.pool }),
    L.conv2d({ filters: c2.filters, kernelSize: c2.kernel, activation: 'relu' }),
    L.maxPooling2d({ poolSize: CNN.pool }),
    L.flatten(),
    L.dense({ units: CNN.hidden, activation: 'relu' }),
    L.dropout({ rate: CNN.dropout }),
    L.dense({ units: CNN.classes }),
  ];
}

/**
 * The CNN's layer shapes and the floating-point operations of one training step per example, counted exactly:
 * a product of an [m, k] and a [k, n] matrix is 2·m·k·n FLOPs, and every layer with weights does it three times
 * (forward, the input's gradient, the weights' gradient), except the first convolution, whose input (the images)
 * needs no gradient. `conventional` counts all three for every layer (3 × forward, the usual estimate); the
 * element-wise work (bias, relu, pooling, softmax, Adam) is left out of both, being < 0.1 % of it.
 */
export function cnnFlops(cnn = CNN, examples = 60_000) {
  const layers = [];
  let [h, w, c] = [cnn.height, cnn.width, cnn.channels];
  cnn.conv.forEach(({ filters, kernel }, i) => {
    const [oh, ow] = [h - kernel + 1, w - kernel + 1];
    const macs = oh * ow * filters * kernel * kernel * c;
    layers.push({ name: `conv${i + 1} ${kernel}×${kernel}×${c}→${filters}, out ${oh}×${ow}×${filters}`, macs, passes: i === 0 ? 2 : 3 });
    [h, w, c] = [Math.floor(oh / cnn.pool), Math.floor(ow / cnn.pool), filters];
  });
  const flat = h * w * c;
  layers.push({ name: `dense ${flat}→${cnn.hidden}`, macs: flat * cnn.hidden, passes: 3 });
  layers.push({ name: `dense ${cnn.hidden}→${cnn.classes}`, macs: cnn.hidden * cnn.classes, passes: 3 });
  const forward = layers.reduce((s, l) => s + 2 * l.macs, 0);
  const training = layers.reduce((s, l) => s + 2 * l.macs * l.passes, 0);
  return {
    layers,
    flatten: flat,
    forwardPerExample: forward,
    trainingPerExample: training,
    conventionalPerExample: 3 * forward,
    examples,
    perEpoch: training * examples,
    conventionalPerEpoch: 3 * forward * examples,
  };
}

/** mulberry32: tiny, seeded, good enough for benchmark inputs. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(rand) {
  let u = 0;
  while (u === 0) u = rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

export function median(xs) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Linear-interpolated quantile of a sample (q in [0, 1]). */
export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function summarize(timesMs) {
  return {
    runs: timesMs.length,
    medianMs: median(timesMs),
    minMs: Math.min(...timesMs),
    maxMs: Math.max(...timesMs),
    q1Ms: quantile(timesMs, 0.25),
    q3Ms: quantile(timesMs, 0.75),
  };
}

export function readRaw(name, Ctor) {
  const buf = fs.readFileSync(path.join(INPUTS_DIR, name));
  // Copy into a fresh, aligned buffer of exactly the right size.
  const out = new Ctor(buf.byteLength / Ctor.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function writeRaw(dir, name, typed) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength));
}

export function readOutput(name, Ctor) {
  const p = path.join(OUTPUTS_DIR, name);
  if (!fs.existsSync(p)) return null;
  const buf = fs.readFileSync(p);
  const out = new Ctor(buf.byteLength / Ctor.BYTES_PER_ELEMENT);
  new Uint8Array(out.buffer).set(buf);
  return out;
}

export function readMeta() {
  return JSON.parse(fs.readFileSync(path.join(INPUTS_DIR, 'meta.json'), 'utf8'));
}

/** Peak resident set size of this process in MiB (VmHWM; falls back to resourceUsage). */
export function peakRssMiB() {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const m = /VmHWM:\s+(\d+)\s+kB/.exec(status);
    if (m) return Number(m[1]) / 1024;
  } catch {
    // not Linux
  }
  return process.resourceUsage().maxRSS / 1024;
}

/** Resets this process's VmHWM to its current RSS (Linux ≥ 4.0: writing 5 to /proc/self/clear_refs); false elsewhere. */
export function resetPeakRss() {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Current resident set size in MiB (VmRSS), or null. */
export function currentRssMiB() {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

export function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      out._.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (eq > 0) {
      out[a.slice(2, eq)] = a.slice(eq + 1);
    } else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) {
      out[a.slice(2)] = argv[++i];
    } else {
      out[a.slice(2)] = true;
    }
  }
  return out;
}
