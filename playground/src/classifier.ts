/**
 * What the drawing panel asks of a model: 784 pixels in [0, 1] → 10 logits. Two sources: the network trained
 * in this page (weights sent by the worker) and a model file loaded with the file input (model-file.ts).
 */
import { Tensor, add, matMul, relu } from '../../src/index.js';
import type { MlpWeights } from './messages.js';

export interface DigitClassifier {
  /** Shown next to the prediction, e.g. "trained in this page (step 300)". */
  readonly description: string;
  /** logits for one image (row-major 28×28 pixels in [0, 1]). */
  logits(pixels: Float32Array): Float32Array;
}

/** A dense stack evaluated with logitkit ops: h = act(h·K + b) per layer. */
export function mlpClassifier(weights: MlpWeights, description: string): DigitClassifier {
  const layers = weights.layers.map((l) => ({
    kernel: new Tensor(l.kernel, [l.inputs, l.units]),
    bias: new Tensor(l.bias, [l.units]),
    activation: l.activation,
  }));
  const inputs = weights.layers[0]?.inputs ?? 0;
  return {
    description,
    logits(pixels) {
      if (pixels.length !== inputs) throw new RangeError(`playground: the model expects ${inputs} inputs, got ${pixels.length}`);
      let h = new Tensor(pixels, [1, inputs]);
      for (const l of layers) {
        h = add(matMul(h, l.kernel), l.bias);
        if (l.activation === 'relu') h = relu(h);
      }
      return Float32Array.from(h.values);
    },
  };
}
