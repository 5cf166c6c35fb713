import { cast, reshape, type Model, type Tensor } from '../index.js';
import { featureSize, toTensors, type Dataset } from '../data/node.js';
import { CliError } from './io.js';

/** The model's input shape, after checking it holds as many features as the data's examples. */
function inputShapeFor(ds: Dataset, net: Model): number[] {
  const d = featureSize(ds);
  const shape = net.inputShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== d) throw new CliError(`the model takes inputs of shape [${shape.join(', ')}] (${size} features) but the data has ${d} features per example`);
  return shape;
}

/**
 * Examples of a dataset (all, or the given indices) as a batch in the model's input shape and dtype, with labels
 * (without a model: flat float32 features).
 */
export function datasetTensors(ds: Dataset, net: Model | null, indices?: ArrayLike<number>): { x: Tensor; y: Tensor } {
  const { x, y } = toTensors(ds, indices);
  if (net === null) return { x, y };
  const shape = inputShapeFor(ds, net);
  return { x: cast(reshape(x, [x.shape[0], ...shape]), net.dtype), y };
}

/** Example `index` of a dataset as one model input (no batch axis), with its label. */
export function sampleAt(ds: Dataset, index: number, net: Model): { sample: Tensor; label: number } {
  if (index >= ds.count) throw new CliError(`option --index must be below the ${ds.count} test examples, got ${index}`, 2);
  const { x } = datasetTensors(ds, net, [index]);
  return { sample: reshape(x, x.shape.slice(1)), label: ds.labels[index] };
}
