/**
 * The data layer, browser-safe part: pure decoders over Uint8Array / strings and dataset helpers.
 * Node loaders (files, zlib, the embedded asset from disk) are in ./node.ts, which re-exports all of this; the
 * embedded digits' URL and fetchEmbeddedMnist are in ./embedded-asset.ts (entry points logitkit/mnist and logitkit/node).
 */
export { featureSize, subsetDataset, toTensors, type Dataset } from './dataset.js';
export { isGzip, gunzipWeb } from './gzip.js';
export { parseIdx, parseIdxPrefix, encodeIdx, MAX_IDX_ELEMENTS, type IdxArray, type IdxData, type IdxDType, type ParseIdxOptions } from './idx.js';
export { idxToDataset, FASHION_MNIST_CLASS_NAMES, type IdxDatasetOptions } from './idx-dataset.js';
export { decodeEmbeddedMnist, EMBEDDED_MNIST_COUNT, EMBEDDED_MNIST_FILE } from './embedded.js';
export { splitTrainTest, stratifiedSplit, DEFAULT_SPLIT_SEED, type SplitOptions, type StratifiedSplitOptions, type TrainTestSplit } from './split.js';
export { CsvDatasetBuilder, parseCsvDataset, CSV_LIMITS, type CsvOptions } from './csv.js';
export { parseTextTable, TEXT_LIMITS, type TextDataset, type TextTableFormat, type TextTableOptions } from './text-table.js';
