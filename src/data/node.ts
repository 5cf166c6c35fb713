/** The data layer for Node: everything in ./index.ts plus loaders that read files. */
export * from './index.js';
export { loadEmbeddedMnist } from './mnist.js';
export { fetchEmbeddedMnist, EMBEDDED_MNIST_URL } from './embedded-asset.js';
export { loadIdxDataset, type LoadIdxOptions } from './load-idx.js';
export { loadCsvDataset } from './load-csv.js';
export { readMaybeGzipped, MAX_DECOMPRESSED_BYTES } from './node-files.js';
export { loadTextTable, loadTextDirectory, type TextDirectoryOptions } from './load-text.js';
