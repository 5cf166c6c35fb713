#!/usr/bin/env node
// The softmax family of the native kernel set against the WebAssembly set and PyTorch (one thread), on
// [2048, 1000] float32: softmax, cross-entropy forward + gradient with one-hot labels given densely
// (softmaxCrossEntropy) and as class ids (sparseSoftmaxCrossEntropy), gradScale 1/N as a mean's backward passes.
// Medians of RUNS (default 25) wall-clock runs after warm-up; ROUNDS (default 3) alternate ours and PyTorch, since
// the host's speed drifts. Needs `npx tsc -p tsconfig.build.json` (dist/) and the native module built.
// Two threads: OpenMP's second thread must get the other core; when something else runs there (V8's garbage
// collector after the fresh-output case, another process) a call waits for it, in steps of the 4 ms scheduler tick.
//   node bench/native-softmax.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const { createNativeKernels } = await import(pathToFileURL(`${root}dist/kernels/native/index.js`).href);
const { createWasmKernels } = await import(pathToFileURL(`${root}dist/kernels/wasm/index.js`).href);
const RUNS = Number(process.env.RUNS ?? 25);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const [R, C] = [2048, 1000];

const sets = [
  ['native', await createNativeKernels()],
  ['native, 2 threads', await createNativeKernels({ threads: 2 })],
  ['wasm', await createWasmKernels()],
];
if (!sets[0][1]) throw new Error('the native module is not built (node scripts/build-native.mjs)');

// Normal-ish logits (sum of three uniforms) times 3, random class ids, the same ids one-hot.
let seed = 1;
const uniform = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) - 0.5;
const x = Float32Array.from({ length: R * C }, () => 3 * 2 * (uniform() + uniform() + uniform()));
const ids = Int32Array.from({ length: R }, () => Math.floor((uniform() + 0.5) * C));
const labels = new Float32Array(R * C);
ids.forEach((k, r) => (labels[r * C + k] = 1));
const [out, grad, loss] = [new Float32Array(R * C), new Float32Array(R * C), new Float32Array(R)];

function median(run) {
  for (let i = 0; i < 5; i++) run();
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    run();
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[times.length >> 1];
}

const cases = [
  ['softmax', (k) => () => k.softmax(x, R, C, 1, out)],
  // A new 8 MB output per call, as an op without fit's recycler gets: JavaScript zero-fills it and the kernel's
  // first writes fault its pages in, which costs more than the softmax itself.
  ['softmax, fresh output', (k) => () => k.softmax(x, R, C, 1, new Float32Array(R * C))],
  ['CE fwd+grad, dense one-hot', (k) => () => k.softmaxCrossEntropy(x, labels, R, C, 1, loss, grad, 1 / R)],
  ['CE fwd+grad, class ids', (k) => () => k.sparseSoftmaxCrossEntropy(x, ids, R, C, loss, grad, 1 / R)],
];

const rows = [];
for (let round = 1; round <= ROUNDS; round++) {
  for (const [name, set] of sets) {
    for (const [what, make] of cases) rows.push({ round, who: name, what, ms: median(make(set)) });
  }
  const torch = spawnSync('/usr/bin/python3', [`${root}bench/native-softmax-torch.py`, '--rows', String(R), '--n', String(C), '--runs', String(RUNS)], {
    encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' },
  });
  if (torch.status !== 0) throw new Error(torch.stderr);
  const t = JSON.parse(torch.stdout);
  rows.push({ round, who: `PyTorch ${t.torch}, 1 thread`, what: 'softmax', ms: t.softmax });
  rows.push({ round, who: `PyTorch ${t.torch}, 1 thread`, what: 'CE fwd+grad (cross_entropy + backward)', ms: t.ce });
}
console.log(`[${R}, ${C}] float32, median ms of ${RUNS} runs, ${ROUNDS} rounds`);
for (const r of rows) console.log(`round ${r.round}  ${r.who.padEnd(28)} ${r.what.padEnd(40)} ${r.ms.toFixed(2).padStart(7)}`);
