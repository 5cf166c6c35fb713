/**
 * What the drawing panel asks of a model: 784 pixels in [0, 1] → 10 logits. Both sources are logitkit model
 * files read with modelFromBytes: the network trained in this page (the worker sends modelToBytes after each
 * evaluation) and a file chosen with the file input.
 */
import { Tensor, explainableModel, modelFromBytes, reshape, type ExplainableModel, type Model } from '../../src/index.js';
import { MNIST_SIDE } from './mnist-preprocess.js';

export interface DigitClassifier {
  /** Shown next to the prediction, e.g. "trained in this page (step 300)". */
  readonly description: string;
  readonly model: Model;
  /** The logits [10] (in the model's dtype) for one image (row-major 28×28 pixels in [0, 1]). */
  logits(pixels: Float32Array): Tensor;
  /** What explainPrediction needs (the last dense layer and the activations feeding it), when the model ends in a Dense layer. */
  readonly explainable: ExplainableModel | null;
  /** The image as one example of the model's input shape (no batch axis). */
  sample(pixels: Float32Array): Tensor;
}

const PIXELS = MNIST_SIDE * MNIST_SIDE;

/** Wraps a model that takes one 28×28 image (as [784] or [28, 28]) and gives 10 logits. Throws a clear error otherwise. */
export function modelClassifier(model: Model, description: string): DigitClassifier {
  const shape = model.inputShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== PIXELS) {
    throw new RangeError(`the model takes inputs of shape [${shape.join(', ')}], not a 28×28 image (${PIXELS} pixels)`);
  }
  const out = model.outputShape;
  const classes = out[out.length - 1];
  if (classes !== 10) throw new RangeError(`the model has ${String(classes)} outputs, not the 10 digit classes`);
  let explainable: ExplainableModel | null;
  try {
    explainable = explainableModel(model);
  } catch {
    explainable = null;
  }
  return {
    description,
    model,
    explainable,
    sample: (pixels) => new Tensor(pixels, shape),
    logits(pixels) {
      return reshape(model.predictLogits(new Tensor(pixels, [1, ...shape])), [classes]);
    },
  };
}

/** Reads a logitkit model file (modelToBytes / saveModel / a checkpoint) and wraps it for the drawing panel. */
export function classifierFromBytes(bytes: Uint8Array, source: string, description: string): DigitClassifier {
  return modelClassifier(modelFromBytes(bytes, { source }), description);
}
