/**
 * logitkit for Node: everything in the universal entry point (`logitkit`) plus the parts that read and
 * write files (`logitkit/node`). The universal entry stays importable in browsers.
 */
export * from './index.js';
export * as data from './data/node.js';
export * as lm from './lm/node.js';
export { saveTfjs } from './io/tfjs/node.js';
export { saveModel, loadModel, loadCheckpoint, writeFileAtomic, directoryCheckpoint, modelFile, CHECKPOINT_FILE } from './io/node.js';
export { trainMnistMlp } from './train/mnist-mlp.js';
