import { argError, argTypeError } from '../../tensor/errors.js';
import { checkOptions } from '../../tensor/options.js';
import type { Tensor } from '../../tensor/tensor.js';
import { BatchNormalization } from '../../layers/batch-normalization.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { Dropout } from '../../layers/dropout.js';
import { Embedding } from '../../layers/embedding.js';
import { InputLayer } from '../../layers/input.js';
import type { Layer, SymbolicTensor } from '../../layers/layer.js';
import type { Network } from '../../layers/network.js';
import { Normalization } from '../../layers/normalization.js';
import { GlobalAveragePooling1D } from '../../layers/pooling-1d.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../../layers/pooling.js';
import { Flatten, Reshape } from '../../layers/reshaping.js';
import { Activation, Add } from '../../layers/simple-layers.js';
import type { ActivationName } from '../../layers/activations.js';
import type { Calibration } from '../../calibration/apply.js';
import { convOutputSize, type Padding } from '../../ops/conv-geometry.js';
import { DataType, encodeModel, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './schema.js';

/** The opsets exportOnnx writes: every operator it emits has the same definition from 13 to 17. */
export const ONNX_EXPORT_OPSETS = [13, 14, 15, 16, 17] as const;
export const ONNX_DEFAULT_OPSET = 17;
/** ONNX IR version 8 goes with opsets up to 17 (ONNX 1.12). */
const IR_VERSION = 8;

export interface ExportOnnxOptions {
  /** The default-domain opset (13 to 17; default 17). */
  opset?: number;
  /** Also output 'probabilities': softmax of the logits, after the model's stored calibration (default true). */
  probabilities?: boolean;
  /** The graph's name (default the model's name). */
  graphName?: string;
}

/**
 * A logitkit model as an ONNX model (bytes of a ModelProto, written with protobufjs from the official schema).
 * One input, 'input', with a dynamic batch axis ('batch'): the features, the NHWC images, the token ids or the
 * text vectorizer's output (a text model's vectorizer stays outside the graph: its settings and vocabulary go in
 * the metadata, key 'logitkit.textVectorization'). Outputs: 'logits' (the logits layer's pre-activation, what
 * predictLogits gives) and, unless `probabilities: false`, 'probabilities' (what predictProba gives, the stored
 * temperature or vector scaling included). Weights are float32 (a float64 model's are rounded). Metadata:
 * 'logitkit.classNames' (JSON), 'logitkit.calibration' (JSON), 'logitkit.format'.
 * Images stay NHWC at the input, as logitkit takes them; the graph transposes to ONNX's NCHW around the
 * convolutions and back before flatten, so the dense weights see logitkit's order.
 */
export function exportOnnx(model: Network, options: ExportOnnxOptions = {}): Uint8Array {
  const op = 'exportOnnx';
  const o = checkOptions(op, options, ['opset', 'probabilities', 'graphName']);
  const opset = o.opset ?? ONNX_DEFAULT_OPSET;
  if (!(ONNX_EXPORT_OPSETS as readonly number[]).includes(opset)) throw argError(op, 'options.opset', `one of ${ONNX_EXPORT_OPSETS.join(', ')}`, opset);
  if (o.probabilities !== undefined && typeof o.probabilities !== 'boolean') throw argTypeError(op, 'options.probabilities', 'a boolean', o.probabilities);
  if (o.graphName !== undefined && (typeof o.graphName !== 'string' || o.graphName === ''))
    throw argTypeError(op, 'options.graphName', 'a non-empty string', o.graphName);
  if (model === null || typeof model !== 'object' || !Array.isArray((model as Network).nodes)) throw argTypeError(op, 'model', 'a logitkit model', model);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw argError(op, 'model', 'a model with one input and one output', `${model.inputs.length} inputs, ${model.outputs.length} outputs`);
  }
  const g = new GraphBuilder();
  const values = new Map<SymbolicTensor, Value>();
  const inputT = model.inputs[0]!;
  const inputType = inputT.dtype === 'int32' ? DataType.INT32 : DataType.FLOAT;
  g.inputs.push(valueInfo('input', inputType, inputT.shape));
  values.set(inputT, { name: 'input', layout: 'last' });
  const output = model.outputs[0]!;
  let logits: string | null = null;
  let outputActivation: ActivationName = 'linear';
  for (const node of model.nodes) {
    const layer = node.layer;
    if (layer instanceof InputLayer) continue;
    const ins = node.inputs.map((s) => values.get(s)!);
    const isOutput = node.output === output;
    const result = exportLayer(g, layer, ins, node.inputs, isOutput);
    values.set(node.output, result.value);
    if (isOutput) {
      logits = result.logits ?? g.toLast(result.value);
      outputActivation = result.activation ?? 'linear';
    }
  }
  g.node('Identity', [logits!], ['logits']);
  g.outputs.push(valueInfo('logits', DataType.FLOAT, output.shape));
  if (o.probabilities ?? true) {
    probabilities(g, 'logits', model, outputActivation, output.shape[output.shape.length - 1] as number);
    g.outputs.push(valueInfo('probabilities', DataType.FLOAT, output.shape));
  }
  const metadata: Record<string, string> = { 'logitkit.format': 'exportOnnx 1: input NHWC images / features / ids; outputs logits, probabilities' };
  if (model.classNames) metadata['logitkit.classNames'] = JSON.stringify(model.classNames);
  const calibration = (model as { calibration?: Calibration }).calibration;
  if (calibration) metadata['logitkit.calibration'] = JSON.stringify(calibration);
  const tv = (model as { textVectorization?: { getConfig(): unknown } }).textVectorization;
  if (tv) metadata['logitkit.textVectorization'] = JSON.stringify(tv.getConfig());
  return encodeModel({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: opset }],
    producerName: 'logitkit',
    producerVersion: '0.1.0',
    graph: { name: o.graphName ?? model.name, node: g.nodes, initializer: g.initializers, input: g.inputs, output: g.outputs },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  });
}

/** Where a value's channels are: on the last axis (logitkit's NHWC, or features) or on axis 1 (ONNX's NCHW). */
type Layout = 'last' | 'nchw';
interface Value {
  name: string;
  layout: Layout;
  /** For an embedding's output with maskZero: the name of its int ids, to mask the padding. */
  maskIds?: string;
}
interface LayerResult {
  value: Value;
  /** The pre-activation of an output layer whose activation is softmax or sigmoid. */
  logits?: string;
  activation?: ActivationName;
}

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly inputs: ValueInfoProto[] = [];
  readonly outputs: ValueInfoProto[] = [];
  private count = 0;

  fresh(stem: string): string {
    return `${stem}_${this.count++}`;
  }

  node(opType: string, inputs: string[], outputs?: string[], attrs: AttributeProto[] = []): string {
    const out = outputs ?? [this.fresh(opType.toLowerCase())];
    this.nodes.push({ opType, input: inputs, output: out, name: this.fresh(`n_${opType}`), attribute: attrs });
    return out[0]!;
  }

  floats(stem: string, values: ArrayLike<number>, dims: number[]): string {
    const name = this.fresh(stem);
    this.initializers.push({ name, dataType: DataType.FLOAT, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
    return name;
  }

  int64s(stem: string, values: number[]): string {
    const name = this.fresh(stem);
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.initializers.push({ name, dataType: DataType.INT64, dims: [values.length], rawData: new Uint8Array(raw.buffer) });
    return name;
  }

  /** The value with its channels last (a transpose back from NCHW when needed). */
  toLast(v: Value): string {
    return v.layout === 'last' ? v.name : this.node('Transpose', [v.name], undefined, [ints('perm', [0, 2, 3, 1])]);
  }

  /** An image value as NCHW. */
  toNchw(v: Value): string {
    return v.layout === 'nchw' ? v.name : this.node('Transpose', [v.name], undefined, [ints('perm', [0, 3, 1, 2])]);
  }

  activation(x: string, act: ActivationName): string {
    switch (act) {
      case 'linear':
        return x;
      case 'relu':
        return this.node('Relu', [x]);
      case 'sigmoid':
        return this.node('Sigmoid', [x]);
      case 'tanh':
        return this.node('Tanh', [x]);
      case 'softmax':
        return this.node('Softmax', [x], undefined, [int('axis', -1)]);
    }
  }
}

const int = (name: string, i: number): AttributeProto => ({ name, type: 2, i });
const ints = (name: string, v: readonly number[]): AttributeProto => ({ name, type: 7, ints: [...v] });

function valueInfo(name: string, elemType: number, shape: readonly (number | null)[]): ValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: shape.map((d, i) => (d === null ? { dimParam: i === 0 ? 'batch' : `d${i}` } : { dimValue: d })) } } },
  };
}

const valuesOf = (t: Tensor): ArrayLike<number> => t.values;

/** ONNX pads [top, left, bottom, right] of TensorFlow's padding rule (conv-geometry: the extra one at the end). */
function spatialPads(
  shape: readonly (number | null)[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  padding: Padding,
): number[] {
  const [h, w] = [0, 1].map((k) => convOutputSize('exportOnnx', 'model', shape[1 + k] as number, kernel[k]!, strides[k]!, dilations[k]!, padding));
  return [h!.padBefore, w!.padBefore, h!.padAfter, w!.padAfter];
}

function exportLayer(g: GraphBuilder, layer: Layer, ins: Value[], symbols: readonly SymbolicTensor[], isOutput: boolean): LayerResult {
  const x = ins[0]!;
  const shape = symbols[0]!.shape;
  const last = (name: string): LayerResult => ({ value: { name, layout: 'last' } });
  if (layer instanceof Dropout) return { value: x };
  if (layer instanceof Dense) {
    const [kernel, bias] = [layer.kernel.value, layer.bias?.value ?? null];
    const inName = g.toLast(x);
    const w = g.floats(`${layer.name}_kernel`, valuesOf(kernel), kernel.shape.slice());
    let z: string;
    if (shape.length === 2) {
      z = g.node('Gemm', bias ? [inName, w, g.floats(`${layer.name}_bias`, valuesOf(bias), bias.shape.slice())] : [inName, w]);
    } else {
      z = g.node('MatMul', [inName, w]);
      if (bias) z = g.node('Add', [z, g.floats(`${layer.name}_bias`, valuesOf(bias), bias.shape.slice())]);
    }
    const act = layer.activation;
    if (isOutput && (act === 'softmax' || act === 'sigmoid')) return { value: { name: g.activation(z, act), layout: 'last' }, logits: z, activation: act };
    return last(g.activation(z, act));
  }
  if (layer instanceof Activation) {
    const act = layer.activation;
    if (isOutput && (act === 'softmax' || act === 'sigmoid')) {
      const z = g.toLast(x);
      return { value: { name: g.activation(z, act), layout: 'last' }, logits: z, activation: act };
    }
    // Softmax runs over the channels: on the last axis; the others are elementwise in either layout.
    if (act === 'softmax') return last(g.activation(g.toLast(x), act));
    return { value: { name: g.activation(x.name, act), layout: x.layout } };
  }
  if (layer instanceof Normalization) {
    const mean = layer.mean.value;
    const variance = layer.variance.value;
    const std = Array.from(variance.values, (v) => Math.sqrt(v + layer.epsilon));
    const centered = g.node('Sub', [g.toLast(x), g.floats(`${layer.name}_mean`, valuesOf(mean), [mean.size])]);
    return last(g.node('Div', [centered, g.floats(`${layer.name}_std`, std, [std.length])]));
  }
  if (layer instanceof BatchNormalization) {
    const w = layer.weights.map((v) => v.value);
    let k = 0;
    const gamma = layer.scale ? w[k++]! : null;
    const beta = layer.center ? w[k++]! : null;
    const mean = w[k]!;
    const variance = w[k + 1]!;
    const c = mean.size;
    // Channels on axis 1 of an NCHW value broadcast as [C, 1, 1]; on the last axis as [C].
    const dims = x.layout === 'nchw' ? [c, 1, 1] : [c];
    const std = Array.from(variance.values, (v) => Math.sqrt(v + layer.epsilon));
    let y = g.node('Div', [g.node('Sub', [x.name, g.floats(`${layer.name}_mean`, valuesOf(mean), dims)]), g.floats(`${layer.name}_std`, std, dims)]);
    if (gamma) y = g.node('Mul', [y, g.floats(`${layer.name}_gamma`, valuesOf(gamma), dims)]);
    if (beta) y = g.node('Add', [y, g.floats(`${layer.name}_beta`, valuesOf(beta), dims)]);
    return { value: { name: y, layout: x.layout } };
  }
  if (layer instanceof Conv2D) {
    const kernel = layer.kernel.value; // [kh, kw, cin, cout]
    const [kh, kw, cin, cout] = kernel.shape as [number, number, number, number];
    const oihw = new Float32Array(kernel.size);
    const kv = kernel.values;
    for (let i = 0; i < kh; i++)
      for (let j = 0; j < kw; j++)
        for (let c = 0; c < cin; c++) for (let m = 0; m < cout; m++) oihw[((m * cin + c) * kh + i) * kw + j] = kv[((i * kw + j) * cin + c) * cout + m]!;
    const inputs = [g.toNchw(x), g.floats(`${layer.name}_kernel`, oihw, [cout, cin, kh, kw])];
    const bias = layer.bias?.value;
    if (bias) inputs.push(g.floats(`${layer.name}_bias`, valuesOf(bias), [cout]));
    const y = g.node('Conv', inputs, undefined, [
      ints('kernel_shape', [kh, kw]),
      ints('strides', layer.strides),
      ints('dilations', layer.dilationRate),
      ints('pads', spatialPads(shape, [kh, kw], layer.strides, layer.dilationRate, layer.padding)),
    ]);
    return { value: { name: g.activation(y, layer.activation === 'softmax' ? 'linear' : layer.activation), layout: 'nchw' }, ...softmaxGuard(layer) };
  }
  if (layer instanceof MaxPooling2D || layer instanceof AveragePooling2D) {
    const attrs = [
      ints('kernel_shape', layer.poolSize),
      ints('strides', layer.strides),
      ints('pads', spatialPads(shape, layer.poolSize, layer.strides, [1, 1], layer.padding)),
    ];
    // Keras's average over a 'same' window counts only the real pixels: count_include_pad 0 (ONNX's default).
    if (layer instanceof AveragePooling2D) attrs.push(int('count_include_pad', 0));
    return { value: { name: g.node(layer instanceof MaxPooling2D ? 'MaxPool' : 'AveragePool', [g.toNchw(x)], undefined, attrs), layout: 'nchw' } };
  }
  if (layer instanceof GlobalAveragePooling2D) {
    const pooled = g.node('GlobalAveragePool', [g.toNchw(x)]);
    return last(g.node('Flatten', [pooled], undefined, [int('axis', 1)]));
  }
  if (layer instanceof Flatten) return last(g.node('Flatten', [g.toLast(x)], undefined, [int('axis', 1)]));
  if (layer instanceof Reshape) return last(g.node('Reshape', [g.toLast(x), g.int64s(`${layer.name}_shape`, [0, ...layer.targetShape])]));
  if (layer instanceof Add) {
    if (ins.some((v) => v.layout !== x.layout))
      return last(
        g.node(
          'Add',
          ins.map((v) => g.toLast(v)),
        ),
      );
    return {
      value: {
        name: g.node(
          'Add',
          ins.map((v) => v.name),
        ),
        layout: x.layout,
      },
    };
  }
  if (layer instanceof Embedding) {
    const table = layer.embeddings.value;
    const y = g.node('Gather', [g.floats(`${layer.name}_embeddings`, valuesOf(table), table.shape.slice()), x.name], undefined, [int('axis', 0)]);
    return { value: { name: y, layout: 'last', ...(layer.maskZero ? { maskIds: x.name } : {}) } };
  }
  if (layer instanceof GlobalAveragePooling1D) {
    if (!x.maskIds) return last(g.node('ReduceMean', [x.name], undefined, [ints('axes', [1]), int('keepdims', 0)]));
    const axes = g.int64s('axes_1', [1]);
    // The masked mean: Σ_t m_t·x_t / max(Σ_t m_t, 1), m_t = (id_t ≠ 0); a row of padding only gives zeros.
    const zero = g.node('Constant', [], undefined, [{ name: 'value', type: 4, t: { dataType: DataType.INT32, dims: [], int32Data: [0] } }]);
    const mask = g.node('Cast', [g.node('Not', [g.node('Equal', [x.maskIds, zero])])], undefined, [int('to', DataType.FLOAT)]);
    const sum = g.node('ReduceSum', [g.node('Mul', [x.name, g.node('Unsqueeze', [mask, g.int64s('axes_2', [2])])]), axes], undefined, [int('keepdims', 0)]);
    const count = g.node('Max', [g.node('ReduceSum', [mask, axes], undefined, [int('keepdims', 1)]), g.floats('one', [1], [])]);
    return last(g.node('Div', [sum, count]));
  }
  throw argError(
    'exportOnnx',
    'model',
    'layers exportOnnx knows (Dense, Activation, Normalization, BatchNormalization, Conv2D, pooling, Flatten, Reshape, Add, Dropout, Embedding, GlobalAveragePooling1D)',
    `layer '${layer.name}' (${layer.className})`,
  );
}

/** A convolution ending in softmax has no ONNX meaning on NCHW channels here: refused rather than exported wrong. */
function softmaxGuard(layer: Conv2D): Record<string, never> {
  if (layer.activation === 'softmax') throw argError('exportOnnx', 'model', 'a Conv2D without a softmax activation', `layer '${layer.name}'`);
  return {};
}

/** 'probabilities': what predictProba gives, from 'logits'. */
function probabilities(g: GraphBuilder, logits: string, model: Network, act: ActivationName, classes: number): void {
  const calibration = (model as { calibration?: Calibration }).calibration;
  let z = logits;
  if (calibration?.method === 'temperature') z = g.node('Div', [z, g.floats('temperature', [calibration.temperature], [])]);
  else if (calibration) z = g.node('Add', [g.node('Mul', [z, g.floats('scale', calibration.scale, [classes])]), g.floats('bias', calibration.bias, [classes])]);
  const sigmoid = !calibration && (act === 'sigmoid' || (act === 'linear' && classes === 1));
  g.node(sigmoid ? 'Sigmoid' : 'Softmax', [z], ['probabilities'], sigmoid ? [] : [int('axis', -1)]);
}
