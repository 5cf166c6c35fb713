import { fileURLToPath } from 'node:url';
import type { Dataset } from './dataset.js';
import { EMBEDDED_MNIST_URL } from './embedded-asset.js';
import { decodeEmbeddedMnist } from './embedded.js';
import { fileSource } from './errors.js';
import { readMaybeGzipped } from './node-files.js';

/**
 * Loads the 10,000 MNIST digits shipped in assets/ (Node). Works from src/ under vitest and from dist/,
 * since both sit two levels below the package root. In the browser use fetchEmbeddedMnist instead.
 */
export async function loadEmbeddedMnist(url: URL = EMBEDDED_MNIST_URL): Promise<Dataset> {
  const bytes = await readMaybeGzipped(url, 'loadEmbeddedMnist');
  return decodeEmbeddedMnist(bytes, fileSource(fileURLToPath(url)));
}
