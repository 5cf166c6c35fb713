import { assembleFile, PREAMBLE_BYTES } from '../../src/io/container.js';

/** Splits a model file into its header JSON and data, to build corrupt variants. */
export function explode(bytes: Uint8Array): { header: any; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const h = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(PREAMBLE_BYTES, PREAMBLE_BYTES + h)));
  const start = Math.ceil((PREAMBLE_BYTES + h) / 8) * 8;
  return { header, data: bytes.slice(start) };
}

/** Puts a (modified) header and data back together with valid checksums unless overridden. */
export function rebuild(header: unknown, data: Uint8Array, overrides: Parameters<typeof assembleFile>[2] = {}): Uint8Array {
  return assembleFile(new TextEncoder().encode(JSON.stringify(header)), data, overrides);
}

/** Resident memory plus array buffers, to bound what an operation allocates. */
export function memoryNow(): number {
  const m = process.memoryUsage();
  return Math.max(m.rss, m.heapUsed + m.arrayBuffers);
}
