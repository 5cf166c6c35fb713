/**
 * The contrastive MNIST demo (src/demo/contrastive.ts), shortened: 3 epochs on 4,000 training pairs, retrieval on
 * 500 held-out pairs. Top-1 retrieval must rise far above chance (1/500), and a run is reproducible from its seed.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { loadEmbeddedMnist } from '../../src/data/mnist.js';
import type { Dataset } from '../../src/data/dataset.js';
import { halves, retrieval, trainContrastiveMnist } from '../../src/demo/contrastive.js';
import { tensor } from '../../src/index.js';

let ds: Dataset;
beforeAll(async () => {
  ds = await loadEmbeddedMnist();
});

describe('contrastive MNIST demo', () => {
  it('splits each digit into its left and right 14 columns', () => {
    const { left, right } = halves(ds, 2);
    expect(left.length).toBe(2 * 392);
    for (const [img, r, c] of [
      [0, 0, 0],
      [1, 13, 5],
      [1, 27, 13],
    ]) {
      expect(left[img * 392 + r * 14 + c]).toBe(ds.images[img * 784 + r * 28 + c]);
      expect(right[img * 392 + r * 14 + c]).toBe(ds.images[img * 784 + r * 28 + 14 + c]);
    }
  });

  it('retrieval ranks by cosine similarity', () => {
    const left = tensor([
      [1, 0],
      [0, 1],
      [1, 1],
    ]);
    // Rows 0 and 1 find their partners first; row 2's partner [3, 3.1] comes second, after the parallel [1, 1].
    const right = tensor([
      [1, 1],
      [0, 2],
      [3, 3.1],
    ]);
    const r = retrieval(left, right);
    expect(r.pairs).toBe(3);
    expect(r.top1).toBeCloseTo(2 / 3, 12);
    expect(r.top5).toBe(1);
    expect(r.meanRank).toBeCloseTo(1 / 3, 12);
  });

  it('training lifts top-1 retrieval far above chance and learns the temperature', () => {
    const r = trainContrastiveMnist(ds, { epochs: 3, trainPairs: 4000, testPairs: 500 });
    const chance = 1 / 500;
    expect(r.after.pairs).toBe(500);
    expect(r.before.top1).toBeLessThan(5 * chance);
    expect(r.after.top1).toBeGreaterThan(50 * chance); // measured: 0.344
    expect(r.after.top5).toBeGreaterThan(0.5); // measured: 0.75
    expect(r.after.meanRank).toBeLessThan(r.before.meanRank / 10);
    expect(r.epochs.map((e) => e.loss)).toEqual([...r.epochs.map((e) => e.loss)].sort((a, b) => b - a));
    expect(r.temperature).not.toBe(Math.fround(0.07));
    expect(r.test.left.shape).toEqual([500, 64]);
  });

  it('is reproducible from its seed', () => {
    const run = () => trainContrastiveMnist(ds, { epochs: 1, trainPairs: 512, testPairs: 100, hiddenUnits: 32, embeddingSize: 16, seed: 3 });
    const a = run();
    const b = run();
    expect(b.epochs.map((e) => e.loss)).toEqual(a.epochs.map((e) => e.loss));
    expect(Array.from(b.test.left.values)).toEqual(Array.from(a.test.left.values));
    expect(b.temperature).toBe(a.temperature);
  });
});
