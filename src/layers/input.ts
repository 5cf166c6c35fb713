import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Tensor } from '../tensor/tensor.js';
import { cast } from '../ops/unary.js';
import { TextVectorization, type TextVectorizationJSON } from '../text/text-vectorization.js';
import {
  Layer,
  LayerNode,
  type InputDType,
  type LayerConfig,
  type LayerDefinition,
  type ConfigReader,
  type LayerOutput,
  type SymbolicShape,
  type SymbolicTensor,
} from './layer.js';

export const MAX_RANK = 8;
export const MAX_DIM = 2 ** 31 - 1;

export function checkFeatureShape(op: string, arg: string, shape: unknown): number[] {
  if (!Array.isArray(shape) || shape.length === 0 || shape.length > MAX_RANK || !shape.every((d) => Number.isInteger(d) && d >= 1 && d <= MAX_DIM)) {
    throw argError(op, arg, `an array of 1 to ${MAX_RANK} positive integers (one example's shape, without the batch dimension)`, shape);
  }
  return shape.slice();
}

export interface InputConfig {
  /** One example's shape, without the batch dimension: [784] for flattened MNIST (given by a textVectorization). */
  shape?: readonly number[];
  name?: string;
  /**
   * The dtype of the model's parameters and computation (default float32), or 'int32': the model takes token
   * ids, which go into an embedding layer (whose dtype is then the computation's).
   */
  dtype?: InputDType;
  /**
   * An adapted `layers.textVectorization`: the model takes raw strings, which it turns into this input (its shape
   * and dtype are the vectorizer's output); the vectorizer is saved in the model file.
   */
  textVectorization?: TextVectorization | TextVectorizationJSON;
}

export const INPUT_DTYPES: readonly InputDType[] = ['float32', 'float64', 'int32'];

/**
 * A batch given to a model input of `dtype`: floats are cast; for int32 ids, float values must be integers
 * (a cast would truncate 2.5 to 2 silently) within int32's range.
 */
export function conformInputDType(op: string, arg: string, x: Tensor, dtype: InputDType): Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === 'int32') {
    const v = x.values;
    for (let i = 0; i < v.length; i++) {
      if (!Number.isInteger(v[i]) || Math.abs(v[i]) > 2 ** 31 - 1) {
        throw argError(op, arg, 'int32 token ids (or floats holding integers)', `${v[i]} at flat index ${i}`);
      }
    }
  }
  return cast(x, dtype);
}

/** The entry point of a functional model: holds no weights and passes its input through. */
export class InputLayer extends Layer {
  readonly className = 'Input';
  protected readonly namePrefix = 'input';
  readonly featureShape: readonly number[];
  readonly inputDType: InputDType;

  /** The vectorizer that turns raw strings into this input, when the model takes text. */
  readonly textVectorization?: TextVectorization;

  constructor(config: InputConfig) {
    const op = 'input';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {shape, name?, dtype?} or {textVectorization}', config);
    checkOptions(op, config, ['shape', 'name', 'dtype', 'textVectorization'], 'config');
    let { shape, dtype } = config;
    let vectorizer: TextVectorization | undefined;
    if (config.textVectorization !== undefined) {
      const v = config.textVectorization;
      vectorizer = v instanceof TextVectorization ? v : TextVectorization.fromConfig(v);
      if (!vectorizer.isAdapted) throw argError(op, 'textVectorization', 'an adapted vectorizer (call adapt(texts) first)', 'no vocabulary');
      const want = { shape: vectorizer.outputShape, dtype: vectorizer.outputDType };
      // A saved file repeats shape and dtype; they must be the vectorizer's.
      if (shape !== undefined && shape.join() !== want.shape.join())
        throw argError(op, 'shape', `the textVectorization's output shape [${want.shape.join(', ')}]`, shape);
      if (dtype !== undefined && dtype !== want.dtype) throw argError(op, 'dtype', `the textVectorization's output dtype '${want.dtype}'`, dtype);
      ({ shape, dtype } = want);
    }
    if (dtype !== undefined && !INPUT_DTYPES.includes(dtype)) throw argTypeError(op, 'dtype', "'float32', 'float64' or 'int32'", dtype);
    // An int32 input has no parameter dtype of its own: the embedding it feeds has one.
    super(config.name, dtype === 'int32' ? undefined : dtype, op);
    this.featureShape = Object.freeze(checkFeatureShape(op, 'shape', shape));
    this.inputDType = dtype ?? 'float32';
    if (vectorizer) this.textVectorization = vectorizer;
  }

  computeOutputShape(): SymbolicShape {
    return [null, ...this.featureShape];
  }

  call(inputs: readonly Tensor[]): LayerOutput {
    return { output: inputs[0] };
  }

  getConfig(): LayerConfig {
    const config: LayerConfig = { shape: [...this.featureShape], dtype: this.inputDType };
    if (this.textVectorization) config.textVectorization = this.textVectorization.getConfig();
    return config;
  }

  /** @internal The symbolic tensor this input stands for. */
  symbolic(): SymbolicTensor {
    return new LayerNode(this, [], this.computeOutputShape(), this.inputDType).output;
  }
}

/** A model input: `input({shape: [784]})` stands for a batch of 784-feature examples, shape [null, 784]. */
export function input(config: InputConfig): SymbolicTensor {
  return new InputLayer(config).symbolic();
}

/** Input has no `layers.*` factory: `input({shape})` makes the symbolic tensor that starts a model. */
export const inputLayer: LayerDefinition<null, InputConfig, InputLayer> = {
  name: 'Input',
  factory: null,
  type: InputLayer,
  create: (config) => new InputLayer(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['shape', 'dtype', 'textVectorization'], ['shape', 'dtype']);
    check.array(`${path}.shape`, o.shape, MAX_RANK).forEach((d, i) => check.int(`${path}.shape[${i}]`, d, 1, MAX_DIM));
    if (o.dtype !== undefined) check.oneOf(`${path}.dtype`, o.dtype, INPUT_DTYPES);
    if (o.textVectorization !== undefined) readTextVectorization(check, `${path}.textVectorization`, o.textVectorization);
    return o;
  },
};

/**
 * A saved vectorizer's structure, checked before anything is built (its values are checked again by
 * TextVectorization.fromConfig, whose errors the model reader reports with the layer's path).
 */
function readTextVectorization(check: ConfigReader, path: string, v: unknown): void {
  const keys = ['outputMode', 'maxTokens', 'minCount', 'outputSequenceLength', 'ngrams', 'normalization', 'lowercase', 'dtype', 'name', 'vocabulary'];
  const o = check.object(path, v, keys, ['outputMode', 'vocabulary']);
  const p = `${path}.vocabulary`;
  const vocab = check.object(p, o.vocabulary, ['tokens', 'documentCounts', 'documents'], ['tokens', 'documentCounts', 'documents']);
  const tokens = check.array(`${p}.tokens`, vocab.tokens, MAX_DIM);
  const counts = check.array(`${p}.documentCounts`, vocab.documentCounts, MAX_DIM);
  if (counts.length !== tokens.length) check.expect(`${p}.documentCounts`, `${tokens.length} counts, one per token`, `${counts.length} counts`);
  counts.forEach((c, i) => check.int(`${p}.documentCounts[${i}]`, c, 0, Number.MAX_SAFE_INTEGER));
  check.int(`${p}.documents`, vocab.documents, 0, Number.MAX_SAFE_INTEGER);
}
