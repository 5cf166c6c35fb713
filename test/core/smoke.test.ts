import { describe, expect, it } from 'vitest';
import { tensor, nn, matMul, add, valueAndGrad, losses, grad, sum } from '../../src/index.js';

describe('smoke', () => {
  it('runs the seeds path', () => {
    const W = tensor([[1, -1, 0.5], [0.8, 0.5, -0.3], [-0.5, 1.2, 1]], { dtype: 'float64' });
    const f = tensor([[0.5], [0.8], [1.2]], { dtype: 'float64' });
    const b = tensor([[0.2], [-0.1], [0.5]], { dtype: 'float64' });
    const z = add(matMul(W, f), b);
    console.log(z.toString());
    const p = nn.softmax(z, 0);
    console.log(p.toString());
    const logits = tensor([[0.5, 1.5, 0.1], [2.2, 1.3, 1.7]], { dtype: 'float64' });
    const labels = tensor([[0, 1, 0], [0, 0, 1]], { dtype: 'float64' });
    const ce = nn.softmaxCrossEntropyWithLogits({ labels, logits });
    console.log(ce.toArray());
    const { value, grad: g } = valueAndGrad((x) => sum(nn.softmaxCrossEntropyWithLogits({ labels, logits: x })))(logits);
    console.log(value.toArray(), g.toArray());
    console.log(losses.softmaxCrossEntropy(labels, logits).toArray());
    console.log(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: tensor([[20, 0, 0]]) }).toArray());
    expect(z.size).toBe(3);
  });
});
