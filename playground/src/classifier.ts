/**
 * What the drawing panel asks of a model: 784 pixels in [0, 1] → 10 logits. Both sources are logitkit model
 * files read with modelFromBytes: the network trained in this page (the worker sends modelToBytes after each
 * evaluation) and a file chosen with the file input. The model takes one 28×28 grayscale image: flat [784] (an
 * MLP), [28, 28], or [28, 28, 1] (a CNN, channels last, as `logitkit train --arch cnn` and the page's CNN).
 */
import { Conv2D, Tensor, explainableModel, modelFromBytes, reshape, type ExplainableModel, type Model } from '../../src/index.js';
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
  /** The image as a batch of one, [1, ...input shape]. */
  batch(pixels: Float32Array): Tensor;
  /** The model's first convolution (in the order the layers run), or null for a model without one (an MLP). */
  readonly firstConv: Conv2D | null;
}

const PIXELS = MNIST_SIDE * MNIST_SIDE;
const S = MNIST_SIDE;

/** The input shapes of one 28×28 grayscale image: flat, a matrix, or an image with one channel (channels last). */
const IMAGE_SHAPES: readonly (readonly number[])[] = [[PIXELS], [S, S], [S, S, 1]];

/** Wraps a model that takes one 28×28 image ([784], [28, 28] or [28, 28, 1]) and gives 10 logits. Throws a clear error otherwise. */
export function modelClassifier(model: Model, description: string): DigitClassifier {
  if (model.inputs.length !== 1) throw new RangeError(`the model has ${model.inputs.length} inputs, not one 28×28 image`);
  const shape = model.inputShape;
  if (!IMAGE_SHAPES.some((s) => s.length === shape.length && s.every((d, i) => d === shape[i]))) {
    throw new RangeError(
      `the model takes inputs of shape [${shape.join(', ')}], not one 28×28 grayscale image: the drawing panel feeds [784] (an MLP), [28, 28], or [28, 28, 1] (a CNN, channels last)`,
    );
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
  const firstConv = model.layers.find((l): l is Conv2D => l instanceof Conv2D) ?? null;
  return {
    description,
    model,
    explainable,
    firstConv,
    sample: (pixels) => new Tensor(pixels, shape),
    batch: (pixels) => new Tensor(pixels, [1, ...shape]),
    logits(pixels) {
      return reshape(model.predictLogits(new Tensor(pixels, [1, ...shape])), [classes]);
    },
  };
}

/** Reads a logitkit model file (modelToBytes / saveModel / a checkpoint) and wraps it for the drawing panel. */
export function classifierFromBytes(bytes: Uint8Array, source: string, description: string): DigitClassifier {
  return modelClassifier(modelFromBytes(bytes, { source }), description);
}
