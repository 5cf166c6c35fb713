import { fileURLToPath } from 'node:url';
import { checkOptions } from '../tensor/options.js';
import type { Dataset } from './dataset.js';
import { EMBEDDED_MNIST_URL } from './embedded-asset.js';
import { decodeEmbeddedMnist, EMBEDDED_MNIST_OPTIONS, type EmbeddedMnistOptions } from './embedded.js';
import { dataTypeError, fileSource } from './errors.js';
import { checkExampleShape } from './idx-dataset.js';
import { readMaybeGzipped } from './node-files.js';

/**
 * Loads the 10,000 MNIST digits shipped in assets/ (Node). Works from src/ under vitest and from dist/,
 * since both sit two levels below the package root. In the browser use fetchEmbeddedMnist instead.
 * `loadEmbeddedMnist({shape: 'image'})` (or `(url, {shape: 'image'})`) gives featureShape [28, 28, 1] for conv2d.
 */
export async function loadEmbeddedMnist(options?: EmbeddedMnistOptions): Promise<Dataset>;
export async function loadEmbeddedMnist(url?: URL, options?: EmbeddedMnistOptions): Promise<Dataset>;
export async function loadEmbeddedMnist(urlOrOptions?: URL | EmbeddedMnistOptions, maybeOptions?: EmbeddedMnistOptions): Promise<Dataset> {
  const op = 'loadEmbeddedMnist';
  const firstIsOptions = typeof urlOrOptions === 'object' && urlOrOptions !== null && !(urlOrOptions instanceof URL);
  if (firstIsOptions && maybeOptions !== undefined) {
    throw dataTypeError(op, "argument 'url'", 'a URL (options come second)', urlOrOptions);
  }
  const url = firstIsOptions ? EMBEDDED_MNIST_URL : ((urlOrOptions as URL | undefined) ?? EMBEDDED_MNIST_URL);
  const options = checkOptions(op, firstIsOptions ? (urlOrOptions as EmbeddedMnistOptions) : maybeOptions, EMBEDDED_MNIST_OPTIONS);
  checkExampleShape(op, options.shape);
  const bytes = await readMaybeGzipped(url, op);
  return decodeEmbeddedMnist(bytes, fileSource(fileURLToPath(url)), options);
}
