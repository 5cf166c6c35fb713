import { fileURLToPath } from 'node:url';
import { createGunzip } from 'node:zlib';
import { concat } from '../io/concat-bytes.js';
import { readFileBounded, type ReadFailure } from '../io/read-bounded.js';
import { dataError, fileSource } from './errors.js';
import { isGzip } from './gzip.js';

/** Files (and decompressed data) larger than this are refused before they are read or inflated that far. */
export const MAX_DECOMPRESSED_BYTES = 2 ** 31 + 1024;

/**
 * Reads a whole file, gunzipping it when it opens with the gzip magic bytes 1f 8b (whatever its name says).
 * Errors name the file. `declaredLength(head)` gives the length the content's own header declares once enough
 * of it is decompressed (undefined until then): inflating stops one byte past it, so a small gzip stream cannot
 * expand beyond what its header claims (the parser then reports the mismatch).
 */
export async function readMaybeGzipped(
  path: string | URL,
  op: string,
  maxBytes = MAX_DECOMPRESSED_BYTES,
  declaredLength?: (head: Uint8Array) => number | undefined,
): Promise<Uint8Array> {
  const filePath = path instanceof URL ? fileURLToPath(path) : path;
  const source = fileSource(filePath);
  // A stream (pipe, device) that is not gzip stops being read past what its header declares.
  const enough = (head: Uint8Array, total: number) => !isGzip(head) && declaredLength !== undefined && total > (declaredLength(head) ?? Infinity);
  const raw = await readFileBounded(filePath, maxBytes, (expected, actual) => dataError(op, source, expected, actual), enough);
  if (!isGzip(raw)) return raw;
  return gunzipBounded(raw, maxBytes, declaredLength, (actual) =>
    dataError(op, source, `valid gzip data of at most ${maxBytes} bytes once decompressed`, actual),
  );
}

async function gunzipBounded(
  raw: Uint8Array,
  maxBytes: number,
  declaredLength: ((head: Uint8Array) => number | undefined) | undefined,
  fail: (actual: string) => Error,
): Promise<Uint8Array> {
  const gunzip = createGunzip();
  gunzip.end(raw);
  const chunks: Uint8Array[] = [];
  let total = 0;
  let limit: number | undefined;
  try {
    for await (const chunk of gunzip as AsyncIterable<Uint8Array>) {
      chunks.push(chunk);
      total += chunk.length;
      if (total > maxBytes) throw fail(`more than ${maxBytes} bytes`);
      limit ??= declaredLength?.(concat(chunks, total));
      if (limit !== undefined && total > limit) break;
    }
  } catch (e) {
    if (e instanceof RangeError && e.message.includes('must be valid gzip')) throw e;
    throw fail((e as Error).message);
  } finally {
    gunzip.destroy();
  }
  const out = concat(chunks, total);
  return limit !== undefined && total > limit + 1 ? out.subarray(0, limit + 1) : out;
}

/**
 * The UTF-8 text of a file read within `maxBytes` (a byte-order mark dropped by the decoder) and its size in bytes.
 * `fail(expected, actual)` builds the error for a file too big or unreadable, and for bytes that are not UTF-8.
 */
export async function readUtf8File(path: string, maxBytes: number, fail: ReadFailure): Promise<{ text: string; bytes: number }> {
  const raw = await readFileBounded(path, maxBytes, fail);
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(raw), bytes: raw.length };
  } catch {
    throw fail('UTF-8 text', 'bytes that are not valid UTF-8');
  }
}
