import { threadsRelaxedWasmBase64, threadsWasmBase64 } from './binary.generated.js';
import { Arena } from './arena.js';
import type { ThreadExports } from './exports.js';
import { type WasmFlavor, decodeBase64 } from './load.js';

/**
 * Worker threads for big kernels: Node's worker_threads, or Web Workers in a browser. The threads module
 * (assembly/threads.ts) runs on one shared memory in this thread and in each worker; a matrix product is
 * split into row or column blocks, a softmax-family call into row chunks, one per thread. Kernels are
 * synchronous, so this thread runs its own part and then blocks in Atomics.wait until the workers are done.
 * Browsers allow that only off the main thread and share memory only in a cross-origin isolated page, so
 * there the pool exists inside a Web Worker of such a page (the playground trains in one) and nowhere else.
 *
 * Control block (Int32Array on a SharedArrayBuffer): [generation, unused, stop, failed, then one job of PARAMS
 * ints per worker, then one `done` int per worker]. A job is [kind (an index into KINDS, −1 none), ...arguments].
 * `start` bumps the generation; a worker runs its job only when the generation it sees is new, then stores that
 * generation in its own `done`; `wait` waits until every `done` holds the current generation. Comparing values,
 * never counting, means a wake-up without a new job (or a late one) can neither run a job twice nor unbalance a
 * counter into a wait that never ends.
 */
export const PARAMS = 15;
const HEADER = 4;
/**
 * Polls before blocking: the next job of a chunked call (or a worker's end) usually comes within
 * microseconds, while waking a thread blocked in Atomics.wait takes tens of them. About 10–50 µs.
 */
const SPINS = 1 << 14;

/** The thread module's functions a job can run, by kind index. */
export const KINDS = [
  'matMulF32',
  'matMulF32Wide',
  'matMulF64',
  'softmaxF32',
  'softmaxF64',
  'logSoftmaxF32',
  'logSoftmaxF64',
  'softmaxCrossEntropyF32',
  'softmaxCrossEntropyF64',
  'sparseSoftmaxCrossEntropyF32',
  'sparseSoftmaxCrossEntropyF64',
] as const;

export type Job = readonly number[];

export interface WorkerPool {
  /** This thread's instance of the threads module, on the shared memory. */
  readonly exports: ThreadExports;
  readonly arena: Arena;
  /** Workers besides this thread. */
  readonly workers: number;
  /** Hands jobs[w] to worker w (fewer jobs leave workers idle) and returns at once. */
  start(jobs: readonly Job[]): void;
  /** Blocks until every worker has finished the jobs of the last start. */
  wait(): void;
  /** Runs a job on this thread. */
  runHere(job: Job): void;
}

/** The worker's job loop; `ready()` tells the creator it is up. Shared by both worker kinds below. */
const WORKER_LOOP = `
const x = new WebAssembly.Instance(module, { env: { memory } }).exports;
const run = ${JSON.stringify(KINDS)}.map((name) => x[name]);
const ctl = new Int32Array(control);
const at = ${HEADER} + index * ${PARAMS};
const done = ctl.length - workers + index;
let generation = Atomics.load(ctl, 0);
ready();
// The stop flag is checked before every wait too: a worker that starts after a failed pool was stopped ends at once.
while (Atomics.load(ctl, 2) !== 1) {
  for (let i = 0; i < ${SPINS} && Atomics.load(ctl, 0) === generation; i++);
  Atomics.wait(ctl, 0, generation);
  if (Atomics.load(ctl, 2) === 1) break;
  const now = Atomics.load(ctl, 0);
  if (now === generation) continue;
  generation = now;
  const p = ctl.slice(at, at + ${PARAMS});
  try {
    if (p[0] >= 0) run[p[0]](p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14]);
  } catch {
    Atomics.store(ctl, 3, 1);
  }
  Atomics.store(ctl, done, generation);
  Atomics.notify(ctl, done);
}
`;

/** Node: worker_threads, started from source with the pool's data in workerData. */
const NODE_WORKER_SOURCE = `
const { workerData, parentPort } = require('node:worker_threads');
const { module, memory, control, index, workers } = workerData;
const ready = () => parentPort.postMessage('ready');
${WORKER_LOOP}`;

/** Browsers: a Web Worker from a blob: URL; the pool's data arrives as its first message. */
const WEB_WORKER_SOURCE = `
self.onmessage = (event) => {
  self.onmessage = null;
  const { module, memory, control, index, workers } = event.data;
  const ready = () => self.postMessage('ready');
  ${WORKER_LOOP}
  self.close();
};`;

type WorkerThreads = typeof import('node:worker_threads');
interface PoolData {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  control: SharedArrayBuffer;
  index: number;
  workers: number;
}
/** Starts one worker on the pool's data; resolves when it is ready. */
type Spawn = (data: PoolData) => Promise<void>;

async function nodeSpawner(): Promise<Spawn | null> {
  if (typeof process === 'undefined' || !process.versions?.node || typeof SharedArrayBuffer === 'undefined') return null;
  let threads: WorkerThreads;
  try {
    // A computed name keeps browser bundlers from trying to resolve the Node module.
    const name = 'node:worker_threads';
    threads = (await import(/* @vite-ignore */ name)) as WorkerThreads;
  } catch {
    return null;
  }
  return (data) => {
    const worker = new threads.Worker(NODE_WORKER_SOURCE, { eval: true, workerData: data });
    worker.unref();
    return new Promise<void>((resolve, reject) => {
      worker.once('message', () => resolve());
      worker.once('error', reject);
    });
  };
}

/** Web Workers, where this code runs in a worker of a cross-origin isolated page (else null). */
function webSpawner(): Spawn | null {
  const scope = globalThis as { crossOriginIsolated?: boolean; WorkerGlobalScope?: unknown; Worker?: unknown };
  const inWorker = typeof scope.WorkerGlobalScope === 'function' && globalThis instanceof (scope.WorkerGlobalScope as new () => object);
  if (!inWorker || scope.crossOriginIsolated !== true || typeof Worker === 'undefined' || typeof Blob === 'undefined') return null;
  const url = URL.createObjectURL(new Blob([WEB_WORKER_SOURCE], { type: 'text/javascript' }));
  return (data) => {
    const worker = new Worker(url);
    return new Promise<void>((resolve, reject) => {
      worker.onmessage = () => resolve();
      worker.onerror = (e) => reject(new Error(e.message));
      worker.postMessage(data);
    });
  };
}

/** Starts `workers` worker threads, or gives null where that is not possible. */
export async function createWorkerPool(workers: number, flavor: WasmFlavor): Promise<WorkerPool | null> {
  if (workers < 1) return null;
  const spawn = (await nodeSpawner()) ?? webSpawner();
  if (!spawn) return null;
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 32768, shared: true });
  const module = await WebAssembly.compile(decodeBase64(flavor === 'relaxed-simd' ? threadsRelaxedWasmBase64 : threadsWasmBase64));
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  const exports = instance.exports as unknown as ThreadExports;
  const control = new Int32Array(new SharedArrayBuffer(4 * (HEADER + workers * (PARAMS + 1))));
  const DONE = HEADER + workers * PARAMS;
  let generation = 0;
  const started = [];
  for (let index = 0; index < workers; index++) started.push(spawn({ module, memory, control: control.buffer as SharedArrayBuffer, index, workers }));
  try {
    await Promise.all(started);
  } catch {
    // A worker that cannot start leaves the pool out: the kernels run on this thread alone.
    Atomics.store(control, 2, 1);
    Atomics.add(control, 0, 1);
    Atomics.notify(control, 0);
    return null;
  }
  const local = KINDS.map((name) => exports[name] as (...args: number[]) => void);
  return {
    exports,
    arena: new Arena(memory, exports.heapBase()),
    workers,
    start(jobs) {
      for (let w = 0; w < workers; w++) {
        const at = HEADER + w * PARAMS;
        const job = jobs[w];
        if (job) control.set(job, at);
        else control[at] = -1;
      }
      generation = (Atomics.add(control, 0, 1) + 1) | 0; // int32, as the array wraps it
      Atomics.notify(control, 0);
    },
    wait() {
      for (let w = 0; w < workers; w++) {
        const done = DONE + w;
        for (let i = 0; i < SPINS && Atomics.load(control, done) !== generation; i++);
        for (;;) {
          const seen = Atomics.load(control, done);
          if (seen === generation) break;
          Atomics.wait(control, done, seen);
        }
      }
      if (Atomics.exchange(control, 3, 0) === 1) throw new Error('wasm kernels: a worker thread failed');
    },
    runHere(p) {
      local[p[0]](p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14]);
    },
  };
}
