/**
 * The page's small convolutional network, built with the library's Keras-style layers (channels last, NHWC):
 * input [28, 28, 1] → conv2d(8 filters 3×3, relu) → maxPooling2d(2) → conv2d(16 filters 3×3, relu) →
 * maxPooling2d(2) → flatten → dense(10) (logits); sparse categorical cross-entropy from the logits, Adam, accuracy.
 * 5,258 parameters: small enough that a couple of hundred steps train in the worker in well under a minute with the
 * TypeScript reference convolution kernels, to about 94 % test accuracy (docs/playground.md has the measurements).
 */
import { Adam, input, layers, model, type Model } from '../../../src/index.js';

export const CNN_IMAGE_SHAPE = [28, 28, 1] as const;

export function smallCnn(classes: number, learningRate: number, seed: number): Model {
  const x = input({ shape: [...CNN_IMAGE_SHAPE] });
  let h = layers.conv2d({ filters: 8, kernelSize: 3, activation: 'relu' }).apply(x);
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  h = layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }).apply(h);
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  h = layers.flatten().apply(h);
  const z = layers.dense({ units: classes }).apply(h);
  const net = model({ inputs: x, outputs: z, name: 'cnn', seed });
  net.compile({ optimizer: new Adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return net;
}
