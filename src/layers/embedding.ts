import type { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { allocate } from '../tensor/dtype.js';
import { Tensor } from '../tensor/tensor.js';
import { gather } from '../ops/layout.js';
import { cast } from '../ops/unary.js';
import { INITIALIZERS, initialize, type InitializerName } from './initializers.js';
import { checkFeatureShape, MAX_DIM } from './input.js';
import {
  formatShape,
  Layer,
  readDType,
  type FloatDType,
  type InputDType,
  type LayerConfig,
  type LayerDefinition,
  type LayerOutput,
  type SymbolicShape,
} from './layer.js';
import { Variable } from './variable.js';

/** Keras's default for embeddings ('uniform'): RandomUniform(−0.05, 0.05); or any of the kernel initializers. */
export type EmbeddingInitializerName = 'randomUniform' | InitializerName;
export const EMBEDDING_INITIALIZERS: readonly EmbeddingInitializerName[] = ['randomUniform', ...INITIALIZERS];
const UNIFORM_LIMIT = 0.05;

export interface EmbeddingConfig {
  /** Size of the vocabulary: ids are in [0, inputDim). */
  inputDim: number;
  /** Size of each id's vector. */
  outputDim: number;
  /** Default 'randomUniform': U(−0.05, 0.05), as Keras's Embedding. */
  embeddingsInitializer?: EmbeddingInitializerName;
  name?: string;
  /** For the first layer of a sequential model: one example's shape of ids, e.g. [8] for 8 previous tokens. */
  inputShape?: readonly number[];
  /** The dtype of the vectors (and of the model's computation downstream); default float32 for int32 ids. */
  dtype?: FloatDType;
  /**
   * Keras's mask_zero: id 0 is padding, and the output carries a mask (id ≠ 0) that Dense, Dropout and Activation
   * pass on and GlobalAveragePooling1D honours. Id 0 keeps its row in the table (inputDim counts it, as in Keras).
   */
  maskZero?: boolean;
}

/**
 * Keras's Embedding: integer ids [batch, ...] → their rows of the `embeddings` table
 * [inputDim, outputDim], giving [batch, ..., outputDim]. The lookup is the `gather` op, whose gradient is a
 * scatter-add into the rows that were read (never a one-hot matrix product). Ids come as int32 (an input of
 * dtype 'int32') or as floats holding integers, as Keras casts them; an id outside [0, inputDim) is an error
 * (Keras on CPU raises too; on GPU it silently returns zeros). With `maskZero` the output carries the mask
 * ids ≠ 0 (shape of the ids, the vectors' dtype).
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  protected readonly namePrefix = 'embedding';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly embeddingsInitializer: EmbeddingInitializerName;
  readonly inputShape?: readonly number[];
  readonly maskZero: boolean;

  constructor(config: EmbeddingConfig) {
    const op = 'layers.embedding';
    if (config === null || typeof config !== 'object') throw argTypeError(op, 'config', 'an object {inputDim, outputDim, embeddingsInitializer?}', config);
    checkOptions(op, config, ['inputDim', 'outputDim', 'embeddingsInitializer', 'maskZero', 'name', 'inputShape', 'dtype'], 'config');
    super(config.name, config.dtype, op);
    for (const key of ['inputDim', 'outputDim'] as const) {
      const v = config[key];
      if (!Number.isInteger(v) || v < 1 || v > MAX_DIM) throw argError(op, key, 'a positive integer', v);
    }
    this.inputDim = config.inputDim;
    this.outputDim = config.outputDim;
    const init = config.embeddingsInitializer ?? 'randomUniform';
    if (!EMBEDDING_INITIALIZERS.includes(init)) {
      throw argError(op, 'embeddingsInitializer', `one of ${EMBEDDING_INITIALIZERS.map((a) => `'${a}'`).join(', ')}`, init);
    }
    this.embeddingsInitializer = init;
    if (config.maskZero !== undefined && typeof config.maskZero !== 'boolean') throw argTypeError(op, 'maskZero', 'a boolean', config.maskZero);
    this.maskZero = config.maskZero ?? false;
    if (config.inputShape !== undefined) this.inputShape = Object.freeze(checkFeatureShape(op, 'inputShape', config.inputShape));
  }

  override get takesIds(): boolean {
    return true;
  }

  /** With maskZero the output carries a mask; an embedding takes ids, never a masked input. */
  override outputHasMask(): boolean {
    return this.maskZero;
  }

  /** The layer's dtype when set; otherwise float32 for int32 ids and the ids' own float dtype for float ones. */
  override outputDType(dtype: InputDType): FloatDType {
    return this.dtype ?? (dtype === 'int32' ? 'float32' : dtype);
  }

  /** The table [inputDim, outputDim] (after build). */
  get embeddings(): Variable {
    if (!this.built) throw new Error(`Embedding '${this.name}': the layer has no weights yet (build it in a model, or apply it to a tensor)`);
    return this.weights[0];
  }

  computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape {
    const shape = inputShapes[0];
    if (shape.length < 1 || shape.length > 7) throw argError(`Embedding '${this.name}'`, 'input', 'ids of rank 1 to 7 ([batch, ...])', formatShape(shape));
    return [...shape, this.outputDim];
  }

  override weightShapes(): Array<{ name: string; shape: number[] }> {
    return [{ name: 'embeddings', shape: [this.inputDim, this.outputDim] }];
  }

  protected override createWeights(_inputShapes: readonly SymbolicShape[], dtype: FloatDType, rng: Random): Variable[] {
    const shape = [this.inputDim, this.outputDim];
    let value: Tensor;
    if (this.embeddingsInitializer === 'randomUniform') {
      const values = allocate(dtype, this.inputDim * this.outputDim);
      for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-UNIFORM_LIMIT, UNIFORM_LIMIT);
      value = new Tensor(values, shape);
    } else {
      value = initialize(this.embeddingsInitializer, shape, dtype, rng, this.inputDim, this.outputDim);
    }
    return [new Variable(() => `${this.name}/embeddings`, value)];
  }

  call(inputs: readonly Tensor[], weights: readonly Tensor[]): LayerOutput {
    const output = gather(weights[0], this.ids(inputs[0]), 0);
    return this.maskZero ? { output, mask: nonZero(inputs[0], output.dtype as FloatDType) } : { output };
  }

  /** The ids as int32, each checked in [0, inputDim) with the layer's name in the message (not gather's). */
  private ids(x: Tensor): Tensor {
    const op = `Embedding '${this.name}'`;
    const v = x.values;
    for (let i = 0; i < v.length; i++) {
      const id = v[i];
      if (!(Number.isInteger(id) && id >= 0 && id < this.inputDim)) {
        const what = Number.isInteger(id) ? String(id) : `the non-integer ${id}`;
        throw argError(op, 'inputs', `token ids: integers in [0, ${this.inputDim - 1}] (inputDim ${this.inputDim})`, `${what} at flat index ${i}`);
      }
    }
    return x.dtype === 'int32' ? x : cast(x, 'int32');
  }

  getConfig(): LayerConfig {
    return {
      inputDim: this.inputDim,
      outputDim: this.outputDim,
      embeddingsInitializer: this.embeddingsInitializer,
      // Saved only when set, so files of models without it stay as they were (and readable by older versions).
      ...(this.maskZero ? { maskZero: true } : {}),
      ...(this.dtype !== undefined ? { dtype: this.dtype } : {}),
    };
  }
}

export const embeddingLayer: LayerDefinition<'embedding', EmbeddingConfig, Embedding> = {
  name: 'Embedding',
  factory: 'embedding',
  type: Embedding,
  create: (config) => new Embedding(config),
  readConfig(check, path, v) {
    const o = check.object(path, v, ['inputDim', 'outputDim', 'embeddingsInitializer', 'maskZero', 'dtype'], ['inputDim', 'outputDim']);
    check.int(`${path}.inputDim`, o.inputDim, 1, MAX_DIM);
    check.int(`${path}.outputDim`, o.outputDim, 1, MAX_DIM);
    if (o.embeddingsInitializer !== undefined) check.oneOf(`${path}.embeddingsInitializer`, o.embeddingsInitializer, EMBEDDING_INITIALIZERS);
    if (o.maskZero !== undefined) check.boolean(`${path}.maskZero`, o.maskZero);
    readDType(check, path, o);
    return o;
  },
};

/** The mask of ids (already checked): 1 where the id is not 0, 0 at padding. */
function nonZero(ids: Tensor, dtype: FloatDType): Tensor {
  const v = ids.values;
  const m = allocate(dtype, v.length);
  for (let i = 0; i < v.length; i++) m[i] = v[i] === 0 ? 0 : 1;
  return new Tensor(m, ids.shape);
}
