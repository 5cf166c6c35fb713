/** `lm` in Node: the universal part plus reading corpus files. */
export * from './index.js';
export { readCorpus, CORPUS_LIMITS, type Corpus } from './corpus-node.js';
