import protobuf from 'protobufjs/light.js';
import { OnnxFileError } from './errors.js';
import { ONNX_LIMITS, type OnnxLimits } from './limits.js';
import { ONNX_SCHEMA_JSON } from './onnx-schema.generated.js';
import { scanMessage } from './scan.js';

/*
 * The ONNX protobuf schema (assets/onnx/onnx.proto3, ONNX 1.23.0, compiled to JSON by scripts/onnx-schema.mjs
 * with protobufjs) and typed encode/decode of ModelProto. Field names are protobufjs's camelCase
 * (raw_data → rawData). int64 fields decode to numbers (the bounds checks reject anything near 2^53).
 */

const root = protobuf.Root.fromJSON(ONNX_SCHEMA_JSON);
root.resolveAll();
const ModelProtoType = root.lookupType('onnx.ModelProto');

/** The protobufjs reflection root of the ONNX schema, for code that needs more than the typed helpers here. */
export const onnxRoot: protobuf.Root = root;

/** TensorProto.DataType values used by logitkit (the numbers are ONNX's; the schema test checks them). */
export const DataType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  BFLOAT16: 16,
});

/** AttributeProto.AttributeType values. */
export const AttributeType = Object.freeze({
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
});

/** TensorProto.DataLocation values. */
export const DataLocation = Object.freeze({ DEFAULT: 0, EXTERNAL: 1 });

export interface OperatorSetIdProto {
  domain?: string;
  version?: number;
}

export interface StringStringEntryProto {
  key?: string;
  value?: string;
}

export interface TensorProto {
  dims?: number[];
  dataType?: number;
  floatData?: number[];
  int32Data?: number[];
  stringData?: Uint8Array[];
  int64Data?: number[];
  name?: string;
  docString?: string;
  rawData?: Uint8Array;
  externalData?: StringStringEntryProto[];
  dataLocation?: number;
  doubleData?: number[];
  uint64Data?: number[];
}

export interface AttributeProto {
  name?: string;
  refAttrName?: string;
  docString?: string;
  type?: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  g?: GraphProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  tensors?: TensorProto[];
  graphs?: GraphProto[];
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType?: string;
  domain?: string;
  overload?: string;
  attribute?: AttributeProto[];
  docString?: string;
}

export interface TensorShapeDimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TypeProto {
  tensorType?: { elemType?: number; shape?: { dim?: TensorShapeDimension[] } };
  denotation?: string;
}

export interface ValueInfoProto {
  name?: string;
  type?: TypeProto;
  docString?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion?: number;
  opsetImport?: OperatorSetIdProto[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph?: GraphProto;
  metadataProps?: StringStringEntryProto[];
}

/** Serializes a ModelProto; throws when a field does not match the schema (protobufjs's verify). */
export function encodeModel(model: ModelProto): Uint8Array {
  const problem = ModelProtoType.verify(model);
  if (problem) throw new Error(`encodeModel: the ModelProto does not match the ONNX schema: ${problem}`);
  const bytes = ModelProtoType.encode(model).finish();
  // protobufjs may hand back a Node Buffer view of its pool; give the caller its own plain Uint8Array.
  return new Uint8Array(bytes);
}

export interface DecodeModelOptions {
  /** Names the input in error messages ("file 'm.onnx'"); default "the bytes". */
  source?: string;
  /** Lower (or, with care, raise) the bounds of ONNX_LIMITS. */
  limits?: Partial<OnnxLimits>;
  /** The operation named in error messages; default 'decodeModel'. */
  op?: string;
}

/**
 * Decodes ONNX bytes into a plain ModelProto object, bounded: the byte length is checked first, then a scan of
 * the wire format counts messages, nodes, tensors, repeated numbers and nesting against ONNX_LIMITS before
 * protobufjs allocates anything, and after decoding every tensor's dims are checked (rank, non-negative
 * integers, element count, and the stored data matches the dims). Bytes fields (rawData) are views into
 * `bytes`, possibly unaligned: copy them before reading them as floats.
 */
export function decodeModel(bytes: Uint8Array, options: DecodeModelOptions = {}): ModelProto {
  const op = options.op ?? 'decodeModel';
  const source = options.source ?? 'the bytes';
  const limits: OnnxLimits = { ...ONNX_LIMITS, ...options.limits };
  const fail = (reason: string) => new OnnxFileError(op, source, reason);
  if (!(bytes instanceof Uint8Array)) throw fail(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length === 0) throw fail('the file is empty');
  if (bytes.length > limits.modelBytes) throw fail(`${bytes.length} bytes, more than the limit of ${limits.modelBytes}`);
  scanMessage(bytes, ModelProtoType, limits, fail);
  let model: ModelProto;
  try {
    const message = ModelProtoType.decode(bytes);
    model = ModelProtoType.toObject(message, { longs: Number, enums: Number, arrays: true }) as ModelProto;
  } catch (e) {
    throw fail(`protobuf decoding failed: ${(e as Error).message}`);
  }
  if (model.graph) checkGraphTensors(model.graph, limits, fail);
  return model;
}

const ELEMENT_BYTES: Record<number, number> = {
  [DataType.FLOAT]: 4,
  [DataType.UINT8]: 1,
  [DataType.INT8]: 1,
  [DataType.UINT16]: 2,
  [DataType.INT16]: 2,
  [DataType.INT32]: 4,
  [DataType.INT64]: 8,
  [DataType.BOOL]: 1,
  [DataType.FLOAT16]: 2,
  [DataType.DOUBLE]: 8,
  [DataType.UINT32]: 4,
  [DataType.UINT64]: 8,
  [DataType.BFLOAT16]: 2,
};

/** The number of elements of a tensor after checking its dims against the limits. */
export function tensorElementCount(tensor: TensorProto, limits: OnnxLimits, fail: (reason: string) => Error): number {
  const name = tensor.name ? `tensor '${tensor.name}'` : 'a tensor';
  const dims = tensor.dims ?? [];
  if (dims.length > limits.rank) throw fail(`${name} has rank ${dims.length}, more than ${limits.rank}`);
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw fail(`${name} has a dimension ${d}, not a non-negative integer`);
    n *= d;
    if (n > limits.tensorElements) throw fail(`${name} has more than ${limits.tensorElements} elements (dims ${JSON.stringify(dims)})`);
  }
  return n;
}

/** Every tensor of a graph (initializers, tensor attributes, nested graphs): dims in bounds and data that matches them. */
function checkGraphTensors(graph: GraphProto, limits: OnnxLimits, fail: (reason: string) => Error): void {
  const visitTensor = (t: TensorProto) => {
    const n = tensorElementCount(t, limits, fail);
    const name = t.name ? `tensor '${t.name}'` : 'a tensor';
    if (t.dataLocation === DataLocation.EXTERNAL) return; // the importer decides whether it reads external data
    const raw = t.rawData?.length ?? 0;
    const size = ELEMENT_BYTES[t.dataType ?? 0];
    if (raw > 0) {
      if (size !== undefined && raw !== n * size)
        throw fail(`${name} has ${raw} bytes of raw data, expected ${n * size} for dims ${JSON.stringify(t.dims ?? [])}`);
      return;
    }
    const stored =
      (t.floatData?.length ?? 0) +
      (t.int32Data?.length ?? 0) +
      (t.int64Data?.length ?? 0) +
      (t.doubleData?.length ?? 0) +
      (t.uint64Data?.length ?? 0) +
      (t.stringData?.length ?? 0);
    if (stored !== 0 && stored !== n) throw fail(`${name} stores ${stored} values, expected ${n} for dims ${JSON.stringify(t.dims ?? [])}`);
  };
  const visitGraph = (g: GraphProto) => {
    for (const t of g.initializer ?? []) visitTensor(t);
    for (const node of g.node ?? []) {
      for (const a of node.attribute ?? []) {
        if (a.t) visitTensor(a.t);
        for (const t of a.tensors ?? []) visitTensor(t);
        if (a.g) visitGraph(a.g);
        for (const sub of a.graphs ?? []) visitGraph(sub);
      }
    }
  };
  visitGraph(graph);
}
