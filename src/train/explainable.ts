import { Dense } from '../layers/dense.js';
import type { ExplainableModel } from '../explain/prediction.js';
import type { Model } from './model.js';
import { model as makeModel } from './sequential.js';

/**
 * What explainPrediction needs from a trained model: its last Dense layer's kernel and bias, and the activations
 * h feeding that layer (a model over the same graph that stops at the layer's input, Keras-style), so that
 * z = h·kernel + bias. Null when the model does not end in a Dense layer with one input.
 */
export function explainableModel(net: Model): ExplainableModel | null {
  const last = net.outputLayer;
  if (!(last instanceof Dense) || net.inputs.length !== 1 || net.outputs.length !== 1) return null;
  const feeding = net.outputs[0].node.inputs;
  if (feeding.length !== 1) return null;
  const hidden = makeModel({ inputs: net.inputs[0], outputs: feeding[0], name: `${last.name}-input` });
  return {
    lastDense: { kernel: last.kernel.value, bias: last.bias?.value ?? null },
    hidden: (x) => hidden.predict(x),
    logits: (x) => net.predictLogits(x),
  };
}
