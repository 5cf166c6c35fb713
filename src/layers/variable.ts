import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * A named, trainable parameter: the one mutable storage in logitkit (as tf.Variable and torch's
 * Parameter). It owns its tensor: the constructor and `assign` copy values in, and optimizers update the
 * storage in place, so a training step allocates no new parameter buffers. `value` is therefore live;
 * take a copy (`model.getWeights()`, `tensor.data()`) to keep a snapshot.
 */
export class Variable {
  private current: Tensor;

  /**
   * @param nameOf the full name, e.g. 'dense_1/kernel' (a function, so a layer named later renames its weights)
   */
  constructor(
    private readonly nameOf: string | (() => string),
    value: Tensor,
    readonly trainable = true,
  ) {
    if (!(value instanceof Tensor)) throw argTypeError('Variable', 'value', 'a Tensor', value);
    if (value.dtype !== 'float32' && value.dtype !== 'float64') {
      throw argTypeError('Variable', 'value', 'a float32 or float64 tensor', value);
    }
    this.current = new Tensor(value.data(), value.shape);
  }

  get name(): string {
    return typeof this.nameOf === 'string' ? this.nameOf : this.nameOf();
  }

  get value(): Tensor {
    return this.current;
  }

  get shape(): readonly number[] {
    return this.current.shape;
  }

  get dtype(): 'float32' | 'float64' {
    return this.current.dtype as 'float32' | 'float64';
  }

  get size(): number {
    return this.current.size;
  }

  /** Copies a tensor of the same shape and dtype into the variable's storage. */
  assign(value: Tensor): void {
    const op = `Variable '${this.name}'.assign`;
    if (!(value instanceof Tensor)) throw argTypeError(op, 'value', 'a Tensor', value);
    if (value.dtype !== this.current.dtype) throw argTypeError(op, 'value', `a ${this.current.dtype} tensor`, value);
    if (!shapesEqual(value.shape, this.current.shape)) {
      throw argError(op, 'value', `a tensor of shape [${this.current.shape.join(', ')}]`, value);
    }
    if (value.values !== this.current.values) this.current.values.set(value.values);
  }
}
