import { firstNonFinite } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { crc32 } from './crc32.js';
import { ModelFileError } from './errors.js';
import { jsonDepth } from './json-depth.js';
import { Checker } from './validate.js';

/*
 * The logitkit file container (docs/training.md, "File format"): one file, all little-endian.
 *
 *   offset 0   8 bytes  magic 89 4C 4B 4D 0D 0A 1A 0A ("\x89LKM\r\n\x1a\n", PNG-style)
 *   offset 8   uint32   format version (6; versions 1 to 5, before header.metadata, the image layers, the embedding, text models and trainable flags, are still read)
 *   offset 12  uint32   header length H in bytes (1 .. 16 MiB)
 *   offset 16  uint32   CRC-32 of the header bytes
 *   offset 20  uint32   reserved, 0
 *   offset 24  H bytes  header: UTF-8 JSON
 *   zero padding to a multiple of 8
 *   data: the tensors, each at its 8-aligned offset, little-endian float32/float64, zero padding between
 *
 * The header lists every tensor {name, shape, dtype, offset, byteLength} (offsets relative to the data start,
 * each the 8-aligned end of the previous one) and data {byteLength, crc32}. The file ends exactly at the
 * end of the data.
 */

export const MAGIC = Uint8Array.of(0x89, 0x4c, 0x4b, 0x4d, 0x0d, 0x0a, 0x1a, 0x0a);
/** Version 6 added a layer entry's `trainable: false` (Keras's frozen layers, kept for fine-tuning). */
export const FORMAT_VERSION = 6;
/** The layer classes that format version 3 added (convolutional networks): an older file cannot name them. */
export const VERSION_3_LAYERS: readonly string[] = [
  'Conv2D',
  'MaxPooling2D',
  'AveragePooling2D',
  'GlobalAveragePooling2D',
  'Flatten',
  'Reshape',
  'Dropout',
  'BatchNormalization',
];
/**
 * What format version 4 added (token models): the Embedding layer class, Input layers of dtype 'int32' and
 * header.metadata.languageModel. An older file cannot hold them.
 */
export const VERSION_4_LAYERS: readonly string[] = ['Embedding'];
/**
 * What format version 5 added (text models): the GlobalAveragePooling1D layer class, an Embedding's `maskZero`
 * and an Input layer's `textVectorization` (the vectorizer's settings and vocabulary, so a model takes raw strings).
 */
export const VERSION_5_LAYERS: readonly string[] = ['GlobalAveragePooling1D'];
export const VERSION_5_CONFIG_KEYS: Readonly<Record<string, readonly string[]>> = { Embedding: ['maskZero'], Input: ['textVectorization'] };
/** The oldest version this reader still takes (1: before class names and the data split were stored). */
export const OLDEST_FORMAT_VERSION = 1;
export const PREAMBLE_BYTES = 24;

/** Every size read from a file is checked against these before anything is allocated. */
export const LIMITS = Object.freeze({
  headerBytes: 16 * 1024 * 1024,
  tensors: 4096,
  rank: 8,
  dim: 2 ** 31 - 1,
  tensorElements: 2 ** 28,
  dataBytes: 2 ** 31 - 1,
  nameLength: 256,
  layers: 1024,
  nodes: 4096,
  epochs: 1_000_000,
  /** Nesting of arrays and objects in the header; a valid one needs 6. */
  headerDepth: 64,
});

export type WeightDType = 'float32' | 'float64';

export interface TensorEntry {
  name: string;
  shape: number[];
  dtype: WeightDType;
  offset: number;
  byteLength: number;
}

const align8 = (n: number) => Math.ceil(n / 8) * 8;
const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function itemSize(dtype: WeightDType): number {
  return dtype === 'float64' ? 8 : 4;
}

/** Little-endian bytes of a float tensor. */
function tensorBytes(t: Tensor): Uint8Array {
  const v = t.values;
  if (LITTLE_ENDIAN) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  const out = new Uint8Array(v.byteLength);
  const view = new DataView(out.buffer);
  const f64 = t.dtype === 'float64';
  for (let i = 0; i < v.length; i++) {
    if (f64) view.setFloat64(i * 8, v[i], true);
    else view.setFloat32(i * 4, v[i], true);
  }
  return out;
}

/**
 * Writes a whole file: `header` (any JSON fields) plus the tensor table and data checksum. A non-finite value
 * is refused here (a RangeError naming `op` and the tensor), since the loader refuses it: a file written anyway
 * would replace a good model or checkpoint with one that cannot be read back.
 */
export function encodeFile(header: Record<string, unknown>, tensors: ReadonlyArray<{ name: string; value: Tensor }>, op = 'encodeFile'): Uint8Array {
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const { name, value } of tensors) {
    if (value.dtype !== 'float32' && value.dtype !== 'float64') throw new TypeError(`${op}: tensor '${name}' must be float32 or float64, got ${value.dtype}`);
    const bad = firstNonFinite(value.values);
    if (bad >= 0) {
      throw new RangeError(
        `${op}: tensor '${name}' holds a non-finite value ${value.values[bad]} at flat index ${bad}; nothing was written, since the loader refuses such a file (non-finite weights usually mean training diverged: NaN in the data or too large a learning rate)`,
      );
    }
    offset = align8(offset);
    entries.push({ name, shape: value.shape.slice(), dtype: value.dtype, offset, byteLength: value.values.byteLength });
    offset += value.values.byteLength;
  }
  const data = new Uint8Array(align8(offset));
  tensors.forEach(({ value }, i) => data.set(tensorBytes(value), entries[i].offset));
  const full = { ...header, tensors: entries, data: { byteLength: data.length, crc32: crc32(data) } };
  return assembleFile(new TextEncoder().encode(JSON.stringify(full)), data);
}

/**
 * @internal Puts preamble, header bytes and data together. The overrides exist for tests that build
 * corrupt files on purpose.
 */
export function assembleFile(
  headerBytes: Uint8Array,
  data: Uint8Array,
  overrides: { version?: number; headerLength?: number; headerCrc?: number; magic?: Uint8Array } = {},
): Uint8Array {
  const dataStart = align8(PREAMBLE_BYTES + headerBytes.length);
  const out = new Uint8Array(dataStart + data.length);
  const view = new DataView(out.buffer);
  out.set(overrides.magic ?? MAGIC, 0);
  view.setUint32(8, overrides.version ?? FORMAT_VERSION, true);
  view.setUint32(12, overrides.headerLength ?? headerBytes.length, true);
  view.setUint32(16, overrides.headerCrc ?? crc32(headerBytes), true);
  view.setUint32(20, 0, true);
  out.set(headerBytes, PREAMBLE_BYTES);
  out.set(data, dataStart);
  return out;
}

export interface DecodedFile {
  header: Record<string, unknown>;
  tensors: Map<string, Tensor>;
  check: Checker;
  version: number;
}

/**
 * Reads and checks a whole file: preamble, header checksum, JSON, the tensor table against the limits and the
 * file length (before allocating), the data checksum, then every value for finiteness.
 */
export function decodeFile(bytes: Uint8Array, op: string, source: string): DecodedFile {
  const check = new Checker(op, source);
  if (!(bytes instanceof Uint8Array)) throw new ModelFileError(op, source, `expected a Uint8Array of file bytes, got ${typeof bytes}`);
  if (bytes.length < PREAMBLE_BYTES) check.fail(`truncated: ${bytes.length} bytes, shorter than the ${PREAMBLE_BYTES}-byte preamble`);
  for (let i = 0; i < MAGIC.length; i++) {
    if (bytes[i] !== MAGIC[i]) {
      const got = Array.from(bytes.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join(' ');
      check.fail(`bad magic bytes ${got} (a logitkit model file starts with 89 4c 4b 4d 0d 0a 1a 0a)`);
    }
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version < OLDEST_FORMAT_VERSION || version > FORMAT_VERSION)
    check.fail(`format version ${version} is not supported (this logitkit reads versions ${OLDEST_FORMAT_VERSION} to ${FORMAT_VERSION})`);
  const headerLength = view.getUint32(12, true);
  if (headerLength === 0 || headerLength > LIMITS.headerBytes) {
    check.fail(`oversized or empty header: the preamble claims ${headerLength} bytes (limit ${LIMITS.headerBytes})`);
  }
  if (PREAMBLE_BYTES + headerLength > bytes.length) {
    check.fail(`truncated: the header needs ${headerLength} bytes after the preamble but the file has ${bytes.length - PREAMBLE_BYTES}`);
  }
  if (view.getUint32(20, true) !== 0) check.fail('the reserved preamble field (bytes 20-23) is not zero');
  const headerBytes = bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + headerLength);
  const storedHeaderCrc = view.getUint32(16, true);
  const headerCrc = crc32(headerBytes);
  if (storedHeaderCrc !== headerCrc)
    check.fail(`header checksum mismatch (stored crc32 ${hex(storedHeaderCrc)}, computed ${hex(headerCrc)}): the header is corrupt`);
  let parsed: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
    const depth = jsonDepth(text);
    if (depth > LIMITS.headerDepth) check.fail(`the header nests arrays and objects ${depth} levels deep, more than the limit of ${LIMITS.headerDepth}`);
    parsed = JSON.parse(text);
  } catch (e) {
    if (e instanceof ModelFileError) throw e;
    check.fail(`bad JSON in the header: ${(e as Error).message}`);
  }
  const header = check.object('header', parsed);
  if (header.format !== 'logitkit-model') check.expect('header.format', "'logitkit-model'", header.format);
  if (header.formatVersion !== version) check.fail(`header.formatVersion ${String(header.formatVersion)} does not match the preamble's version ${version}`);
  const entries = readTensorTable(check, header.tensors);
  const dataInfo = check.object('header.data', header.data, ['byteLength', 'crc32'], ['byteLength', 'crc32']);
  const dataLength = check.int('header.data.byteLength', dataInfo.byteLength, 0, LIMITS.dataBytes);
  const storedDataCrc = check.int('header.data.crc32', dataInfo.crc32, 0, 0xffffffff);
  const end = entries.length ? entries[entries.length - 1].offset + entries[entries.length - 1].byteLength : 0;
  if (dataLength !== align8(end)) {
    check.fail(`header.data.byteLength ${dataLength} does not match the tensor table (${align8(end)} bytes)`);
  }
  const dataStart = align8(PREAMBLE_BYTES + headerLength);
  const expected = dataStart + dataLength;
  if (bytes.length < expected)
    check.fail(`truncated: ${bytes.length} bytes, the header describes ${expected} (weights data of ${dataLength} bytes at offset ${dataStart})`);
  if (bytes.length > expected)
    check.fail(`${bytes.length - expected} unexpected bytes after the end of the weights data (file length ${bytes.length}, expected ${expected})`);
  const data = bytes.subarray(dataStart, expected);
  const dataCrc = crc32(data);
  if (dataCrc !== storedDataCrc)
    check.fail(`weights checksum mismatch (stored crc32 ${hex(storedDataCrc)}, computed ${hex(dataCrc)}): the weights data is corrupt`);
  const tensors = new Map<string, Tensor>();
  for (const e of entries) tensors.set(e.name, readTensor(check, data, e));
  return { header, tensors, check, version };
}

function readTensorTable(check: Checker, v: unknown): TensorEntry[] {
  const list = check.array('header.tensors', v, LIMITS.tensors);
  const names = new Set<string>();
  let expectedOffset = 0;
  return list.map((item, i) => {
    const path = `header.tensors[${i}]`;
    const o = check.object(path, item, ['name', 'shape', 'dtype', 'offset', 'byteLength'], ['name', 'shape', 'dtype', 'offset', 'byteLength']);
    const name = check.string(`${path}.name`, o.name, LIMITS.nameLength);
    if (names.has(name)) check.fail(`${path}.name ${JSON.stringify(name)} appears twice`);
    names.add(name);
    const shapeList = check.array(`${path}.shape`, o.shape, LIMITS.rank);
    let elements = 1;
    const shape = shapeList.map((d, j) => {
      const dim = check.int(`${path}.shape[${j}]`, d, 0, LIMITS.dim);
      elements *= dim;
      if (elements > LIMITS.tensorElements)
        check.fail(`tensor '${name}' of shape ${JSON.stringify(shapeList)} has more than ${LIMITS.tensorElements} elements (the limit)`);
      return dim;
    });
    const dtype = check.oneOf(`${path}.dtype`, o.dtype, ['float32', 'float64'] as const);
    const offset = check.int(`${path}.offset`, o.offset, 0, LIMITS.dataBytes);
    const byteLength = check.int(`${path}.byteLength`, o.byteLength, 0, LIMITS.dataBytes);
    const want = elements * itemSize(dtype);
    if (byteLength !== want) {
      check.fail(`tensor '${name}': byteLength ${byteLength} does not match shape [${shape.join(', ')}] ${dtype} (${want} bytes)`);
    }
    const aligned = align8(expectedOffset);
    if (offset !== aligned) check.fail(`tensor '${name}': offset ${offset}, expected ${aligned} (tensors are stored in order, 8-byte aligned)`);
    expectedOffset = offset + byteLength;
    return { name, shape, dtype, offset, byteLength };
  });
}

function readTensor(check: Checker, data: Uint8Array, e: TensorEntry): Tensor {
  const n = e.byteLength / itemSize(e.dtype);
  const values = e.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  if (LITTLE_ENDIAN) {
    new Uint8Array(values.buffer).set(data.subarray(e.offset, e.offset + e.byteLength));
  } else {
    const view = new DataView(data.buffer, data.byteOffset + e.offset, e.byteLength);
    for (let i = 0; i < n; i++) values[i] = e.dtype === 'float64' ? view.getFloat64(i * 8, true) : view.getFloat32(i * 4, true);
  }
  const bad = firstNonFinite(values);
  if (bad >= 0) check.fail(`tensor '${e.name}' holds a non-finite value ${values[bad]} at flat index ${bad}`);
  return new Tensor(values, e.shape);
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
