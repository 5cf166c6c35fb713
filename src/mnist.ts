/**
 * logitkit/mnist: the 10,000 MNIST digits shipped with logitkit (a 1.6 MB asset), in their own entry point so
 * that a bundle importing `logitkit` alone never carries them. Browser-safe; in Node, `data.loadEmbeddedMnist`
 * from `logitkit/node` reads the same file from disk.
 */
export { EMBEDDED_MNIST_URL, fetchEmbeddedMnist } from './data/embedded-asset.js';
export { decodeEmbeddedMnist, EMBEDDED_MNIST_COUNT, EMBEDDED_MNIST_FILE } from './data/embedded.js';
