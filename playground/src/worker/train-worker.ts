/**
 * The training worker: loads the embedded MNIST digits (fetch + DecompressionStream through
 * fetchEmbeddedMnist from logitkit/mnist), splits them with data.splitTrainTest, and trains the seeds' network or the
 * small CNN with the library's model.fit while the page stays responsive. fit awaits the batch callback, which
 * yields to the worker's event loop, so a 'stop' message takes effect after the current batch (model.stopTraining).
 */
import mnistUrl from '../../../assets/mnist-10k.idx.gz?url';
import {
  argMax,
  createWasmKernels,
  data,
  modelToBytes,
  nn,
  reshape,
  setKernels,
  slice,
  tsKernels,
  type BatchLogs,
  type Kernels,
  type Model,
  type Tensor,
} from '../../../src/index.js';
import { fetchEmbeddedMnist } from '../../../src/mnist.js';
import type { Arch, FromWorker, TestResult, ToWorker, TrainConfig } from '../messages.js';
import { seedsNetwork } from './seeds-network.js';
import { CNN_IMAGE_SHAPE, smallCnn } from './small-cnn.js';

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
      const ds = await fetchEmbeddedMnist(new URL(mnistUrl, scope.location.href));
      const s = data.splitTrainTest(ds);
      post({ type: 'data', trainCount: s.train.count, testCount: s.test.count, imageShape: ds.imageShape ?? [28, 28] });
      return s;
    })();
    split.catch(() => (split = null));
  }
  return split;
}

let wasmKernels: Promise<Kernels | null> | null = null;

/**
 * Worker threads for the wasm kernels: the cores beyond this one (at most 3 more), when the page is cross-origin
 * isolated (shared memory); the pool then lives in this worker, which may block while its helpers run.
 */
function helperThreads(): number {
  if (!self.crossOriginIsolated) return 0;
  return Math.max(0, Math.min(4, navigator.hardwareConcurrency || 1) - 1);
}

/** Activates the requested kernel set in this worker (the page's thread keeps its own); returns its name. */
async function selectKernels(which: TrainConfig['kernels']): Promise<string> {
  if (which === 'wasm') {
    const helpers = helperThreads();
    wasmKernels ??= createWasmKernels({ workers: helpers }).catch(() => null);
    const set = await wasmKernels;
    if (set) {
      setKernels(set);
      const threads = set.threads ?? 1;
      return threads > 1 ? `WebAssembly SIMD, ${threads} threads` : 'WebAssembly SIMD';
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

function sendModel(net: Model, step: number, arch: Arch): void {
  const bytes = modelToBytes(net);
  post({ type: 'model', step, arch, bytes }, [bytes.buffer]);
}

/** The model's logits on the test split, computed once per run; the page's calibration section reuses them. */
function sendTestLogits(z: Tensor, test: { x: Tensor; y: Tensor }, step: number): void {
  const logits = Float32Array.from(z.values);
  const labels = Int32Array.from(test.y.values);
  post({ type: 'testLogits', step, logits, labels, classes: z.shape[1] }, [logits.buffer, labels.buffer]);
}

/** The mean cross-entropy and the accuracy of logits [n, classes] for labels [n], with the library's ops. */
function testResult(z: Tensor, y: Tensor): TestResult {
  const n = y.shape[0];
  const losses = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: y, logits: z }).values;
  const predicted = argMax(z, 1).values;
  let loss = 0;
  let right = 0;
  for (let i = 0; i < n; i++) {
    loss += losses[i];
    if (predicted[i] === y.values[i]) right++;
  }
  return { loss: loss / n, accuracy: right / n, count: n };
}

/** The CNN takes images [n, 28, 28, 1] (channels last); the MLP flat rows [n, 784]. */
function asInput(arch: Arch, x: Tensor, imageShape: readonly number[] | undefined): Tensor {
  if (arch === 'mlp') return x;
  if (!imageShape || imageShape[0] !== CNN_IMAGE_SHAPE[0] || imageShape[1] !== CNN_IMAGE_SHAPE[1])
    throw new Error(`the CNN takes 28×28 images; the data has images of shape [${(imageShape ?? []).join(', ')}]`);
  return reshape(x, [x.shape[0], ...CNN_IMAGE_SHAPE]);
}

async function train(config: TrainConfig): Promise<void> {
  const { train: trainSet, test: testSet } = await loadData();
  post({ type: 'kernels', name: await selectKernels(config.kernels) });
  const { arch } = config;
  const flatTrain = data.toTensors(trainSet);
  const flatTest = data.toTensors(testSet);
  const trainT = { x: asInput(arch, flatTrain.x, trainSet.imageShape), y: flatTrain.y };
  const testT = { x: asInput(arch, flatTest.x, testSet.imageShape), y: flatTest.y };
  const net =
    arch === 'cnn'
      ? smallCnn(trainSet.numClasses, config.learningRate, config.seed)
      : seedsNetwork(data.featureSize(trainSet), config.hidden, trainSet.numClasses, config.learningRate, config.seed);
  // The evaluations during the run: on all test digits, or (the CNN) on the first evalCount, with every test digit
  // evaluated once at the end instead.
  const evalCount = Math.max(1, Math.min(config.evalCount, testSet.count));
  const partial = evalCount < testSet.count;
  const evalSet = partial ? { x: slice(testT.x, 0, evalCount), y: slice(testT.y, 0, evalCount) } : testT;
  const evaluate = (): TestResult => {
    const r = net.evaluate(evalSet.x, evalSet.y, { batchSize: 1000 });
    return { loss: r.loss, accuracy: r.acc, count: evalCount };
  };
  post({ type: 'status', text: 'Training…' });
  const started = performance.now();
  const stepsPerEpoch = Math.ceil(trainSet.count / config.batchSize);
  let step = 0;
  let sentStep = -1;
  let lastTest: TestResult | null = null;
  // fit's batch logs hold running means over the epoch; the chart wants each batch's own loss and accuracy.
  let prevLossSum = 0;
  let prevAccSum = 0;
  const onBatchEnd = async (_batch: number, logs: BatchLogs): Promise<void> => {
    step++;
    const lossSum = logs.loss * logs.samplesSeen;
    const accSum = logs.acc * logs.samplesSeen;
    const batchLoss = (lossSum - prevLossSum) / logs.size;
    const batchAcc = (accSum - prevAccSum) / logs.size;
    prevLossSum = lossSum;
    prevAccSum = accSum;
    const last = step === config.steps;
    // With a partial evaluation set, the last step is evaluated on every test digit after the run instead.
    const evalNow = (step % config.evalEvery === 0 && !(last && partial)) || (last && !partial);
    if (evalNow) lastTest = evaluate();
    post({
      type: 'progress',
      step,
      epoch: logs.epoch + 1,
      loss: batchLoss,
      batchAccuracy: batchAcc,
      test: evalNow && lastTest ? lastTest : undefined,
      examplesPerSecond: (step * config.batchSize) / Math.max((performance.now() - started) / 1000, 1e-9),
    });
    if (evalNow) {
      sendModel(net, step, arch);
      sentStep = step;
    }
    await yieldToEvents();
    if (stopRequested || step >= config.steps) net.stopTraining = true;
  };
  await net.fit(trainT.x, trainT.y, {
    epochs: Math.ceil(config.steps / stepsPerEpoch),
    batchSize: config.batchSize,
    seed: config.seed,
    callbacks: {
      onEpochBegin: () => {
        prevLossSum = 0;
        prevAccSum = 0;
      },
      onBatchEnd,
    },
  });
  const stopped = stopRequested && step < config.steps;
  if (stopped && !partial) {
    // The model the page uses matches the last step, even between evaluations.
    lastTest = evaluate();
  }
  if (sentStep !== step) sendModel(net, step, arch);
  if (partial) post({ type: 'status', text: `Evaluating on all ${testSet.count.toLocaleString('en-US')} test digits…` });
  const z = net.predictLogits(testT.x, { batchSize: 1000 });
  if (partial) lastTest = testResult(z, testT.y);
  sendTestLogits(z, testT, step);
  post({ type: 'done', reason: stopped ? 'stopped' : 'finished', step, arch, test: lastTest, seconds: (performance.now() - started) / 1000 });
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
      .catch((e: unknown) => {
        console.error(e);
        post({ type: 'error', message: e instanceof Error ? e.message : String(e) });
      })
      .finally(() => (running = false));
  }
};
