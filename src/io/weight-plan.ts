import { shapesEqual } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { InputLayer } from '../layers/input.js';
import type { InputDType, Layer, SymbolicShape } from '../layers/layer.js';
import { LIMITS } from './container.js';
import type { TopologyJSON } from './topology.js';
import type { Checker } from './validate.js';

/**
 * Checks, before any layer is built, that every weight the topology implies (walking the nodes' shapes without
 * allocating) is a tensor of the file with that shape and dtype, and that together they fit the parameter budget.
 * Building first would let a tiny file claim a huge layer and cost gigabytes before the mismatch is seen.
 */
export function checkWeightPlan(check: Checker, t: TopologyJSON, byName: ReadonlyMap<string, Layer>, tensors: ReadonlyMap<string, Tensor>): void {
  const path = 'header.model';
  const shapes: SymbolicShape[] = [];
  const dtypes: InputDType[] = [];
  const planned = new Map<Layer, string>();
  let bytes = 0;
  t.nodes.forEach((n, i) => {
    const layer = byName.get(n.layer)!;
    const p = `${path}.nodes[${i}]`;
    if (layer instanceof InputLayer) {
      shapes.push(layer.computeOutputShape());
      dtypes.push(layer.inputDType);
      return;
    }
    if (n.inputs.length === 0) check.fail(`${p}: layer '${layer.name}' is applied to no inputs`);
    const inputShapes = n.inputs.map((j) => shapes[j]);
    try {
      shapes.push(layer.computeOutputShape(inputShapes));
    } catch (e) {
      check.fail(`${p}: ${(e as Error).message}`);
    }
    const given = dtypes[n.inputs[0]];
    if (given === 'int32' && !layer.takesIds) check.fail(`${p}: layer '${layer.name}' (${layer.className}) takes float inputs, not int32 token ids`);
    const dtype = layer.outputDType(given);
    dtypes.push(dtype);
    const weights = layer.weightShapes(inputShapes);
    const key = JSON.stringify(weights);
    const earlier = planned.get(layer);
    if (earlier !== undefined) {
      if (earlier !== key) check.fail(`${p}: layer '${layer.name}' is applied again to inputs that need other weights than its first application`);
      return;
    }
    planned.set(layer, key);
    for (const w of weights) {
      const name = `${layer.name}/${w.name}`;
      const need = `${layer.dtype ?? dtype} [${w.shape.join(', ')}]`;
      const elements = w.shape.reduce((a, b) => a * b, 1);
      if (elements > LIMITS.tensorElements)
        check.fail(`layer '${layer.name}' implies weight '${name}' ${need}, more than ${LIMITS.tensorElements} elements (the limit)`);
      bytes += elements * ((layer.dtype ?? dtype) === 'float64' ? 8 : 4);
      if (bytes > LIMITS.dataBytes) check.fail(`the layers' weights need more than ${LIMITS.dataBytes} bytes (the parameter budget)`);
      const stored = tensors.get(name);
      if (!stored) check.fail(`the architecture needs weight '${name}' ${need}, but the weights data has no tensor '${name}'`);
      if (stored.dtype !== (layer.dtype ?? dtype) || !shapesEqual(stored.shape, w.shape)) {
        check.fail(`tensor '${name}' is ${stored.dtype} [${stored.shape.join(', ')}], the architecture needs ${need}`);
      }
    }
  });
}
