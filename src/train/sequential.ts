import { argError, argTypeError } from '../tensor/errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { checkFeatureShape, input, INPUT_DTYPES, InputLayer } from '../layers/input.js';
import { Layer, type InputDType, type SymbolicTensor } from '../layers/layer.js';
import type { NetworkArgs } from '../layers/network.js';
import { Model } from './model.js';
import { TextVectorization } from '../text/text-vectorization.js';

export interface SequentialOptions {
  /** One example's shape; or give the first layer an `inputShape`; or let the first fit/predict decide. */
  inputShape?: readonly number[];
  name?: string;
  /** Seeds weight initialization and shuffling (see NetworkArgs.seed). */
  seed?: number;
  /** Parameter dtype, default float32; 'int32' for a model that takes token ids (its first layer an embedding). */
  dtype?: InputDType;
}

/**
 * A stack of single-input layers, each feeding the next. The graph (and the weights) are built on first use —
 * summary, fit, predict, weights — from the input shape, so layers can be added until then.
 */
export class Sequential extends Model {
  override readonly className: string = 'Sequential';
  private readonly pending: Layer[] = [];
  private readonly options: SequentialOptions;
  /** A first element `layers.textVectorization(...)`: the model takes raw strings. */
  private vectorizer: TextVectorization | null = null;

  constructor(layers: readonly (Layer | TextVectorization)[] = [], options: SequentialOptions = {}) {
    super();
    const op = 'sequential';
    if (!Array.isArray(layers)) throw argTypeError(op, 'layers', 'an array of layers', layers);
    if (options === null || typeof options !== 'object') throw argTypeError(op, 'options', 'an options object', options);
    if (options.inputShape !== undefined) checkFeatureShape(op, 'inputShape', options.inputShape);
    if (options.dtype !== undefined && !INPUT_DTYPES.includes(options.dtype)) throw argTypeError(op, 'dtype', "'float32', 'float64' or 'int32'", options.dtype);
    this.options = { ...options };
    this.name = options.name ?? 'sequential';
    layers.forEach((l) => this.add(l));
  }

  /** Appends a layer (before the model is first used); a textVectorization may come first only. */
  add(layer: Layer | TextVectorization): this {
    const op = 'sequential.add';
    if (layer instanceof TextVectorization) {
      if (this.pending.length > 0 || this.vectorizer || this.isGraphReady)
        throw argError(op, 'layer', 'a textVectorization as the first element only (it makes the model input)', 'one after other layers');
      if (this.options.inputShape !== undefined || this.options.dtype !== undefined)
        throw argError(op, 'options', 'no inputShape or dtype with a textVectorization (it gives them)', this.options);
      this.vectorizer = layer;
      return this;
    }
    if (!(layer instanceof Layer) || layer instanceof InputLayer) throw argTypeError(op, 'layer', 'a layer such as layers.dense({units})', layer);
    if (this.isGraphReady) throw new Error(`${op}: the model was already built (by summary, fit, predict or weights); add every layer before using it`);
    if (this.pending.includes(layer)) throw argError(op, 'layer', 'a layer not already in the model', layer.name);
    this.pending.push(layer);
    return this;
  }

  private knownInputShape(): readonly number[] | undefined {
    if (this.vectorizer) return this.vectorizer.isAdapted ? this.vectorizer.outputShape : undefined;
    const first = this.pending[0] as (Layer & { inputShape?: readonly number[] }) | undefined;
    return this.options.inputShape ?? first?.inputShape;
  }

  private buildFrom(featureShape: readonly number[]): void {
    const op = 'sequential';
    if (this.pending.length === 0) throw new Error(`${op}: the model has no layers; add some with sequential([layers.dense({units})])`);
    const inp = this.vectorizer
      ? input({ textVectorization: this.vectorizer })
      : input({ shape: featureShape, ...(this.options.dtype ? { dtype: this.options.dtype } : {}) });
    let h: SymbolicTensor = inp;
    for (const layer of this.pending) h = layer.apply(h);
    const args: NetworkArgs = { inputs: inp, outputs: h, name: this.options.name ?? 'sequential' };
    if (this.options.seed !== undefined) args.seed = this.options.seed;
    this.initGraph(args, op);
  }

  override get textVectorization(): TextVectorization | undefined {
    return this.vectorizer ?? super.textVectorization;
  }

  protected override requireGraph(op: string): void {
    if (!this.isGraphReady) {
      const shape = this.knownInputShape();
      if (shape) this.buildFrom(shape);
    }
    super.requireGraph(op);
  }

  protected override tryGraph(): boolean {
    if (!this.isGraphReady && this.knownInputShape()) this.requireGraph('compile');
    return this.isGraphReady;
  }

  protected override ensureGraph(op: string, x: Tensor): void {
    if (this.vectorizer && !this.vectorizer.isAdapted) {
      throw new Error(`${op}: the model's textVectorization has no vocabulary yet: call adapt(texts) on it before using the model`);
    }
    if (!this.isGraphReady && !this.knownInputShape()) {
      if (x.rank < 2) throw argError(op, 'x', 'a batch of examples [n, ...features]', x);
      this.buildFrom(x.shape.slice(1));
    }
    this.requireGraph(op);
  }
}

/** A functional model from symbolic inputs to outputs: `model({inputs: x, outputs: dense2.apply(...)})`. */
export function model(args: NetworkArgs): Model {
  return new Model(args);
}

/** A stack of layers: `sequential([layers.dense({units: 128, activation: 'relu', inputShape: [784]}), layers.dense({units: 10})])`. */
export function sequential(layers: readonly (Layer | TextVectorization)[] = [], options: SequentialOptions = {}): Sequential {
  return new Sequential(layers, options);
}
