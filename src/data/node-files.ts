import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gunzip } from 'node:zlib';
import { dataError, fileSource } from './errors.js';
import { isGzip } from './gzip.js';

const gunzipAsync = promisify(gunzip);

/** Decompressed files larger than this are refused before zlib grows its output that far (zip bombs). */
export const MAX_DECOMPRESSED_BYTES = 2 ** 31 + 1024;

/**
 * Reads a whole file, gunzipping it when it opens with the gzip magic bytes 1f 8b (whatever its name says).
 * Errors name the file.
 */
export async function readMaybeGzipped(path: string | URL, op: string, maxBytes = MAX_DECOMPRESSED_BYTES): Promise<Uint8Array> {
  const source = fileSource(path instanceof URL ? fileURLToPath(path) : path);
  let raw: Uint8Array;
  try {
    raw = await readFile(path);
  } catch (error) {
    throw dataError(op, source, 'a readable file', (error as Error).message);
  }
  if (!isGzip(raw)) return raw;
  try {
    return await gunzipAsync(raw, { maxOutputLength: maxBytes });
  } catch (error) {
    throw dataError(op, source, `valid gzip data of at most ${maxBytes} bytes once decompressed`, (error as Error).message);
  }
}
