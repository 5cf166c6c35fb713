import { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { conformInputDType, InputLayer } from './input.js';
import {
  formatShape,
  INFERENCE,
  Layer,
  LayerNode,
  SymbolicTensor,
  type CallContext,
  type FloatDType,
  type InputDType,
  type Mask,
  type SymbolicShape,
} from './layer.js';
import type { Variable } from './variable.js';

/** The split of a data file a model was trained on (recorded so later commands find the same test rows). */
export interface DataSplit {
  /** The data source as the user gave it, e.g. 'csv:iris.csv'. */
  source: string;
  /** Rows of the file, and a fingerprint of its bytes (hex), so a different file is noticed. */
  rows: number;
  fingerprint: string;
  /** The shuffle seed and the test fraction of the split. */
  seed: number;
  testFraction: number;
}

/**
 * What a language model's file records beside its vocabulary (its `classNames`, one token per output class, the
 * same ids at the input): how text becomes the model's inputs.
 */
export interface LanguageModelInfo {
  /** 'characters': one token per Unicode code point of the NFC-normalized text. */
  tokenizer: 'characters';
  /** How many previous tokens the model reads: its input is [batch, contextLength] int32 ids. */
  contextLength: number;
  /** The id that fills the positions before a text's start. */
  paddingId: number;
  /** The id of characters outside the vocabulary. */
  unknownId: number;
}

export interface NetworkArgs {
  inputs: SymbolicTensor | readonly SymbolicTensor[];
  outputs: SymbolicTensor | readonly SymbolicTensor[];
  name?: string;
  /**
   * Seeds the generator that initializes the weights of layers not built yet (and, in a Model, shuffles
   * batches). Same seed, same weights, bit for bit. Default: a random seed, readable afterwards as `seed`.
   */
  seed?: number;
}

export interface SummaryRow {
  name: string;
  className: string;
  /** The layer's output shape, e.g. [null, 128] ('multiple' for a layer applied more than once). */
  outputShape: string;
  params: number;
  trainableParams: number;
  activation: string;
  /** Names of the layers feeding this one. */
  inputs: string[];
}

export interface ModelSummary {
  name: string;
  className: string;
  dtype: FloatDType;
  layers: SummaryRow[];
  totalParams: number;
  trainableParams: number;
  /** Bytes the parameters take. */
  paramBytes: number;
  /** The printable table. */
  text: string;
  toString(): string;
}

export function checkSeed(op: string, seed: unknown): number {
  if (!Number.isSafeInteger(seed) || (seed as number) < 0) throw argError(op, 'seed', 'a non-negative safe integer', seed);
  return seed as number;
}

export function randomSeed(): number {
  return Math.floor(Math.random() * 2 ** 32);
}

/**
 * A directed acyclic graph of layer applications, from symbolic inputs to symbolic outputs (Keras's
 * functional model without the training methods, which live in train/). It owns the wiring, the weights
 * (through its layers) and the forward pass.
 */
export class Network {
  readonly className: string = 'Model';
  name = 'model';
  private graph: {
    inputs: readonly SymbolicTensor[];
    outputs: readonly SymbolicTensor[];
    nodes: readonly LayerNode[];
    layers: readonly Layer[];
    seed: number;
  } | null = null;
  private generator: Random | null = null;
  private offsets = new Map<Layer, number>();
  private allWeights: Variable[] = [];
  /** soleConsumers' pairs, computed once the graph is wired (it does not change after). */
  private consumerPairs: Map<LayerNode, LayerNode> | null = null;
  /** Names of output classes 0..C-1 when known (string labels, Fashion-MNIST): saved in the model file. */
  classNames?: string[];
  /** How the training data was split into train and test rows: saved in the model file, so every command scores on the same test rows. */
  dataSplit?: DataSplit;
  /** For a language model: its tokenizer, context length and special ids (the vocabulary is `classNames`). */
  languageModel?: LanguageModelInfo;

  /** @internal Wires the graph, names unnamed layers and builds unbuilt ones from `seed`. */
  protected initGraph(args: NetworkArgs, op: string): void {
    if (args === null || typeof args !== 'object') throw argTypeError(op, 'args', 'an object {inputs, outputs, name?, seed?}', args);
    const inputs = toList(op, 'inputs', args.inputs);
    const outputs = toList(op, 'outputs', args.outputs);
    for (const [i, s] of inputs.entries()) {
      if (!(s.node.layer instanceof InputLayer)) throw argError(op, `inputs[${i}]`, 'a SymbolicTensor made by input()', String(s));
    }
    if (args.name !== undefined && (typeof args.name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(args.name))) {
      throw argError(op, 'name', 'a name of 1 to 128 letters, digits, _ . or -', args.name);
    }
    const seed = args.seed === undefined ? randomSeed() : checkSeed(op, args.seed);
    // Depth-first from the outputs: producers before consumers, in a deterministic order.
    const order: LayerNode[] = [];
    const seen = new Set<LayerNode>();
    const stack: Array<[LayerNode, number]> = outputs.map((o) => [o.node, 0] as [LayerNode, number]).reverse();
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, i] = top;
      if (seen.has(node) && i === 0) {
        stack.pop();
        continue;
      }
      seen.add(node);
      if (i < node.inputs.length) {
        top[1]++;
        const producer = node.inputs[i].node;
        if (!seen.has(producer)) stack.push([producer, 0]);
      } else {
        stack.pop();
        order.push(node);
      }
    }
    const inputNodes = new Set(inputs.map((s) => s.node));
    for (const node of order) {
      if (node.layer instanceof InputLayer && !inputNodes.has(node)) {
        throw argError(op, 'inputs', `a list containing every input the outputs depend on (missing '${node.layer.name}')`, `${inputs.length} inputs`);
      }
    }
    for (const [i, s] of inputs.entries()) {
      if (!seen.has(s.node)) throw argError(op, `inputs[${i}]`, 'an input the outputs depend on', String(s));
    }
    const layers: Layer[] = [];
    for (const node of order) if (!layers.includes(node.layer)) layers.push(node.layer);
    nameLayers(op, layers);
    checkMasks(op, order, outputs);
    this.name = args.name ?? this.name;
    const rng = new Random(seed);
    for (const node of order) {
      if (node.layer.built) continue;
      node.layer.build(
        node.inputs.map((s) => s.shape),
        node.layer.outputDType(node.output.dtype),
        rng,
      );
    }
    this.generator = rng;
    this.consumerPairs = null;
    this.graph = {
      inputs: Object.freeze(inputs.slice()),
      outputs: Object.freeze(outputs.slice()),
      nodes: Object.freeze(order),
      layers: Object.freeze(layers),
      seed,
    };
    let offset = 0;
    for (const layer of layers) {
      this.offsets.set(layer, offset);
      offset += layer.weights.length;
      this.allWeights.push(...layer.weights);
    }
  }

  /** True once the graph exists (a sequential model without an input shape builds on first use). */
  get isGraphReady(): boolean {
    return this.graph !== null;
  }

  private g(op: string) {
    this.requireGraph(op);
    return this.graph!;
  }

  get inputs(): readonly SymbolicTensor[] {
    return this.g('inputs').inputs;
  }

  get outputs(): readonly SymbolicTensor[] {
    return this.g('outputs').outputs;
  }

  /** Layer applications in topological order (inputs first). */
  get nodes(): readonly LayerNode[] {
    return this.g('nodes').nodes;
  }

  /** The distinct layers in topological order, input layers included. */
  get layers(): readonly Layer[] {
    return this.g('layers').layers;
  }

  /** The seed the weights were initialized from. */
  get seed(): number {
    return this.g('seed').seed;
  }

  /** The model's generator: initializes weights, then shuffles batches during fit (its state is checkpointed). */
  get rng(): Random {
    this.requireGraph('rng');
    return this.generator!;
  }

  set rng(rng: Random) {
    this.requireGraph('rng');
    this.generator = rng;
  }

  /** @internal */
  protected requireGraph(op: string): void {
    if (!this.isGraphReady) {
      throw new Error(`${op}: the model has no input shape yet: give the first layer an inputShape, or call fit/predict first`);
    }
  }

  /** Every parameter, layer by layer in topological order (kernel before bias). */
  get weights(): readonly Variable[] {
    this.requireGraph('weights');
    return this.allWeights;
  }

  /** The weights `fit` updates: trainable variables of layers that are not frozen (`layer.trainable = false`). */
  get trainableWeights(): readonly Variable[] {
    const frozen = new Set(this.layers.filter((l) => !l.trainable).flatMap((l) => l.weights));
    return this.weights.filter((v) => v.trainable && !frozen.has(v));
  }

  /**
   * The computation dtype: that of the (first) output, which is the first input's for float inputs (every layer
   * keeps its input's dtype) and the embedding's for a model that takes int32 token ids.
   */
  get dtype(): FloatDType {
    this.requireGraph('dtype');
    const d = this.outputs[0].dtype;
    return d === 'int32' ? 'float32' : d;
  }

  /** What the (first) input takes: the computation dtype, or 'int32' for token ids. */
  get inputDType(): InputDType {
    this.requireGraph('inputDType');
    return this.inputs[0].dtype;
  }

  /** The layer producing the (first) output. */
  get outputLayer(): Layer {
    this.requireGraph('outputLayer');
    return this.outputs[0].node.layer;
  }

  /** One example's input shape (without the batch dimension). */
  get inputShape(): number[] {
    this.requireGraph('inputShape');
    return this.inputs[0].shape.slice(1) as number[];
  }

  get outputShape(): SymbolicShape {
    this.requireGraph('outputShape');
    return this.outputs[0].shape;
  }

  countParams(): number {
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  getLayer(name: string): Layer {
    this.requireGraph('getLayer');
    const layer = this.layers.find((l) => l.name === name);
    if (!layer) throw argError('getLayer', 'name', `one of ${this.layers.map((l) => `'${l.name}'`).join(', ')}`, name);
    return layer;
  }

  /** The current parameter values, in `weights` order. */
  getWeights(): Tensor[] {
    // Copies: training updates the variables' storage in place (Keras's get_weights also copies).
    return this.weights.map((v) => new Tensor(v.value.data(), v.shape));
  }

  /** Replaces every parameter (same order, shapes and dtypes as `weights`). */
  setWeights(values: readonly Tensor[]): void {
    const ws = this.weights;
    if (!Array.isArray(values) || values.length !== ws.length)
      throw argError('setWeights', 'values', `${ws.length} tensors`, Array.isArray(values) ? `${values.length} tensors` : values);
    ws.forEach((v, i) => v.assign(values[i]));
  }

  /**
   * The forward pass as a function of the inputs and the weight values (default: the current ones), so
   * gradients can be taken with respect to the weights. Also returns the output layer's pre-activation
   * (the logits of a softmax or sigmoid head) when it has one. `training: true` runs the layers as `fit` does
   * (dropout masks from the model's generator, batch statistics): default false, inference.
   */
  forward(xs: readonly Tensor[], weightValues?: readonly Tensor[], options: { training?: boolean } = {}): { outputs: Tensor[]; preActivation: Tensor | null } {
    const context: CallContext = options.training === true ? { training: true, rng: this.rng } : INFERENCE;
    const { values, pre } = this.evaluateGraph('forward', xs, weightValues, context);
    return { outputs: this.outputs.map((s) => values.get(s)!), preActivation: pre };
  }

  /**
   * The outputs of the named layers for a batch (current weights), e.g. the hidden activations feeding the
   * last dense layer: `model.layerOutputs([x], ['dense_1'])[0]`. Each layer must be applied once in the model.
   */
  layerOutputs(xs: readonly Tensor[], names: readonly string[]): Tensor[] {
    const nodes = names.map((name) => {
      const layer = this.getLayer(name);
      const ns = this.nodes.filter((n) => n.layer === layer);
      if (ns.length !== 1) throw argError('layerOutputs', 'names', 'layers applied once in the model', `'${name}' applied ${ns.length} times`);
      return ns[0];
    });
    const { values } = this.evaluateGraph('layerOutputs', xs);
    return nodes.map((n) => values.get(n.output)!);
  }

  private evaluateGraph(
    op: string,
    xs: readonly Tensor[],
    weightValues?: readonly Tensor[],
    context: CallContext = INFERENCE,
  ): { values: Map<SymbolicTensor, Tensor>; pre: Tensor | null } {
    this.requireGraph(op);
    if (!Array.isArray(xs) || xs.length !== this.inputs.length) throw argError(op, 'xs', `an array of ${this.inputs.length} input tensor(s)`, xs);
    const ws = weightValues ?? this.allWeights.map((v) => v.value);
    const values = new Map<SymbolicTensor, Tensor>();
    const masks = new Map<SymbolicTensor, Mask>();
    this.inputs.forEach((s, i) => values.set(s, this.conform(xs[i], s, i)));
    let pre: Tensor | null = null;
    const head = this.outputs[0].node;
    const headContext: CallContext = { ...context, preActivation: true };
    // layerOutputs needs every layer's own output; otherwise a layer may take its sole producer into its call.
    const through = op === 'layerOutputs' ? new Map<LayerNode, LayerNode>() : this.soleConsumers();
    const done = new Set<LayerNode>();
    for (const node of this.nodes) {
      if (node.layer instanceof InputLayer || done.has(node)) continue;
      const start = this.offsets.get(node.layer)!;
      const ins = node.inputs.map((s) => values.get(s)!);
      const weights = ws.slice(start, start + node.layer.weights.length);
      // Masks go only to layers whose inputs carry one (checkMasks made sure those support them).
      const inMasks = node.inputs.some((s) => s.hasMask) ? node.inputs.map((s) => masks.get(s)) : undefined;
      const next = through.get(node);
      if (next && node !== head && next !== head && !inMasks) {
        const fused = next.layer.callThrough(node.layer, ins, weights, context);
        if (fused) {
          values.set(next.output, fused);
          done.add(next);
          continue;
        }
      }
      const nodeContext = node === head ? headContext : context;
      const r = inMasks ? node.layer.call(ins, weights, nodeContext, inMasks) : node.layer.call(ins, weights, nodeContext);
      values.set(node.output, r.output);
      if (node.output.hasMask) {
        const mask = r.mask ?? inMasks?.[0];
        if (!mask) throw new Error(`${op}: layer '${node.layer.name}' (${node.layer.className}) declares a masked output but its call returned no mask`);
        masks.set(node.output, mask);
      }
      if (node === head) pre = r.preActivation ?? null;
    }
    return { values, pre };
  }

  /**
   * Each node whose output exactly one input of one other node takes (not a model output, no masks either side),
   * mapped to that node: the pairs a layer's callThrough may compute in one call.
   */
  private soleConsumers(): Map<LayerNode, LayerNode> {
    if (this.consumerPairs) return this.consumerPairs;
    const uses = new Map<SymbolicTensor, LayerNode[]>();
    for (const node of this.nodes) for (const s of node.inputs) uses.set(s, [...(uses.get(s) ?? []), node]);
    const pairs = new Map<LayerNode, LayerNode>();
    for (const node of this.nodes) {
      const users = uses.get(node.output) ?? [];
      const next = users[0];
      if (users.length !== 1 || next.inputs.length !== 1 || this.outputs.includes(node.output) || node.output.hasMask || next.output.hasMask) continue;
      pairs.set(node, next);
    }
    this.consumerPairs = pairs;
    return pairs;
  }

  /** Checks an input batch against the declared shape and casts it to the model dtype. */
  private conform(x: Tensor, s: SymbolicTensor, i: number): Tensor {
    if (!(x instanceof Tensor)) throw argTypeError('model', `inputs[${i}]`, 'a Tensor', x);
    const ok = x.rank === s.shape.length && s.shape.every((d, j) => d === null || d === x.shape[j]);
    if (!ok) throw argError('model', `inputs[${i}]`, `a tensor of shape ${formatShape(s.shape)}`, x);
    return conformInputDType('model', `inputs[${i}]`, x, s.dtype);
  }

  /**
   * Prints the model's table (layers, output shapes, parameter counts, totals) line by line with `print`
   * (default console.log, as Keras prints; false prints nothing) and returns the same data.
   */
  summary(print: ((line: string) => void) | false = console.log): ModelSummary {
    this.requireGraph('summary');
    if (print !== false && typeof print !== 'function')
      throw argTypeError('summary', 'print', 'a function called with each line (default console.log) or false (print nothing)', print);
    const nodesOf = new Map<Layer, LayerNode[]>();
    for (const n of this.nodes) nodesOf.set(n.layer, [...(nodesOf.get(n.layer) ?? []), n]);
    const rows: SummaryRow[] = this.layers.map((layer) => {
      const ns = nodesOf.get(layer)!;
      const params = layer.countParams();
      return {
        name: layer.name,
        className: layer.className,
        outputShape: ns.length === 1 ? formatShape(ns[0].output.shape) : 'multiple',
        params,
        trainableParams: layer.trainable ? layer.weights.filter((v) => v.trainable).reduce((n, v) => n + v.size, 0) : 0,
        activation: layer.activation,
        inputs: [...new Set(ns.flatMap((n) => n.inputs.map((s) => s.node.layer.name)))],
      };
    });
    const totalParams = rows.reduce((n, r) => n + r.params, 0);
    const trainableParams = rows.reduce((n, r) => n + r.trainableParams, 0);
    const dtype = this.dtype;
    const paramBytes = this.weights.reduce((n, v) => n + v.size * (v.dtype === 'float64' ? 8 : 4), 0);
    const isChain = this.nodes.every((n, i) => (i === 0 ? n.inputs.length === 0 : n.inputs.length === 1 && n.inputs[0].node === this.nodes[i - 1]));
    const header = ['Layer (type)', 'Output shape', 'Param #', 'Activation', ...(isChain ? [] : ['Connected to'])];
    const table = rows.map((r) => [
      `${r.name} (${r.className})`,
      r.outputShape,
      r.params.toLocaleString('en-US'),
      r.activation === 'linear' ? '' : r.activation,
      ...(isChain ? [] : [r.inputs.join(', ')]),
    ]);
    const widths = header.map((h, c) => Math.max(h.length, ...table.map((row) => row[c].length)));
    const line = (cells: string[]) =>
      cells
        .map((cell, c) => (c === 2 ? cell.padStart(widths[c]) : cell.padEnd(widths[c])))
        .join('   ')
        .trimEnd();
    const rule = '─'.repeat(widths.reduce((a, b) => a + b, 0) + 3 * (widths.length - 1));
    const lines = [
      `${this.className}: "${this.name}"`,
      rule,
      line(header),
      rule,
      ...table.map(line),
      rule,
      `Total params: ${totalParams.toLocaleString('en-US')} (${dtype}, ${formatBytes(paramBytes)})`,
      `Trainable params: ${trainableParams.toLocaleString('en-US')}`,
      `Non-trainable params: ${(totalParams - trainableParams).toLocaleString('en-US')}`,
    ];
    if (print !== false) for (const l of lines) print(l);
    const text = lines.join('\n');
    return { name: this.name, className: this.className, dtype, layers: rows, totalParams, trainableParams, paramBytes, text, toString: () => text };
  }
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(2)} MiB`;
}

function toList(op: string, arg: string, x: unknown): SymbolicTensor[] {
  const list = Array.isArray(x) ? x : [x];
  if (list.length === 0) throw argError(op, arg, 'at least one SymbolicTensor', x);
  list.forEach((s, i) => {
    if (!(s instanceof SymbolicTensor)) {
      const hint = s instanceof Tensor ? ' (a Tensor: build models from input() and layer.apply(symbolic))' : '';
      throw argTypeError(op, Array.isArray(x) ? `${arg}[${i}]` : arg, `a SymbolicTensor${hint}`, s);
    }
  });
  return list as SymbolicTensor[];
}

/**
 * Refuses a mask that reaches a layer without mask support (as Keras raises) or a model output (logitkit's losses
 * and metrics would not weight by it, as Keras's do): pooling the steps (GlobalAveragePooling1D) consumes it.
 */
function checkMasks(op: string, order: readonly LayerNode[], outputs: readonly SymbolicTensor[]): void {
  for (const node of order) {
    const { layer } = node;
    const masked = node.inputs.find((s) => s.hasMask);
    if (masked && !layer.supportsMasking) {
      throw new Error(
        `${op}: Layer '${layer.name}' (${layer.className}) does not support masks: its input ${describeMask(masked)}. ` +
          'Only Dense, Dropout and Activation pass a mask on; consume it first with layers.globalAveragePooling1d(), or leave maskZero out',
      );
    }
  }
  for (const [i, s] of outputs.entries()) {
    if (s.hasMask) {
      throw argError(
        op,
        outputs.length === 1 ? 'outputs' : `outputs[${i}]`,
        'an output without a mask (losses and metrics would not weight by it): pool the steps first with layers.globalAveragePooling1d()',
        `an output that ${describeMask(s)}`,
      );
    }
  }
}

/** "carries the mask of layer 'embedding_1' (Embedding)", naming the layer that made it (not the ones passing it on). */
function describeMask(s: SymbolicTensor): string {
  let origin = s;
  for (let up = origin.node.inputs.find((x) => x.hasMask); up; up = origin.node.inputs.find((x) => x.hasMask)) origin = up;
  const maker = origin.node.layer;
  const via = origin === s ? '' : ` (passed on by layer '${s.node.layer.name}')`;
  return `carries the mask of layer '${maker.name}' (${maker.className})${via}`;
}

/** Gives unnamed layers '<prefix>_<k>' names, unique in the model and independent of anything created before. */
function nameLayers(op: string, layers: readonly Layer[]): void {
  const taken = new Set<string>();
  for (const layer of layers) {
    if (!layer.hasName) continue;
    if (taken.has(layer.name)) throw argError(op, 'layers', 'layers with distinct names', `two layers named '${layer.name}'`);
    taken.add(layer.name);
  }
  const counters = new Map<string, number>();
  for (const layer of layers) {
    if (layer.hasName) continue;
    let k = counters.get(layer.name) ?? 0;
    let candidate: string;
    do candidate = `${layer.name}_${++k}`;
    while (taken.has(candidate));
    counters.set(layer.name, k);
    layer.assignName(candidate);
    taken.add(candidate);
  }
}
