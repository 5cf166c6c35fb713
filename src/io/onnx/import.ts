import type { ActivationName } from '../../layers/activations.js';
import { BatchNormalization } from '../../layers/batch-normalization.js';
import { Conv2D } from '../../layers/conv2d.js';
import { Dense } from '../../layers/dense.js';
import { Embedding } from '../../layers/embedding.js';
import { input } from '../../layers/input.js';
import type { FloatDType, Layer, SymbolicTensor } from '../../layers/layer.js';
import { GlobalAveragePooling1D } from '../../layers/pooling-1d.js';
import { AveragePooling2D, GlobalAveragePooling2D, MaxPooling2D } from '../../layers/pooling.js';
import { Flatten } from '../../layers/reshaping.js';
import { Activation, Add } from '../../layers/simple-layers.js';
import { checkOptions } from '../../tensor/options.js';
import { convOutputSize } from '../../ops/conv-geometry.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { Model } from '../../train/model.js';
import { checkCalibration } from '../../calibration/apply.js';
import { OnnxFileError } from './errors.js';
import type { OnnxLimits } from './limits.js';
import { DataLocation, DataType, decodeModel, type AttributeProto, type NodeProto, type TensorProto, type ValueInfoProto } from './schema.js';

/** The operators importOnnx turns into layers (or folds, for shape arithmetic); any other is refused by name. */
export const ONNX_IMPORT_OPERATORS = [
  'Gemm',
  'MatMul',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Relu',
  'Sigmoid',
  'Tanh',
  'Softmax',
  'LogSoftmax',
  'Conv',
  'MaxPool',
  'AveragePool',
  'GlobalAveragePool',
  'Flatten',
  'Reshape',
  'Transpose',
  'Squeeze',
  'Unsqueeze',
  'Concat',
  'BatchNormalization',
  'Dropout',
  'Gather',
  'ReduceMean',
  'Identity',
  'Constant',
  'Shape',
  'Cast',
  'Pad',
] as const;

export interface ImportOnnxOptions {
  /** Names the bytes in error messages (default "the bytes"; loadModel passes "file 'x.onnx'"). */
  source?: string;
  /** The parameters' dtype (default float32; float64 computes the file's float32 weights exactly). */
  dtype?: FloatDType;
  /** Lower the decoder's bounds (ONNX_LIMITS). */
  limits?: Partial<OnnxLimits>;
}

/** A value of the graph: a constant (initializers, shape arithmetic) or a symbolic tensor of the model being built. */
type Value = Const | Sym;
interface Const {
  kind: 'const';
  /** Row-major values; null for a dimension only known at run time (the batch). */
  values: (number | null)[];
  dims: number[];
}
interface Sym {
  kind: 'sym';
  /** The ONNX shape (NCHW for images), batch as null. */
  shape: (number | null)[];
  /** Whether the ONNX value is an NCHW image (held by logitkit as NHWC). */
  image: boolean;
  /** A dense or convolution layer whose activation a following Relu/Sigmoid/Tanh/Softmax may still set. */
  pending?: Pending;
  tensor?: SymbolicTensor;
  /** A flat value made from an NCHW image [C, H, W]: the next dense layer's rows follow ONNX's order. */
  flatFrom?: [number, number, number];
  /** An NHWC image in ONNX terms too (logitkit's own layout, as exportOnnx's input): a Transpose makes it NCHW. */
  nhwc?: boolean;
  /** A pooled image [N, C, 1, 1] held as [N, C]. */
  pooled?: boolean;
}
interface Pending {
  make: (activation: ActivationName) => Layer;
  weights: Tensor[];
  input: SymbolicTensor;
  activation: ActivationName;
  /** A MatMul's dense layer whose bias an Add may still fill. */
  biasFromAdd?: boolean;
  outputs: number;
}

/**
 * An ONNX classifier graph as a logitkit Model (docs/deploy.md#import): what torch.onnx.export and tf2onnx emit for
 * dense and convolutional classifiers (ONNX_IMPORT_OPERATORS). The operators are checked before any weight is read,
 * and the decoder is bounded (decodeModel). The model can predict, explain its last layer, be calibrated, saved as
 * .lkm, and fine-tuned (`layer.trainable = false` and a new head: docs/deploy.md, "Fine-tuning an imported model").
 *
 * Images: an NCHW input [N, C, H, W] becomes a logitkit image input [H, W, C] (NHWC, as every logitkit model takes
 * images): give it `x.permute(0, 2, 3, 1)` of what the ONNX graph takes. The first dense layer after a flatten reads
 * its rows in ONNX's (C, H, W) order, so the logits are the producer's. A final Softmax or LogSoftmax becomes the
 * logits layer's softmax: `predictLogits` gives the logits, `predictProba` the probabilities (whose log is a
 * LogSoftmax graph's output). Supported padding is TensorFlow's 'valid' and 'same' (PyTorch's `padding=k//2` for odd
 * k at stride 1 is 'same'); other explicit pads are refused naming the node.
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): Model {
  const op = 'importOnnx';
  const o = checkOptions(op, options, ['source', 'dtype', 'limits']);
  const source = o.source ?? 'the bytes';
  const dtype: FloatDType = o.dtype ?? 'float32';
  const proto = decodeModel(bytes, { source, op, ...(o.limits ? { limits: o.limits } : {}) });
  const fail = (reason: string) => new OnnxFileError(op, source, reason);
  const graph = proto.graph;
  if (!graph) throw fail('it has no graph');
  for (const imp of proto.opsetImport ?? []) {
    if ((imp.domain ?? '') === '' && (imp.version ?? 0) < 7) throw fail(`opset ${imp.version} is older than 7, which importOnnx reads`);
  }
  const nodes = graph.node ?? [];
  // Every operator is checked before any weight is read.
  nodes.forEach((n, i) => {
    const domain = n.domain ?? '';
    if ((domain !== '' && domain !== 'ai.onnx') || !(ONNX_IMPORT_OPERATORS as readonly string[]).includes(n.opType ?? '')) {
      throw fail(
        `node ${nodeName(n, i)} uses operator '${domain ? domain + '.' : ''}${n.opType}', which importOnnx does not support (it supports ${ONNX_IMPORT_OPERATORS.join(', ')})`,
      );
    }
  });
  const initializers = new Map<string, TensorProto>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', t);
  const graphInputs = (graph.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  if (graphInputs.length !== 1) throw fail(`importOnnx reads graphs with one input, this one has ${graphInputs.length}`);
  // One output, or exportOnnx's pair: 'logits' (read) and 'probabilities' (softmax of it, rebuilt by predictProba).
  const outs = graph.output ?? [];
  const logitsOut = outs.length > 1 ? outs.find((v) => v.name === 'logits') : outs[0];
  if (!logitsOut) throw fail(`importOnnx reads graphs with one output (or outputs 'logits' and 'probabilities'), this one has ${outs.length}`);
  const outputName = logitsOut.name ?? '';

  const uses = new Map<string, number>();
  for (const n of nodes) for (const name of n.input ?? []) if (name) uses.set(name, (uses.get(name) ?? 0) + 1);
  uses.set(outputName, (uses.get(outputName) ?? 0) + 1);

  const values = new Map<string, Value>();
  const weightsOf = new Map<Layer, Tensor[]>();
  const materialize = (v: Sym): SymbolicTensor => {
    if (v.tensor) return v.tensor;
    const p = v.pending!;
    const layer = p.make(p.activation);
    weightsOf.set(layer, p.weights);
    v.tensor = layer.apply(p.input) as SymbolicTensor;
    return v.tensor;
  };
  const apply = (layer: Layer, inputs: SymbolicTensor | SymbolicTensor[], weights?: Tensor[]): SymbolicTensor => {
    if (weights) weightsOf.set(layer, weights);
    return layer.apply(inputs as SymbolicTensor) as SymbolicTensor;
  };

  // An input whose consumers all transpose it NHWC → NCHW is an NHWC image (exportOnnx writes such graphs).
  const inputName = graphInputs[0]!.name ?? '';
  const consumers = nodes.filter((n) => (n.input ?? []).includes(inputName));
  const nhwcInput =
    consumers.length > 0 && consumers.every((n) => n.opType === 'Transpose' && JSON.stringify(attributes(n.attribute ?? []).get('perm')?.ints) === '[0,3,1,2]');
  const x = makeInput(graphInputs[0]!, dtype, fail, nhwcInput);
  values.set(graphInputs[0]!.name ?? '', x.value);

  const readConst = (name: string): Const | null => {
    const v = values.get(name);
    if (v) return v.kind === 'const' ? v : null;
    const t = initializers.get(name);
    if (!t) return null;
    const c = tensorConst(t, fail);
    values.set(name, c);
    return c;
  };

  nodes.forEach((n, i) => {
    const where = `node ${nodeName(n, i)} (${n.opType})`;
    const nodeFail = (reason: string) => fail(`${where}: ${reason}`);
    const ins = (n.input ?? []).map((name) => (name === '' ? null : (readConst(name) ?? values.get(name) ?? null)));
    (n.input ?? []).forEach((name, k) => {
      if (name !== '' && ins[k] === null) throw nodeFail(`input '${name}' is not produced by an earlier node, an initializer or the graph input`);
    });
    const out = (v: Value, k = 0) => values.set(n.output![k]!, v);
    const attrs = attributes(n.attribute ?? []);
    const sym = (k: number): Sym => {
      const v = ins[k];
      if (!v || v.kind !== 'sym') throw nodeFail(`input ${k} must be computed from the graph input, not a constant`);
      return v;
    };
    const cnst = (k: number, what: string): Const => {
      const v = ins[k];
      if (!v || v.kind !== 'const') throw nodeFail(`input ${k} (${what}) must be a constant or an initializer`);
      return v;
    };
    const numbers = (c: Const, what: string): number[] => {
      if (c.values.some((v) => v === null)) throw nodeFail(`${what} depends on the batch size`);
      return c.values as number[];
    };
    const single = (s: Sym) => (uses.get(n.input![0]!) ?? 0) === 1 && s.pending !== undefined && s.pending.activation === 'linear';
    const opType = n.opType!;
    switch (opType) {
      case 'Identity':
      case 'Dropout': {
        const v = ins[0]!;
        out(v);
        return;
      }
      case 'Constant': {
        const t = attrs.get('value')?.t;
        if (!t) throw nodeFail("only the 'value' attribute (a tensor) is supported");
        out(tensorConst(t, fail));
        return;
      }
      case 'Shape': {
        const s = ins[0]!;
        const dims = s.kind === 'const' ? s.dims : s.shape;
        out({ kind: 'const', values: dims.slice(), dims: [dims.length] });
        return;
      }
      case 'Cast': {
        out(ins[0]!.kind === 'const' ? ins[0]! : sym(0));
        return;
      }
      case 'Gather': {
        const axis = attrs.get('axis')?.i ?? 0;
        const data = ins[0]!;
        const idx = ins[1]!;
        if (data.kind === 'const' && idx.kind === 'const') {
          out(gatherConst(data, numbers(idx, 'the indices'), idx.dims, axis, nodeFail));
          return;
        }
        if (data.kind === 'const' && idx.kind === 'sym' && axis === 0 && data.dims.length === 2) {
          const [rows, cols] = data.dims as [number, number];
          const layer = new Embedding({ inputDim: rows, outputDim: cols, dtype, name: layerName(n, i) });
          out({ kind: 'sym', shape: [...idx.shape, cols], image: false, tensor: apply(layer, materialize(idx), [floatTensor(data, dtype)]) });
          return;
        }
        throw nodeFail('only constant gathers (shape arithmetic) and an embedding lookup (a constant 2-D table indexed by the input ids) are supported');
      }
      case 'Unsqueeze':
      case 'Squeeze': {
        const v = ins[0]!;
        const axes = ins[1] ? numbers(cnst(1, 'axes'), 'axes') : (attrs.get('axes')?.ints ?? []);
        if (v.kind === 'const') {
          out(opType === 'Unsqueeze' ? unsqueezeConst(v, axes) : squeezeConst(v, axes));
          return;
        }
        if (opType === 'Squeeze' && v.pooled) {
          out({ kind: 'sym', shape: v.shape.slice(0, 2), image: false, tensor: materialize(v) });
          return;
        }
        throw nodeFail(`${opType} of a computed value is supported only to drop the 1×1 of a global pooling`);
      }
      case 'Concat': {
        const parts = ins.map((v) => (v && v.kind === 'const' ? v : null));
        if (parts.some((p) => p === null || p.dims.length !== 1)) throw nodeFail('only constant 1-D concatenations (shape arithmetic) are supported');
        const all = parts.flatMap((p) => p!.values);
        out({ kind: 'const', values: all, dims: [all.length] });
        return;
      }
      case 'Pad': {
        const v = sym(0);
        const pads = ins[1] ? numbers(cnst(1, 'pads'), 'pads') : (attrs.get('pads')?.ints ?? []);
        if (pads.some((p) => p !== 0))
          throw nodeFail(`pads ${JSON.stringify(pads)}: only a padding of zeros (a no-op) is supported; give the pooling or convolution its pads`);
        out(v);
        return;
      }
      case 'Transpose': {
        const v = ins[0]!;
        const perm = attrs.get('perm')?.ints ?? [];
        if (perm.every((p, k) => p === k) && v.kind === 'sym') {
          out(v);
          return;
        }
        // logitkit holds images as NHWC: these two transposes only change what the graph calls the axes.
        if (v.kind === 'sym' && v.nhwc && JSON.stringify(perm) === '[0,3,1,2]') {
          const [, h, w, c] = v.shape;
          out({ kind: 'sym', shape: [null, c!, h!, w!], image: true, tensor: materialize(v) });
          return;
        }
        if (v.kind === 'sym' && v.image && JSON.stringify(perm) === '[0,2,3,1]') {
          const [, c, h, w] = v.shape;
          out({ kind: 'sym', shape: [null, h!, w!, c!], image: false, nhwc: true, tensor: materialize(v) });
          return;
        }
        throw nodeFail(`perm ${JSON.stringify(perm)}: only the identity is supported`);
      }
      case 'Gemm': {
        const a = sym(0);
        if ((attrs.get('transA')?.i ?? 0) !== 0) throw nodeFail('transA = 1 is not supported');
        if (a.image || a.shape.length !== 2)
          throw nodeFail(`input A must be a batch of feature vectors [N, F], got [${a.shape.map((d) => d ?? 'N').join(', ')}]`);
        const b = cnst(1, 'B');
        const alpha = attrs.get('alpha')?.f ?? 1;
        const beta = attrs.get('beta')?.f ?? 1;
        let kernel = matrix(b, (attrs.get('transB')?.i ?? 0) === 1, alpha, nodeFail);
        if (kernel.rows !== a.shape[1]) throw nodeFail(`B has ${kernel.rows} input rows for ${a.shape[1]} features`);
        if (a.flatFrom) kernel = reorderRows(kernel, a.flatFrom);
        const bias = ins[2] ? vectorOf(cnst(2, 'C'), kernel.cols, beta, nodeFail) : new Float64Array(kernel.cols);
        out(denseValue(n, i, a, kernel, bias, dtype, materialize, uses.get(n.output![0]!) ?? 0));
        return;
      }
      case 'MatMul': {
        const a = sym(0);
        const b = cnst(1, 'B');
        if (a.image || b.dims.length !== 2) throw nodeFail('only features [N, ..., F] times a constant matrix are supported');
        let kernel = matrix(b, false, 1, nodeFail);
        if (kernel.rows !== a.shape[a.shape.length - 1]) throw nodeFail(`B has ${kernel.rows} rows for ${a.shape[a.shape.length - 1]} features`);
        if (a.flatFrom) kernel = reorderRows(kernel, a.flatFrom);
        const v = denseValue(n, i, a, kernel, new Float64Array(kernel.cols), dtype, materialize, uses.get(n.output![0]!) ?? 0);
        v.pending!.biasFromAdd = true;
        out(v);
        return;
      }
      case 'Add':
      case 'Sub':
      case 'Mul':
      case 'Div': {
        const [l, r] = [ins[0]!, ins[1]!];
        if (l.kind === 'const' && r.kind === 'const') {
          out(elementwiseConst(opType, l, r, nodeFail));
          return;
        }
        if (opType === 'Add' && l.kind === 'sym' && r.kind === 'sym') {
          if (l.image !== r.image) throw nodeFail('both inputs must be images or both feature vectors');
          out({ kind: 'sym', shape: l.shape, image: l.image, tensor: apply(new Add({ name: layerName(n, i) }), [materialize(l), materialize(r)]) });
          return;
        }
        const s = l.kind === 'sym' ? l : (r as Sym);
        const c = l.kind === 'const' ? l : (r as Const);
        if (l.kind === 'const' && opType !== 'Add' && opType !== 'Mul')
          throw nodeFail(`a constant ${opType === 'Sub' ? 'minus' : 'divided by'} a computed value is not supported`);
        const channels = (s.image ? s.shape[1] : s.shape[s.shape.length - 1]) as number;
        const per = channelVector(c, channels, s.image, s.shape.length, nodeFail);
        // A MatMul's dense layer takes the bias added right after it.
        if (opType === 'Add' && s.pending?.biasFromAdd && (uses.get(n.input![l === s ? 0 : 1]!) ?? 0) === 1) {
          s.pending.biasFromAdd = false;
          const bias = s.pending.weights[1]!.values;
          s.pending.weights[1] = tensor(
            per.map((v, k) => v + bias[k]!),
            { shape: [per.length], dtype },
          );
          out(s);
          return;
        }
        // y = γ·x + β per channel, as a batch normalization with mean 0 and variance 1 − ε (so √(var + ε) = 1).
        const gamma = per.map((v) => (opType === 'Mul' ? v : opType === 'Div' ? 1 / v : 1));
        const betaV = per.map((v) => (opType === 'Add' ? v : opType === 'Sub' ? -v : 0));
        const eps = 2 ** -10;
        const layer = new BatchNormalization({ epsilon: eps, name: layerName(n, i), dtype });
        const w = [gamma, betaV, per.map(() => 0), per.map(() => 1 - eps)].map((a) => tensor(a, { shape: [channels], dtype }));
        out({ kind: 'sym', shape: s.shape, image: s.image, tensor: apply(layer, materialize(s), w) });
        return;
      }
      case 'Relu':
      case 'Sigmoid':
      case 'Tanh': {
        const s = sym(0);
        const act = opType.toLowerCase() as ActivationName;
        if (single(s)) {
          out({ ...s, pending: { ...s.pending!, activation: act } });
          return;
        }
        out({ ...s, pending: undefined, tensor: apply(new Activation({ activation: act, name: layerName(n, i) }), materialize(s)) });
        return;
      }
      case 'Softmax':
      case 'LogSoftmax': {
        const s = sym(0);
        const axis = attrs.get('axis')?.i ?? -1;
        if (s.image || s.shape.length !== 2 || (axis !== -1 && axis !== 1)) throw nodeFail('only a softmax over the classes of [N, classes] is supported');
        const isOutput = n.output![0] === outputName;
        if (opType === 'LogSoftmax' && !isOutput) throw nodeFail('a LogSoftmax is supported only as the graph output');
        if (isOutput && single(s)) {
          out({ ...s, pending: { ...s.pending!, activation: 'softmax' } });
          return;
        }
        if (opType === 'LogSoftmax') throw nodeFail('a LogSoftmax must follow the dense layer that computes the logits');
        out({ ...s, pending: undefined, tensor: apply(new Activation({ activation: 'softmax', name: layerName(n, i) }), materialize(s)) });
        return;
      }
      case 'BatchNormalization': {
        const s = sym(0);
        if ((attrs.get('training_mode')?.i ?? 0) !== 0) throw nodeFail('training_mode = 1 is not supported (export in eval mode)');
        const channels = s.shape[1] as number;
        const w = [1, 2, 3, 4].map((k) => floatTensor(cnst(k, ['scale', 'B', 'mean', 'var'][k - 1]!), dtype));
        if (w.some((t) => t.size !== channels)) throw nodeFail(`scale, B, mean and var must have ${channels} values (the channels)`);
        if (!s.image && s.shape.length !== 2) throw nodeFail('the input must be an NCHW image or features [N, C]');
        const layer = new BatchNormalization({ epsilon: attrs.get('epsilon')?.f ?? 1e-5, name: layerName(n, i), dtype });
        out({ kind: 'sym', shape: s.shape, image: s.image, tensor: apply(layer, materialize(s), [w[0]!, w[1]!, w[2]!, w[3]!]) });
        return;
      }
      case 'Conv': {
        const s = sym(0);
        if (!s.image) throw nodeFail('the input must be an NCHW image');
        if ((attrs.get('group')?.i ?? 1) !== 1) throw nodeFail(`group = ${attrs.get('group')?.i}: only group 1 is supported`);
        const w = cnst(1, 'W');
        if (w.dims.length !== 4) throw nodeFail('only 2-D convolutions are supported');
        const [m, c, kh, kw] = w.dims as [number, number, number, number];
        if (c !== s.shape[1]) throw nodeFail(`W has ${c} input channels for an input of ${s.shape[1]}`);
        const strides = (attrs.get('strides')?.ints ?? [1, 1]) as [number, number];
        const dilations = (attrs.get('dilations')?.ints ?? [1, 1]) as [number, number];
        const padding = paddingOf(attrs, s.shape, [kh, kw], strides, dilations, nodeFail);
        const hwio = new Float64Array(w.values.length);
        const wv = w.values as number[];
        for (let o2 = 0; o2 < m; o2++)
          for (let ci = 0; ci < c; ci++)
            for (let a = 0; a < kh; a++) for (let b = 0; b < kw; b++) hwio[((a * kw + b) * c + ci) * m + o2] = wv[((o2 * c + ci) * kh + a) * kw + b]!;
        const bias = ins[2] ? vectorOf(cnst(2, 'B'), m, 1, nodeFail) : new Float64Array(m);
        const name = layerName(n, i);
        const input = materialize(s);
        const weights = [tensor(hwio, { shape: [kh, kw, c, m], dtype }), tensor(bias, { shape: [m], dtype })];
        const make = (activation: ActivationName) =>
          new Conv2D({ filters: m, kernelSize: [kh, kw], strides, dilationRate: dilations, padding, activation, name, dtype });
        const probe = make('linear').computeOutputShape([input.shape]);
        out({
          kind: 'sym',
          shape: [null, m, probe[1]!, probe[2]!],
          image: true,
          pending: { make, weights, input, activation: 'linear', outputs: uses.get(n.output![0]!) ?? 0 },
        });
        return;
      }
      case 'MaxPool':
      case 'AveragePool': {
        const s = sym(0);
        if (!s.image) throw nodeFail('the input must be an NCHW image');
        if ((attrs.get('ceil_mode')?.i ?? 0) !== 0) throw nodeFail('ceil_mode = 1 is not supported');
        const kernel = (attrs.get('kernel_shape')?.ints ?? []) as [number, number];
        if (kernel.length !== 2) throw nodeFail('only 2-D pooling is supported');
        const strides = (attrs.get('strides')?.ints ?? [1, 1]) as [number, number];
        if ((attrs.get('dilations')?.ints ?? [1, 1]).some((d) => d !== 1)) throw nodeFail('dilated pooling is not supported');
        const padding = paddingOf(attrs, s.shape, kernel, strides, [1, 1], nodeFail);
        if (opType === 'AveragePool' && padding === 'same' && (attrs.get('count_include_pad')?.i ?? 0) === 1)
          throw nodeFail('count_include_pad = 1 with padding is not supported (logitkit averages over the real pixels, as Keras)');
        const Pool = opType === 'MaxPool' ? MaxPooling2D : AveragePooling2D;
        const t = apply(new Pool({ poolSize: kernel, strides, padding, name: layerName(n, i) }), materialize(s));
        out({ kind: 'sym', shape: [null, s.shape[1]!, t.shape[1]!, t.shape[2]!], image: true, tensor: t });
        return;
      }
      case 'GlobalAveragePool':
      case 'ReduceMean': {
        const s = sym(0);
        const axes = ins[1] ? numbers(cnst(1, 'axes'), 'axes') : (attrs.get('axes')?.ints ?? []);
        const keep = (attrs.get('keepdims')?.i ?? 1) === 1;
        if (opType === 'GlobalAveragePool' || (s.image && sameSet(axes, [2, 3], 4))) {
          if (!s.image) throw nodeFail('the input must be an NCHW image');
          const t = apply(new GlobalAveragePooling2D({ name: layerName(n, i) }), materialize(s));
          const pooledKeep = opType === 'GlobalAveragePool' || keep;
          out({ kind: 'sym', shape: pooledKeep ? [null, s.shape[1]!, 1, 1] : [null, s.shape[1]!], image: false, pooled: pooledKeep, tensor: t });
          return;
        }
        if (!s.image && s.shape.length === 3 && sameSet(axes, [1], 3) && !keep) {
          const t = apply(new GlobalAveragePooling1D({ name: layerName(n, i) }), materialize(s));
          out({ kind: 'sym', shape: [null, s.shape[2]!], image: false, tensor: t });
          return;
        }
        throw nodeFail(
          `ReduceMean over axes ${JSON.stringify(axes)} is supported only as a global average pooling (axes [2, 3] of an image, or axis 1 of [N, T, D] without keepdims)`,
        );
      }
      case 'Flatten':
      case 'Reshape': {
        const s = sym(0);
        if (opType === 'Flatten' && (attrs.get('axis')?.i ?? 1) !== 1) throw nodeFail('only axis = 1 is supported');
        if (opType === 'Reshape') {
          const target = cnst(1, 'shape').values;
          const total = s.shape.slice(1).reduce<number>((a, d) => a * (d as number), 1);
          const flat = target.length === 2 && (target[0] === null || target[0] === 0 || target[0] === -1) && (target[1] === -1 || target[1] === total);
          if (!flat) throw nodeFail(`only a flatten to [batch, ${total}] is supported, got shape ${JSON.stringify(target.map((d) => d ?? 'batch'))}`);
        }
        if (s.pooled) {
          out({ kind: 'sym', shape: s.shape.slice(0, 2), image: false, tensor: materialize(s) });
          return;
        }
        if (s.nhwc) {
          const [, h, w, c] = s.shape as [null, number, number, number];
          out({ kind: 'sym', shape: [null, h * w * c], image: false, tensor: apply(new Flatten({ name: layerName(n, i) }), materialize(s)) });
          return;
        }
        if (!s.image) {
          if (s.shape.length !== 2) throw nodeFail('only a flatten of images or of feature vectors is supported');
          out(s);
          return;
        }
        const [, c, h, w] = s.shape as [null, number, number, number];
        const t = apply(new Flatten({ name: layerName(n, i) }), materialize(s));
        out({
          kind: 'sym',
          shape: [null, c * h * w],
          image: false,
          tensor: t,
          ...(h * w > 1 && c > 1 ? { flatFrom: [c, h, w] as [number, number, number] } : {}),
        });
        return;
      }
    }
    throw nodeFail('not handled');
  });

  const result = values.get(outputName);
  if (!result || result.kind !== 'sym') throw fail(`the graph output '${outputName}' is not computed from the input`);
  const outT = materialize(result);
  if (result.image) throw fail('the graph output is an image, not logits');
  const net = new Model({ inputs: x.tensor, outputs: outT, name: (graph.name ?? 'onnx').replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128) || 'onnx', seed: 0 });
  net.setWeights(net.layers.flatMap((l) => (l.weights.length === 0 ? [] : (weightsOf.get(l) ?? l.weights.map((v) => v.value)))));
  const meta = new Map((proto.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const classes = outT.shape[outT.shape.length - 1] as number;
  const names = parseJson(meta.get('logitkit.classNames'));
  if (Array.isArray(names) && names.length === classes && names.every((s) => typeof s === 'string')) net.classNames = names as string[];
  const calibration = parseJson(meta.get('logitkit.calibration'));
  if (calibration !== undefined) net.calibration = checkCalibration(op, 'metadata logitkit.calibration', calibration, classes);
  return net;
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function nodeName(n: NodeProto, i: number): string {
  return n.name ? `'${n.name}' (#${i})` : `#${i}`;
}

/** A layer name from the node's (letters, digits, _ . - only), unique by the node's index. */
function layerName(n: NodeProto, i: number): string {
  const base =
    (n.name || n.opType || 'node')
      .replace(/[^A-Za-z0-9_.-]/g, '_')
      .replace(/^_+/, '')
      .slice(0, 100) || 'node';
  return `${base}_${i}`;
}

function attributes(list: readonly AttributeProto[]): Map<string, AttributeProto> {
  return new Map(list.map((a) => [a.name ?? '', a]));
}

function sameSet(axes: readonly number[], want: readonly number[], rank: number): boolean {
  const norm = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort();
  return norm.length === want.length && norm.every((a, k) => a === want[k]);
}

function makeInput(v: ValueInfoProto, dtype: FloatDType, fail: (r: string) => Error, nhwc: boolean): { tensor: SymbolicTensor; value: Sym } {
  const type = v.type?.tensorType;
  const dims = (type?.shape?.dim ?? []).map((d, k) => (k === 0 ? null : (d.dimValue ?? null)));
  if (dims.length < 2 || dims.slice(1).some((d) => d === null || !(d > 0))) {
    throw fail(`the graph input '${v.name}' must have a batch axis and fixed positive sizes after it, got [${dims.map((d) => d ?? '?').join(', ')}]`);
  }
  const elem = type?.elemType;
  if (elem === DataType.INT64 || elem === DataType.INT32) {
    if (dims.length !== 2) throw fail(`an integer graph input (token ids) must be [batch, T], got rank ${dims.length}`);
    const t = input({ shape: [dims[1]!], dtype: 'int32' });
    return { tensor: t, value: { kind: 'sym', shape: dims, image: false, tensor: t } };
  }
  if (elem !== DataType.FLOAT && elem !== DataType.DOUBLE)
    throw fail(`the graph input '${v.name}' has element type ${elem}: float, double or integer ids are supported`);
  if (dims.length === 4 && nhwc) {
    const [, h, w, c] = dims as [null, number, number, number];
    const t = input({ shape: [h, w, c], dtype });
    return { tensor: t, value: { kind: 'sym', shape: dims, image: false, nhwc: true, tensor: t } };
  }
  if (dims.length === 4) {
    const [, c, h, w] = dims as [null, number, number, number];
    const t = input({ shape: [h, w, c], dtype });
    return { tensor: t, value: { kind: 'sym', shape: dims, image: true, tensor: t } };
  }
  if (dims.length !== 2) throw fail(`the graph input '${v.name}' must be [batch, F] or an NCHW image [batch, C, H, W], got rank ${dims.length}`);
  const t = input({ shape: [dims[1]!], dtype });
  return { tensor: t, value: { kind: 'sym', shape: dims, image: false, tensor: t } };
}

/** A tensor's values as numbers (float, double, int32/int64 and the small integer types), checked against its dims. */
function tensorConst(t: TensorProto, fail: (r: string) => Error): Const {
  const name = t.name ? `tensor '${t.name}'` : 'a constant tensor';
  if (t.dataLocation === DataLocation.EXTERNAL) throw fail(`${name} is stored in an external file, which importOnnx does not read`);
  const dims = (t.dims ?? []).slice();
  const n = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const out: number[] = new Array(n);
  switch (t.dataType) {
    case DataType.FLOAT:
      for (let k = 0; k < n; k++) out[k] = view ? view.getFloat32(4 * k, true) : t.floatData![k]!;
      break;
    case DataType.DOUBLE:
      for (let k = 0; k < n; k++) out[k] = view ? view.getFloat64(8 * k, true) : t.doubleData![k]!;
      break;
    case DataType.INT64:
      for (let k = 0; k < n; k++) out[k] = view ? Number(view.getBigInt64(8 * k, true)) : Number(t.int64Data![k]!);
      break;
    case DataType.INT32:
      for (let k = 0; k < n; k++) out[k] = view ? view.getInt32(4 * k, true) : t.int32Data![k]!;
      break;
    default:
      throw fail(`${name} has data type ${t.dataType}: float, double, int32 and int64 are supported`);
  }
  if (out.some((v) => v === undefined)) throw fail(`${name} holds fewer values than its dims ${JSON.stringify(dims)} need`);
  return { kind: 'const', values: out, dims };
}

function floatTensor(c: Const, dtype: FloatDType): Tensor {
  return tensor(c.values as number[], { shape: c.dims.slice(), dtype });
}

function gatherConst(data: Const, idx: number[], idxDims: number[], axis: number, fail: (r: string) => Error): Const {
  if (data.dims.length !== 1 || axis !== 0) throw fail('only gathers from a 1-D constant (a shape) are supported');
  const vals = idx.map((k) => data.values[k < 0 ? k + data.values.length : k]);
  if (vals.some((v) => v === undefined)) throw fail(`index out of range for a constant of ${data.values.length} values`);
  return { kind: 'const', values: vals as (number | null)[], dims: idxDims.slice() };
}

function unsqueezeConst(c: Const, axes: number[]): Const {
  const dims = c.dims.slice();
  for (const a of [...axes].sort((p, q) => p - q)) dims.splice(a < 0 ? a + dims.length + 1 : a, 0, 1);
  return { kind: 'const', values: c.values, dims };
}

function squeezeConst(c: Const, axes: number[]): Const {
  const rank = c.dims.length;
  const drop = new Set(axes.length ? axes.map((a) => (a < 0 ? a + rank : a)) : c.dims.flatMap((d, k) => (d === 1 ? [k] : [])));
  return { kind: 'const', values: c.values, dims: c.dims.filter((_, k) => !drop.has(k)) };
}

function elementwiseConst(opType: string, l: Const, r: Const, fail: (r: string) => Error): Const {
  const n = Math.max(l.values.length, r.values.length);
  if (!(l.values.length === n || l.values.length === 1) || !(r.values.length === n || r.values.length === 1))
    throw fail('constant operands of different sizes');
  const at = (c: Const, k: number) => c.values[c.values.length === 1 ? 0 : k];
  const values = Array.from({ length: n }, (_, k) => {
    const a = at(l, k);
    const b = at(r, k);
    if (a === null || b === null) return null;
    return opType === 'Add' ? a + b : opType === 'Sub' ? a - b : opType === 'Mul' ? a * b : a / b;
  });
  return { kind: 'const', values, dims: l.values.length === n ? l.dims : r.dims };
}

interface Matrix {
  rows: number;
  cols: number;
  /** Row-major [rows, cols]: rows are the inputs, columns the outputs (logitkit's dense kernel). */
  values: Float64Array;
}

function matrix(c: Const, transposed: boolean, alpha: number, fail: (r: string) => Error): Matrix {
  if (c.dims.length !== 2) throw fail(`the weight matrix must be 2-D, got dims ${JSON.stringify(c.dims)}`);
  const [r0, c0] = c.dims as [number, number];
  const v = c.values as number[];
  const rows = transposed ? c0 : r0;
  const cols = transposed ? r0 : c0;
  const values = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) values[i * cols + j] = alpha * (transposed ? v[j * c0 + i]! : v[i * c0 + j]!);
  return { rows, cols, values };
}

/** The kernel rows in logitkit's flatten order (h, w, c) from ONNX's (c, h, w). */
function reorderRows(m: Matrix, [c, h, w]: [number, number, number]): Matrix {
  const values = new Float64Array(m.values.length);
  for (let ci = 0; ci < c; ci++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const from = (ci * h + y) * w + x;
        const to = (y * w + x) * c + ci;
        values.set(m.values.subarray(from * m.cols, (from + 1) * m.cols), to * m.cols);
      }
  return { ...m, values };
}

function vectorOf(c: Const, n: number, scale: number, fail: (r: string) => Error): Float64Array {
  const v = c.values as number[];
  if (v.length === 1) return new Float64Array(n).fill(scale * v[0]!);
  if (v.length !== n) throw fail(`a bias of ${v.length} values for ${n} outputs`);
  return Float64Array.from(v, (x) => scale * x);
}

/** A per-channel (or scalar) constant of an elementwise op, as one value per channel. */
function channelVector(c: Const, channels: number, image: boolean, rank: number, fail: (r: string) => Error): number[] {
  const v = c.values as number[];
  if (v.length === 1) return new Array<number>(channels).fill(v[0]!);
  const d = c.dims;
  const ok = image
    ? v.length === channels && (d.length === 1 || (d.length === 3 && d[0] === channels) || (d.length === 4 && d[1] === channels))
    : v.length === channels && d[d.length - 1] === channels && d.length <= rank;
  if (!ok) throw fail(`only a scalar or one value per channel (${channels}) is supported as a constant operand, got dims ${JSON.stringify(d)}`);
  return v;
}

function denseValue(
  n: NodeProto,
  i: number,
  a: Sym,
  kernel: Matrix,
  bias: Float64Array,
  dtype: FloatDType,
  materialize: (v: Sym) => SymbolicTensor,
  outputs: number,
): Sym {
  const name = layerName(n, i);
  const input = materialize(a);
  const weights = [tensor(kernel.values, { shape: [kernel.rows, kernel.cols], dtype }), tensor(bias, { shape: [kernel.cols], dtype })];
  const make = (activation: ActivationName) => new Dense({ units: kernel.cols, activation, name, dtype });
  return { kind: 'sym', shape: [...a.shape.slice(0, -1), kernel.cols], image: false, pending: { make, weights, input, activation: 'linear', outputs } };
}

/** ONNX pads (or auto_pad) as TensorFlow's 'valid' or 'same' for the input's static size. */
function paddingOf(
  attrs: Map<string, AttributeProto>,
  shape: (number | null)[],
  kernel: readonly number[],
  strides: readonly number[],
  dilations: readonly number[],
  fail: (r: string) => Error,
): 'valid' | 'same' {
  const auto = attrs.get('auto_pad')?.s ? new TextDecoder().decode(attrs.get('auto_pad')!.s) : 'NOTSET';
  if (auto === 'VALID') return 'valid';
  if (auto === 'SAME_UPPER') return 'same';
  if (auto !== 'NOTSET') throw fail(`auto_pad ${auto} is not supported (TensorFlow's 'same' is SAME_UPPER)`);
  const pads = attrs.get('pads')?.ints ?? [0, 0, 0, 0];
  if (pads.every((p) => p === 0)) return 'valid';
  const [h, w] = [0, 1].map((k) => convOutputSize('importOnnx', 'pads', shape[2 + k] as number, kernel[k]!, strides[k]!, dilations[k]!, 'same'));
  const same = [h!.padBefore, w!.padBefore, h!.padAfter, w!.padAfter];
  if (pads.length === 4 && pads.every((p, k) => p === same[k])) return 'same';
  throw fail(`pads ${JSON.stringify(pads)} for a ${shape[2]}×${shape[3]} input are neither 'valid' nor TensorFlow's 'same' (${JSON.stringify(same)})`);
}
