#!/usr/bin/env node
// The convolution kernels of a small CNN, native set vs PyTorch on one thread, per kernel and per batch of 128:
// Fashion-MNIST 28×28×1 → conv 3×3 1→32 (valid) → relu → maxPool 2 → conv 3×3 32→64 (valid) → relu → maxPool 2.
// The inputs are the network's own: the first 128 training images (pixels / 255; the embedded MNIST digits when
// Fashion-MNIST is not installed), Glorot-uniform filters, a random gradient at the last pool, and the gradients
// the chain gives below it (dy after relu and a 2×2 max pool is ~80 % zeros, which our gradients skip). PyTorch gets
// the same bytes and runs F.conv2d and aten.convolution_backward in both memory formats (its faster one counts).
// Usage: node scripts/bench-conv.mjs [filter] [--runs N] [--no-torch] [--threads N] [--dense]   e.g. conv2
//   --dense: dy full of random values instead (the gradients' worst case: nothing to skip).
// Env: BENCH_PYTHON (default /usr/bin/python3). Times are process CPU time (wall time with --threads > 1): this
// host is shared, and CPU time measures the kernel rather than the scheduler.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
const BENCH_DIR = fileURLToPath(new URL('../bench/', import.meta.url));

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const RUNS = option('--runs', 15);
const THREADS = option('--threads', 1);
const DENSE = args.includes('--dense');
const TORCH = !args.includes('--no-torch');

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}node_modules/.cache/logitkit-bench-conv`;
const tsc = `${root}node_modules/typescript/bin/tsc`;
const tscArgs = ['--outDir', outDir, '--rootDir', `${root}src`, '--target', 'ES2022', '--module', 'NodeNext', '--moduleResolution', 'NodeNext'];
execFileSync(process.execPath, [tsc, ...tscArgs, '--skipLibCheck', '--types', 'node', `${root}src/kernels/index.ts`, `${root}src/kernels/native/index.ts`], {
  stdio: 'inherit',
});
// The module beside its sources (addon.ts finds it from src/ and dist/, not from this cache folder).
process.env.LOGITKIT_NATIVE_MODULE ??= `${root}src/kernels/native/cc/build/Release/logitkit.node`;
const { createNativeKernelsSync } = await import(pathToFileURL(`${outDir}/kernels/native/index.js`).href);

const B = 128;

function images() {
  const file = '/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz';
  if (existsSync(file)) {
    const bytes = gunzipSync(readFileSync(file));
    return { source: 'Fashion-MNIST', pixels: Float32Array.from(bytes.subarray(16, 16 + B * 784), (v) => v / 255) };
  }
  // Smooth blobs with a dark background, roughly as sparse as Fashion-MNIST (about half the pixels zero).
  const pixels = new Float32Array(B * 784);
  for (let b = 0; b < B; b++)
    for (let y = 0; y < 28; y++) for (let x = 0; x < 28; x++) pixels[b * 784 + y * 28 + x] = Math.max(0, 1 - ((y - 14) ** 2 + (x - 14 - (b % 5)) ** 2) / 120);
  return { source: 'synthetic blobs', pixels };
}

function random(size, scale, seed) {
  const a = new Float32Array(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return a;
}

const geometry = (h, c, k, f, s, out) => ({
  batch: B,
  inHeight: h,
  inWidth: h,
  inChannels: c,
  outHeight: out,
  outWidth: out,
  outChannels: k,
  filterHeight: f,
  filterWidth: f,
  strideHeight: s,
  strideWidth: s,
  dilationHeight: 1,
  dilationWidth: 1,
  padTop: 0,
  padLeft: 0,
});
const g1 = geometry(28, 1, 32, 3, 1, 26);
const p1 = geometry(26, 32, 32, 2, 2, 13);
const g2 = geometry(13, 32, 64, 3, 1, 11);
const p2 = geometry(11, 64, 64, 2, 2, 5);
const size = (g, which) => (which === 'x' ? g.batch * g.inHeight * g.inWidth * g.inChannels : g.batch * g.outHeight * g.outWidth * g.outChannels);

/** The network's tensors at one step, computed with `k` (the chain gives realistic zeros). */
function network(k) {
  const { source, pixels: x1 } = images();
  const w1 = random(9 * 32, Math.sqrt(6 / (9 + 9 * 32)), 1);
  const w2 = random(9 * 32 * 64, Math.sqrt(6 / (9 * 32 + 9 * 64)), 2);
  const relu = (z) => z.map((v) => (v > 0 ? v : 0));
  const z1 = new Float32Array(size(g1, 'y'));
  k.conv2d(x1, w1, z1, g1);
  const a1 = relu(z1);
  const x2 = new Float32Array(size(p1, 'y'));
  const arg1 = new Int32Array(x2.length);
  k.maxPool(a1, x2, arg1, p1);
  const z2 = new Float32Array(size(g2, 'y'));
  k.conv2d(x2, w2, z2, g2);
  const a2 = relu(z2);
  const pooled2 = new Float32Array(size(p2, 'y'));
  const arg2 = new Int32Array(pooled2.length);
  k.maxPool(a2, pooled2, arg2, p2);
  const dPool2 = random(pooled2.length, 0.01, 3);
  const dy2 = new Float32Array(z2.length);
  k.maxPoolBackprop(dPool2, arg2, dy2, p2);
  for (let i = 0; i < dy2.length; i++) if (!(z2[i] > 0)) dy2[i] = 0;
  const dx2 = new Float32Array(x2.length);
  k.conv2dBackpropInput(dy2, w2, dx2, g2);
  const dy1 = new Float32Array(z1.length);
  k.maxPoolBackprop(dx2, arg1, dy1, p1);
  for (let i = 0; i < dy1.length; i++) if (!(z1[i] > 0)) dy1[i] = 0;
  if (DENSE) {
    dy1.set(random(dy1.length, 0.01, 4));
    dy2.set(random(dy2.length, 0.01, 5));
  }
  return { source, x1, w1, a1, arg1, x2, w2, a2, arg2, dPool2, dy1, dx2, dy2 };
}

const zeros = (a) => a.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / a.length;

function clock() {
  if (THREADS > 1) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median ms per call after a warm-up of ~0.3 s. */
function time(run) {
  const warm = clock();
  while (clock() - warm < 300) run();
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = clock();
    run();
    samples.push(clock() - t0);
  }
  return median(samples);
}

const reference = createNativeKernelsSync({});
if (!reference) throw new Error('the native module is not built: npm run build:native');
const net = network(reference);
const sets = [
  ['native', createNativeKernelsSync({ threads: THREADS })],
  ['native f32 sums', createNativeKernelsSync({ threads: THREADS, matMulAccumulation: 'float32' })],
];

// Each row: make(k) allocates the outputs once and returns the call to time.
const F32 = (g, which) => new Float32Array(size(g, which));
const I32 = (g) => new Int32Array(size(g, 'y'));
const rows = [
  [
    'conv1 fwd',
    'conv1_fwd',
    (k, out = F32(g1, 'y')) =>
      () =>
        k.conv2d(net.x1, net.w1, out, g1),
  ],
  [
    'conv1 bwd filter',
    'conv1_filter',
    (k, out = new Float32Array(9 * 32)) =>
      () =>
        k.conv2dBackpropFilter(net.x1, net.dy1, out, g1),
  ],
  [
    'conv1 bwd input (not needed)',
    'conv1_input',
    (k, out = F32(g1, 'x')) =>
      () =>
        k.conv2dBackpropInput(net.dy1, net.w1, out, g1),
  ],
  [
    'pool1 fwd (+argMax)',
    'pool1_fwd',
    (k, out = F32(p1, 'y'), at = I32(p1)) =>
      () =>
        k.maxPool(net.a1, out, at, p1),
  ],
  [
    'pool1 bwd',
    'pool1_bwd',
    (k, out = F32(p1, 'x')) =>
      () =>
        k.maxPoolBackprop(net.dx2, net.arg1, out, p1),
  ],
  [
    'conv2 fwd',
    'conv2_fwd',
    (k, out = F32(g2, 'y')) =>
      () =>
        k.conv2d(net.x2, net.w2, out, g2),
  ],
  [
    'conv2 bwd input',
    'conv2_input',
    (k, out = F32(g2, 'x')) =>
      () =>
        k.conv2dBackpropInput(net.dy2, net.w2, out, g2),
  ],
  [
    'conv2 bwd filter',
    'conv2_filter',
    (k, out = new Float32Array(9 * 32 * 64)) =>
      () =>
        k.conv2dBackpropFilter(net.x2, net.dy2, out, g2),
  ],
  [
    'pool2 fwd (+argMax)',
    'pool2_fwd',
    (k, out = F32(p2, 'y'), at = I32(p2)) =>
      () =>
        k.maxPool(net.a2, out, at, p2),
  ],
  [
    'pool2 bwd',
    'pool2_bwd',
    (k, out = F32(p2, 'x')) =>
      () =>
        k.maxPoolBackprop(net.dPool2, net.arg2, out, p2),
  ],
];
const only =
  args.find((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1].startsWith('--') && args[i - 1] !== '--dense' && args[i - 1] !== '--no-torch')) ?? '';

function torchTimes() {
  const python = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
  const dir = mkdtempSync(join(tmpdir(), 'logitkit-bench-conv-'));
  try {
    for (const name of ['x1', 'w1', 'dy1', 'a1', 'x2', 'w2', 'dy2', 'a2', 'dx2', 'dPool2']) writeFileSync(join(dir, `${name}.f32`), net[name]);
    const script = `
import sys, time, statistics, numpy as np, torch, torch.nn.functional as F
sys.path.insert(0, ${JSON.stringify(BENCH_DIR)})
from torch_memory import keep_freed_memory
keep_freed_memory()  # freed tensors stay mapped, as in a long run (bench/torch_memory.py)
torch.set_num_threads(${THREADS})
d, runs = sys.argv[1], ${RUNS}
def load(name, shape): return torch.from_numpy(np.fromfile(f'{d}/{name}.f32', dtype=np.float32).reshape(shape))
# NHWC arrays as NCHW tensors (a permuted view is channels-last); HWIO filters as OIHW.
x1 = load('x1', (128, 28, 28, 1)).permute(0, 3, 1, 2); w1 = load('w1', (3, 3, 1, 32)).permute(3, 2, 0, 1)
x2 = load('x2', (128, 13, 13, 32)).permute(0, 3, 1, 2); w2 = load('w2', (3, 3, 32, 64)).permute(3, 2, 0, 1)
dy1 = load('dy1', (128, 26, 26, 32)).permute(0, 3, 1, 2); dy2 = load('dy2', (128, 11, 11, 64)).permute(0, 3, 1, 2)
a1 = load('a1', (128, 26, 26, 32)).permute(0, 3, 1, 2); a2 = load('a2', (128, 11, 11, 64)).permute(0, 3, 1, 2)
dx2 = load('dx2', (128, 13, 13, 32)).permute(0, 3, 1, 2); dp2 = load('dPool2', (128, 5, 5, 64)).permute(0, 3, 1, 2)
def timed(fn):
    start = time.process_time() if ${THREADS} == 1 else time.perf_counter()
    clock = time.process_time if ${THREADS} == 1 else time.perf_counter
    while clock() - start < 0.3: fn()
    samples = []
    for _ in range(runs):
        t0 = clock(); fn(); samples.append(clock() - t0)
    return statistics.median(samples) * 1e3
out = {}
with torch.no_grad():
    for fmt, mf in (('nchw', torch.contiguous_format), ('nhwc', torch.channels_last)):
        c = lambda t: t.contiguous(memory_format=mf)
        X1, W1, DY1, X2, W2, DY2 = c(x1), c(w1), c(dy1), c(x2), c(w2), c(dy2)
        A1, A2, DX2, DP2 = c(a1), c(a2), c(dx2), c(dp2)
        bw = lambda dy, x, w, mask: torch.ops.aten.convolution_backward(dy, x, w, None, [1, 1], [0, 0], [1, 1], False, [0, 0], 1, mask)
        _, i1 = F.max_pool2d(A1, 2, return_indices=True); _, i2 = F.max_pool2d(A2, 2, return_indices=True)
        pb = lambda g, x, i: torch.ops.aten.max_pool2d_with_indices_backward(g, x, [2, 2], [2, 2], [0, 0], [1, 1], False, i)
        res = {
            'conv1_fwd': timed(lambda: F.conv2d(X1, W1)),
            'conv1_filter': timed(lambda: bw(DY1, X1, W1, [False, True, False])),
            'conv1_input': timed(lambda: bw(DY1, X1, W1, [True, False, False])),
            'pool1_fwd': timed(lambda: F.max_pool2d(A1, 2, return_indices=True)),
            'pool1_bwd': timed(lambda: pb(DX2, A1, i1)),
            'conv2_fwd': timed(lambda: F.conv2d(X2, W2)),
            'conv2_input': timed(lambda: bw(DY2, X2, W2, [True, False, False])),
            'conv2_filter': timed(lambda: bw(DY2, X2, W2, [False, True, False])),
            'pool2_fwd': timed(lambda: F.max_pool2d(A2, 2, return_indices=True)),
            'pool2_bwd': timed(lambda: pb(DP2, A2, i2)),
        }
        for key, ms in res.items():
            if key not in out or ms < out[key][0]: out[key] = (ms, fmt)
for key, (ms, fmt) in out.items(): print(key, ms, fmt)
print('version', torch.__version__)
`;
    const run = spawnSync(python, ['-c', script, dir], { encoding: 'utf8' });
    if (run.status !== 0) {
      console.log(`PyTorch skipped: ${run.stderr.trim().split('\n').pop()}`);
      return null;
    }
    const times = {};
    for (const line of run.stdout.trim().split('\n')) {
      const [key, ms, fmt] = line.split(' ');
      times[key] = key === 'version' ? ms : { ms: Number(ms), fmt };
    }
    return times;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(
  `batch ${B}, ${net.source}; zeros: x1 ${(100 * zeros(net.x1)).toFixed(0)} %, x2 ${(100 * zeros(net.x2)).toFixed(0)} %, ` +
    `dy1 ${(100 * zeros(net.dy1)).toFixed(0)} %, dy2 ${(100 * zeros(net.dy2)).toFixed(0)} %${DENSE ? ' (--dense)' : ''}`,
);
const torch = TORCH ? torchTimes() : null;
const columns = [...sets.map(([name]) => name), ...(torch ? [`PyTorch ${torch.version} ${THREADS}t`, 'ratio native/PyTorch'] : [])];
console.log(`${THREADS > 1 ? `wall time, ${THREADS} threads` : 'process CPU time, 1 thread'}, median of ${RUNS} after a warm-up; ms per call`);
console.log('kernel'.padEnd(30) + columns.map((c) => c.padStart(22)).join(''));
const totals = new Array(columns.length).fill(0);
for (const [name, key, make] of rows) {
  if (!name.includes(only)) continue;
  const cells = [];
  for (const [, k] of sets) cells.push(time(make(k)));
  if (torch) {
    cells.push(torch[key].ms);
    cells.push(cells[0] / torch[key].ms);
  }
  const needed = !name.includes('not needed');
  cells.forEach((v, i) => {
    if (needed) totals[i] += v;
  });
  const text = cells.map((v, i) =>
    torch && i === cells.length - 1 ? `${v.toFixed(2)}×` : torch && i === cells.length - 2 ? `${v.toFixed(2)} (${torch[key].fmt})` : v.toFixed(2),
  );
  console.log(name.padEnd(30) + text.map((t) => t.padStart(22)).join(''));
}
if (torch) totals[totals.length - 1] = totals[0] / totals[totals.length - 2];
console.log(
  'total (training needs)'.padEnd(30) + totals.map((v, i) => (torch && i === totals.length - 1 ? `${v.toFixed(2)}×` : v.toFixed(1)).padStart(22)).join(''),
);
console.log(
  'per 60,000 images (s)'.padEnd(30) +
    totals
      .slice(0, torch ? -1 : undefined)
      .map((v) => ((v * 60000) / B / 1000).toFixed(1).padStart(22))
      .join(''),
);
