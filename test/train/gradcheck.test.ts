import { describe, expect, it } from 'vitest';
import { input, layers, mean, model, optimizers, square, sub, Tensor, tensor, type LossSpec, type Model } from '../../src/index.js';
import { Random } from '../../src/index.js';

/** Central finite differences of the compiled loss against the model's gradients, every parameter, float64. */
function gradCheck(m: Model, x: Tensor, y: Tensor): number {
  const { grads } = m.lossAndGradients(x, y);
  const lossAt = () => m.evaluate(x, y, { batchSize: 1000 }).loss;
  const eps = 1e-6;
  let worst = 0;
  m.trainableWeights.forEach((v, k) => {
    const base = new Tensor(v.value.data(), v.shape); // a snapshot: the variable's storage is live
    for (let i = 0; i < base.size; i++) {
      const plus = base.data();
      plus[i] += eps;
      v.assign(new Tensor(plus, base.shape));
      const fPlus = lossAt();
      const minus = base.data();
      minus[i] -= eps;
      v.assign(new Tensor(minus, base.shape));
      const fMinus = lossAt();
      v.assign(base);
      const fd = (fPlus - fMinus) / (2 * eps);
      const g = grads[k].values[i];
      worst = Math.max(worst, Math.abs(fd - g) / Math.max(1, Math.abs(g), Math.abs(fd)));
    }
  });
  return worst;
}

function features(n: number, d: number, seed: number): Tensor {
  const rng = new Random(seed);
  return new Tensor(
    Float64Array.from({ length: n * d }, () => rng.normal(0, 1)),
    [n, d],
  );
}

function mlp(acts: Array<'tanh' | 'sigmoid' | 'relu' | 'linear' | 'softmax'>, units: number[], loss: LossSpec): Model {
  const x = input({ shape: [4], dtype: 'float64' });
  let h = x;
  units.forEach((u, i) => (h = layers.dense({ units: u, activation: acts[i] }).apply(h)));
  const m = model({ inputs: x, outputs: h, seed: 11 });
  // Non-zero biases so their gradients are exercised.
  m.weights.forEach((v) => {
    if (v.name.endsWith('/bias'))
      v.assign(
        new Tensor(
          Float64Array.from({ length: v.size }, (_, i) => 0.1 * (i + 1) - 0.2),
          v.shape,
        ),
      );
  });
  m.compile({ optimizer: optimizers.sgd(), loss });
  return m;
}

describe('whole-MLP gradients against finite differences (float64)', () => {
  const x = features(6, 4, 3);

  it('tanh → sigmoid → logits with sparse categorical cross-entropy', () => {
    const m = mlp(['tanh', 'sigmoid', 'linear'], [6, 5, 3], 'sparseCategoricalCrossentropy');
    expect(gradCheck(m, x, tensor([0, 1, 2, 2, 1, 0], { dtype: 'int32' }))).toBeLessThan(1e-7);
  });

  it('relu → softmax head, categorical cross-entropy from the pre-activation logits (fromLogits: false)', () => {
    const m = mlp(['relu', 'softmax'], [7, 3], { name: 'categoricalCrossentropy', fromLogits: false });
    expect(m.loss!.reads).toBe('preActivation');
    const y = tensor(
      [
        [1, 0, 0],
        [0.2, 0.8, 0],
        [0, 0, 1],
        [0.3, 0.3, 0.4],
        [0, 1, 0],
        [1, 0, 0],
      ],
      { dtype: 'float64' },
    );
    expect(gradCheck(m, x, y)).toBeLessThan(1e-7);
  });

  it('sigmoid head, binary cross-entropy (fromLogits: false)', () => {
    const m = mlp(['tanh', 'sigmoid'], [5, 1], { name: 'binaryCrossentropy', fromLogits: false });
    expect(gradCheck(m, x, tensor([1, 0, 1, 1, 0, 0], { dtype: 'float64' }))).toBeLessThan(1e-7);
  });

  it('a custom loss function built from ops', () => {
    const mse = (yTrue: Tensor, yPred: Tensor) => mean(square(sub(yPred, yTrue)));
    const m = mlp(['tanh', 'linear'], [5, 2], mse);
    expect(gradCheck(m, x, features(6, 2, 9))).toBeLessThan(1e-7);
  });
});
