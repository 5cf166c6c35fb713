import { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { Tensor } from '../tensor/tensor.js';
import { cast } from '../ops/unary.js';
import type { Variable } from './variable.js';

/** A shape with an unknown (null) batch dimension first, as layers see their inputs symbolically. */
export type SymbolicShape = ReadonlyArray<number | null>;
import type { FloatDType } from '../tensor/dtype.js';
export type { FloatDType };
/** What a model input may hold: floats, or int32 token ids (which only an embedding layer takes). */
export type InputDType = FloatDType | 'int32';

let nextSymbolicId = 0;

/**
 * A placeholder for a tensor in a model being described: its shape (batch dimension null), dtype and the
 * node that will produce it. `input()` makes the first ones; `layer.apply(symbolic)` makes the rest.
 */
export class SymbolicTensor {
  readonly id = nextSymbolicId++;
  constructor(
    readonly shape: SymbolicShape,
    readonly dtype: InputDType,
    readonly node: LayerNode,
    /** True when the tensor carries a mask (Keras's `_keras_mask`): an embedding with maskZero, or a layer passing one on. */
    readonly hasMask = false,
  ) {}

  toString(): string {
    return `SymbolicTensor [${this.shape.map((d) => (d === null ? 'null' : d)).join(', ')}] from layer '${this.node.layer.name}'`;
  }
}

/** One application of a layer to symbolic inputs; a layer applied twice (shared weights) has two nodes. */
export class LayerNode {
  readonly output: SymbolicTensor;
  constructor(
    readonly layer: Layer,
    readonly inputs: readonly SymbolicTensor[],
    shape: SymbolicShape,
    dtype: InputDType,
    hasMask = false,
  ) {
    this.output = new SymbolicTensor(shape, dtype, this, hasMask);
  }
}

/**
 * How a forward pass runs: in training (`fit`'s steps) or in inference (`evaluate`, `predict`, explain), as
 * Keras's `training` argument. Dropout draws its masks from `rng` (the model's generator, so a seeded run
 * repeats and a checkpoint resumes it); batch normalization uses the batch's statistics and updates its moving
 * ones only in training.
 */
export interface CallContext {
  readonly training: boolean;
  readonly rng: Random | null;
  /**
   * The caller reads the layer's `preActivation` (the network's output layer: its logits). Without it, a layer may
   * fuse its activation into the affine map and leave the values before it out (a biased relu: biasRelu).
   */
  readonly preActivation?: boolean;
}

/** The context of every call outside training. */
export const INFERENCE: CallContext = Object.freeze({ training: false, rng: null });

/**
 * A mask as Keras's: a tensor of the shape of the values it goes with minus their last (feature) axis, 1 at a
 * step that counts and 0 at padding, in the values' float dtype ([batch, steps] for [batch, steps, features]).
 * Masks are constants: no gradient flows through them.
 */
export type Mask = Tensor;

/** What a layer's forward pass returns: its output and, for layers ending in an activation, the values before it. */
export interface LayerOutput {
  output: Tensor;
  /** The input of the final activation (the logits of a softmax/sigmoid layer), when the layer has one. */
  preActivation?: Tensor;
  /**
   * The output's mask, from a layer that makes one (an embedding with maskZero). A layer that passes its input's
   * mask on (`supportsMasking`, output mask per `outputHasMask`) may leave it out: the network forwards the input's.
   */
  mask?: Mask;
}

/**
 * The checks a model file's config goes through (io/validate.ts's Checker has them): each takes the value's path
 * in the document for the message and returns the value narrowed.
 */
export interface ConfigReader {
  object(path: string, v: unknown, allowed?: readonly string[], required?: readonly string[]): Record<string, unknown>;
  array(path: string, v: unknown, maxLength: number): unknown[];
  oneOf<T extends string>(path: string, v: unknown, values: readonly T[]): T;
  int(path: string, v: unknown, min: number, max: number): number;
  number(path: string, v: unknown): number;
  boolean(path: string, v: unknown): boolean;
  expect(path: string, expected: string, got: unknown): never;
}

/**
 * One layer class of the registry (src/layers/registry.ts), defined in the layer's own file: its class name in
 * model files, its factory name (`layers.dense`), its class, its constructor (which validates the config,
 * unknown keys rejected) and the check of a saved config (`getConfig()` is what files store).
 */
export interface LayerDefinition<F extends string | null = string | null, C = never, L extends Layer = Layer> {
  readonly name: string;
  readonly factory: F;
  readonly type: abstract new (...args: never[]) => L;
  /** The constructor call (`layers.<factory>`); the config may be left out when every key is optional. */
  create(...config: undefined extends C ? [config?: C] : [config: C]): L;
  /** Checks a config read from a file field by field, before the constructor sees it. */
  readConfig(check: ConfigReader, path: string, v: unknown): Record<string, unknown>;
}

/** Checks the optional dtype every layer config may carry. */
export function readDType(check: ConfigReader, path: string, o: Record<string, unknown>): void {
  if (o.dtype !== undefined) check.oneOf(`${path}.dtype`, o.dtype, ['float32', 'float64'] as const);
}

/** JSON-safe layer settings, saved in model files. */
export type LayerConfig = Record<string, unknown>;

/**
 * A module that may own parameters and hands the math to functional ops (PyTorch's nn.Module, Keras's Layer).
 * `call` is a pure function of its inputs and weight values, so training can differentiate through it.
 */
export abstract class Layer {
  /** The class name saved in model files, e.g. 'Dense'. */
  abstract readonly className: string;
  /** The default prefix for generated names, e.g. 'dense' → 'dense_1'. */
  protected abstract readonly namePrefix: string;
  private assignedName: string | null;
  protected variables: Variable[] = [];
  private isBuilt = false;
  private isTrainable = true;
  /** An explicit parameter dtype from the config; otherwise the layer takes its input's dtype. */
  readonly dtype?: FloatDType;

  constructor(name: string | undefined, dtype: FloatDType | undefined, op: string) {
    if (name !== undefined && (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,128}$/.test(name))) {
      throw argError(op, 'name', 'a name of 1 to 128 letters, digits, _ . or -', name);
    }
    if (dtype !== undefined && dtype !== 'float32' && dtype !== 'float64') throw argTypeError(op, 'dtype', "'float32' or 'float64'", dtype);
    this.assignedName = name ?? null;
    if (dtype !== undefined) this.dtype = dtype;
  }

  /** The layer's name: given in its config, or assigned by the first model that contains it ('dense_1', ...). */
  get name(): string {
    return this.assignedName ?? this.namePrefix;
  }

  get hasName(): boolean {
    return this.assignedName !== null;
  }

  /** @internal Used by models to give unnamed layers unique, deterministic names. */
  assignName(name: string): void {
    if (this.assignedName === null) this.assignedName = name;
  }

  get built(): boolean {
    return this.isBuilt;
  }

  /**
   * Keras's `layer.trainable`: false freezes the layer, so `fit` leaves its weights as they are (fine-tuning a
   * new head on a frozen network), and a frozen BatchNormalization runs in inference mode in `fit` too, as in
   * Keras. A training-time setting: model files do not store it.
   */
  get trainable(): boolean {
    return this.isTrainable;
  }

  set trainable(value: boolean) {
    if (typeof value !== 'boolean') throw argTypeError(`Layer '${this.name}'.trainable`, 'value', 'a boolean', value);
    this.isTrainable = value;
  }

  /** The layer's parameters (empty until built). */
  get weights(): readonly Variable[] {
    return this.variables;
  }

  /** Number of scalar parameters. */
  countParams(): number {
    return this.variables.reduce((n, v) => n + v.size, 0);
  }

  /**
   * Creates the parameters for inputs of the given shapes (batch dimension included, may be null),
   * drawing initial values from `rng`. Called once; later calls do nothing.
   */
  build(inputShapes: readonly SymbolicShape[], dtype: FloatDType, rng: Random): void {
    if (this.isBuilt) return;
    this.variables = this.createWeights(inputShapes, this.dtype ?? dtype, rng);
    this.isBuilt = true;
  }

  protected createWeights(_inputShapes: readonly SymbolicShape[], _dtype: FloatDType, _rng: Random): Variable[] {
    return [];
  }

  /**
   * The weights `build` creates for inputs of these shapes (name after the layer's 'name/', shape), computed
   * without allocating anything: a model file's sizes are checked against them before a layer is built.
   */
  weightShapes(_inputShapes: readonly SymbolicShape[]): Array<{ name: string; shape: number[] }> {
    return [];
  }

  /** True for a layer that takes integer ids (int32 inputs): an embedding. Every other layer takes floats. */
  get takesIds(): boolean {
    return false;
  }

  /** The dtype of the output (and of the weights, without an explicit `dtype`) for inputs of `dtype`. */
  outputDType(dtype: InputDType): FloatDType {
    return dtype === 'int32' ? (this.dtype ?? 'float32') : dtype;
  }

  /**
   * Keras's `supports_masking`: the layer accepts inputs that carry a mask (see `outputHasMask` for whether its
   * output carries one). False by default: a masked input reaching the layer is an error when the model is built.
   */
  get supportsMasking(): boolean {
    return false;
  }

  /**
   * Whether the output carries a mask, given which inputs do (Keras's `compute_mask`, symbolically). The default
   * passes the first input's on when the layer supports masks; a layer that makes a mask (an embedding with
   * maskZero) or consumes it (global average pooling) overrides it.
   */
  outputHasMask(inputMasks: readonly boolean[]): boolean {
    return this.supportsMasking && inputMasks[0] === true;
  }

  /** How many inputs the layer takes: a number, or [min, max]. */
  protected arity(): [number, number] {
    return [1, 1];
  }

  /** The output shape for the given input shapes; throws when the inputs do not fit the layer. */
  abstract computeOutputShape(inputShapes: readonly SymbolicShape[]): SymbolicShape;

  /**
   * The forward pass: a function of the inputs and the weight values (in `weights` order), and in training of the
   * context's generator (dropout); the layers that keep statistics (batch normalization) update them in training.
   * `masks` (one entry per input, undefined for an input without one) is given when an input carries a mask, to
   * a layer that supports masks; a layer that ignores masks leaves the parameter out.
   */
  abstract call(inputs: readonly Tensor[], weights: readonly Tensor[], context?: CallContext, masks?: readonly (Mask | undefined)[]): LayerOutput;

  /**
   * @internal This layer applied to the output of `previous` (its only consumer, without masks), computed with
   * previous's own call in one: previous's inputs and weights in, this layer's output out; null (the default) when
   * the two do not fuse. The result must be the bits of the two calls, forward and backward.
   */
  callThrough(_previous: Layer, _inputs: readonly Tensor[], _weights: readonly Tensor[], _context?: CallContext): Tensor | null {
    return null;
  }

  /** Checks weight values loaded from a file beyond shape and finiteness; returns what is wrong, or null. */
  checkWeights(_values: readonly Tensor[]): string | null {
    return null;
  }

  /** The activation the layer ends with ('linear' for none). */
  get activation(): string {
    return 'linear';
  }

  /** JSON config from which `layerFromConfig` rebuilds the layer (without weights). */
  abstract getConfig(): LayerConfig;

  /**
   * Symbolic inputs → a symbolic output (describing a model); Tensors → a Tensor (runs now; an unbuilt layer
   * is built first, with weights drawn from a generator seeded 0 — build it inside a model to choose the seed).
   */
  apply(inputs: SymbolicTensor | readonly SymbolicTensor[]): SymbolicTensor;
  apply(inputs: Tensor | readonly Tensor[]): Tensor;
  apply(inputs: SymbolicTensor | Tensor | readonly (SymbolicTensor | Tensor)[]): SymbolicTensor | Tensor {
    const op = `${this.className} '${this.name}'.apply`;
    const list = Array.isArray(inputs) ? (inputs as readonly unknown[]) : [inputs];
    const [lo, hi] = this.arity();
    if (list.length < lo || list.length > hi) {
      throw argError(op, 'inputs', lo === hi ? `${lo} input${lo === 1 ? '' : 's'}` : `${lo} to ${hi} inputs`, `${list.length} inputs`);
    }
    if (list.every((x) => x instanceof SymbolicTensor)) {
      const syms = list as SymbolicTensor[];
      const dtype = syms[0].dtype;
      if (syms.some((s) => s.dtype !== dtype)) throw argTypeError(op, 'inputs', 'inputs of one dtype', syms.map((s) => s.dtype).join(', '));
      if (dtype === 'int32' && !this.takesIds) {
        throw argTypeError(op, 'inputs', 'float inputs (int32 token ids go through an embedding layer first)', 'int32 inputs');
      }
      // A layer that takes ids may output another float dtype than its ids' (an embedding's own dtype).
      if (this.dtype !== undefined && this.dtype !== dtype && !this.takesIds) {
        throw argTypeError(op, 'inputs', `${this.dtype} inputs (the layer's dtype)`, `${dtype} inputs`);
      }
      const shape = this.computeOutputShape(syms.map((s) => s.shape));
      // A masked input reaching a layer without mask support is refused when the model is built (names known then).
      const hasMask = this.outputHasMask(syms.map((s) => s.hasMask));
      return new LayerNode(this, syms, shape, this.takesIds ? this.outputDType(dtype) : dtype, hasMask).output;
    }
    if (list.every((x) => x instanceof Tensor)) {
      let tensors = list as Tensor[];
      const given = tensors[0].dtype;
      const dtype: FloatDType = this.takesIds ? this.outputDType(given) : (this.dtype ?? (given === 'float64' ? 'float64' : 'float32'));
      // Ids stay as they came (the layer checks them); float inputs are cast to the layer's dtype.
      if (!this.takesIds) tensors = tensors.map((t) => (t.dtype === dtype ? t : cast(t, dtype)));
      const shapes = tensors.map((t) => t.shape.map((d, i) => (i === 0 ? null : d)));
      this.computeOutputShape(shapes);
      if (!this.isBuilt) this.build(shapes, dtype, new Random(0));
      return this.call(
        tensors,
        this.variables.map((v) => v.value),
      ).output;
    }
    throw argTypeError(op, 'inputs', 'SymbolicTensors (from input()) or Tensors, not a mix', list);
  }
}

/** Formats a symbolic shape like Keras: [null, 128]. */
export function formatShape(shape: SymbolicShape): string {
  return `[${shape.map((d) => (d === null ? 'null' : String(d))).join(', ')}]`;
}
