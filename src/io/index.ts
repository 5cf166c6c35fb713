/**
 * io/: the versioned model file format, as pure functions over bytes (browser-safe).
 * File system functions (saveModel, loadModel, checkpoint directories) are in ./node.ts.
 */
export { modelToBytes, modelFromBytes, checkpointToBytes, checkpointFromBytes, type FromBytesOptions, type DecodedCheckpoint } from './model-bytes.js';
export { ModelFileError } from './errors.js';
export { FORMAT_VERSION, LIMITS as MODEL_FILE_LIMITS, MAGIC as MODEL_FILE_MAGIC } from './container.js';
export { crc32 } from './crc32.js';
export type { TopologyJSON } from './topology.js';
