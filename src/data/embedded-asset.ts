import type { Dataset } from './dataset.js';
import { decodeEmbeddedMnist } from './embedded.js';
import { dataError } from './errors.js';
import { gunzipWeb, isGzip } from './gzip.js';

/**
 * Where the asset lives, relative to this module: src/data/ and dist/data/ are both two levels below the
 * package root, which holds assets/. Bundlers such as Vite recognise this pattern and ship the file, which is
 * why only the `logitkit/mnist` and `logitkit/node` entries reach this module, never `logitkit` itself.
 */
export const EMBEDDED_MNIST_URL: URL = new URL('../../assets/mnist-10k.idx.gz', import.meta.url);

/**
 * Fetches and decodes the embedded set in the browser (or any runtime with fetch and DecompressionStream).
 * Servers that already sent it with Content-Encoding: gzip hand back plain bytes; both cases work.
 */
export async function fetchEmbeddedMnist(url: string | URL = EMBEDDED_MNIST_URL, fetchFn: typeof fetch = fetch): Promise<Dataset> {
  const response = await fetchFn(url);
  if (!response.ok) throw dataError('fetchEmbeddedMnist', `URL '${url}'`, 'a successful response', `HTTP ${response.status}`);
  const body = new Uint8Array(await response.arrayBuffer());
  return decodeEmbeddedMnist(isGzip(body) ? await gunzipWeb(body) : body, `URL '${url}'`);
}
