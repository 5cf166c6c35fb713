import { Tensor, type Model } from '../index.js';
import type { Dataset } from '../data/node.js';
import { CliError } from './io.js';

/** Example `index` of a dataset as one model input (no batch axis), with its label; checks the sizes agree. */
export function sampleAt(ds: Dataset, index: number, net: Model): { sample: Tensor; label: number } {
  if (index >= ds.count) throw new CliError(`option --index must be below the ${ds.count} test examples, got ${index}`, 2);
  const d = ds.featureShape.reduce((a, b) => a * b, 1);
  const shape = net.inputShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== d) throw new CliError(`the model takes inputs of shape [${shape.join(', ')}] (${size} features) but the data has ${d} features per example`);
  const values = ds.images.slice(index * d, (index + 1) * d);
  return { sample: new Tensor(net.dtype === 'float64' ? Float64Array.from(values) : values, shape), label: ds.labels[index] };
}

/** The dataset as a batch tensor in the model's input shape and dtype, and its labels. */
export function datasetTensors(ds: Dataset, net: Model): { x: Tensor; y: Tensor } {
  const d = ds.featureShape.reduce((a, b) => a * b, 1);
  const shape = net.inputShape;
  const size = shape.reduce((a, b) => a * b, 1);
  if (size !== d) throw new CliError(`the model takes inputs of shape [${shape.join(', ')}] (${size} features) but the data has ${d} features per example`);
  const values = net.dtype === 'float64' ? Float64Array.from(ds.images) : ds.images;
  return { x: new Tensor(values, [ds.count, ...shape]), y: new Tensor(ds.labels, [ds.count]) };
}
