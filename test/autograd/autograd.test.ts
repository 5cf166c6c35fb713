/**
 * The autograd API: grad, grads, valueAndGrad, valueAndGrads, stopGradient; unused inputs, dy seeding,
 * a tensor used twice, and no leakage between calls. Expected gradients are derived by hand.
 */
import { describe, expect, it } from 'vitest';
import { add, exp, grad, grads, matMul, mul, nn, square, stopGradient, sub, sum, tensor, valueAndGrad, valueAndGrads, type Tensor } from '../../src/index.js';

const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const arr = (t: Tensor) => Array.from(t.values);

describe('grad / grads / valueAndGrad / valueAndGrads', () => {
  it('grad(f)(x) of sum(x²) is 2x, same shape and dtype', () => {
    const x = f64([
      [1, -2],
      [3, 0.5],
    ]);
    const g = grad((t) => sum(square(t)))(x);
    expect([...g.shape]).toEqual([2, 2]);
    expect(g.dtype).toBe('float64');
    expect(g.toArray()).toEqual([
      [2, -4],
      [6, 1],
    ]);
  });
  it('float32 in, float32 gradient out', () => {
    const g = grad((t) => sum(mul(t, 3)))(tensor([1, 2]));
    expect(g.dtype).toBe('float32');
    expect(arr(g)).toEqual([3, 3]);
  });
  it('grads(f)([a, b]) of sum(a·b + a) is [b + 1, a]', () => {
    const a = f64([1, 2, 3]);
    const b = f64([4, 5, 6]);
    const [ga, gb] = grads((p, q) => sum(add(mul(p, q), p)))([a, b]);
    expect(arr(ga)).toEqual([5, 6, 7]);
    expect(arr(gb)).toEqual([1, 2, 3]);
  });
  it('valueAndGrad returns f(x) and the gradient from one call', () => {
    const x = f64([0, Math.log(2)]);
    const { value, grad: g } = valueAndGrad((t) => sum(exp(t)))(x);
    expect(value.item()).toBe(3);
    expect(arr(g)).toEqual([1, 2]);
    expect(value.record).toBeNull();
  });
  it('valueAndGrads with matMul: d/dW and d/db of sum(W·x + b)', () => {
    const W = f64([
      [1, 2],
      [3, 4],
    ]);
    const x = f64([[5], [6]]);
    const b = f64([[0.5], [0.25]]);
    const {
      value,
      grads: [gW, gb],
    } = valueAndGrads((w, bb) => sum(add(matMul(w, x), bb)))([W, b]);
    expect(value.item()).toBe(17 + 39 + 0.75);
    expect(gW.toArray()).toEqual([
      [5, 6],
      [5, 6],
    ]);
    expect(gb.toArray()).toEqual([[1], [1]]);
  });
  it('the gradient of softmax cross-entropy is softmax − labels (hand-computed softmax)', () => {
    const z = f64([[1, 2, 3]]);
    const y = f64([[0, 0, 1]]);
    const g = grad((t) => sum(nn.softmaxCrossEntropyWithLogits({ labels: y, logits: t })))(z);
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e[0] + e[1] + e[2];
    const want = [e[0] / s, e[1] / s, e[2] / s - 1];
    arr(g).forEach((v, i) => expect(v).toBeCloseTo(want[i], 15));
  });
});

describe('stopGradient', () => {
  it('x · stopGradient(x) has gradient x (not 2x)', () => {
    const x = f64([1.5, -2]);
    expect(arr(grad((t) => sum(mul(t, stopGradient(t))))(x))).toEqual([1.5, -2]);
  });
  it('a fully stopped function has gradient zero', () => {
    expect(arr(grad((t) => sum(square(stopGradient(t))))(f64([3, 4])))).toEqual([0, 0]);
  });
  it('stops the labels path of a cross-entropy', () => {
    const z = f64([[0.1, 0.2]]);
    const [, gy] = grads((logits, labels) => sum(nn.softmaxCrossEntropyWithLogits({ labels: stopGradient(labels), logits })))([z, f64([[0.5, 0.5]])]);
    expect(arr(gy)).toEqual([0, 0]);
  });
  it('keeps the values', () => {
    const x = f64([1, 2]);
    expect(arr(stopGradient(x))).toEqual([1, 2]);
  });
});

describe('inputs, seeds and reuse', () => {
  it('an unused input gets zeros of its shape and dtype', () => {
    const [ga, gb] = grads((a) => sum(a))([f64([1, 2]), tensor([[1, 2, 3]])]);
    expect(arr(ga)).toEqual([1, 1]);
    expect([...gb.shape]).toEqual([1, 3]);
    expect(gb.dtype).toBe('float32');
    expect(arr(gb)).toEqual([0, 0, 0]);
    expect(arr(grad(() => f64([5]))(f64([1, 2])))).toEqual([0, 0]);
  });
  it('dy seeds the backward pass (vector–Jacobian product)', () => {
    const g = grad((t) => mul(t, f64([2, 3])))(f64([1, 1]), f64([10, -1]));
    expect(arr(g)).toEqual([20, -3]);
    const {
      value,
      grads: [ga],
    } = valueAndGrads((a) => square(a))([f64([1, 2])], f64([1, 0.5]));
    expect(arr(value)).toEqual([1, 4]);
    expect(arr(ga)).toEqual([2, 2]);
  });
  it('without dy a non-scalar output is seeded with ones (gradient of its sum)', () => {
    expect(arr(grad((t) => square(t))(f64([1, 2, 3])))).toEqual([2, 4, 6]);
  });
  it('a dy of another float dtype is converted to the output dtype', () => {
    const g = grad((t) => mul(t, 2))(f64([1, 2]), tensor([1, 1], { dtype: 'float32' }));
    expect(g.dtype).toBe('float64');
    expect(arr(g)).toEqual([2, 2]);
  });
  it('the same tensor used twice in f accumulates: d/dx (x·x + x) = 2x + 1', () => {
    expect(arr(grad((t) => sum(add(mul(t, t), t)))(f64([3, -1])))).toEqual([7, -1]);
    // Through a shared intermediate used by two branches.
    expect(
      arr(
        grad((t) => {
          const u = exp(t);
          return sum(add(mul(u, 2), sub(u, t)));
        })(f64([0])),
      ),
    ).toEqual([2]);
  });
  it('the same tensor passed as two inputs gets one gradient per position', () => {
    const x = f64([2, 5]);
    const [g1, g2] = grads((a, b) => sum(mul(a, b)))([x, x]);
    expect(arr(g1)).toEqual([2, 5]);
    expect(arr(g2)).toEqual([2, 5]);
  });
  it('the input tensor itself returned by f has gradient = dy', () => {
    expect(arr(grad((t) => t)(f64([1, 2]), f64([3, 4])))).toEqual([3, 4]);
  });
});

describe('no leakage between calls', () => {
  it('a value returned by one call is a plain tensor in the next', () => {
    const x = f64([1, 2]);
    const { value: y } = valueAndGrad((t) => mul(t, 3))(x);
    // Differentiating with respect to y must not walk back into the first call's graph.
    expect(arr(grad((t) => sum(square(t)))(y))).toEqual([6, 12]);
    // And using y as a constant gives no gradient to a new input through it.
    expect(arr(grad((t) => sum(mul(t, y)))(f64([0, 0])))).toEqual([3, 6]);
  });
  it('an intermediate leaked from one call is a constant in the next', () => {
    let leaked: Tensor | null = null;
    grad((t) => {
      leaked = mul(t, 2);
      return sum(leaked);
    })(f64([1, 2]));
    const l = leaked as unknown as Tensor;
    expect(arr(grad((t) => sum(mul(t, l)))(f64([5, 5])))).toEqual([2, 4]);
    expect(arr(grad((t) => sum(square(t)))(l))).toEqual([4, 8]);
  });
  it("the caller's tensors are not marked: repeated calls give the same gradient", () => {
    const x = f64([0.5, 1.5]);
    const f = grad((t) => sum(square(t)));
    expect(arr(f(x))).toEqual([1, 3]);
    expect(arr(f(x))).toEqual([1, 3]);
    expect(x.record).toBeNull();
  });
  it('an independent gradient call inside f is a constant', () => {
    const inner = grad((c) => sum(square(c)))(f64([3]));
    const g = grad((t) => sum(mul(t, grad((c) => sum(square(c)))(f64([3])))))(f64([2]));
    expect(arr(g)).toEqual(arr(inner));
    expect(arr(g)).toEqual([6]);
  });
  it('a higher-order gradient throws instead of silently returning 0', () => {
    const d1 = (y: Tensor) => grad((z) => mul(mul(z, z), z))(y);
    expect(arr(d1(f64([2])))).toEqual([12]);
    expect(() => grad(d1)(f64([2]))).toThrow(/grad: higher-order gradients are not supported/);
    const x = f64([1]);
    expect(() => grad((t) => grad((c) => sum(mul(c, t)))(f64([1])))(x)).toThrow(/higher-order/);
  });
});
