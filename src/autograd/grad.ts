import { isFloat } from '../tensor/dtype.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor, onesLike, zerosLike } from '../tensor/tensor.js';
import { addGradients, castTo } from './kernel-math.js';
import { backprop, isTracked, withTape } from './tape.js';

/** A fresh handle on x's storage, so watching it never marks the caller's tensor. */
function alias(x: Tensor): Tensor {
  return new Tensor(x.values, x.shape);
}

function checkSource(op: string, arg: string, x: unknown): Tensor {
  if (!(x instanceof Tensor)) throw argTypeError(op, arg, 'a Tensor', x);
  if (!isFloat(x.dtype)) throw argTypeError(op, arg, 'a float32 or float64 tensor (gradients need real numbers)', x);
  return x;
}

function run(op: string, f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], dy: Tensor | undefined): { value: Tensor; grads: Tensor[] } {
  const nested = () => new Error(`${op}: higher-order gradients are not supported: f depends on a tensor an enclosing gradient call is differentiating`);
  if (xs.some(isTracked)) throw nested();
  const sources = xs.map(alias);
  const { result, tape, usedEnclosing } = withTape(sources, () => f(...sources));
  if (usedEnclosing) throw nested();
  if (!(result instanceof Tensor)) throw argTypeError(op, 'f', 'a function returning a Tensor', result);
  let seed: Tensor;
  if (dy === undefined) {
    seed = onesLike(result);
  } else {
    if (!(dy instanceof Tensor)) throw argTypeError(op, 'dy', 'a Tensor', dy);
    if (!shapesEqual(dy.shape, result.shape)) {
      throw argError(op, 'dy', `a tensor of f's output shape [${result.shape.join(', ')}]`, dy);
    }
    seed = castTo(dy, result.dtype);
  }
  const all = backprop(result, seed, tape, sources, addGradients);
  const grads = sources.map((s, i) => {
    const g = all.get(s);
    // An input that does not reach the output has gradient zero (as in JAX).
    return castTo(g ?? zerosLike(xs[i]), xs[i].dtype);
  });
  // The value is returned detached: it carries no record of this tape.
  const value = result.record ? new Tensor(result.values, result.shape) : result;
  return { value, grads };
}

function checkFunction(op: string, f: unknown): void {
  if (typeof f !== 'function') throw argTypeError(op, 'f', 'a function', f);
}

/** grad(f)(x, dy?) = d f(x) / dx, seeded with dy (default: ones), as tf.grad. */
export function grad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => Tensor {
  checkFunction('grad', f);
  return (x, dy) => run('grad', f, [checkSource('grad', 'x', x)], dy).grads[0];
}

/** grads(f)([x1, x2, ...], dy?) = the gradients of f with respect to each argument, as tf.grads. */
export function grads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => Tensor[] {
  checkFunction('grads', f);
  return (xs, dy) => {
    if (!Array.isArray(xs)) throw argTypeError('grads', 'xs', 'an array of Tensors', xs);
    return run(
      'grads',
      f,
      xs.map((x, i) => checkSource('grads', `xs[${i}]`, x)),
      dy,
    ).grads;
  };
}

/** valueAndGrad(f)(x, dy?) = {value: f(x), grad: d f(x) / dx}. */
export function valueAndGrad(f: (x: Tensor) => Tensor): (x: Tensor, dy?: Tensor) => { value: Tensor; grad: Tensor } {
  checkFunction('valueAndGrad', f);
  return (x, dy) => {
    const r = run('valueAndGrad', f, [checkSource('valueAndGrad', 'x', x)], dy);
    return { value: r.value, grad: r.grads[0] };
  };
}

/** valueAndGrads(f)([x1, ...], dy?) = {value, grads}: one forward pass for the value and every gradient. */
export function valueAndGrads(f: (...xs: Tensor[]) => Tensor): (xs: readonly Tensor[], dy?: Tensor) => { value: Tensor; grads: Tensor[] } {
  checkFunction('valueAndGrads', f);
  return (xs, dy) => {
    if (!Array.isArray(xs)) throw argTypeError('valueAndGrads', 'xs', 'an array of Tensors', xs);
    return run(
      'valueAndGrads',
      f,
      xs.map((x, i) => checkSource('valueAndGrads', `xs[${i}]`, x)),
      dy,
    );
  };
}

/** The same values with no gradient flowing back through them. */
export function stopGradient(x: Tensor): Tensor {
  if (!(x instanceof Tensor)) throw argTypeError('stopGradient', 'x', 'a Tensor', x);
  return new Tensor(x.values, x.shape);
}
