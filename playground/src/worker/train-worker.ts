/**
 * The training worker: loads the embedded MNIST digits (fetch + DecompressionStream through
 * data.fetchEmbeddedMnist), splits them with data.splitTrainTest, and trains in mini-batches while the page stays
 * responsive. It yields to its event loop between steps so a 'stop' message takes effect at once.
 */
import mnistUrl from '../../../assets/mnist-10k.idx.gz?url';
import { Random, data, setKernels, tsKernels, type Kernels } from '../../../src/index.js';
import { createWasmKernels } from '../../../src/kernels/wasm/index.js';
import type { FromWorker, ToWorker, TrainConfig } from '../messages.js';
import { MlpTrainer, type Trainer } from './mlp-trainer.js';

const scope = self as unknown as DedicatedWorkerGlobalScope;

function post(msg: FromWorker, transfer: Transferable[] = []): void {
  scope.postMessage(msg, transfer);
}

let split: Promise<data.TrainTestSplit> | null = null;
let stopRequested = false;
let running = false;

function loadData(): Promise<data.TrainTestSplit> {
  if (!split) {
    split = (async () => {
      post({ type: 'status', text: 'Loading the embedded MNIST digits…' });
      const ds = await data.fetchEmbeddedMnist(new URL(mnistUrl, scope.location.href));
      const s = data.splitTrainTest(ds);
      post({ type: 'data', trainCount: s.train.count, testCount: s.test.count, imageShape: ds.imageShape ?? [28, 28] });
      return s;
    })();
    split.catch(() => (split = null));
  }
  return split;
}

let wasmKernels: Promise<Kernels | null> | null = null;

/** Activates the requested kernel set in this worker (the page's thread keeps its own); returns its name. */
async function selectKernels(which: TrainConfig['kernels']): Promise<string> {
  if (which === 'wasm') {
    wasmKernels ??= createWasmKernels().catch(() => null);
    const set = await wasmKernels;
    if (set) {
      setKernels(set);
      return 'WebAssembly SIMD';
    }
  }
  setKernels(tsKernels);
  return which === 'wasm' ? 'TypeScript (WebAssembly SIMD is not available here)' : 'TypeScript';
}

/** Lets queued messages (stop) run: a macrotask without setTimeout's 4 ms clamp. */
const channel = new MessageChannel();
const waiting: Array<() => void> = [];
channel.port1.onmessage = () => waiting.shift()?.();
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    channel.port2.postMessage(null);
  });
}

async function train(config: TrainConfig): Promise<void> {
  const { train: trainSet, test: testSet } = await loadData();
  post({ type: 'kernels', name: await selectKernels(config.kernels) });
  const testTensors = data.toTensors(testSet);
  const inputs = data.featureSize(trainSet);
  const trainer: Trainer = new MlpTrainer(inputs, config.hidden, trainSet.numClasses, config.learningRate, config.seed);
  const rng = new Random(config.seed + 1);
  post({ type: 'status', text: 'Training…' });
  const started = performance.now();
  let order = rng.permutation(trainSet.count);
  let cursor = 0;
  let epoch = 1;
  let step = 0;
  let lastTest: { loss: number; accuracy: number } | null = null;
  const sendWeights = () => {
    const weights = trainer.weights();
    post({ type: 'weights', step, weights }, weights.layers.flatMap((l) => [l.kernel.buffer, l.bias.buffer]));
  };
  while (step < config.steps && !stopRequested) {
    if (cursor + config.batchSize > order.length) {
      order = rng.permutation(trainSet.count);
      cursor = 0;
      epoch++;
    }
    const { x, y } = data.toTensors(trainSet, order.subarray(cursor, cursor + config.batchSize));
    cursor += config.batchSize;
    const r = trainer.trainStep(x, y);
    step++;
    const evalNow = step % config.evalEvery === 0 || step === config.steps;
    if (evalNow) lastTest = trainer.evaluate(testTensors.x, testTensors.y);
    const seconds = (performance.now() - started) / 1000;
    post({
      type: 'progress', step, epoch, loss: r.loss, batchAccuracy: r.correct / config.batchSize,
      test: evalNow && lastTest ? lastTest : undefined,
      examplesPerSecond: (step * config.batchSize) / Math.max(seconds, 1e-9),
    });
    if (evalNow) sendWeights();
    await yieldToEvents();
  }
  const stopped = stopRequested && step < config.steps;
  if (stopped) {
    // Make the model the page uses match the last step, even between evaluations.
    lastTest = trainer.evaluate(testTensors.x, testTensors.y);
    sendWeights();
  }
  post({ type: 'done', reason: stopped ? 'stopped' : 'finished', step, test: lastTest, seconds: (performance.now() - started) / 1000 });
}

scope.onmessage = (event: MessageEvent<ToWorker>) => {
  const msg = event.data;
  if (msg.type === 'stop') {
    stopRequested = true;
    return;
  }
  if (msg.type === 'start') {
    if (running) return;
    running = true;
    stopRequested = false;
    train(msg.config)
      .catch((e: unknown) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }))
      .finally(() => (running = false));
  }
};
