/**
 * The seeds' network, built with the library's Keras-style API: input(784) → dense(128, relu) → dense(10)
 * (logits), sparse categorical cross-entropy from the logits, Adam, accuracy. The same network as
 * `trainMlpClassifier` / `npm start` (without its normalization layer), with the page's learning rate and seed.
 */
import { Adam, input, layers, model, type Model } from '../../../src/index.js';

export function seedsNetwork(inputs: number, hidden: number, classes: number, learningRate: number, seed: number): Model {
  const x = input({ shape: [inputs] });
  const h = layers.dense({ units: hidden, activation: 'relu' }).apply(x);
  const z = layers.dense({ units: classes }).apply(h);
  const net = model({ inputs: x, outputs: z, name: 'seeds', seed });
  net.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return net;
}
