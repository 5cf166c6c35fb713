/**
 * Inside a CNN, for the drawn digit: the first convolution's feature maps (each filter's output, from the
 * library's model.layerOutputs) and the saliency of the winning logit (∂z_k/∂pixel by autograd, the library's
 * saliencyMap) as a heat map over the digit. Any model of the drawing panel gets the saliency; the feature maps need
 * a Conv2D layer.
 */
import { saliencyMap, type Conv2D, type Model, type Tensor } from '../../src/index.js';
import type { DigitClassifier } from './classifier.js';
import { byTestId, h } from './dom.js';
import { short } from './format.js';
import { MNIST_SIDE } from './mnist-preprocess.js';

/** The model's logits for a batch: the output layer's pre-activation when it ends in softmax/sigmoid, else its output. */
function logitsOf(model: Model, x: Tensor): Tensor {
  const r = model.forward([x]);
  return r.preActivation ?? r.outputs[0];
}

export interface CnnRequest {
  model: DigitClassifier | null;
  /** The 28×28 image the model saw (null: nothing drawn). */
  pixels: Float32Array | null;
  /** The decision, argmax z: the logit whose saliency is shown. */
  winner: number | null;
  /** The drawing panel's update counter, written to data-seq once shown (tests wait for it). */
  seq: number;
}

export interface CnnPanel {
  update(request: CnnRequest): void;
}

export interface CnnPanelHooks {
  /** "Train the small CNN": starts a CNN run in the training panel. */
  trainCnn(): void;
}

/** The most feature maps drawn (a wide first layer shows its first ones and says so). */
export const MAX_MAPS = 64;

/** Canvas elements carry the values they show, for tests and the curious. */
export type MapCanvas = HTMLCanvasElement & { values?: Float32Array };

/** Blue (−1) → white (0) → red (+1), as src/explain/saliency.ts colours a signed gradient. */
function diverging(t: number): [number, number, number] {
  const u = Math.max(-1, Math.min(1, t));
  return u >= 0 ? [255, 255 * (1 - u), 255 * (1 - u)] : [255 * (1 + u), 255 * (1 + u), 255];
}

/** Paints values (h×w) on a canvas of that size: grayscale 0 → black, scale → white; or diverging for signed values. */
function paint(canvas: MapCanvas, values: Float32Array, w: number, hgt: number, scale: number, signed: boolean): void {
  canvas.width = w;
  canvas.height = hgt;
  const ctx = canvas.getContext('2d')!;
  const img = ctx.createImageData(w, hgt);
  const s = scale > 0 ? scale : 1;
  for (let i = 0; i < w * hgt; i++) {
    const v = values[i];
    if (signed) {
      const [r, g, b] = diverging(v / s);
      img.data.set([r, g, b, 255], i * 4);
    } else {
      const g = Math.round(Math.max(0, Math.min(1, v / s)) * 255);
      img.data.set([g, g, g, 255], i * 4);
    }
  }
  ctx.putImageData(img, 0, 0);
  canvas.values = values;
}

function range(values: ArrayLike<number>): { min: number; max: number; maxAbs: number } {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max, maxAbs: Math.max(Math.abs(min), Math.abs(max)) };
}

export function mountCnnPanel(root: HTMLElement, hooks: CnnPanelHooks): CnnPanel {
  const statusEl = byTestId(root, 'cnn-status');
  const trainBtn = byTestId<HTMLButtonElement>(root, 'cnn-train');
  const mapsEl = byTestId(root, 'cnn-feature-maps');
  const mapsCaption = byTestId(root, 'cnn-maps-caption');
  const scaleSel = byTestId<HTMLSelectElement>(root, 'cnn-scale');
  const saliencyCanvas = byTestId<MapCanvas>(root, 'saliency');
  const saliencyCaption = byTestId(root, 'saliency-caption');
  const saliencyMax = byTestId(root, 'saliency-max');
  trainBtn.addEventListener('click', () => hooks.trainCnn());
  scaleSel.addEventListener('change', () => {
    if (shown) update(shown);
  });

  /** The canvases for the current model's first convolution (rebuilt when the model changes). */
  let mapsFor: { model: DigitClassifier; canvases: MapCanvas[]; captions: HTMLElement[] } | null = null;
  let shown: CnnRequest | null = null;

  function setStatus(text: string, state: string): void {
    statusEl.textContent = text;
    root.setAttribute('data-state', state);
  }

  function clearMaps(): void {
    mapsEl.replaceChildren();
    mapsFor = null;
    mapsEl.removeAttribute('data-layer');
    mapsEl.removeAttribute('data-filters');
    mapsCaption.textContent = '';
  }

  function clearSaliency(): void {
    const ctx = saliencyCanvas.getContext('2d')!;
    ctx.clearRect(0, 0, saliencyCanvas.width, saliencyCanvas.height);
    delete saliencyCanvas.values;
    saliencyCanvas.removeAttribute('data-class');
    saliencyCaption.textContent = 'The saliency of the winning logit appears here when a digit is drawn.';
    saliencyMax.textContent = '';
  }

  function describe(conv: Conv2D): string {
    const [kh, kw] = conv.kernelSize;
    const stride = conv.strides[0] === 1 && conv.strides[1] === 1 ? '' : `, stride ${conv.strides.join('×')}`;
    return `${conv.name}: ${conv.filters} filters ${kh}×${kw}${stride}, ${conv.padding}, ${conv.activation}`;
  }

  function buildMaps(model: DigitClassifier, conv: Conv2D): NonNullable<typeof mapsFor> {
    const count = Math.min(conv.filters, MAX_MAPS);
    const canvases: MapCanvas[] = [];
    const captions: HTMLElement[] = [];
    const figures = Array.from({ length: count }, (_, k) => {
      const canvas = h('canvas', { 'data-testid': `feature-map-${k}`, class: 'feature-map', role: 'img', 'aria-label': `Filter ${k}'s output` }) as MapCanvas;
      const caption = h('figcaption', {}, `#${k}`);
      canvases.push(canvas);
      captions.push(caption);
      return h('figure', { class: 'map' }, canvas, caption);
    });
    mapsEl.replaceChildren(...figures);
    mapsEl.setAttribute('data-layer', conv.name);
    mapsEl.setAttribute('data-filters', String(conv.filters));
    return { model, canvases, captions };
  }

  function showMaps(model: DigitClassifier, conv: Conv2D, pixels: Float32Array): void {
    if (mapsFor?.model !== model) mapsFor = buildMaps(model, conv);
    const out = model.model.layerOutputs([model.batch(pixels)], [conv.name])[0];
    // [1, height, width, filters], channels last.
    const [, oh, ow, f] = out.shape;
    const all = out.values;
    const signed = range(all).min < 0;
    const shared = scaleSel.value === 'shared' ? range(all).maxAbs : null;
    mapsEl.setAttribute('data-height', String(oh));
    mapsEl.setAttribute('data-width', String(ow));
    mapsCaption.textContent =
      `${describe(conv)}: ${f} maps of ${oh}×${ow}` +
      (f > MAX_MAPS ? ` (the first ${MAX_MAPS} shown)` : '') +
      (signed ? '; blue negative, white 0, red positive' : '; black 0, white the largest value') +
      (shared === null ? ', each map to its own maximum.' : `, one scale for all maps (largest |value| ${short(shared, 3)}).`);
    mapsFor.canvases.forEach((canvas, k) => {
      const values = new Float32Array(oh * ow);
      for (let i = 0; i < oh * ow; i++) values[i] = all[i * f + k];
      const r = range(values);
      paint(canvas, values, ow, oh, shared ?? r.maxAbs, signed);
      canvas.setAttribute('data-max', String(r.max));
      canvas.setAttribute('data-min', String(r.min));
      const caption = `#${k} max ${short(r.max, 2)}`;
      if (mapsFor!.captions[k].textContent !== caption) mapsFor!.captions[k].textContent = caption;
      canvas.title = `filter ${k}: values from ${short(r.min, 4)} to ${short(r.max, 4)}`;
    });
  }

  function showSaliency(model: DigitClassifier, pixels: Float32Array, winner: number): void {
    // ∂z_k/∂x for the decision k: grad of the forward pass seeded with the one-hot row e_k (Simonyan et al. 2014).
    const { gradient } = saliencyMap((x) => logitsOf(model.model, x), model.sample(pixels), { classId: winner });
    const values = Float32Array.from(gradient.values);
    const { maxAbs } = range(values);
    const s = maxAbs > 0 ? maxAbs : 1;
    // The signed gradient (blue → white → red) over the digit: ink darkens the colour, so the digit shows through.
    const n = MNIST_SIDE;
    saliencyCanvas.width = n;
    saliencyCanvas.height = n;
    const ctx = saliencyCanvas.getContext('2d')!;
    const img = ctx.createImageData(n, n);
    for (let i = 0; i < n * n; i++) {
      const [r, gr, b] = diverging(values[i] / s);
      const shade = 1 - 0.55 * Math.max(0, Math.min(1, pixels[i]));
      img.data.set([r * shade, gr * shade, b * shade, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    saliencyCanvas.values = values;
    saliencyCanvas.setAttribute('data-class', String(winner));
    saliencyCanvas.setAttribute('data-max-abs', String(maxAbs));
    saliencyCaption.textContent = `∂z${winner}/∂pixel: how the winning logit z${winner} changes with each pixel's ink. Red: more ink there raises z${winner}; blue: lowers it. The digit shows in gray.`;
    saliencyMax.textContent = `±${short(maxAbs, 3)}`;
  }

  function update(req: CnnRequest): void {
    shown = req;
    const { model, pixels, winner } = req;
    if (!model) {
      clearMaps();
      clearSaliency();
      setStatus('No model yet: train the small CNN (the button, or the training panel below) or load a CNN model file (.lkm) above.', 'no-model');
    } else {
      const conv = model.firstConv;
      if (!conv) {
        clearMaps();
        const kinds = model.model.layers.map((l) => l.className).join(', ');
        setStatus(
          `This model has no convolution layer (its layers: ${kinds}), so it has no feature maps: they need a CNN (a Conv2D layer). The saliency below is still its gradient.`,
          'no-conv',
        );
      } else if (!pixels || winner === null) {
        setStatus(`Draw a digit to see the feature maps of ${describe(conv)}.`, 'ready');
      } else {
        setStatus(`The first convolution, ${describe(conv)}, applied to the drawn digit.`, 'shown');
      }
      try {
        if (pixels && winner !== null) {
          if (conv) showMaps(model, conv, pixels);
          showSaliency(model, pixels, winner);
        } else {
          clearSaliency();
          if (conv && mapsFor) for (const c of mapsFor.canvases) c.getContext('2d')!.clearRect(0, 0, c.width, c.height);
        }
      } catch (e) {
        setStatus(`Could not compute the feature maps or the saliency: ${e instanceof Error ? e.message : String(e)}`, 'error');
      }
    }
    root.setAttribute('data-seq', String(req.seq));
  }

  // The convolutions run on the page's thread: a large CNN takes tens of milliseconds per drawing. Updates run at
  // most every other such duration while you draw, and the last drawing is always shown.
  let pending: CnnRequest | null = null;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let nextAllowed = 0;
  function run(): void {
    const req = pending;
    pending = null;
    if (!req) return;
    const t0 = performance.now();
    update(req);
    const took = performance.now() - t0;
    nextAllowed = performance.now() + (took > 16 ? took : 0);
  }

  update({ model: null, pixels: null, winner: null, seq: 0 });
  return {
    update(req) {
      pending = req;
      if (timer !== null) return;
      const wait = nextAllowed - performance.now();
      if (wait <= 0) run();
      else
        timer = setTimeout(() => {
          timer = null;
          run();
        }, wait);
    },
  };
}
