#!/usr/bin/env node
// Microbenchmark of the kernel sets: TypeScript reference vs WebAssembly SIMD, medians of several runs.
// Compiles src/kernels alone (so work in progress elsewhere in src cannot break it) into a cache folder.
// Usage: node scripts/bench-kernels.mjs [filter | --precision]   e.g.  node scripts/bench-kernels.mjs matMul
// Env: RUNS (samples, default 7), WALL=1 (wall instead of CPU time), WORKERS=n (worker threads).
import { execFileSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}node_modules/.cache/logitkit-bench-kernels`;
execFileSync(
  process.execPath,
  [
    `${root}node_modules/typescript/bin/tsc`,
    '--outDir',
    outDir,
    '--rootDir',
    `${root}src`,
    '--target',
    'ES2022',
    '--module',
    'NodeNext',
    '--moduleResolution',
    'NodeNext',
    '--skipLibCheck',
    '--types',
    'node',
    `${root}src/kernels/index.ts`,
    `${root}src/kernels/wasm/index.ts`,
  ],
  { stdio: 'inherit' },
);
const { tsKernels } = await import(pathToFileURL(`${outDir}/kernels/index.js`).href);
const { createWasmKernels } = await import(pathToFileURL(`${outDir}/kernels/wasm/index.js`).href);
// WORKERS=n lends n worker threads to big matMuls and softmax-family calls; timing then switches to wall time (CPU time would add the threads up).
const WORKERS = Number(process.env.WORKERS ?? 0);
if (WORKERS > 0) process.env.WALL = '1';
const wasm = await createWasmKernels({ workers: WORKERS });
if (!wasm) throw new Error('WebAssembly SIMD is not available here');
console.log(`kernel sets: ${tsKernels.name} vs ${wasm.name}${WORKERS ? ` + ${WORKERS} worker thread(s)` : ''}`);

const filter = process.argv[2] ?? '';
if (filter === '--precision') {
  await precision();
  process.exit(0);
}
const RUNS = Number(process.env.RUNS ?? 7);

function random(Type, size, scale = 1, seed = 1) {
  const a = new Type(size);
  let s = seed >>> 0;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 2 ** 32 - 0.5) * 2 * scale;
  }
  return a;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/**
 * Process CPU time per call (ms): on a machine shared with other jobs, wall time mostly measures
 * the scheduler; CPU time of this single-threaded process measures the kernel. WALL=1 switches.
 */
function clock() {
  if (process.env.WALL) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Median ms of `run` over RUNS samples after a warm-up; each sample repeats it past ~30 ms. */
function time(run) {
  run();
  let reps = 1;
  for (;;) {
    const t0 = clock();
    for (let r = 0; r < reps; r++) run();
    if (clock() - t0 > 30 || reps >= 1024) break;
    reps *= 2;
  }
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = clock();
    for (let r = 0; r < reps; r++) run();
    samples.push((clock() - t0) / reps);
  }
  return median(samples);
}

const cases = [];
/** A case: `make(kernels)` gives the function to time; `only` pins the wasm side to another set. */
function bench(name, make, flops = 0, only = null) {
  cases.push({ name, make, flops, only });
}
const wide = await createWasmKernels({ matMulAccumulation: 'float64', workers: WORKERS });

const R = 2048;
const C = 1000;
for (const [T, tag] of [
  [Float32Array, 'f32'],
  [Float64Array, 'f64'],
]) {
  const x = random(T, R * C, 8);
  const out = new T(R * C);
  const labels = new T(R * C);
  const ids = new Int32Array(R);
  for (let r = 0; r < R; r++) {
    ids[r] = (r * 7919) % C;
    labels[r * C + ids[r]] = 1;
  }
  const loss = new T(R);
  bench(`softmax ${tag} [${R},${C}]`, (k) => () => k.softmax(x, R, C, 1, out));
  bench(`logSoftmax ${tag} [${R},${C}]`, (k) => () => k.logSoftmax(x, R, C, 1, out));
  bench(`CE soft fwd+grad ${tag} [${R},${C}]`, (k) => () => k.softmaxCrossEntropy(x, labels, R, C, 1, loss, out));
  bench(`CE sparse fwd+grad ${tag} [${R},${C}]`, (k) => () => k.sparseSoftmaxCrossEntropy(x, ids, R, C, loss, out));
}

for (const size of [128, 256, 512]) {
  for (const [T, tag] of [
    [Float32Array, 'f32'],
    [Float64Array, 'f64'],
  ]) {
    const a = random(T, size * size, 1, 2);
    const b = random(T, size * size, 1, 3);
    const c = new T(size * size);
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
    ]) {
      if (size !== 512 && (ta || tb)) continue;
      const label = `${ta ? 'Aᵀ' : 'A'}·${tb ? 'Bᵀ' : 'B'}`;
      bench(`matMul ${tag} ${size}³ ${label}`, (k) => () => k.matMul(a, b, c, 1, size, size, size, ta, tb, 0, 0), 2 * size ** 3);
    }
    if (tag === 'f32') {
      bench(`matMul f32 ${size}³ A·B, float64 sums`, (k) => () => k.matMul(a, b, c, 1, size, size, size, false, false, 0, 0), 2 * size ** 3, wide);
    }
  }
}

{
  // A Dense layer's three products: batch 256, 784 in, 128 out.
  const [B, I, O] = [256, 784, 128];
  const x = random(Float32Array, B * I, 1, 11);
  const wt = random(Float32Array, I * O, 1, 12);
  const dz = random(Float32Array, B * O, 1, 13);
  const z = new Float32Array(B * O);
  const dw = new Float32Array(I * O);
  const dx = new Float32Array(B * I);
  bench(`Dense fwd X·W [${B}×${I}]·[${I}×${O}]`, (k) => () => k.matMul(x, wt, z, 1, B, I, O, false, false, 0, 0), 2 * B * I * O);
  bench(`Dense dW = Xᵀ·dZ`, (k) => () => k.matMul(x, dz, dw, 1, I, B, O, true, false, 0, 0), 2 * B * I * O);
  bench(`Dense dX = dZ·Wᵀ`, (k) => () => k.matMul(dz, wt, dx, 1, B, O, I, false, true, 0, 0), 2 * B * I * O);
}

{
  // The CNN's second convolution and its pool (issue 12) at batch 16 (the TypeScript reference takes seconds at 128);
  // scripts/bench-conv.mjs times the native set on the whole network at batch 128 against PyTorch.
  const B = 16;
  const g = { batch: B, inHeight: 13, inWidth: 13, inChannels: 32, outHeight: 11, outWidth: 11, outChannels: 64, filterHeight: 3, filterWidth: 3 };
  Object.assign(g, { strideHeight: 1, strideWidth: 1, dilationHeight: 1, dilationWidth: 1, padTop: 0, padLeft: 0 });
  const x = random(Float32Array, B * 13 * 13 * 32, 1, 21);
  const w = random(Float32Array, 9 * 32 * 64, 0.1, 22);
  const y = new Float32Array(B * 11 * 11 * 64);
  const dy = random(Float32Array, y.length, 1, 23);
  const dx = new Float32Array(x.length);
  const dw = new Float32Array(w.length);
  const flops = 2 * B * 11 * 11 * 64 * 9 * 32;
  bench(`conv2d f32 [${B},13,13,32]→64 3×3`, (k) => () => k.conv2d(x, w, y, g), flops);
  bench(`conv2dBackpropInput (same shapes)`, (k) => () => k.conv2dBackpropInput(dy, w, dx, g), flops);
  bench(`conv2dBackpropFilter (same shapes)`, (k) => () => k.conv2dBackpropFilter(x, dy, dw, g), flops);
  const p = { ...g, inHeight: 26, inWidth: 26, outHeight: 13, outWidth: 13, outChannels: 32, filterHeight: 2, filterWidth: 2, strideHeight: 2, strideWidth: 2 };
  const a = random(Float32Array, B * 26 * 26 * 32, 1, 24);
  const pooled = new Float32Array(B * 13 * 13 * 32);
  const at = new Int32Array(pooled.length);
  const da = new Float32Array(a.length);
  bench(`maxPool f32 [${B},26,26,32] 2×2 (+argMax)`, (k) => () => k.maxPool(a, pooled, at, p));
  bench(`maxPoolBackprop (same shapes)`, (k) => () => k.maxPoolBackprop(pooled, at, da, p));
}

{
  const n = R * C;
  const a = random(Float32Array, n, 1, 4);
  const b = random(Float32Array, n, 1, 5);
  const bias = random(Float32Array, C, 1, 6);
  const out = new Float32Array(n);
  bench(`add f32 [${R},${C}]`, (k) => () => k.binary('add', a, [R, C], b, [R, C], out, [R, C]));
  bench(`add bias f32 [${R},${C}]+[${C}]`, (k) => () => k.binary('add', a, [R, C], bias, [C], out, [R, C]));
  bench(`mul f32 [${R},${C}]`, (k) => () => k.binary('mul', a, [R, C], b, [R, C], out, [R, C]));
  bench(`relu f32 [${R},${C}]`, (k) => () => k.unary('relu', a, out));
  const col = new Float32Array(C);
  const row = new Float32Array(R);
  bench(`sum f32 [${R},${C}] over rows (bias grad)`, (k) => () => k.reduce('sum', a, 1, R, C, col));
  bench(`sum f32 [${R},${C}] along rows`, (k) => () => k.reduce('sum', a, R, C, 1, row));
  bench(`step f32 [${R},${C}]`, (k) => () => k.unary('step', a, out));
}

console.log(`median of ${RUNS} runs, ${process.env.WALL ? 'wall' : 'process CPU'} time; node ${process.version}`);
console.log('kernel'.padEnd(40), 'ts ms'.padStart(10), 'wasm ms'.padStart(10), 'speed-up'.padStart(9), '  wasm GFLOP/s');
for (const { name, make, flops, only } of cases) {
  if (!name.includes(filter)) continue;
  const tsMs = time(make(tsKernels));
  const wasmMs = time(make(only ?? wasm));
  const gflops = flops ? (flops / wasmMs / 1e6).toFixed(1) : '';
  console.log(name.padEnd(40), tsMs.toFixed(3).padStart(10), wasmMs.toFixed(3).padStart(10), `${(tsMs / wasmMs).toFixed(1)}×`.padStart(9), ` ${gflops}`);
}

/** Measured error of the wasm kernels: matMul float32 (both accumulations) and the softmax family vs the reference. */
async function precision() {
  const wide = await createWasmKernels({ matMulAccumulation: 'float64' });
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  const ulps = (a, b) => {
    f32[0] = a;
    const x = u32[0] >> 31 ? -(u32[0] & 0x7fffffff) : u32[0];
    f32[0] = b;
    const y = u32[0] >> 31 ? -(u32[0] & 0x7fffffff) : u32[0];
    return Math.abs(x - y);
  };
  for (const size of [128, 512, 2048]) {
    const [m, k, n] = [64, size, 64];
    const a = random(Float32Array, m * k, 1, 7);
    const b = random(Float32Array, k * n, 1, 8);
    const exact = new Float64Array(m * n);
    const mag = new Float64Array(m * n);
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0,
          t = 0;
        for (let p = 0; p < k; p++) {
          s += a[i * k + p] * b[p * n + j];
          t += Math.abs(a[i * k + p] * b[p * n + j]);
        }
        exact[i * n + j] = s;
        mag[i * n + j] = t;
      }
    for (const [label, set] of [
      ['ts (float64 sums)', tsKernels],
      ['wasm float32 accumulation', wasm],
      ['wasm float64 accumulation', wide],
    ]) {
      const c = new Float32Array(m * n);
      set.matMul(a, b, c, 1, m, k, n, false, false, 0, 0);
      let worstRel = 0,
        worstUlp = 0,
        sumUlp = 0;
      for (let i = 0; i < c.length; i++) {
        worstRel = Math.max(worstRel, Math.abs(c[i] - exact[i]) / mag[i]);
        const u = ulps(c[i], Math.fround(exact[i]));
        worstUlp = Math.max(worstUlp, u);
        sumUlp += u;
      }
      console.log(
        `matMul f32 [${m}×${k}]·[${k}×${n}] ${label}: max |err|/Σ|ab| ${worstRel.toExponential(2)}, ulp vs exact rounded: max ${worstUlp}, mean ${(sumUlp / c.length).toFixed(2)}`,
      );
    }
  }
  const R = 512,
    C = 1000;
  for (const scale of [1, 8, 100]) {
    const x = random(Float32Array, R * C, scale, 9);
    const labels = new Float32Array(R * C);
    for (let r = 0; r < R; r++) labels[r * C + (r % C)] = 1;
    const outs = [
      ['softmax', (k, o) => k.softmax(x, R, C, 1, o)],
      ['logSoftmax', (k, o) => k.logSoftmax(x, R, C, 1, o)],
      ['CE gradient', (k, o) => k.softmaxCrossEntropy(x, labels, R, C, 1, new Float32Array(R), o)],
    ];
    for (const [name, run] of outs) {
      const ref = new Float32Array(R * C);
      const got = new Float32Array(R * C);
      run(tsKernels, ref);
      run(wasm, got);
      let differ = 0,
        worst = 0;
      for (let i = 0; i < ref.length; i++) {
        const u = ulps(got[i], ref[i]);
        if (u) differ++;
        worst = Math.max(worst, u);
      }
      console.log(`${name} f32 [${R},${C}] logits ±${scale}: max ${worst} ulp vs ts, ${((100 * differ) / ref.length).toFixed(4)}% of elements differ`);
    }
  }
  const f64 = new Float64Array(1);
  const i64 = new BigInt64Array(f64.buffer);
  const ulps64 = (a, b) => {
    f64[0] = a;
    const x = i64[0] < 0n ? -(i64[0] & 0x7fffffffffffffffn) : i64[0];
    f64[0] = b;
    const y = i64[0] < 0n ? -(i64[0] & 0x7fffffffffffffffn) : i64[0];
    return Number(x > y ? x - y : y - x);
  };
  for (const scale of [1, 8, 100, 700]) {
    const x = random(Float64Array, R * C, scale, 10);
    for (const [name, run] of [
      ['softmax', (k, o) => k.softmax(x, R, C, 1, o)],
      ['logSoftmax', (k, o) => k.logSoftmax(x, R, C, 1, o)],
    ]) {
      const ref = new Float64Array(R * C);
      const got = new Float64Array(R * C);
      run(tsKernels, ref);
      run(wasm, got);
      let worst = 0,
        total = 0;
      for (let i = 0; i < ref.length; i++) {
        const u = ulps64(got[i], ref[i]);
        worst = Math.max(worst, u);
        total += u;
      }
      console.log(`${name} f64 [${R},${C}] logits ±${scale}: max ${worst} ulp vs ts, mean ${(total / ref.length).toFixed(3)}`);
    }
  }
}
