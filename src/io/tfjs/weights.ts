import { firstNonFinite } from '../../tensor/dtype.js';
import { Tensor } from '../../tensor/tensor.js';
import { LIMITS } from '../container.js';
import type { Checker } from '../validate.js';

/** One entry of TF.js's weights manifest: `{name, shape, dtype}` (TF.js's WeightsManifestEntry). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** TF.js marks optimizer slots saved with `includeOptimizer` as group 'optimizer'; logitkit skips them. */
  group?: string;
}

/** A spec checked against the limits, with where its bytes start in the weight data. */
export interface PlannedWeight {
  name: string;
  shape: number[];
  offset: number;
  byteLength: number;
  optimizer: boolean;
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Checks a list of weight specs (names, shapes, dtypes) against the model-file limits before anything is
 * allocated, and lays them out as TF.js does: each tensor's bytes right after the previous one's, from `start`.
 * Returns the layout and the byte offset where the list's data ends.
 */
export function planWeights(check: Checker, path: string, v: unknown, start = 0, names = new Set<string>()): { weights: PlannedWeight[]; end: number } {
  const list = check.array(path, v, LIMITS.tensors);
  let offset = start;
  const weights = list.map((item, i) => {
    const p = `${path}[${i}]`;
    const o = check.object(p, item, ['name', 'shape', 'dtype', 'group', 'quantization'], ['name', 'shape', 'dtype']);
    const name = check.string(`${p}.name`, o.name, LIMITS.nameLength);
    if (names.has(name)) check.fail(`${p}.name ${JSON.stringify(name)} appears twice`);
    names.add(name);
    if (o.quantization !== undefined) check.fail(`${p} (weight '${name}') is quantized; logitkit reads float32 weights only (convert without --quantize)`);
    check.oneOf(`${p}.dtype`, o.dtype, ['float32'] as const);
    const group = o.group === undefined ? undefined : check.string(`${p}.group`, o.group, LIMITS.nameLength);
    let elements = 1;
    const shape = check.array(`${p}.shape`, o.shape, 8).map((d, j) => {
      const dim = check.int(`${p}.shape[${j}]`, d, 0, LIMITS.dataBytes);
      elements *= dim;
      if (elements * 4 > LIMITS.dataBytes)
        check.fail(`weight '${name}' of shape ${JSON.stringify(o.shape)} needs more than ${LIMITS.dataBytes} bytes (the limit)`);
      return dim;
    });
    const byteLength = elements * 4;
    const planned = { name, shape, offset, byteLength, optimizer: group === 'optimizer' };
    offset += byteLength;
    if (offset > LIMITS.dataBytes) check.fail(`the weights in ${path} need more than ${LIMITS.dataBytes} bytes (the limit)`);
    return planned;
  });
  return { weights, end: offset };
}

/** Reads one planned weight from the data (float32 little-endian, TF.js's layout); refuses non-finite values. */
export function readWeight(check: Checker, data: Uint8Array, w: PlannedWeight, dtype: 'float32' | 'float64'): Tensor {
  const values = new Float32Array(w.byteLength / 4);
  const bytes = data.subarray(w.offset, w.offset + w.byteLength);
  if (LITTLE_ENDIAN) new Uint8Array(values.buffer).set(bytes);
  else {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getFloat32(i * 4, true);
  }
  const bad = firstNonFinite(values);
  if (bad >= 0) check.fail(`weight '${w.name}' holds a non-finite value ${values[bad]} at flat index ${bad}`);
  return new Tensor(dtype === 'float64' ? Float64Array.from(values) : values, w.shape);
}

/** Float32 little-endian bytes of tensors, one after the other (TF.js's weight data); float64 values are rounded. */
export function weightBytes(tensors: readonly Tensor[]): Uint8Array {
  const total = tensors.reduce((n, t) => n + t.size * 4, 0);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const t of tensors) {
    const v = t.values as ArrayLike<number>;
    for (let i = 0; i < t.size; i++, at += 4) view.setFloat32(at, v[i], true);
  }
  return out;
}
