/**
 * Contrastive learning on the embedded MNIST digits: two small encoders, one for the left half of a digit
 * (columns 0–13) and one for the right half (columns 14–27), trained with losses.contrastive (CLIP's symmetric
 * InfoNCE) so that the two halves of the same image land close together, with a learnable log-temperature.
 * Retrieval on held-out pairs: for each left half, rank every right half by cosine similarity.
 * Used by `npm run demo:contrastive` (contrastive-mnist.ts) and by its test with a shorter run.
 */
import { valueAndGrads } from '../autograd/grad.js';
import { withoutTape } from '../autograd/tape.js';
import type { Dataset } from '../data/dataset.js';
import { splitTrainTest } from '../data/split.js';
import { initialize } from '../layers/initializers.js';
import { Variable } from '../layers/variable.js';
import { add, div, maximum } from '../ops/arithmetic.js';
import { matMul } from '../ops/matmul.js';
import { sum } from '../ops/reduce.js';
import { contrastive } from '../ops/softmax/contrastive.js';
import { exp, relu, sqrt, square } from '../ops/unary.js';
import { Adam } from '../optim/adam.js';
import { Random } from '../tensor/random.js';
import { Tensor, fill, tensor } from '../tensor/tensor.js';

export interface ContrastiveMnistOptions {
  /** Training pairs taken from the fixed 8,000 / 2,000 split (default all 8,000). */
  trainPairs?: number;
  /** Held-out pairs for retrieval (default all 2,000). */
  testPairs?: number;
  epochs?: number;
  batchSize?: number;
  hiddenUnits?: number;
  embeddingSize?: number;
  learningRate?: number;
  /** Initial temperature τ₀ (the log-temperature starts at log τ₀). */
  temperature?: number;
  seed?: number;
  /** Called after each epoch. */
  onEpoch?: (e: EpochReport) => void;
}

export interface EpochReport {
  epoch: number;
  /** Mean of the batch losses over the epoch. */
  loss: number;
  temperature: number;
  seconds: number;
}

export interface Retrieval {
  /** Fraction of left halves whose partner is the most similar right half (ties count against). */
  top1: number;
  /** ... among the 5 most similar. */
  top5: number;
  /** Mean rank of the partner (0 = first). */
  meanRank: number;
  pairs: number;
}

export interface ContrastiveMnistResult {
  before: Retrieval;
  after: Retrieval;
  /** The learned τ = exp(logT), as the float32 the loss uses. */
  temperature: number;
  epochs: EpochReport[];
  trainPairs: number;
  /** The held-out embeddings after training ([testPairs, embeddingSize], row i of each from test digit i) and the digits' classes. */
  test: { left: Tensor; right: Tensor; labels: Int32Array };
  seconds: number;
}

export const CONTRASTIVE_MNIST_DEFAULTS = {
  trainPairs: 8000,
  testPairs: 2000,
  epochs: 20,
  batchSize: 256,
  hiddenUnits: 128,
  embeddingSize: 64,
  learningRate: 0.002,
  temperature: 0.07,
  seed: 7,
} as const;

const SIDE = 28;
const HALF = 14;

/** The left (columns 0–13) and right (columns 14–27) halves of each 28×28 image, [count, 392] each. */
export function halves(ds: Dataset, count = ds.count): { left: Float32Array; right: Float32Array } {
  const f = HALF * SIDE;
  const left = new Float32Array(count * f);
  const right = new Float32Array(count * f);
  for (let i = 0; i < count; i++) {
    for (let r = 0; r < SIDE; r++) {
      for (let c = 0; c < HALF; c++) {
        left[i * f + r * HALF + c] = ds.images[i * SIDE * SIDE + r * SIDE + c];
        right[i * f + r * HALF + c] = ds.images[i * SIDE * SIDE + r * SIDE + HALF + c];
      }
    }
  }
  return { left, right };
}

/** An MLP encoder x → relu(x·W1 + b1)·W2 + b2 with its own parameters. */
class Encoder {
  readonly variables: Variable[];
  constructor(name: string, inputs: number, hidden: number, outputs: number, rng: Random) {
    this.variables = [
      new Variable(`${name}/w1`, initialize('heUniform', [inputs, hidden], 'float32', rng, inputs, hidden)),
      new Variable(`${name}/b1`, fill([hidden], 0, 'float32')),
      new Variable(`${name}/w2`, initialize('glorotUniform', [hidden, outputs], 'float32', rng, hidden, outputs)),
      new Variable(`${name}/b2`, fill([outputs], 0, 'float32')),
    ];
  }

  /** The forward pass with the parameters given as tensors (so autograd can differentiate with respect to them). */
  static apply(x: Tensor, [w1, b1, w2, b2]: readonly Tensor[]): Tensor {
    return add(matMul(relu(add(matMul(x, w1), b1)), w2), b2);
  }
}

/** Rows scaled to unit length (as losses.contrastive's normalize). */
function unitRows(x: Tensor): Tensor {
  return div(x, maximum(sqrt(sum(square(x), -1, true)), 1e-12));
}

/**
 * For each left embedding i, the rank of right embedding i among all right embeddings by cosine similarity
 * (the number of others strictly more similar, plus the ties before it counted against it).
 */
export function retrieval(left: Tensor, right: Tensor): Retrieval {
  return withoutTape(() => {
    const n = left.shape[0];
    const s = matMul(unitRows(left), unitRows(right), false, true).values;
    let top1 = 0;
    let top5 = 0;
    let ranks = 0;
    for (let i = 0; i < n; i++) {
      const own = s[i * n + i];
      let rank = 0;
      for (let j = 0; j < n; j++) if (j !== i && s[i * n + j] >= own) rank++;
      if (rank < 1) top1++;
      if (rank < 5) top5++;
      ranks += rank;
    }
    return { top1: top1 / n, top5: top5 / n, meanRank: ranks / n, pairs: n };
  });
}

/** Trains the two encoders on the embedded digits (the library's fixed split) and measures retrieval before and after. */
export function trainContrastiveMnist(ds: Dataset, options: ContrastiveMnistOptions = {}): ContrastiveMnistResult {
  const o = { ...CONTRASTIVE_MNIST_DEFAULTS, ...options };
  const started = performance.now();
  const { train, test } = splitTrainTest(ds);
  const nTrain = Math.min(o.trainPairs, train.count);
  const nTest = Math.min(o.testPairs, test.count);
  const f = HALF * SIDE;
  const tr = halves(train, nTrain);
  const te = halves(test, nTest);
  const testLeft = new Tensor(te.left, [nTest, f]);
  const testRight = new Tensor(te.right, [nTest, f]);

  const rng = new Random(o.seed);
  const leftEncoder = new Encoder('left', f, o.hiddenUnits, o.embeddingSize, rng);
  const rightEncoder = new Encoder('right', f, o.hiddenUnits, o.embeddingSize, rng);
  const logT = new Variable('logTemperature', tensor(Math.log(o.temperature), { dtype: 'float32' }));
  const variables = [...leftEncoder.variables, ...rightEncoder.variables, logT];
  const optimizer = new Adam({ learningRate: o.learningRate });
  /** τ = exp(log τ) as the loss computes it (float32). */
  const tau = () => withoutTape(() => exp(logT.value).item());

  const embed = () =>
    withoutTape(() => ({
      left: Encoder.apply(
        testLeft,
        leftEncoder.variables.map((v) => v.value),
      ),
      right: Encoder.apply(
        testRight,
        rightEncoder.variables.map((v) => v.value),
      ),
    }));
  const e0 = embed();
  const before = retrieval(e0.left, e0.right);

  // One step: the symmetric InfoNCE loss of a batch, differentiated with respect to every parameter and log τ.
  const step = valueAndGrads((xl: Tensor, xr: Tensor, ...params: Tensor[]) => {
    const zl = Encoder.apply(xl, params.slice(0, 4));
    const zr = Encoder.apply(xr, params.slice(4, 8));
    return contrastive(zl, zr, { temperature: exp(params[8]) });
  });

  const order = Int32Array.from({ length: nTrain }, (_, i) => i);
  const epochs: EpochReport[] = [];
  const bl = new Float32Array(o.batchSize * f);
  const br = new Float32Array(o.batchSize * f);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    const t0 = performance.now();
    rng.shuffle(order);
    let total = 0;
    let batches = 0;
    // Full batches only: every batch has the same number of negatives (the last partial one is dropped).
    for (let start = 0; start + o.batchSize <= nTrain; start += o.batchSize) {
      for (let k = 0; k < o.batchSize; k++) {
        const i = order[start + k];
        bl.set(tr.left.subarray(i * f, (i + 1) * f), k * f);
        br.set(tr.right.subarray(i * f, (i + 1) * f), k * f);
      }
      const xl = new Tensor(bl.slice(), [o.batchSize, f]);
      const xr = new Tensor(br.slice(), [o.batchSize, f]);
      const { value, grads } = step([xl, xr, ...variables.map((v) => v.value)]);
      optimizer.applyGradients(variables, grads.slice(2));
      total += value.item();
      batches++;
    }
    epochs.push({ epoch: epoch + 1, loss: total / batches, temperature: tau(), seconds: (performance.now() - t0) / 1000 });
    o.onEpoch?.(epochs[epochs.length - 1]);
  }
  const e1 = embed();
  const after = retrieval(e1.left, e1.right);
  return {
    before,
    after,
    temperature: tau(),
    epochs,
    trainPairs: nTrain,
    test: { left: e1.left, right: e1.right, labels: test.labels.slice(0, nTest) },
    seconds: (performance.now() - started) / 1000,
  };
}
