/**
 * Forward values of losses.* with every option and reduction, against PyTorch float64 references
 * (test/ops/softmax/fixtures/losses-torch.json, made by make-losses-reference.py), in float64 and float32.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { losses, nn, tensor, type Reduction, type Tensor } from '../../../src/index.js';
import { expectClose, FLOAT_DTYPES, flat } from '../../helpers/numbers.js';

interface Case {
  name: string;
  loss: 'softmaxCrossEntropy' | 'sparseSoftmaxCrossEntropy' | 'sigmoidCrossEntropy';
  options: Record<string, unknown>;
  inputs: { labels: number[][]; logits: number[][] };
  expected: Record<Reduction, number | number[]>;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/losses-torch.json', import.meta.url), 'utf8')) as { cases: Case[] };
const REDUCTIONS: Reduction[] = ['none', 'sum', 'mean', 'sumByNonzeroWeights'];

function run(c: Case, dtype: 'float32' | 'float64', reduction: Reduction): Tensor {
  const logits = tensor(c.inputs.logits, { dtype });
  const opts: Record<string, unknown> = { ...c.options, reduction };
  for (const k of ['weights', 'classWeights', 'posWeight']) {
    if (Array.isArray(opts[k])) opts[k] = tensor(opts[k] as number[], { dtype });
  }
  switch (c.loss) {
    case 'softmaxCrossEntropy':
      return losses.softmaxCrossEntropy(tensor(c.inputs.labels, { dtype }), logits, opts);
    case 'sparseSoftmaxCrossEntropy':
      return losses.sparseSoftmaxCrossEntropy(tensor(c.inputs.labels, { dtype: 'int32' }), logits, opts);
    case 'sigmoidCrossEntropy':
      return losses.sigmoidCrossEntropy(tensor(c.inputs.labels, { dtype }), logits, opts);
  }
}

describe.each(FLOAT_DTYPES)('losses.* against PyTorch (%s)', (dtype) => {
  const rtol = dtype === 'float64' ? 1e-13 : 2e-6;
  const atol = dtype === 'float64' ? 1e-15 : 1e-7;
  for (const c of fixture.cases) {
    for (const reduction of REDUCTIONS) {
      it(`${c.loss}: ${c.name}, reduction ${reduction}`, () => {
        const out = run(c, dtype, reduction);
        expect(out.dtype).toBe(dtype);
        const want = c.expected[reduction];
        if (reduction === 'none') {
          const perShape = c.loss === 'sigmoidCrossEntropy' ? tensor(c.inputs.logits).shape : tensor(c.inputs.logits).shape.slice(0, -1);
          expect([...out.shape]).toEqual([...perShape]);
          expectClose(out.values, want as number[], rtol, atol, c.name);
        } else {
          expect(out.rank).toBe(0);
          expectClose(out.values, [want as number], rtol, atol, c.name);
        }
      });
    }
  }
  it('the default reduction is sumByNonzeroWeights', () => {
    const c = fixture.cases.find((x) => x.name === 'soft weights')!;
    const def = losses.softmaxCrossEntropy(tensor(c.inputs.labels, { dtype }), tensor(c.inputs.logits, { dtype }), {
      weights: tensor(c.options.weights as number[], { dtype }),
    });
    expectClose(def.values, [c.expected.sumByNonzeroWeights as number], rtol, atol);
    // With a zero weight present, it differs from 'mean' (the fixture's weights include a 0 and are not all 1).
    expect(c.expected.sumByNonzeroWeights).not.toBeCloseTo(c.expected.mean as number, 6);
  });
});

describe('the nn ops agree with PyTorch', () => {
  it('per-example soft, sparse and sigmoid cross-entropies', () => {
    const soft = fixture.cases.find((x) => x.name === 'soft')!;
    expectClose(
      nn.softmaxCrossEntropyWithLogits({ labels: tensor(soft.inputs.labels, { dtype: 'float64' }), logits: tensor(soft.inputs.logits, { dtype: 'float64' }) })
        .values,
      soft.expected.none as number[],
      1e-14,
      1e-16,
    );
    const sparse = fixture.cases.find((x) => x.name === 'sparse')!;
    expectClose(
      nn.sparseSoftmaxCrossEntropyWithLogits({
        labels: tensor(sparse.inputs.labels, { dtype: 'int32' }),
        logits: tensor(sparse.inputs.logits, { dtype: 'float64' }),
      }).values,
      sparse.expected.none as number[],
      1e-14,
      1e-16,
    );
    const sig = fixture.cases.find((x) => x.name === 'sigmoid posWeight')!;
    expectClose(
      nn.weightedCrossEntropyWithLogits({
        labels: tensor(sig.inputs.labels, { dtype: 'float64' }),
        logits: tensor(sig.inputs.logits, { dtype: 'float64' }),
        posWeight: tensor(sig.options.posWeight as number[], { dtype: 'float64' }),
      }).values,
      flat(sig.expected.none as number[]),
      1e-14,
      1e-16,
    );
  });
  it('softmaxCrossEntropyWithLogits on a non-last axis equals the transposed problem', () => {
    const soft = fixture.cases.find((x) => x.name === 'soft')!;
    const T = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
    const out = nn.softmaxCrossEntropyWithLogits({
      labels: tensor(T(soft.inputs.labels), { dtype: 'float64' }),
      logits: tensor(T(soft.inputs.logits), { dtype: 'float64' }),
      axis: 0,
    });
    expectClose(out.values, soft.expected.none as number[], 1e-14, 1e-16);
  });
});
