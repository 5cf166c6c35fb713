/**
 * Bounds on what an ONNX file may ask the decoder to allocate, checked by a scan of the wire format before
 * protobufjs builds any object (same spirit as the .lkm LIMITS in ../container.ts). The scan counts what the
 * decoded objects will hold: every message, every repeated number, and the nesting depth.
 */
export const ONNX_LIMITS = Object.freeze({
  /** Whole file. Protobuf itself stops at 2 GiB; weights beyond 1 GiB are not a logitkit-sized classifier. */
  modelBytes: 2 ** 30,
  /** Message objects of any type in the file (nodes, tensors, attributes, value infos, dimensions, ...). */
  messages: 1_000_000,
  /** NodeProto messages, all graphs together. */
  nodes: 65_536,
  /** TensorProto messages (initializers and tensor attributes). */
  tensors: 65_536,
  /** Nesting of messages (a graph in an attribute of a node of a graph is 4 levels); protobufjs stops at 100. */
  depth: 32,
  /** Repeated fixed-width numbers (float_data, double_data): each becomes an 8-byte JS number. */
  fixedElements: 2 ** 26,
  /** Repeated varints (int64_data, dims, ints): one byte in the file can become an 8-byte number or a Long. */
  varintElements: 2 ** 22,
  /** Elements of one tensor (its dims' product), as for the .lkm format. */
  tensorElements: 2 ** 28,
  /** Rank of one tensor. */
  rank: 8,
});

export type OnnxLimits = { readonly [K in keyof typeof ONNX_LIMITS]: number };
