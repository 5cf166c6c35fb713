import { describe, expect, it } from 'vitest';
import { metrics, tensor } from '../../src/index.js';

const logits = tensor([
  [2, 1, 0.5],
  [0.1, 3, -1],
  [0, 0, 5],
  [1, 2, 0],
  [4, -Infinity, 1],
]);
const ids = tensor([0, 1, 1, 0, 0], { dtype: 'int32' });

describe('metrics over labels and logits', () => {
  it('accuracy from ids or one-hot labels (argmax of logits, no softmax)', () => {
    expect(metrics.accuracy(ids, logits)).toBe(3 / 5);
    const onehot = tensor([
      [1, 0, 0],
      [0, 1, 0],
      [0, 1, 0],
      [1, 0, 0],
      [1, 0, 0],
    ]);
    expect(metrics.accuracy(onehot, logits)).toBe(3 / 5);
    expect(() => metrics.accuracy(tensor([0, 1], { dtype: 'int32' }), logits)).toThrow(/class ids of shape \[5\]/);
  });

  it('binary accuracy thresholds logits at 0', () => {
    expect(metrics.accuracy(tensor([1, 0, 1, 0]), tensor([[2], [-1], [-0.5], [0]]))).toBe(3 / 4);
    expect(
      metrics.binaryAccuracy(
        tensor([
          [1, 0],
          [0, 0],
        ]),
        tensor([
          [3, 1],
          [-1, -2],
        ]),
      ),
    ).toBe(3 / 4);
  });

  it('top-k accuracy counts ties at the boundary as inside', () => {
    expect(metrics.topKAccuracy(1)(ids, logits)).toBe(3 / 5);
    expect(metrics.topKAccuracy(2)(ids, logits)).toBe(5 / 5);
    expect(metrics.topKAccuracy(2)(tensor([2], { dtype: 'int32' }), tensor([[1, 1, 1]]))).toBe(1);
    expect(metrics.topKAccuracy(1)(tensor([0], { dtype: 'int32' }), tensor([[Number.NaN, 1]]))).toBe(0);
    expect(() => metrics.topKAccuracy(0)).toThrow(/positive integer/);
  });

  it('confusion matrix: rows are true classes, columns predicted', () => {
    const cm = metrics.confusionMatrix(ids, logits);
    expect(cm.dtype).toBe('int32');
    expect(cm.toArray()).toEqual([
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 0],
    ]);
    expect(metrics.confusionMatrix(ids, tensor([0, 1, 2, 1, 0], { dtype: 'int32' }), 4).shape).toEqual([4, 4]);
    expect(() => metrics.confusionMatrix(ids, tensor([0, 1], { dtype: 'int32' }))).toThrow(/5 predictions/);
  });

  it('per-class precision and recall (0 where undefined)', () => {
    const r = metrics.precisionRecall(ids, logits);
    expect(r.precision).toEqual([1, 0.5, 0]);
    expect(r.recall).toEqual([2 / 3, 0.5, 0]);
    expect(r.support).toEqual([3, 2, 0]);
    expect(r.f1[0]).toBeCloseTo(0.8, 12);
  });
});
