/**
 * Everything the logits editor shows, computed by logitkit itself (no math in the page): softmax,
 * logSoftmax, the sparse cross-entropy with logits and its gradient by autograd.
 */
import {
  argMax, div, exp, gather, log, max, neg, nn, reshape, sub, sum, tensor, valueAndGrad,
  type Tensor,
} from '../../src/index.js';
import type { FloatDType } from './format.js';

export interface LogitsInput {
  logits: number[];
  temperature: number;
  /** Index of the true class. */
  label: number;
  dtype: FloatDType;
}

export interface LogitsResult {
  input: LogitsInput;
  /** u = z / T, the logits softmax sees. */
  scaled: number[];
  /** max(u), subtracted before exponentiating (not differentiated through). */
  max: number;
  /** exp(u_i − max): every term is ≤ 1, so nothing overflows. */
  shiftedExp: number[];
  /** Σ exp(u_i − max) (≥ 1: the max's own term is exactly 1). */
  sumShiftedExp: number;
  probs: number[];
  logProbs: number[];
  /** −log p_label computed as logSumExp(u) − u_label, never through a rounded probability. */
  loss: number;
  /** ∂loss/∂u = softmax(u) − onehot(label). */
  gradScaled: number[];
  /** ∂loss/∂z = (softmax(u) − onehot(label)) / T, by autograd through the division. */
  gradLogits: number[];
  /** argmax of the logits (softmax keeps the order). */
  decision: number;
  /** What the naive formulas would have produced, for the notes. */
  naive: { expOverflow: boolean; expUnderflowAll: boolean; loss: number };
}

const values = (t: Tensor): number[] => Array.from(t.values);

export function computeLogits(input: LogitsInput): LogitsResult {
  const { logits, temperature, label, dtype } = input;
  const C = logits.length;
  const z = tensor(logits, { dtype });
  const u = div(z, temperature);
  const labels = tensor([label], { dtype: 'int32' });
  const ce = (scaled: Tensor) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels, logits: reshape(scaled, [1, C]) });
  const byScaled = valueAndGrad((x) => ce(x))(u);
  const byLogits = valueAndGrad((x) => ce(div(x, temperature)))(z);
  const probs = nn.softmax(u);
  const m = max(u);
  const shifted = exp(sub(u, m));
  const naiveExp = values(exp(u));
  const naiveLoss = neg(log(gather(probs, labels))).item();
  return {
    input,
    scaled: values(u),
    max: m.item(),
    shiftedExp: values(shifted),
    sumShiftedExp: sum(shifted).item(),
    probs: values(probs),
    logProbs: values(nn.logSoftmax(u)),
    loss: byScaled.value.item(),
    gradScaled: values(byScaled.grad),
    gradLogits: values(byLogits.grad),
    decision: argMax(z).item(),
    naive: {
      expOverflow: naiveExp.some((v) => v === Infinity),
      expUnderflowAll: naiveExp.every((v) => v === 0),
      loss: naiveLoss,
    },
  };
}
