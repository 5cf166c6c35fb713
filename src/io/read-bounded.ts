import { open, type FileHandle } from 'node:fs/promises';
import { concat } from './concat-bytes.js';

/** How a bounded read failed: what the file must be and what it was, for the caller's error type. */
export type ReadFailure = (expected: string, actual: string) => Error;

const CHUNK = 1 << 16;

/**
 * Yields the bytes of a file in chunks and stops with an error past `maxBytes`, whatever the path is: a regular
 * file (refused up front when its size is over the limit), a pipe or a device such as /dev/zero (read as a
 * stream, never more than the limit), or a directory (refused with a clear error, not a bare EISDIR).
 */
export async function* readFileChunks(path: string, maxBytes: number, fail: ReadFailure): AsyncGenerator<Uint8Array> {
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw err.code === 'EISDIR' ? fail('a file', 'a directory') : fail('a readable file', err.message);
  }
  try {
    const info = await handle.stat();
    if (info.isDirectory()) throw fail('a file', 'a directory');
    if (info.isFile() && info.size > maxBytes) throw fail(`a file of at most ${maxBytes} bytes`, `${info.size} bytes`);
    let total = 0;
    for (;;) {
      const buffer = new Uint8Array(CHUNK);
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buffer, 0, CHUNK, null));
      } catch (e) {
        const err = e as NodeJS.ErrnoException;
        throw err.code === 'EISDIR' ? fail('a file', 'a directory') : fail('a readable file', err.message);
      }
      if (bytesRead === 0) return;
      total += bytesRead;
      if (total > maxBytes) throw fail(`a file of at most ${maxBytes} bytes`, `more than ${maxBytes} bytes (read as a stream)`);
      yield buffer.subarray(0, bytesRead);
    }
  } finally {
    await handle.close();
  }
}

/** How much of a file's start `enough` sees: more than any header it checks (a magic number, an IDX header). */
export const HEAD_BYTES = 4096;

/**
 * Reads a whole file within `maxBytes` (see readFileChunks). `enough(head, total)` may stop early once the bytes
 * read so far are known to be invalid (a wrong magic number) or complete, so a device like /dev/zero is not read to
 * the limit; `head` is the file's first HEAD_BYTES bytes (or all of it, when shorter), `total` the bytes read so
 * far. (Only the head is joined, so a long file costs one copy, not one per chunk.)
 */
export async function readFileBounded(
  path: string,
  maxBytes: number,
  fail: ReadFailure,
  enough?: (head: Uint8Array, total: number) => boolean,
): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of readFileChunks(path, maxBytes, fail)) {
    chunks.push(chunk);
    total += chunk.length;
    if (head.length < HEAD_BYTES) head = concat([head, chunk.subarray(0, HEAD_BYTES - head.length)], Math.min(HEAD_BYTES, head.length + chunk.length));
    if (enough && enough(head, total)) break;
  }
  return chunks.length === 1 ? chunks[0] : concat(chunks, total);
}
