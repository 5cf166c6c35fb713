/**
 * STAND-IN TRAINING LOOP: the seeds' network 784 → 128 (relu) → 10 trained with mini-batch Adam, written with
 * logitkit's public ops (matMul, add, relu, losses.sparseSoftmaxCrossEntropy, valueAndGrads). It exists only
 * until the library's Keras-style model and `model.fit` / Adam (src/nn, src/train, src/optim) land; the worker
 * talks to it through the small `Trainer` interface below, so swapping it is a change to this file alone.
 */
import {
  Random, Tensor, add, argMax, div, equal, losses, matMul, mul, relu, sqrt, square, sub, sum, valueAndGrads, zerosLike,
} from '../../../src/index.js';
import type { MlpWeights } from '../messages.js';

export interface StepResult {
  loss: number;
  correct: number;
}

export interface Trainer {
  /** One optimizer step on a batch x [n, 784] float32, y [n] int32. */
  trainStep(x: Tensor, y: Tensor): StepResult;
  evaluate(x: Tensor, y: Tensor): { loss: number; accuracy: number };
  weights(): MlpWeights;
}

/** Keras' glorotUniform for kernels, zeros for biases, drawn from logitkit's seeded Random. */
function glorotUniform(rng: Random, fanIn: number, fanOut: number): Tensor {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const values = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < values.length; i++) values[i] = rng.uniform(-limit, limit);
  return new Tensor(values, [fanIn, fanOut]);
}

/** Adam (Kingma & Ba) with Keras' defaults β1 = 0.9, β2 = 0.999, ε = 1e-7, in logitkit ops. */
class Adam {
  private m: Tensor[];
  private v: Tensor[];
  private t = 0;
  constructor(params: readonly Tensor[], private lr: number, private b1 = 0.9, private b2 = 0.999, private eps = 1e-7) {
    this.m = params.map((p) => zerosLike(p));
    this.v = params.map((p) => zerosLike(p));
  }
  apply(params: Tensor[], grads: readonly Tensor[]): Tensor[] {
    this.t++;
    const step = (this.lr * Math.sqrt(1 - this.b2 ** this.t)) / (1 - this.b1 ** this.t);
    return params.map((p, i) => {
      const g = grads[i];
      this.m[i] = add(mul(this.m[i], this.b1), mul(g, 1 - this.b1));
      this.v[i] = add(mul(this.v[i], this.b2), mul(square(g), 1 - this.b2));
      return sub(p, mul(div(this.m[i], add(sqrt(this.v[i]), this.eps)), step));
    });
  }
}

export class MlpTrainer implements Trainer {
  private params: Tensor[];
  private adam: Adam;

  constructor(private inputs: number, private hidden: number, private classes: number, learningRate: number, seed: number) {
    const rng = new Random(seed);
    this.params = [
      glorotUniform(rng, inputs, hidden),
      new Tensor(new Float32Array(hidden), [hidden]),
      glorotUniform(rng, hidden, classes),
      new Tensor(new Float32Array(classes), [classes]),
    ];
    this.adam = new Adam(this.params, learningRate);
  }

  private static logits(x: Tensor, [w1, b1, w2, b2]: readonly Tensor[]): Tensor {
    return add(matMul(relu(add(matMul(x, w1), b1)), w2), b2);
  }

  trainStep(x: Tensor, y: Tensor): StepResult {
    let logits: Tensor | null = null;
    const { value, grads } = valueAndGrads((...ps: Tensor[]) => {
      logits = MlpTrainer.logits(x, ps);
      return losses.sparseSoftmaxCrossEntropy(y, logits, { reduction: 'mean' });
    })(this.params);
    this.params = this.adam.apply(this.params, grads);
    const correct = sum(equal(argMax(logits!), y)).item();
    return { loss: value.item(), correct };
  }

  evaluate(x: Tensor, y: Tensor): { loss: number; accuracy: number } {
    const logits = MlpTrainer.logits(x, this.params);
    const loss = losses.sparseSoftmaxCrossEntropy(y, logits, { reduction: 'mean' }).item();
    const correct = sum(equal(argMax(logits), y)).item();
    return { loss, accuracy: correct / y.size };
  }

  weights(): MlpWeights {
    const [w1, b1, w2, b2] = this.params;
    return {
      layers: [
        { kernel: Float32Array.from(w1.values), inputs: this.inputs, units: this.hidden, bias: Float32Array.from(b1.values), activation: 'relu' },
        { kernel: Float32Array.from(w2.values), inputs: this.hidden, units: this.classes, bias: Float32Array.from(b2.values), activation: 'linear' },
      ],
    };
  }
}
