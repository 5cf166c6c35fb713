import { dataError } from './errors.js';

/**
 * A pure IDX parser (the format of MNIST and Fashion-MNIST: http://yann.lecun.com/exdb/mnist/), shared by Node
 * and the browser. Layout: bytes 0-1 are zero, byte 2 the element type, byte 3 the number of dimensions, then
 * one big-endian uint32 per dimension, then the elements in row-major order, big-endian.
 * Every size is checked against the bytes actually present before anything is allocated.
 */

export type IdxDType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxArray {
  dtype: IdxDType;
  dims: number[];
  data: IdxData;
}

const DTYPE_CODES: Record<number, { dtype: IdxDType; itemSize: number }> = {
  0x08: { dtype: 'uint8', itemSize: 1 },
  0x09: { dtype: 'int8', itemSize: 1 },
  0x0b: { dtype: 'int16', itemSize: 2 },
  0x0c: { dtype: 'int32', itemSize: 4 },
  0x0d: { dtype: 'float32', itemSize: 4 },
  0x0e: { dtype: 'float64', itemSize: 8 },
};

/** JS typed arrays and Node buffers top out near here; larger claims are corrupt headers, not data. */
export const MAX_IDX_ELEMENTS = 2 ** 31 - 1;

export interface ParseIdxOptions {
  /** Named in error messages, e.g. "file 'train-images-idx3-ubyte.gz'". */
  source?: string;
  /** Accept bytes after the IDX payload (for containers that concatenate several IDX files). */
  allowTrailing?: boolean;
}

/** Parses one IDX file held in memory (already decompressed). Throws on any mismatch with the header. */
export function parseIdx(bytes: Uint8Array, options: ParseIdxOptions = {}): IdxArray {
  return parseIdxPrefix(bytes, options).array;
}

/** Parses the IDX file at the start of `bytes` and reports how many bytes it took. */
export function parseIdxPrefix(bytes: Uint8Array, options: ParseIdxOptions = {}): { array: IdxArray; byteLength: number } {
  const op = 'parseIdx';
  const source = options.source ?? "argument 'bytes'";
  if (!(bytes instanceof Uint8Array)) throw dataError(op, source, 'a Uint8Array', String(bytes));
  if (bytes.length < 4) throw dataError(op, source, 'an IDX file (at least a 4-byte magic number)', `${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw dataError(op, source, 'an IDX file starting with bytes 00 00', `magic ${hex(bytes.subarray(0, 4))}`);
  }
  const code = DTYPE_CODES[bytes[2]];
  if (code === undefined) {
    throw dataError(op, source, 'an IDX element type code 08, 09, 0b, 0c, 0d or 0e', `type code ${hex(bytes.subarray(2, 3))}`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw dataError(op, source, 'an IDX file with at least one dimension', '0 dimensions');
  const headerLength = 4 + 4 * ndims;
  if (bytes.length < headerLength) {
    throw dataError(op, source, `at least ${headerLength} bytes for a header with ${ndims} dimensions`, `${bytes.length} bytes`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < ndims; i++) dims.push(view.getUint32(4 + 4 * i, false));
  // A double product cannot wrap around: at worst it becomes Infinity, which the bound rejects too.
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements > MAX_IDX_ELEMENTS) {
    throw dataError(op, source, `an IDX header with at most ${MAX_IDX_ELEMENTS} elements`, `dims [${dims.join(', ')}]`);
  }
  const byteLength = headerLength + elements * code.itemSize;
  const sizeOk = options.allowTrailing ? bytes.length >= byteLength : bytes.length === byteLength;
  if (!sizeOk) {
    const what = bytes.length < byteLength ? 'truncated' : 'extra bytes after the data';
    throw dataError(
      op,
      source,
      `${byteLength} bytes (${headerLength}-byte header + ${elements} ${code.dtype} elements for dims [${dims.join(', ')}])`,
      `${bytes.length} bytes (${what})`,
    );
  }
  const data = readElements(view, headerLength, elements, code.dtype);
  return { array: { dtype: code.dtype, dims, data }, byteLength };
}

/**
 * The byte length the IDX header at the start of `head` declares, once the header is complete (undefined
 * before). An invalid header declares 3 bytes, so readers stop at the 4 bytes parseIdx needs to say why.
 */
export function idxDeclaredLength(head: Uint8Array): number | undefined {
  if (head.length < 4) return undefined;
  const code = DTYPE_CODES[head[2]];
  if (head[0] !== 0 || head[1] !== 0 || code === undefined || head[3] === 0) return 3;
  const headerLength = 4 + 4 * head[3];
  if (head.length < headerLength) return undefined;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  let elements = 1;
  for (let i = 0; i < head[3]; i++) elements *= view.getUint32(4 + 4 * i, false);
  return elements > MAX_IDX_ELEMENTS ? headerLength : headerLength + elements * code.itemSize;
}

/** Big-endian elements into a native typed array. uint8 is returned as a view (no copy). */
function readElements(view: DataView, offset: number, n: number, dtype: IdxDType): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  switch (dtype) {
    case 'uint8':
      return bytes.subarray(offset, offset + n);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset + offset, n).slice();
    case 'int16': {
      const out = new Int16Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/** Encodes an IDX file (big-endian), for tests, fixtures and the embedded asset. */
export function encodeIdx(array: IdxArray): Uint8Array {
  const entry = Object.entries(DTYPE_CODES).find(([, c]) => c.dtype === array.dtype);
  if (entry === undefined) throw dataError('encodeIdx', "argument 'array.dtype'", 'an IDX dtype', array.dtype);
  const [code, { itemSize }] = [Number(entry[0]), entry[1]];
  const elements = array.dims.reduce((a, b) => a * b, 1);
  if (elements !== array.data.length) {
    throw dataError('encodeIdx', "argument 'array.data'", `${elements} elements for dims [${array.dims.join(', ')}]`, `${array.data.length} elements`);
  }
  const headerLength = 4 + 4 * array.dims.length;
  const out = new Uint8Array(headerLength + array.data.length * itemSize);
  const view = new DataView(out.buffer);
  out[2] = code;
  out[3] = array.dims.length;
  array.dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const setters: Record<IdxDType, (at: number, v: number) => void> = {
    uint8: (at, v) => view.setUint8(at, v),
    int8: (at, v) => view.setInt8(at, v),
    int16: (at, v) => view.setInt16(at, v, false),
    int32: (at, v) => view.setInt32(at, v, false),
    float32: (at, v) => view.setFloat32(at, v, false),
    float64: (at, v) => view.setFloat64(at, v, false),
  };
  const set = setters[array.dtype];
  for (let i = 0; i < array.data.length; i++) set(headerLength + i * itemSize, array.data[i]);
  return out;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
}
