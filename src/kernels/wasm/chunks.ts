/**
 * Row kernels stream their data through wasm memory in chunks of whole rows: copy a chunk in, run,
 * copy it out. A chunk of about CHUNK_BYTES per array stays in the L2 cache, so each element crosses
 * main memory once in and once out, as in a native kernel; the copies only touch cache.
 */
export const CHUNK_BYTES = 64 * 1024;

export function rowsPerChunk(rows: number, rowBytes: number): number {
  return Math.max(1, Math.min(rows, Math.floor(CHUNK_BYTES / Math.max(rowBytes, 1))));
}
