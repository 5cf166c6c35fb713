/**
 * Train in the browser: the seeds' network or the small CNN on the embedded MNIST digits, in a Web Worker, with
 * live loss and accuracy charts and a stop button. The page only draws; all the arithmetic happens in the worker.
 */
import type { TestLogits } from './calibration-panel.js';
import { LineChart } from './chart.js';
import { byTestId } from './dom.js';
import { short } from './format.js';
import type { Arch, FromWorker, TestResult, ToWorker, TrainConfig } from './messages.js';

export interface TrainPanelHooks {
  /** The model so far, as a logitkit model file, after every evaluation and at the end. */
  onModel(bytes: Uint8Array, step: number, arch: Arch): void;
  /** A run starts: the page's model will change. */
  onStart(): void;
  /** The final model's logits on the test digits, once per run (finished or stopped), before it is reported done. */
  onTestLogits(data: TestLogits): void;
}

export interface TrainPanel {
  /** Selects the small CNN (with its default steps, batch and learning rate unless it was already selected) and starts a run. */
  trainCnn(): void;
}

/** Each network's defaults: the steps, batch size and learning rate it trains well with in the worker, and how it is evaluated. */
const ARCH_DEFAULTS: Record<Arch, { steps: number; batch: number; lr: string; evals: number; evalCount: number; about: string }> = {
  mlp: {
    steps: 300,
    batch: 64,
    lr: '0.001',
    evals: 12,
    evalCount: Infinity,
    about: "The seeds' network 784 → 128 (relu) → 10 with Adam: 300 steps take a few seconds.",
  },
  cnn: {
    steps: 200,
    batch: 32,
    lr: '0.003',
    evals: 4,
    evalCount: 500,
    about:
      'A small CNN, input 28×28×1 → conv 8 filters 3×3 (relu) → max-pool 2 → conv 16 filters 3×3 (relu) → max-pool 2 → flatten → dense 10, with Adam. ' +
      'Convolutions cost more than the MLP: 200 steps took about 12 s on a busy 2-core machine. Evaluations during the run use the first 500 test digits; all 2,000 are evaluated at the end.',
  },
};

function readInt(el: HTMLInputElement, min: number, max: number, fallback: number): number {
  const v = Number(el.value);
  return Number.isInteger(v) && v >= min && v <= max ? v : fallback;
}

export function mountTrainPanel(root: HTMLElement, hooks: TrainPanelHooks): TrainPanel {
  const startBtn = byTestId<HTMLButtonElement>(root, 'train-start');
  const stopBtn = byTestId<HTMLButtonElement>(root, 'train-stop');
  const stepsIn = byTestId<HTMLInputElement>(root, 'train-steps');
  const batchIn = byTestId<HTMLInputElement>(root, 'train-batch');
  const lrIn = byTestId<HTMLInputElement>(root, 'train-lr');
  const kernelsSel = byTestId<HTMLSelectElement>(root, 'train-kernels');
  const archSel = byTestId<HTMLSelectElement>(root, 'train-arch');
  const archAbout = byTestId(root, 'train-arch-about');
  const kernelsEl = byTestId(root, 'train-kernels-used');
  const statusEl = byTestId(root, 'train-status');
  const stepEl = byTestId(root, 'train-step');
  const lossEl = byTestId(root, 'train-loss');
  const accEl = byTestId(root, 'train-accuracy');
  const testAccEl = byTestId(root, 'test-accuracy');
  const speedEl = byTestId(root, 'train-speed');
  const charts = byTestId(root, 'train-charts');
  const downloadBtn = byTestId<HTMLButtonElement>(root, 'train-download');
  let latestModel: { bytes: Uint8Array; step: number; arch: Arch } | null = null;
  const currentArch = (): Arch => (archSel.value === 'cnn' ? 'cnn' : 'mlp');
  const applyArchDefaults = () => {
    const d = ARCH_DEFAULTS[currentArch()];
    stepsIn.value = String(d.steps);
    batchIn.value = String(d.batch);
    lrIn.value = d.lr;
    archAbout.textContent = d.about;
  };
  archSel.addEventListener('change', applyArchDefaults);
  archAbout.textContent = ARCH_DEFAULTS[currentArch()].about;
  downloadBtn.disabled = true;
  downloadBtn.addEventListener('click', () => {
    if (!latestModel) return;
    const url = URL.createObjectURL(new Blob([latestModel.bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `mnist-${latestModel.arch}-step${latestModel.step}.lkm`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  });

  const lossChart = new LineChart(
    {
      title: 'Loss (cross-entropy) by step',
      yLabel: 'loss (cross-entropy)',
      series: [
        { name: 'train batch', className: 's-raw' },
        { name: 'train (smoothed)', className: 's-train' },
        { name: 'test', className: 's-test', dots: true },
      ],
    },
    'loss-chart',
  );
  const accChart = new LineChart(
    {
      title: 'Accuracy by step',
      yLabel: 'accuracy',
      yRange: [0, 1],
      yFormat: (v) => `${Math.round(v * 100)}%`,
      series: [
        { name: 'train (smoothed)', className: 's-train' },
        { name: 'test', className: 's-test', dots: true },
      ],
    },
    'accuracy-chart',
  );
  charts.append(lossChart.element, accChart.element);

  const worker = new Worker(new URL('./worker/train-worker.ts', import.meta.url), { type: 'module', name: 'logitkit-train' });
  const send = (msg: ToWorker) => worker.postMessage(msg);

  let emaLoss = NaN;
  let emaAcc = NaN;
  let firstLoss = NaN;
  let dirty = false;
  const redraw = () => {
    if (dirty) return;
    dirty = true;
    requestAnimationFrame(() => {
      dirty = false;
      lossChart.render();
      accChart.render();
    });
  };

  function setRunning(running: boolean): void {
    startBtn.disabled = running;
    stopBtn.disabled = !running;
    for (const el of [stepsIn, batchIn, lrIn, kernelsSel, archSel]) el.disabled = running;
    root.setAttribute('data-state', running ? 'running' : 'idle');
  }

  let lastTestStep = -1;
  const showTest = (test: TestResult) => {
    testAccEl.textContent = `${short(test.accuracy * 100, 3)}%`;
    testAccEl.setAttribute('data-value', String(test.accuracy));
    testAccEl.setAttribute('data-count', String(test.count));
    testAccEl.title = `on ${test.count.toLocaleString('en-US')} test digits`;
  };

  function start(): void {
    const lr = Number(lrIn.value);
    const arch = currentArch();
    const d = ARCH_DEFAULTS[arch];
    const config: TrainConfig = {
      arch,
      steps: readInt(stepsIn, 1, 100_000, d.steps),
      batchSize: readInt(batchIn, 1, 1024, d.batch),
      learningRate: Number.isFinite(lr) && lr > 0 && lr < 1 ? lr : Number(d.lr),
      evalEvery: 25,
      evalCount: d.evalCount,
      hidden: 128,
      seed: 1,
      kernels: kernelsSel.value === 'ts' ? 'ts' : 'wasm',
    };
    config.evalEvery = Math.max(10, Math.round(config.steps / d.evals));
    lastTestStep = -1;
    root.setAttribute('data-arch', arch);
    emaLoss = NaN;
    emaAcc = NaN;
    firstLoss = NaN;
    lossChart.reset(config.steps);
    accChart.reset(config.steps);
    for (const el of [stepEl, lossEl, accEl, testAccEl, speedEl]) {
      el.textContent = '—';
      el.removeAttribute('data-value');
    }
    testAccEl.removeAttribute('data-count');
    root.removeAttribute('data-first-loss');
    statusEl.textContent = 'Starting…';
    setRunning(true);
    hooks.onStart();
    send({ type: 'start', config });
  }
  startBtn.addEventListener('click', start);
  stopBtn.addEventListener('click', () => {
    statusEl.textContent = 'Stopping…';
    stopBtn.disabled = true;
    send({ type: 'stop' });
  });

  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const msg = event.data;
    switch (msg.type) {
      case 'status':
        statusEl.textContent = msg.text;
        break;
      case 'kernels':
        kernelsEl.textContent = msg.name;
        break;
      case 'data':
        statusEl.textContent = `Loaded ${msg.trainCount} training and ${msg.testCount} test digits.`;
        break;
      case 'progress': {
        if (Number.isNaN(firstLoss)) {
          firstLoss = msg.loss;
          root.setAttribute('data-first-loss', String(msg.loss));
        }
        emaLoss = Number.isNaN(emaLoss) ? msg.loss : 0.9 * emaLoss + 0.1 * msg.loss;
        emaAcc = Number.isNaN(emaAcc) ? msg.batchAccuracy : 0.9 * emaAcc + 0.1 * msg.batchAccuracy;
        lossChart.push(0, msg.step, msg.loss);
        lossChart.push(1, msg.step, emaLoss);
        accChart.push(0, msg.step, emaAcc);
        if (msg.test) {
          lossChart.push(2, msg.step, msg.test.loss);
          accChart.push(1, msg.step, msg.test.accuracy);
          lastTestStep = msg.step;
          showTest(msg.test);
        }
        stepEl.textContent = `${msg.step} (epoch ${msg.epoch})`;
        stepEl.setAttribute('data-value', String(msg.step));
        lossEl.textContent = short(emaLoss);
        lossEl.setAttribute('data-value', String(emaLoss));
        accEl.textContent = `${short(emaAcc * 100, 3)}%`;
        accEl.setAttribute('data-value', String(emaAcc));
        speedEl.textContent = `${Math.round(msg.examplesPerSecond)} examples/s`;
        statusEl.textContent = 'Training…';
        redraw();
        break;
      }
      case 'model':
        latestModel = { bytes: msg.bytes, step: msg.step, arch: msg.arch };
        downloadBtn.disabled = false;
        hooks.onModel(msg.bytes, msg.step, msg.arch);
        break;
      case 'testLogits':
        hooks.onTestLogits({ step: msg.step, logits: msg.logits, labels: msg.labels, classes: msg.classes });
        break;
      case 'done':
        setRunning(false);
        root.setAttribute('data-state', msg.reason);
        statusEl.textContent =
          `${msg.reason === 'stopped' ? 'Stopped' : 'Finished'} after ${msg.step} steps in ${short(msg.seconds, 3)} s` +
          (msg.test ? `; test accuracy ${short(msg.test.accuracy * 100, 3)}%` : '') +
          (msg.test && msg.arch === 'cnn' ? ` on all ${msg.test.count.toLocaleString('en-US')} test digits.` : '.');
        if (msg.test) {
          // The CNN's run ends with its only evaluation on every test digit: a last point on the charts.
          if (msg.step !== lastTestStep) {
            lossChart.push(2, msg.step, msg.test.loss);
            accChart.push(1, msg.step, msg.test.accuracy);
            lastTestStep = msg.step;
          }
          showTest(msg.test);
        }
        redraw();
        break;
      case 'error':
        setRunning(false);
        root.setAttribute('data-state', 'error');
        statusEl.textContent = `Error: ${msg.message}`;
        break;
    }
  };
  worker.onerror = (e) => {
    setRunning(false);
    root.setAttribute('data-state', 'error');
    statusEl.textContent = `Worker error: ${e.message}`;
  };

  setRunning(false);

  return {
    trainCnn() {
      if (!startBtn.disabled) {
        if (archSel.value !== 'cnn') {
          archSel.value = 'cnn';
          applyArchDefaults();
        }
        start();
      }
    },
  };
}
