/**
 * Where the features f of a model's last layer come from: the layers between the input and the last dense layer
 * (a convolutional stack, a normalization and hidden dense layers, ...) with their output shapes, and a summary of
 * the vector f they computed for one example. The last layer's trace (z = W·f + b) is explainPrediction's.
 */
import { argError, argTypeError } from '../tensor/errors.js';
import type { LayerNode } from '../layers/layer.js';
import type { Network } from '../layers/network.js';
import { readable } from './format.js';

/** One layer on the way from the input to f. */
export interface FeatureStep {
  layer: string;
  className: string;
  /** What it does, e.g. '32 filters 3×3, stride 1, valid, relu' or 'rate 0.3: the identity at inference'. */
  description: string;
  /** One example's output shape (no batch axis). */
  outputShape: number[];
  params: number;
}

export interface FeatureSummary {
  count: number;
  /** Values exactly 0 (a relu's inactive units). */
  zeros: number;
  min: number;
  max: number;
  mean: number;
  /** The largest values, largest first (ties: the lower index first). */
  top: Array<{ unit: number; value: number }>;
}

const OP = 'featurePath';

/**
 * The layers that compute the input of a model's last layer, in the order they run (the input layer first), or
 * an error when the model does not end in one layer applied to one tensor.
 */
export function featurePath(net: Network): FeatureStep[] {
  if (net === null || typeof net !== 'object' || !Array.isArray(net.outputs)) throw argTypeError(OP, 'net', 'a model', net);
  const head = net.outputs[0].node;
  if (net.outputs.length !== 1 || head.inputs.length !== 1) throw argError(OP, 'net', 'a model with one output computed from one tensor', net.name);
  // The ancestors of the last layer's input, in the model's topological order.
  const needed = new Set<LayerNode>();
  const stack: LayerNode[] = [head.inputs[0].node];
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    needed.add(n);
    for (const s of n.inputs) stack.push(s.node);
  }
  return net.nodes
    .filter((n) => needed.has(n))
    .map((n) => ({
      layer: n.layer.name,
      className: n.layer.className,
      description: describeLayer(n.layer.className, n.layer.getConfig() as Record<string, unknown>, n.layer.activation),
      outputShape: n.output.shape.slice(1) as number[],
      params: n.layer.countParams(),
    }));
}

const pair = (v: unknown): string => (Array.isArray(v) ? (v[0] === v[1] ? `${v[0]}×${v[0]}` : `${v[0]}×${v[1]}`) : `${String(v)}×${String(v)}`);
const isOne = (v: unknown): boolean => (Array.isArray(v) ? v.every((x) => x === 1) : v === 1 || v === undefined);

/** A short description of a layer from its saved config (what a model file knows about it). */
export function describeLayer(className: string, c: Record<string, unknown>, activation: string): string {
  const act = activation && activation !== 'linear' ? `, ${activation}` : '';
  switch (className) {
    case 'Input':
      return 'the example';
    case 'Conv2D':
      return `${String(c.filters)} filters ${pair(c.kernelSize)}${isOne(c.strides) ? '' : `, stride ${pair(c.strides)}`}${isOne(c.dilationRate) ? '' : `, dilation ${pair(c.dilationRate)}`}, ${String(c.padding ?? 'valid')} padding${act}`;
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return `${className === 'MaxPooling2D' ? 'max' : 'average'} of each ${pair(c.poolSize)} window${c.strides !== undefined && JSON.stringify(c.strides) !== JSON.stringify(c.poolSize) ? `, stride ${pair(c.strides)}` : ''}`;
    case 'GlobalAveragePooling2D':
      return 'the mean of each channel over the image';
    case 'Flatten':
      return 'the values in one row (row-major, channels last)';
    case 'Reshape':
      return `to [${Array.isArray(c.targetShape) ? c.targetShape.join(', ') : ''}]`;
    case 'Dropout':
      return `rate ${String(c.rate)}: the identity at inference`;
    case 'BatchNormalization':
      return 'at inference: the moving mean and variance learnt in training';
    case 'Normalization':
      return 'standardized with the training mean and variance';
    case 'Dense':
      return `${String(c.units)} units${act}`;
    case 'Activation':
      return activation;
    default:
      return `${className}${act}`;
  }
}

/** The size, zeros, range, mean and largest values of a feature vector. */
export function featureSummary(f: ArrayLike<number>, top = 5): FeatureSummary {
  const v = Array.from(f);
  let zeros = 0;
  let min = Infinity;
  let max = -Infinity;
  let total = 0;
  for (const x of v) {
    if (x === 0) zeros++;
    min = Math.min(min, x);
    max = Math.max(max, x);
    total += x;
  }
  const order = v.map((_, j) => j).sort((a, b) => v[b] - v[a] || a - b);
  return {
    count: v.length,
    zeros,
    min: v.length ? min : NaN,
    max: v.length ? max : NaN,
    mean: v.length ? total / v.length : NaN,
    top: order.slice(0, top).map((j) => ({ unit: j, value: v[j] })),
  };
}

/**
 * The path and the summary as lines of text (format 'text') or Markdown ('md'): which layers computed f from the
 * input and what f holds. `lastLayer` names the layer f feeds.
 */
export function renderFeatures(path: FeatureStep[], summary: FeatureSummary, lastLayer: string, format: 'text' | 'md' = 'text', digits = 6): string {
  const n = (x: number) => readable(x, digits);
  const input = path[0];
  const from = input ? `[${input.outputShape.join(', ')}] ${input.outputShape.length === 3 ? 'image' : 'input'}` : 'input';
  const title = `The features f: the input of the last layer (${lastLayer}), computed from the ${from} by`;
  const rows = path.slice(1).map((s) => [`${s.layer} (${s.className})`, s.description, `[${s.outputShape.join(', ')}]`]);
  const stats =
    `f has ${summary.count} values: ${summary.zeros} are 0, min ${n(summary.min)}, max ${n(summary.max)}, mean ${n(summary.mean)}` +
    (summary.top.length ? `; the largest: ${summary.top.map((t) => `f[${t.unit}] = ${n(t.value)}`).join(', ')}` : '');
  if (rows.length === 0) {
    const line = `The features f: the input of the last layer (${lastLayer}) is the ${from} itself.`;
    return format === 'md' ? `${line}\n\n${stats}\n` : `${line}\n${stats}\n`;
  }
  if (format === 'md') {
    const esc = (s: string) => s.replace(/[|\\`*_[\]<>]/g, (c) => `\\${c}`);
    const lines = [title, '', '| layer | what it does | output |', '| :---- | :----------- | :----- |', ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)];
    return `${lines.join('\n')}\n\n${stats}\n`;
  }
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = [title, ...rows.map((r) => `  ${r[0].padEnd(w0)}  ${r[1].padEnd(w1)}  ${r[2]}`.trimEnd()), stats];
  return `${lines.join('\n')}\n`;
}
