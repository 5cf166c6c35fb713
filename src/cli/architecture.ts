/**
 * `logitkit train --arch ARCH`: a named preset (mlp, cnn, linear) or a short comma-separated layer list, parsed
 * and checked token by token (each usage error names the token and what is allowed), its shapes planned on the
 * data's example shape, and built with the library's `layers.*` factories. The logits layer, dense(classes), is
 * always added here with the number of classes.
 */
import { buildMlpClassifier, input, layers, model, Normalization, type Model, type SymbolicTensor, type Tensor } from '../index.js';
import { CliError } from './io.js';

export type HiddenActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear';
export type Padding = 'valid' | 'same';

/** One layer of an architecture, with the token it came from (for messages). */
export type ArchLayer =
  | { kind: 'conv'; token: string; filters: number; kernel: number; strides: number; padding: Padding; activation: HiddenActivation }
  | { kind: 'pool' | 'avgpool'; token: string; pool: number; padding: Padding }
  | { kind: 'gap' | 'flatten' | 'bn'; token: string }
  | { kind: 'dense'; token: string; units: number; activation: HiddenActivation }
  | { kind: 'dropout'; token: string; rate: number };

export interface Architecture {
  /** The preset's name, or 'custom' for a layer list. */
  name: string;
  /** The layers between the input (and its normalization, for flat features) and the logits. */
  layers: ArchLayer[];
  /** True when the network takes images [H, W, 1] (it has convolutions or pooling), false for flat features. */
  image: boolean;
}

const ACTIVATIONS: readonly HiddenActivation[] = ['relu', 'tanh', 'sigmoid', 'linear'];

/** The presets, as layer lists of the grammar. */
export const ARCH_PRESETS: Readonly<Record<string, string>> = Object.freeze({
  mlp: 'dense:128',
  cnn: 'conv:32x3,pool:2,conv:64x3,pool:2,flatten,dense:128,dropout:0.3',
  linear: '',
});

/** The grammar, for --help and usage errors. */
export const ARCH_GRAMMAR =
  "'mlp' (784 → normalization → 128 relu → classes, the default), 'cnn' (conv 32 3×3 relu → max-pool 2 → conv 64 3×3 relu → max-pool 2 → flatten → dense 128 relu → dropout 0.3 → classes), 'linear' (no hidden layer), " +
  'or comma-separated layers: conv:FxK[:same][:sS][:ACT] (F filters K×K, stride S, relu), pool:P[:same] (max), avgpool:P[:same], gap (global average pooling), flatten, dense:N[:ACT] (relu), dropout:R (0 ≤ R < 1), bn (batch normalization); ACT: relu, tanh, sigmoid, linear. ' +
  "The logits layer dense(classes) is added; an image network ends its image part with flatten or gap, e.g. 'conv:16x3,pool:2,conv:32x3,pool:2,flatten,dense:64,dropout:0.25'";

function usage(token: string, what: string): CliError {
  return new CliError(`option --arch: '${token}' ${what}`, 2);
}

/** A positive integer in [1, max] from a token's part. */
function int(token: string, part: string, what: string, max: number): number {
  if (!/^\d+$/.test(part) || Number(part) < 1 || Number(part) > max) throw usage(token, `needs ${what} (an integer 1..${max}), got '${part}'`);
  return Number(part);
}

/** The optional parts after a conv/pool/dense token: 'same' / 'valid', 'sS' (stride), an activation. */
function options(token: string, parts: string[], allowed: { padding?: boolean; stride?: boolean; activation?: boolean }) {
  const out: { padding: Padding; strides: number; activation: HiddenActivation } = { padding: 'valid', strides: 1, activation: 'relu' };
  const seen = new Set<string>();
  for (const p of parts) {
    let key: string;
    if (allowed.padding && (p === 'same' || p === 'valid')) {
      key = 'padding';
      out.padding = p;
    } else if (allowed.stride && /^s\d+$/.test(p)) {
      key = 'stride';
      out.strides = int(token, p.slice(1), 'a stride sS', 64);
    } else if (allowed.activation && (ACTIVATIONS as readonly string[]).includes(p)) {
      key = 'activation';
      out.activation = p as HiddenActivation;
    } else {
      const choices = [
        allowed.padding ? "'same' or 'valid'" : null,
        allowed.stride ? "a stride 'sS' (e.g. s2)" : null,
        allowed.activation ? `an activation (${ACTIVATIONS.join(', ')})` : null,
      ].filter((c) => c !== null);
      throw usage(token, `has an unknown part '${p}': expected ${choices.length ? choices.join(', ') : 'nothing after the size'}`);
    }
    if (seen.has(key)) throw usage(token, `gives the ${key} twice`);
    seen.add(key);
  }
  return out;
}

function parseToken(token: string): ArchLayer {
  const [head, ...parts] = token.split(':');
  const none = (k: 'gap' | 'flatten' | 'bn'): ArchLayer => {
    if (parts.length) throw usage(token, `takes no arguments (write '${head}')`);
    return { kind: k, token };
  };
  switch (head) {
    case 'conv': {
      const m = /^(\d+)x(\d+)$/.exec(parts[0] ?? '');
      if (!m) throw usage(token, 'needs filters and a kernel size: conv:FxK, e.g. conv:32x3 (32 filters of 3×3)');
      const filters = int(token, m[1], 'a number of filters F', 4096);
      const kernel = int(token, m[2], 'a kernel size K', 64);
      const o = options(token, parts.slice(1), { padding: true, stride: true, activation: true });
      return { kind: 'conv', token, filters, kernel, strides: o.strides, padding: o.padding, activation: o.activation };
    }
    case 'pool':
    case 'avgpool': {
      if (parts.length === 0) throw usage(token, `needs a pool size: ${head}:P, e.g. ${head}:2`);
      const pool = int(token, parts[0], 'a pool size P', 64);
      const o = options(token, parts.slice(1), { padding: true });
      return { kind: head, token, pool, padding: o.padding };
    }
    case 'dense': {
      if (parts.length === 0) throw usage(token, 'needs a width: dense:N, e.g. dense:128');
      const units = int(token, parts[0], 'a width N', 65536);
      const o = options(token, parts.slice(1), { activation: true });
      return { kind: 'dense', token, units, activation: o.activation };
    }
    case 'dropout': {
      const r = parts[0] ?? '';
      if (parts.length !== 1 || !/^(0?\.\d+|0)$/.test(r)) throw usage(token, 'needs a rate: dropout:R with 0 ≤ R < 1, e.g. dropout:0.25');
      return { kind: 'dropout', token, rate: Number(r) };
    }
    case 'gap':
    case 'flatten':
    case 'bn':
      return none(head);
    case 'tfidf':
    case 'embedding':
      throw usage(token, 'is a text network: it needs labelled texts (--data csv:FILE --text-column COL, or tsv:FILE, jsonl:FILE, dir:FOLDER)');
    default:
      throw usage(
        token,
        `is not a layer: expected conv:FxK, pool:P, avgpool:P, gap, flatten, dense:N, dropout:R or bn (or a preset: ${Object.keys(ARCH_PRESETS).join(', ')})`,
      );
  }
}

/**
 * Parses --arch: a preset name or a comma-separated layer list, checking the order (convolutions and pooling
 * first, then flatten or gap, then dense layers; dropout and bn anywhere). Shapes are checked later, on the data
 * (planShapes).
 */
export function parseArchitecture(raw: string): Architecture {
  const s = raw.trim().toLowerCase();
  if (s === '') throw new CliError(`option --arch must name a network: ${ARCH_GRAMMAR}`, 2);
  const preset = Object.hasOwn(ARCH_PRESETS, s) ? s : null;
  const list = preset === null ? s : ARCH_PRESETS[preset];
  const tokens = list === '' ? [] : list.split(',').map((t) => t.trim());
  if (tokens.some((t) => t === '')) throw new CliError(`option --arch '${raw}' has an empty layer (two commas, or a comma at an end)`, 2);
  const parsed = tokens.map(parseToken);
  const image = parsed.some((l) => l.kind === 'conv' || l.kind === 'pool' || l.kind === 'avgpool' || l.kind === 'gap');
  // The order: an image part (conv, pool, avgpool) ended by flatten or gap, then the flat part (dense).
  let flat = !image;
  for (const l of parsed) {
    if (l.kind === 'conv' || l.kind === 'pool' || l.kind === 'avgpool') {
      if (flat) throw usage(l.token, 'comes after flatten/gap: convolutions and pooling work on images, so they come first');
    } else if (l.kind === 'flatten' || l.kind === 'gap') {
      if (flat)
        throw usage(l.token, image ? 'comes after the image part was already flattened' : 'has nothing to flatten: it ends the convolutions and pooling');
      flat = true;
    } else if (l.kind === 'dense' && !flat) {
      throw usage(l.token, 'takes flat features: end the convolutions and pooling with flatten or gap before it');
    }
  }
  if (!flat) throw new CliError(`option --arch '${raw}' ends with an image: add flatten or gap after the last convolution or pooling layer`, 2);
  return { name: preset ?? 'custom', layers: parsed, image };
}

/** The architecture --hidden W1,W2 means: dense:W1,dense:W2 (the 'mlp' preset for 128, 'linear' for none). */
export function architectureFromHidden(hidden: readonly number[]): Architecture {
  const name = hidden.length === 1 && hidden[0] === 128 ? 'mlp' : hidden.length === 0 ? 'linear' : 'custom';
  return { name, image: false, layers: hidden.map((units) => ({ kind: 'dense', token: `dense:${units}`, units, activation: 'relu' })) };
}

/** True when --hidden and --arch say the same thing (dense relu layers of the same widths, nothing else). */
export function sameAsHidden(arch: Architecture, hidden: readonly number[]): boolean {
  return arch.layers.length === hidden.length && arch.layers.every((l, i) => l.kind === 'dense' && l.activation === 'relu' && l.units === hidden[i]);
}

/** The output size of one spatial axis (TensorFlow's rule), or 0 when the window does not fit. */
function axis(n: number, k: number, s: number, padding: Padding): number {
  return padding === 'same' ? Math.ceil(n / s) : n >= k ? Math.floor((n - k) / s) + 1 : 0;
}

/**
 * Each layer's output shape (one example, no batch axis) from the input shape, or a usage error naming the token
 * whose window no longer fits the image.
 */
export function planShapes(arch: Architecture, inputShape: readonly number[]): number[][] {
  let shape = [...inputShape];
  return arch.layers.map((l) => {
    if (l.kind === 'conv' || l.kind === 'pool' || l.kind === 'avgpool') {
      const [h, w, c] = shape;
      const k = l.kind === 'conv' ? l.kernel : l.pool;
      const st = l.kind === 'conv' ? l.strides : l.pool;
      const oh = axis(h, k, st, l.padding);
      const ow = axis(w, k, st, l.padding);
      if (oh < 1 || ow < 1)
        throw usage(l.token, `does not fit the ${h}×${w} image it gets (window ${k}×${k}, no padding): use fewer or smaller layers, or ':same'`);
      shape = [oh, ow, l.kind === 'conv' ? l.filters : c];
    } else if (l.kind === 'flatten') shape = [shape.reduce((a, b) => a * b, 1)];
    else if (l.kind === 'gap') shape = [shape[2]];
    else if (l.kind === 'dense') shape = [l.units];
    return shape.slice();
  });
}

/** The input shape the network takes for examples of this data: [H, W, C] (C = 1 for grayscale) for an image network, else [features]. */
export function inputShapeFor(arch: Architecture, data: { featureShape: readonly number[]; imageShape?: readonly number[] }, source: string): number[] {
  const features = data.featureShape.reduce((a, b) => a * b, 1);
  if (!arch.image) return [features];
  // imageShape is [H, W] (grayscale IDX files, one channel) or [H, W, C].
  const img = data.imageShape;
  const shape = img?.length === 2 ? [img[0], img[1], 1] : img?.length === 3 ? [...img] : null;
  if (!shape || shape[0] * shape[1] * shape[2] !== features)
    throw new CliError(
      `option --arch: a convolutional network needs image data (--data mnist or idx:DIR), but '${source}' holds ${features} features per example, not images`,
      2,
    );
  return shape;
}

function layerText(l: ArchLayer): string {
  switch (l.kind) {
    case 'conv':
      return `conv ${l.filters} ${l.kernel}×${l.kernel}${l.strides > 1 ? ` stride ${l.strides}` : ''}${l.padding === 'same' ? ' same' : ''} ${l.activation}`;
    case 'pool':
    case 'avgpool':
      return `${l.kind === 'pool' ? 'max' : 'average'}-pool ${l.pool}${l.padding === 'same' ? ' same' : ''}`;
    case 'gap':
      return 'global average pool';
    case 'flatten':
      return 'flatten';
    case 'bn':
      return 'batch norm';
    case 'dense':
      return `dense ${l.units} ${l.activation}`;
    case 'dropout':
      return `dropout ${l.rate}`;
  }
}

/** One line for the progress header and the report: "28×28×1 → conv 32 3×3 relu → … → 10 (logits)". */
export function describeArchitecture(arch: Architecture, inputShape: readonly number[], classes: number, standardize: boolean): string {
  const parts = [inputShape.join('×')];
  if (!arch.image && standardize) parts.push('normalization');
  parts.push(...arch.layers.map(layerText), `${classes} (logits)`);
  return parts.join(' → ');
}

export interface BuildOptions {
  inputShape: readonly number[];
  classes: number;
  seed: number;
  /** Flat networks only: training features to adapt a first Normalization layer on (null: none). */
  standardizeOn: Tensor | null;
}

/**
 * The network: input → [normalization, flat networks only] → the architecture's layers → dense(classes), the
 * logits. For `--arch mlp` this is buildMlpClassifier's network, layer for layer (same names, same weights).
 */
export function buildClassifier(arch: Architecture, o: BuildOptions): Model {
  planShapes(arch, o.inputShape);
  // Dense relu layers only (--hidden, the mlp and linear presets): the library's MLP builder itself.
  if (arch.layers.every((l) => l.kind === 'dense' && l.activation === 'relu'))
    return buildMlpClassifier(o.inputShape, {
      hidden: arch.layers.map((l) => (l as { units: number }).units),
      classes: o.classes,
      seed: o.seed,
      standardizeOn: o.standardizeOn,
    });
  const x = input({ shape: [...o.inputShape] });
  let h: SymbolicTensor = !arch.image && o.standardizeOn ? new Normalization().adapt(o.standardizeOn).apply(x) : x;
  for (const l of arch.layers) {
    switch (l.kind) {
      case 'conv':
        h = layers.conv2d({ filters: l.filters, kernelSize: l.kernel, strides: l.strides, padding: l.padding, activation: l.activation }).apply(h);
        break;
      case 'pool':
        h = layers.maxPooling2d({ poolSize: l.pool, padding: l.padding }).apply(h);
        break;
      case 'avgpool':
        h = layers.averagePooling2d({ poolSize: l.pool, padding: l.padding }).apply(h);
        break;
      case 'gap':
        h = layers.globalAveragePooling2d().apply(h);
        break;
      case 'flatten':
        h = layers.flatten().apply(h);
        break;
      case 'bn':
        h = layers.batchNormalization({}).apply(h);
        break;
      case 'dense':
        h = layers.dense({ units: l.units, activation: l.activation }).apply(h);
        break;
      case 'dropout':
        h = layers.dropout({ rate: l.rate }).apply(h);
        break;
    }
  }
  const logits = layers.dense({ units: o.classes }).apply(h);
  return model({ inputs: x, outputs: logits, name: arch.image ? 'cnn' : 'mlp', seed: o.seed });
}

/** The networks `train --arch` builds on labelled texts: the text presets of train/text-classifier.ts. */
export const TEXT_ARCHS = ['tfidf', 'embedding'] as const;
export type TextArch = (typeof TEXT_ARCHS)[number];

export const TEXT_ARCH_HELP =
  "for text data: 'tfidf' (TF-IDF bag of words and bigrams → one dense layer: a multinomial logistic regression, the default) or 'embedding' (token ids → embedding with maskZero → mean over the tokens → dense)";

/** --arch for text data (default tfidf); --hidden and the image or feature networks need numeric data. */
export function parseTextArchitecture(arch: string | undefined, hidden: string | undefined, source: string): TextArch {
  if (hidden !== undefined)
    throw new CliError(`option --hidden builds a network on numeric features; for the texts of '${source}' use --arch ${TEXT_ARCHS.join('|')}`, 2);
  const a = (arch ?? 'tfidf').trim().toLowerCase();
  if (!(TEXT_ARCHS as readonly string[]).includes(a))
    throw new CliError(
      `option --arch '${arch}' builds a network on numeric features; the texts of '${source}' take ${TEXT_ARCHS.map((n) => `'${n}'`).join(' or ')}`,
      2,
    );
  return a as TextArch;
}
