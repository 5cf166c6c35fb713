import { loadEmbeddedMnist } from '../data/mnist.js';
import { splitTrainTest } from '../data/split.js';
import { trainSeeds, type SeedsTrainingOptions, type SeedsTrainingResult } from './seeds.js';

/**
 * Node: trains 784 → 128 (relu) → 10 on the embedded MNIST digits with the fixed 8,000 / 2,000 split,
 * with Adam; returns the model, the history and the test accuracy. What `npm start` runs.
 */
export async function trainSeedsMnist(options: SeedsTrainingOptions = {}): Promise<SeedsTrainingResult> {
  const { train, test } = splitTrainTest(await loadEmbeddedMnist());
  return trainSeeds({ train, test }, options);
}
