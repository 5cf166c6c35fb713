/**
 * Saliency maps (Simonyan, Vedaldi and Zisserman, 2014): the gradient of one logit with respect to the input
 * pixels, computed with the library's autograd (`grad` of a function of the input), and its rendering as an SVG
 * heat map beside the image.
 */
import { grad } from '../autograd/grad.js';
import { withoutTape } from '../autograd/tape.js';
import { toTensor, type TensorInput } from '../ops/convert.js';
import { expandDims, reshape } from '../ops/layout.js';
import { cast } from '../ops/unary.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';

export interface SaliencyOptions {
  /** The class whose logit is differentiated; default the predicted one (the winning logit, argmax z). */
  classId?: number;
}

export interface Saliency {
  classId: number;
  /** z_k for the sample. */
  logit: number;
  /** ∂z_k/∂x, one value per input value, in the sample's shape (no batch axis) and the model's dtype. */
  gradient: Tensor;
}

const OP = 'saliencyMap';

/**
 * The gradient of logit k with respect to the input, for one sample (no batch axis). `logits` maps a batch
 * [1, ...sample shape] to logits [1, classes] with the library's ops (a model's forward pass, e.g.
 * `(x) => model.forward([x]).preActivation ?? model.forward([x]).outputs[0]`), so autograd can go through it.
 */
export function saliencyMap(logits: (x: Tensor) => Tensor, sample: TensorInput, options: SaliencyOptions = {}): Saliency {
  if (typeof logits !== 'function') throw argTypeError(OP, 'logits', 'a function from a batch of one to its logits [1, classes]', logits);
  if (options === null || typeof options !== 'object') throw argTypeError(OP, 'options', 'an object {classId?}', options);
  const s0 = toTensor(OP, 'sample', sample);
  const s = s0.dtype === 'int32' ? cast(s0, 'float32') : s0;
  const x = expandDims(s, 0);
  const z = withoutTape(() => logits(x));
  if (!(z instanceof Tensor) || z.rank !== 2 || z.shape[0] !== 1 || z.shape[1] < 1)
    throw argError(OP, 'logits', 'a function returning logits of shape [1, classes] for a batch of one', z instanceof Tensor ? z : String(z));
  const C = z.shape[1];
  let k = options.classId;
  if (k === undefined) {
    k = 0;
    for (let i = 1; i < C; i++) if (z.values[i] > z.values[k]) k = i;
  } else if (!Number.isInteger(k) || k < 0 || k >= C) throw argError(OP, 'classId', `a class id in [0, ${C - 1}]`, k);
  // Seeding the backward pass with the one-hot row e_k gives e_kᵀ·∂z/∂x = ∂z_k/∂x.
  const seed = new Tensor(z.dtype === 'float64' ? new Float64Array(C) : new Float32Array(C), [1, C]);
  (seed.values as Float32Array | Float64Array)[k] = 1;
  const g = grad((xx) => logits(xx))(x, seed);
  return { classId: k, logit: z.values[k], gradient: reshape(g, s.shape) };
}

export interface SaliencySvgInput {
  /** The image's pixels in [0, 1], row-major [height, width, channels] (channels last, 1 for grayscale). */
  pixels: ArrayLike<number>;
  /** ∂z_k/∂x for those pixels, in the same order. */
  gradient: ArrayLike<number>;
  height: number;
  width: number;
  channels?: number;
  /** Caption lines: e.g. the example, the class, the prediction. */
  title?: string;
  /** The differentiated logit's name, e.g. 'z[7]' (default 'z_k'). */
  logitName?: string;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const hex = (v: number) =>
  Math.max(0, Math.min(255, Math.round(v)))
    .toString(16)
    .padStart(2, '0');
const rgb = (r: number, g: number, b: number) => `#${hex(r)}${hex(g)}${hex(b)}`;

/** |g| / max|g| in [0, 1]: white (0) → yellow → red → dark red (1). */
export function heatColor(t: number): string {
  const u = Math.max(0, Math.min(1, t));
  if (u < 0.5) return rgb(255, 255, 255 - 2 * u * 255);
  if (u < 0.8) return rgb(255, 255 - ((u - 0.5) / 0.3) * 255, 0);
  return rgb(255 - ((u - 0.8) / 0.2) * 115, 0, 0);
}

/** g / max|g| in [−1, 1]: blue (−1) → white (0) → red (+1). */
export function divergingColor(t: number): string {
  const u = Math.max(-1, Math.min(1, t));
  return u >= 0 ? rgb(255, 255 * (1 - u), 255 * (1 - u)) : rgb(255 * (1 + u), 255 * (1 + u), 255);
}

/**
 * An SVG of three panels of the same size: the image (dark ink on white), |∂z_k/∂x| scaled to its maximum
 * (white → yellow → red), and the signed gradient scaled by the same maximum (blue negative, white 0, red
 * positive: brightening a red pixel raises z_k), each with a colour bar. With several channels, each pixel shows
 * its channel of largest |gradient|. The document is standalone SVG 1.1 (no scripts, no external references).
 */
export function saliencySvg(d: SaliencySvgInput): string {
  const op = 'saliencySvg';
  const C = d.channels ?? 1;
  const { height: H, width: W } = d;
  if (!Number.isInteger(H) || H < 1 || !Number.isInteger(W) || W < 1 || !Number.isInteger(C) || C < 1)
    throw argError(op, 'height', 'positive integer height, width and channels', `${H}×${W}×${C}`);
  if (d.pixels.length !== H * W * C || d.gradient.length !== H * W * C)
    throw argError(
      op,
      'gradient',
      `${H * W * C} values (height × width × channels), as many as the pixels`,
      `${d.gradient.length} gradients and ${d.pixels.length} pixels`,
    );
  const ink = new Float64Array(H * W);
  const g = new Float64Array(H * W);
  for (let p = 0; p < H * W; p++) {
    let best = 0;
    let inkSum = 0;
    for (let c = 0; c < C; c++) {
      const v = d.gradient[p * C + c];
      if (Math.abs(v) > Math.abs(best) || (c === 0 && Number.isNaN(v))) best = v;
      inkSum += d.pixels[p * C + c];
    }
    g[p] = best;
    ink[p] = inkSum / C;
  }
  let gmax = 0;
  for (const v of g) if (Number.isFinite(v)) gmax = Math.max(gmax, Math.abs(v));
  const scale = gmax > 0 ? gmax : 1;
  const cell = Math.max(2, Math.min(12, Math.floor(240 / Math.max(H, W))));
  const pw = W * cell;
  const ph = H * cell;
  const gap = 28;
  const top = d.title ? 46 : 26;
  const barH = 10;
  const width = 3 * pw + 4 * gap;
  const height = top + ph + 22 + barH + 20;
  const zName = d.logitName ?? 'z_k';
  const out: string[] = [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
  ];
  if (d.title) out.push(`<text x="${gap}" y="18" font-size="13" font-weight="bold">${esc(d.title)}</text>`);
  const panel = (k: number, label: string, color: (p: number) => string | null, legend: Array<[string, string]>, range: [string, string]) => {
    const x0 = gap + k * (pw + gap);
    out.push(`<text x="${x0}" y="${top - 8}">${esc(label)}</text>`);
    out.push(`<g transform="translate(${x0} ${top})" shape-rendering="crispEdges">`);
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const fill = color(r * W + c);
        if (fill !== null) out.push(`<rect x="${c * cell}" y="${r * cell}" width="${cell}" height="${cell}" fill="${fill}"/>`);
      }
    out.push(`<rect width="${pw}" height="${ph}" fill="none" stroke="#999"/></g>`);
    // The colour bar under the panel, with its two ends labelled.
    const by = top + ph + 8;
    const steps = legend.length;
    legend.forEach(([fill], i) =>
      out.push(`<rect x="${x0 + (i * pw) / steps}" y="${by}" width="${pw / steps + 0.5}" height="${barH}" fill="${fill}" shape-rendering="crispEdges"/>`),
    );
    out.push(`<text x="${x0}" y="${by + barH + 13}">${esc(range[0])}</text>`);
    out.push(`<text x="${x0 + pw}" y="${by + barH + 13}" text-anchor="end">${esc(range[1])}</text>`);
  };
  const grey = (v: number) => {
    const u = Math.max(0, Math.min(1, v));
    return u <= 0.02 ? null : rgb(255 * (1 - u), 255 * (1 - u), 255 * (1 - u));
  };
  const bar = (f: (t: number) => string, lo: number, hi: number) =>
    Array.from({ length: 24 }, (_, i) => [f(lo + ((hi - lo) * (i + 0.5)) / 24), ''] as [string, string]);
  const m = gmax.toPrecision(3);
  panel(
    0,
    'image',
    (p) => grey(ink[p]),
    bar((t) => rgb(255 * (1 - t), 255 * (1 - t), 255 * (1 - t)), 0, 1),
    ['0', '1'],
  );
  panel(1, `|∂${zName}/∂x| / max (max ${m})`, (p) => (Number.isFinite(g[p]) && g[p] !== 0 ? heatColor(Math.abs(g[p]) / scale) : null), bar(heatColor, 0, 1), [
    '0',
    m,
  ]);
  panel(2, `∂${zName}/∂x (blue −, red +)`, (p) => (Number.isFinite(g[p]) && g[p] !== 0 ? divergingColor(g[p] / scale) : null), bar(divergingColor, -1, 1), [
    `−${m}`,
    `+${m}`,
  ]);
  out.push('</svg>');
  return out.join('\n') + '\n';
}
