/**
 * Draw a digit: a large canvas, downsampled MNIST-style to 28×28, fed to a model (trained in this page or
 * loaded from a file); logits and probabilities update while you draw, and so do a CNN's first feature maps and
 * the saliency of the winning logit (cnn-panel.ts).
 */
import type { ContributionTrace } from '../../src/index.js';
import { fetchEmbeddedMnist } from '../../src/mnist.js';
import mnistUrl from '../../assets/mnist-10k.idx.gz?url';
import { Random, argMax, data, explainPrediction, nn, renderText, type Tensor } from '../../src/index.js';
import { classifierFromBytes, type DigitClassifier } from './classifier.js';
import { mountCnnPanel } from './cnn-panel.js';
import { byTestId, h, setNumber } from './dom.js';
import { raw, short } from './format.js';
import { intensities, MNIST_SIDE, toMnist } from './mnist-preprocess.js';

const PEN_WIDTH = 22;
const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export interface DrawPanel {
  /** The network trained in the page, as a model file (modelToBytes). */
  setPageModel(bytes: Uint8Array, step: number, arch: 'mlp' | 'cnn'): void;
}

export interface DrawPanelHooks {
  /** Starts training the small CNN in the training panel. */
  trainCnn(): void;
}

export function mountDrawPanel(root: HTMLElement, hooks: DrawPanelHooks): DrawPanel {
  const canvas = byTestId<HTMLCanvasElement>(root, 'draw-canvas');
  const preview = byTestId<HTMLCanvasElement>(root, 'draw-preview');
  const clearBtn = byTestId<HTMLButtonElement>(root, 'draw-clear');
  const sourceSelect = byTestId<HTMLSelectElement>(root, 'model-source');
  const fileInput = byTestId<HTMLInputElement>(root, 'model-file');
  const statusEl = byTestId(root, 'model-status');
  const predictionEl = byTestId(root, 'prediction');
  const table = byTestId<HTMLTableSectionElement>(root, 'digit-rows');
  const why = byTestId<HTMLDetailsElement>(root, 'why');
  const whyBody = byTestId(root, 'why-body');
  why.addEventListener('toggle', () => schedule());

  const cnn = mountCnnPanel(byTestId(root, 'cnn-panel'), {
    trainCnn() {
      // The panel shows the network the page trains.
      sourceSelect.value = 'page';
      refreshStatus();
      hooks.trainCnn();
    },
  });

  const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
  const pctx = preview.getContext('2d')!;
  const models: { page: DigitClassifier | null; file: DigitClassifier | null } = { page: null, file: null };

  for (let d = 0; d < 10; d++) {
    table.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, String(d)),
        h('td', {}, h('output', { class: 'num', 'data-testid': `digit-logit-${d}` }, '—')),
        h(
          'td',
          { class: 'bar-cell' },
          h('div', { class: 'bar', 'data-testid': `digit-bar-${d}`, role: 'presentation' }, h('div', { class: 'fill' })),
          h('output', { class: 'num', 'data-testid': `digit-prob-${d}` }, '—'),
        ),
      ),
    );
  }

  function clearCanvas(): void {
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    schedule();
  }

  // Drawing with pointer events (mouse, pen, touch).
  let drawing = false;
  let last: { x: number; y: number } | null = null;
  const pos = (e: PointerEvent) => {
    const r = canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
  };
  const dot = (p: { x: number; y: number }) => {
    ctx.beginPath();
    ctx.arc(p.x, p.y, PEN_WIDTH / 2, 0, Math.PI * 2);
    ctx.fill();
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    exampleEl.textContent = '';
    exampleEl.removeAttribute('data-label');
    e.preventDefault();
    canvas.setPointerCapture(e.pointerId);
    drawing = true;
    last = pos(e);
    ctx.fillStyle = '#fff';
    dot(last);
    schedule();
  });
  canvas.addEventListener('pointermove', (e) => {
    if (!drawing || !last) return;
    const p = pos(e);
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = PEN_WIDTH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(last.x, last.y);
    ctx.lineTo(p.x, p.y);
    ctx.stroke();
    last = p;
    schedule();
  });
  const end = () => {
    drawing = false;
    last = null;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);
  clearBtn.addEventListener('click', () => {
    exampleEl.textContent = '';
    clearCanvas();
  });

  // A digit from the test split, drawn onto the canvas: for keyboard users, and to compare with your drawing.
  const exampleBtn = byTestId<HTMLButtonElement>(root, 'draw-example');
  const exampleEl = byTestId(root, 'draw-example-label');
  let testSet: Promise<data.Dataset> | null = null;
  const rng = new Random(Date.now());
  exampleBtn.addEventListener('click', async () => {
    exampleBtn.disabled = true;
    exampleEl.textContent = 'Loading the test digits…';
    try {
      testSet ??= fetchEmbeddedMnist(new URL(mnistUrl, location.href)).then((ds) => data.splitTrainTest(ds).test);
      const test = await testSet;
      const k = rng.int(test.count);
      const img = new ImageData(MNIST_SIDE, MNIST_SIDE);
      for (let i = 0; i < MNIST_SIDE * MNIST_SIDE; i++) {
        const v = Math.round(test.images[k * MNIST_SIDE * MNIST_SIDE + i] * 255);
        img.data.set([v, v, v, 255], i * 4);
      }
      const small = document.createElement('canvas');
      small.width = MNIST_SIDE;
      small.height = MNIST_SIDE;
      small.getContext('2d')!.putImageData(img, 0, 0);
      ctx.fillStyle = '#000';
      ctx.fillRect(0, 0, canvas.width, canvas.height);
      ctx.imageSmoothingEnabled = true;
      ctx.imageSmoothingQuality = 'high';
      ctx.drawImage(small, 0, 0, canvas.width, canvas.height);
      exampleEl.textContent = `Test digit #${k} of ${test.count}; its label is ${test.labels[k]}.`;
      exampleEl.setAttribute('data-label', String(test.labels[k]));
      schedule();
    } catch (e) {
      testSet = null;
      exampleEl.textContent = `Could not load the test digits: ${e instanceof Error ? e.message : String(e)}`;
    } finally {
      exampleBtn.disabled = false;
    }
  });

  // Recompute at most once per frame.
  let pending = false;
  function schedule(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      predict();
    });
  }

  function activeModel(): DigitClassifier | null {
    return sourceSelect.value === 'file' ? models.file : models.page;
  }

  let drawCount = 0;
  function predict(): void {
    const img = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const pixels = toMnist(intensities(img.data, img.width, img.height), img.width, img.height);
    const pimg = pctx.createImageData(MNIST_SIDE, MNIST_SIDE);
    for (let i = 0; i < pixels.length; i++) {
      const v = Math.round(pixels[i] * 255);
      pimg.data.set([v, v, v, 255], i * 4);
    }
    pctx.putImageData(pimg, 0, 0);
    const empty = pixels.every((v) => v === 0);
    const model = activeModel();
    if (!model || empty) {
      whyBody.replaceChildren(h('p', { class: 'status' }, 'Draw a digit with a model loaded.'));
      predictionEl.textContent = !model ? 'no model yet' : 'draw a digit';
      predictionEl.setAttribute('data-value', '');
      for (let d = 0; d < 10; d++) {
        for (const id of [`digit-logit-${d}`, `digit-prob-${d}`]) {
          const el = byTestId(root, id);
          el.textContent = '—';
          el.removeAttribute('data-value');
        }
        (byTestId(root, `digit-bar-${d}`).firstElementChild as HTMLElement).style.width = '0%';
        byTestId(root, `digit-bar-${d}`).classList.remove('decision');
      }
      cnn.update({ model, pixels: null, winner: null, seq: drawCount });
      return;
    }
    let logits: Tensor;
    try {
      logits = model.logits(pixels);
    } catch (e) {
      predictionEl.textContent = 'error';
      statusEl.textContent = `The model failed: ${e instanceof Error ? e.message : String(e)}`;
      cnn.update({ model, pixels: null, winner: null, seq: drawCount });
      return;
    }
    // For tests and the curious: the exact input the model saw, on the preview canvas element.
    (preview as HTMLCanvasElement & { mnistPixels?: Float32Array }).mnistPixels = pixels;
    const dtype = logits.dtype === 'float64' ? 'float64' : 'float32';
    const z = logits.values;
    const probs = nn.softmax(logits).values;
    const best = argMax(logits).item();
    for (let d = 0; d < 10; d++) {
      setNumber(byTestId(root, `digit-logit-${d}`), short(z[d], 3, dtype), raw(z[d], dtype));
      setNumber(byTestId(root, `digit-prob-${d}`), short(probs[d], 3, dtype), raw(probs[d], dtype));
      const bar = byTestId(root, `digit-bar-${d}`);
      (bar.firstElementChild as HTMLElement).style.width = `${probs[d] * 100}%`;
      bar.classList.toggle('decision', d === best);
    }
    predictionEl.textContent = String(best);
    predictionEl.setAttribute('data-value', String(best));
    predictionEl.setAttribute('data-updates', String(++drawCount));
    cnn.update({ model, pixels, winner: best, seq: drawCount });
    if (why.open) explainDigit(model, pixels);
  }

  /** "Why this digit?": the library's explainPrediction for the drawn digit. */
  function explainDigit(model: DigitClassifier, pixels: Float32Array): void {
    if (!model.explainable) {
      whyBody.replaceChildren(h('p', { class: 'status' }, 'This model does not end in a Dense layer, so there is no z = W·h + b to break down.'));
      return;
    }
    const trace = explainPrediction(model.explainable, model.sample(pixels), {
      classNames: DIGITS,
      dtype: model.model.dtype,
      top: 6,
    });
    const c = trace.contributions?.[0];
    const d = trace.dtype;
    whyBody.replaceChildren(
      c ? contributionsView(c, d) : '',
      h(
        'details',
        { class: 'renderings' },
        h('summary', {}, 'The full trace, as logitkit explain --model prints it'),
        h('pre', { class: 'rendering', 'data-testid': 'why-text', tabindex: 0 }, renderText(trace, { maxClasses: 10 })),
      ),
    );
  }

  function contributionsView(c: ContributionTrace, d: 'float32' | 'float64'): HTMLElement {
    const row = (label: string, x: { unit: number; weight: number; activation: number; contribution: number }) =>
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, label),
        h('td', { class: 'num' }, short(x.weight, 3, d)),
        h('td', { class: 'num' }, short(x.activation, 3, d)),
        h('td', { class: 'num' }, short(x.contribution, 3, d)),
      );
    return h(
      'div',
      { 'data-testid': 'why-contributions' },
      h(
        'p',
        {},
        `The logit of digit ${c.className ?? c.classId} is z = Σ`,
        h('sub', {}, 'j'),
        ' W',
        h('sub', {}, 'j'),
        'h',
        h('sub', {}, 'j'),
        ' + b = ',
        h('strong', {}, short(c.logit, 4, d)),
        ` over the ${c.top.length + c.bottom.length + c.restCount} hidden units of the last layer's input. The units that push it most, up and down:`,
      ),
      h(
        'table',
        { class: 'trace-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            h('th', { scope: 'col' }, 'hidden unit'),
            h('th', { scope: 'col' }, 'weight W', h('sub', {}, 'j')),
            h('th', { scope: 'col' }, 'activation h', h('sub', {}, 'j')),
            h('th', { scope: 'col' }, 'W', h('sub', {}, 'j'), '·h', h('sub', {}, 'j')),
          ),
        ),
        h(
          'tbody',
          {},
          ...c.top.map((x) => row(`h${x.unit}`, x)),
          ...c.bottom.map((x) => row(`h${x.unit}`, x)),
          h('tr', {}, h('th', { scope: 'row' }, `${c.restCount} others`), h('td', {}), h('td', {}), h('td', { class: 'num' }, short(c.restSum, 3, d))),
          c.bias !== null ? h('tr', {}, h('th', { scope: 'row' }, 'bias b'), h('td', {}), h('td', {}), h('td', { class: 'num' }, short(c.bias, 3, d))) : null,
        ),
      ),
    );
  }

  function refreshStatus(): void {
    const model = activeModel();
    statusEl.textContent = model
      ? `Model: ${model.description}.`
      : sourceSelect.value === 'file'
        ? 'Choose a model file.'
        : 'Train the network below (a few hundred steps are enough) to predict with it.';
  }

  sourceSelect.addEventListener('change', () => {
    refreshStatus();
    schedule();
  });

  fileInput.addEventListener('change', async () => {
    const file = fileInput.files?.[0];
    if (!file) return;
    statusEl.textContent = `Loading ${file.name}…`;
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      models.file = classifierFromBytes(bytes, `file '${file.name}'`, `${file.name}`);
      sourceSelect.value = 'file';
    } catch (e) {
      models.file = null;
      statusEl.textContent = `Could not load ${file.name}: ${e instanceof Error ? e.message : String(e)}`;
      statusEl.setAttribute('role', 'alert');
      schedule();
      return;
    }
    statusEl.removeAttribute('role');
    refreshStatus();
    schedule();
  });

  clearCanvas();
  refreshStatus();

  return {
    setPageModel(bytes, step, arch) {
      const what = arch === 'cnn' ? 'the small CNN' : 'the network';
      models.page = classifierFromBytes(bytes, 'the model sent by the training worker', `${what} trained in this page (step ${step})`);
      refreshStatus();
      schedule();
    },
  };
}
