import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { div, mul } from '../ops/arithmetic.js';
import { reshape } from '../ops/layout.js';
import { mean, sum } from '../ops/reduce.js';
import { cast } from '../ops/unary.js';
import { checkFeatureShape } from './input.js';
import {
  formatShape,
  Layer,
  readDType,
  type CallContext,
  type FloatDType,
  type LayerConfig,
  type LayerDefinition,
  type LayerOutput,
  type Mask,
  type SymbolicShape,
} from './layer.js';

export interface GlobalAveragePooling1DConfig {
  name?: string;
  /** For the first layer of a sequential model: one example's shape [steps, features]. */
  inputShape?: readonly number[];
  dtype?: FloatDType;
}

/**
 * Keras's GlobalAveragePooling1D: the mean of each feature over the steps, [batch, steps, features] →
 * [batch, features]. With a mask on its input (an embedding with maskZero), the mean over the unmasked steps only,
 * so padding never changes the output; the layer consumes the mask (its output carries none). A row whose steps are
 * all masked gives zeros, as PyTorch's EmbeddingBag 'mean' (Keras divides by zero there and gives NaN). The math is
 * the ops' mul, sum and div: the gradient reaches the unmasked steps only, each scaled by 1 / (their count).
 */
export class GlobalAveragePooling1D extends Layer {
  readonly className = 'GlobalAveragePooling1D';
  protected readonly namePrefix = 'global_average_pooling1d';
  readonly inputShape?: readonly number[];

  constructor(config: GlobalAveragePooling1DConfig = {}) {
    const op = 'layers.globalAveragePooling1d';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {name?}', config);
    checkOptions(op, config, ['name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  override get supportsMasking(): boolean {
    return true;
  }

  /** The mask is consumed: the steps it describes are gone from the output. */
  override outputHasMask(): boolean {
    return false;
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    if (shape.length !== 3 || shape[2] === null) {
      throw argError(`GlobalAveragePooling1D '${this.name}'`, 'input', 'a batch of sequences [batch, steps, features]', formatShape(shape));
    }
    return [shape[0], shape[2]];
  }

  call(inputs: readonly Tensor[], _weights: readonly Tensor[], _context?: CallContext, masks?: readonly (Mask | undefined)[]): LayerOutput {
    const x = inputs[0];
    const mask = masks?.[0];
    if (!mask) return { output: mean(x, 1) };
    const [batch, steps] = x.shape;
    if (mask.rank !== 2 || mask.shape[0] !== batch || mask.shape[1] !== steps) {
      throw argError(`GlobalAveragePooling1D '${this.name}'`, 'mask', `a mask of shape [${batch}, ${steps}] (the input's without its features)`, mask);
    }
    const w = mask.dtype === x.dtype ? mask : cast(mask, x.dtype);
    const total = sum(mul(x, reshape(w, [batch, steps, 1])), 1);
    return { output: div(total, stepCounts(w)) };
  }

  getConfig(): LayerConfig {
    return this.dtype !== undefined ? { dtype: this.dtype } : {};
  }
}

/** The unmasked steps of each row as a [batch, 1] constant, at least 1 so an all-masked row's zero sum stays zero. */
function stepCounts(mask: Tensor): Tensor {
  const [batch, steps] = mask.shape;
  const v = mask.values;
  const counts = allocate(mask.dtype, batch);
  for (let b = 0; b < batch; b++) {
    let n = 0;
    for (let s = 0; s < steps; s++) if (v[b * steps + s] !== 0) n++;
    counts[b] = Math.max(n, 1);
  }
  return new Tensor(counts, [batch, 1]);
}

export const globalAveragePooling1dLayer: LayerDefinition<'globalAveragePooling1d', GlobalAveragePooling1DConfig | undefined, GlobalAveragePooling1D> = {
  name: 'GlobalAveragePooling1D',
  factory: 'globalAveragePooling1d',
  type: GlobalAveragePooling1D,
  create: (config = {}) => new GlobalAveragePooling1D(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['dtype']);
    readDType(check, path, o);
    return o;
  },
};
