import protobuf from 'protobufjs/light.js';
import type { OnnxLimits } from './limits.js';

/** What the wire-format scan counted; decodeModel checks the totals against the limits as it goes. */
export interface ScanCounts {
  messages: number;
  nodes: number;
  tensors: number;
  fixedElements: number;
  varintElements: number;
}

type Fail = (reason: string) => Error;

const FIXED32 = new Set(['float', 'fixed32', 'sfixed32']);
const FIXED64 = new Set(['double', 'fixed64', 'sfixed64']);
const LENGTH_DELIMITED = new Set(['string', 'bytes']);

/**
 * Walks the protobuf wire format of `bytes` as a message of `type` without allocating anything per field,
 * and throws (through `fail`) as soon as a count passes its limit, a length points past the end, a nested
 * message goes deeper than allowed, or a known field comes with the wrong wire type. protobufjs then decodes
 * only a buffer whose decoded size is known to be bounded.
 */
export function scanMessage(bytes: Uint8Array, type: protobuf.Type, limits: OnnxLimits, fail: Fail): ScanCounts {
  const counts: ScanCounts = { messages: 0, nodes: 0, tensors: 0, fixedElements: 0, varintElements: 0 };
  let pos = 0;

  const varint = (end: number): number => {
    let value = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= end) throw fail(`a varint runs past the end of its message at byte ${pos}`);
      const b = bytes[pos++];
      value += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return value;
    }
    throw fail(`a varint longer than 10 bytes at byte ${pos}`);
  };

  const count = (key: keyof ScanCounts, n: number) => {
    counts[key] += n;
    if (counts[key] > limits[key]) throw fail(`more than ${limits[key]} ${LABEL[key]} (limit ${limits[key]})`);
  };

  const walk = (t: protobuf.Type, end: number, depth: number): void => {
    if (depth > limits.depth) throw fail(`messages nested deeper than ${limits.depth} levels`);
    count('messages', 1);
    if (t.name === 'NodeProto') count('nodes', 1);
    if (t.name === 'TensorProto') count('tensors', 1);
    while (pos < end) {
      const key = varint(end);
      const id = Math.floor(key / 8);
      const wire = key % 8;
      if (id === 0) throw fail(`field number 0 at byte ${pos}`);
      const field = t.fieldsById[id];
      switch (wire) {
        case 0:
          varint(end);
          if (field?.repeated) count('varintElements', 1);
          break;
        case 1:
          if ((pos += 8) > end) throw fail(`a 64-bit field runs past the end of its message`);
          if (field?.repeated) count('fixedElements', 1);
          break;
        case 5:
          if ((pos += 4) > end) throw fail(`a 32-bit field runs past the end of its message`);
          if (field?.repeated) count('fixedElements', 1);
          break;
        case 2: {
          const length = varint(end);
          const stop = pos + length;
          if (stop > end) throw fail(`a field of ${length} bytes runs past the end of its message at byte ${pos}`);
          if (field) lengthDelimited(t, field, stop, depth);
          pos = stop;
          break;
        }
        default:
          throw fail(`wire type ${wire} (field ${id} of ${t.name}) is not used by ONNX`);
      }
      if (field) checkWire(t, field, wire);
    }
    if (pos !== end) throw fail(`a message of ${t.name} overruns its length`);
  };

  const lengthDelimited = (t: protobuf.Type, field: protobuf.Field, stop: number, depth: number) => {
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof protobuf.Type) return walk(resolved, stop, depth + 1);
    if (LENGTH_DELIMITED.has(field.type)) return;
    if (!field.repeated) throw fail(`field ${field.name} of ${t.name} is a number, not a length-delimited field`);
    // A packed run of numbers: count the elements it will decode to.
    const length = stop - pos;
    if (FIXED32.has(field.type)) {
      if (length % 4) throw fail(`packed field ${field.name} of ${t.name} has ${length} bytes, not a multiple of 4`);
      count('fixedElements', length / 4);
    } else if (FIXED64.has(field.type)) {
      if (length % 8) throw fail(`packed field ${field.name} of ${t.name} has ${length} bytes, not a multiple of 8`);
      count('fixedElements', length / 8);
    } else {
      let n = 0;
      for (let i = pos; i < stop; i++) if (bytes[i] < 0x80) n++;
      count('varintElements', n);
    }
  };

  const checkWire = (t: protobuf.Type, field: protobuf.Field, wire: number) => {
    const resolved = field.resolvedType;
    const expected = resolved instanceof protobuf.Type || LENGTH_DELIMITED.has(field.type) ? 2 : FIXED32.has(field.type) ? 5 : FIXED64.has(field.type) ? 1 : 0;
    if (wire !== expected && !(wire === 2 && field.repeated && expected !== 2)) {
      throw fail(`field ${field.name} of ${t.name} has wire type ${wire}, expected ${expected}`);
    }
  };

  walk(type, bytes.length, 0);
  return counts;
}

const LABEL: Record<keyof ScanCounts, string> = {
  messages: 'messages',
  nodes: 'nodes',
  tensors: 'tensors',
  fixedElements: 'repeated fixed-width numbers',
  varintElements: 'repeated varints',
};
