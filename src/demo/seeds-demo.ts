/**
 * Walks the seeds' worked examples through the library: W·f + b → logits → softmax → loss → decision.
 * Every number printed is computed by logitkit.
 */
import { add, argMax, matMul, mean, nn, reshape, tensor, type Tensor } from '../index.js';
import { formatValue } from '../tensor/format.js';

const fmt = (t: Tensor, digits = 6): string => JSON.stringify(t.toArray(), (_k, v) => (typeof v === 'number' ? Number(v.toPrecision(digits)) : v));

function seedOne(): void {
  console.log("1. An image classifier's last layer (seed 000): z = W·f + b");
  const f = tensor([0.5, 0.8, 1.2], { dtype: 'float64' });
  const W = tensor(
    [
      [1.0, -1.0, 0.5],
      [0.8, 0.5, -0.3],
      [-0.5, 1.2, 1.0],
    ],
    { dtype: 'float64' },
  );
  const b = tensor([0.2, -0.1, 0.5], { dtype: 'float64' });
  const z = add(reshape(matMul(W, reshape(f, [3, 1])), [3]), b);
  const p = nn.softmax(z);
  const names = ['A', 'B', 'C'];
  console.log(`   logits z        = ${fmt(z)}`);
  console.log(`   softmax(z)      = ${fmt(p, 3)}`);
  console.log(`   decision        = class ${names[argMax(z).item()]} (argmax of the logits; softmax keeps the order)\n`);
}

function seedTwo(): void {
  console.log('2. A text classifier (seed 002): logits [2.0, 1.0, 0.1]');
  const z = tensor([2.0, 1.0, 0.1]);
  const names = ['news', 'entertainment', 'technology'];
  const p = nn.softmax(z);
  console.log(`   softmax(z)      = ${fmt(p, 2)}`);
  console.log(`   decision        = ${names[argMax(z).item()]}\n`);
}

function seedThree(): void {
  console.log("3. TensorFlow's softmax_cross_entropy_with_logits (seed 003), float64");
  const logits = tensor(
    [
      [0.5, 1.5, 0.1],
      [2.2, 1.3, 1.7],
    ],
    { dtype: 'float64' },
  );
  const labels = tensor(
    [
      [0, 1, 0],
      [0, 0, 1],
    ],
    { dtype: 'float64' },
  );
  const perExample = nn.softmaxCrossEntropyWithLogits({ labels, logits });
  console.log(`   softmax         = ${fmt(nn.softmax(logits), 8)}`);
  console.log(`   loss / example  = ${fmt(perExample, 9)}`);
  console.log(`   mean loss       = ${mean(perExample).item()}\n`);
}

function stability(): void {
  console.log('4. Why "with logits": logits [20, 0, 0], label 0, float32');
  const logits = tensor([[20, 0, 0]]);
  const loss = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits });
  const naive = -Math.log(Math.fround(nn.softmax(logits).values[0]));
  const exact = Math.log1p(2 * Math.exp(-20)); // log(1 + 2e^−20), in float64
  const rounded = Math.fround(exact) === loss.item() ? 'the exactly rounded float32 of' : 'NOT the float32 of';
  console.log(`   stable loss     = ${formatValue(loss.item(), 'float32')}   (${rounded} the true ${exact.toPrecision(10)})`);
  console.log(`   −log(softmax)   = ${naive}   (the probability rounds to 1 in float32, so the log loses everything)\n`);
}

console.log("logitkit: the seeds' examples, computed by the library\n");
seedOne();
seedTwo();
seedThree();
stability();
