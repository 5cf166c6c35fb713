import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeEmbeddedMnist, encodeIdx, idxToDataset, type Dataset, type IdxArray } from '../../src/data/index.js';
import { EMBEDDED_MNIST_URL } from '../../src/mnist.js';
import { loadEmbeddedMnist, loadIdxDataset } from '../../src/data/node.js';
import { Tensor } from '../../src/tensor/index.js';

// The `shape` option of the image loaders: 'image' gives each example the featureShape [H, W, C] (channels last, as
// conv2d takes it) instead of the flat [H·W·C], over the very same pixels.

const tmp = mkdtempSync(join(tmpdir(), 'logitkit-image-shape-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Two 2×3 images (pixel values chosen so every position differs) and their labels. */
const IMAGES: IdxArray = { dtype: 'uint8', dims: [2, 2, 3], data: Uint8Array.from([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 255]) };
const LABELS: IdxArray = { dtype: 'uint8', dims: [2], data: Uint8Array.from([3, 1]) };

function writeDir(name: string, images: IdxArray = IMAGES): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'train-images-idx3-ubyte'), encodeIdx(images));
  writeFileSync(join(dir, 'train-labels-idx1-ubyte'), encodeIdx(LABELS));
  writeFileSync(join(dir, 't10k-images-idx3-ubyte'), encodeIdx(images));
  writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), encodeIdx(LABELS));
  return dir;
}

/** The [N, ...featureShape] tensor a model is fed: the flat pixels viewed with the example shape. */
const asTensor = (ds: Dataset) => new Tensor(ds.images, [ds.count, ...ds.featureShape]);

/** Byte equality (toEqual walks 7.8 million floats one by one, for minutes). */
function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function expectSamePixels(image: Dataset, flat: Dataset): void {
  expect(image.count).toBe(flat.count);
  expect(image.images.length).toBe(flat.images.length);
  expect(sameBytes(image.images, flat.images)).toBe(true);
  expect(sameBytes(image.labels, flat.labels)).toBe(true);
  expect(image.imageShape).toEqual(flat.imageShape);
  expect(image.numClasses).toBe(flat.numClasses);
}

describe("idxToDataset's shape option", () => {
  it("'image' gives [H, W, 1] examples over the same pixels; 'flat' and the default give [H·W]", () => {
    const flat = idxToDataset(IMAGES, LABELS);
    expect(flat.featureShape).toEqual([6]);
    expect(idxToDataset(IMAGES, LABELS, { shape: 'flat' })).toEqual(flat);
    const image = idxToDataset(IMAGES, LABELS, { shape: 'image' });
    expect(image.featureShape).toEqual([2, 3, 1]);
    expectSamePixels(image, flat);
    const x = asTensor(image);
    expect(x.shape).toEqual([2, 2, 3, 1]);
    // NHWC: example 1, row 1, column 2, channel 0 is the last pixel of the second image.
    expect(x.values[((1 * 2 + 1) * 3 + 2) * 1 + 0]).toBe(1);
    expect(x.values[(0 * 2 + 1) * 3 + 0]).toBe(Math.fround(30 / 255));
  });

  it("keeps the channels of [N, H, W, C] images and refuses other ranks for 'image'", () => {
    const rgb: IdxArray = { dtype: 'uint8', dims: [2, 1, 2, 3], data: IMAGES.data };
    expect(idxToDataset(rgb, LABELS, { shape: 'image' }).featureShape).toEqual([1, 2, 3]);
    expect(idxToDataset(rgb, LABELS).featureShape).toEqual([6]);
    const rows: IdxArray = { dtype: 'uint8', dims: [2, 6], data: IMAGES.data };
    expect(() => idxToDataset(rows, LABELS, { shape: 'image' })).toThrow(
      "idxToDataset: argument 'images' must be images of dims [count, height, width] or [count, height, width, channels] for option shape 'image', got dims [2, 6]",
    );
    const five: IdxArray = { dtype: 'uint8', dims: [2, 1, 1, 2, 3], data: IMAGES.data };
    expect(() => idxToDataset(five, LABELS, { shape: 'image' })).toThrow(RangeError);
    expect(idxToDataset(rows, LABELS).featureShape).toEqual([6]);
  });

  it('rejects an unknown shape and unknown option names', () => {
    expect(() => idxToDataset(IMAGES, LABELS, { shape: 'nhwc' as 'image' })).toThrow(
      "idxToDataset: argument 'options.shape' must be one of 'flat', 'image', got 'nhwc'",
    );
    expect(() => idxToDataset(IMAGES, LABELS, { imageShape: true } as object)).toThrow(TypeError);
    expect(() => idxToDataset(IMAGES, LABELS, { imageShape: true } as object)).toThrow(
      "idxToDataset: unknown option 'imageShape' in 'options'; known options: one of 'numClasses', 'classNames', 'imagesSource', 'labelsSource', 'shape'",
    );
  });
});

describe("loadIdxDataset's shape option", () => {
  it("'image' loads both splits as [H, W, 1] examples, with the flat load's values", async () => {
    const dir = writeDir('ok');
    const flat = await loadIdxDataset(dir);
    const image = await loadIdxDataset(dir, { shape: 'image' });
    for (const split of ['train', 'test'] as const) {
      expect(flat[split].featureShape).toEqual([6]);
      expect(image[split].featureShape).toEqual([2, 3, 1]);
      expectSamePixels(image[split], flat[split]);
    }
  });

  it('rejects a bad shape or an unknown option before reading any file', async () => {
    const nowhere = join(tmp, 'nowhere');
    await expect(loadIdxDataset(nowhere, { shape: 'channels' as 'image' })).rejects.toThrow(
      "loadIdxDataset: argument 'options.shape' must be one of 'flat', 'image', got 'channels'",
    );
    await expect(loadIdxDataset(nowhere, { imagesSource: 'x' } as object)).rejects.toThrow(
      "loadIdxDataset: unknown option 'imagesSource' in 'options'; known options: one of 'numClasses', 'classNames', 'shape'",
    );
  });

  it("names the file when 'image' meets flat [N, D] rows", async () => {
    const dir = writeDir('rows', { dtype: 'uint8', dims: [2, 6], data: IMAGES.data });
    await expect(loadIdxDataset(dir)).resolves.toBeDefined();
    await expect(loadIdxDataset(dir, { shape: 'image' })).rejects.toThrow(
      `idxToDataset: file '${dir}/train-images-idx3-ubyte' must be images of dims [count, height, width] or [count, height, width, channels] for option shape 'image', got dims [2, 6]`,
    );
  });
});

describe("the embedded MNIST's shape option", () => {
  it('loadEmbeddedMnist({shape}) and loadEmbeddedMnist(url, {shape}) give [28, 28, 1] examples, pixel for pixel the flat ones', async () => {
    const flat = await loadEmbeddedMnist();
    expect(flat.featureShape).toEqual([784]);
    const image = await loadEmbeddedMnist({ shape: 'image' });
    expect(image.featureShape).toEqual([28, 28, 1]);
    expectSamePixels(image, flat);
    expect(asTensor(image).shape).toEqual([10_000, 28, 28, 1]);
    expect((await loadEmbeddedMnist(EMBEDDED_MNIST_URL, { shape: 'image' })).featureShape).toEqual([28, 28, 1]);
    expect((await loadEmbeddedMnist(EMBEDDED_MNIST_URL, { shape: 'flat' })).featureShape).toEqual([784]);
    expect((await loadEmbeddedMnist(EMBEDDED_MNIST_URL)).featureShape).toEqual([784]);
  });

  it('decodeEmbeddedMnist takes the option after the source', () => {
    const path = new URL(EMBEDDED_MNIST_URL);
    if (!existsSync(path)) return;
    const bytes = new Uint8Array(gunzipSync(readFileSync(path)));
    expect(decodeEmbeddedMnist(bytes).featureShape).toEqual([784]);
    expect(decodeEmbeddedMnist(bytes, 'the asset', { shape: 'image' }).featureShape).toEqual([28, 28, 1]);
    expect(() => decodeEmbeddedMnist(bytes, 'the asset', { shape: 'square' as 'image' })).toThrow(
      "decodeEmbeddedMnist: argument 'options.shape' must be one of 'flat', 'image', got 'square'",
    );
  });

  it('rejects unknown option names and a bad shape before reading the asset', async () => {
    await expect(loadEmbeddedMnist({ layout: 'image' } as object)).rejects.toThrow(
      "loadEmbeddedMnist: unknown option 'layout' in 'options'; known options: one of 'shape'",
    );
    await expect(loadEmbeddedMnist({ shape: 'tall' as 'image' })).rejects.toThrow(
      "loadEmbeddedMnist: argument 'options.shape' must be one of 'flat', 'image', got 'tall'",
    );
    await expect(loadEmbeddedMnist({ shape: 'image' } as unknown as URL, { shape: 'image' })).rejects.toThrow(
      "loadEmbeddedMnist: argument 'url' must be a URL (options come second)",
    );
  });
});

describe('toTensors follows featureShape', () => {
  it('gives [n, 28, 28, 1] for image-shaped data and [n, 784] for flat data, with the same values', async () => {
    const { data } = await import('../../src/node.js');
    const flat = await data.loadEmbeddedMnist();
    const image = await data.loadEmbeddedMnist({ shape: 'image' });
    const a = data.toTensors(flat, [5, 7]);
    const b = data.toTensors(image, [5, 7]);
    expect(a.x.shape).toEqual([2, 784]);
    expect(b.x.shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(b.x.values)).toEqual(Array.from(a.x.values));
    expect(Array.from(b.y.values)).toEqual(Array.from(a.y.values));
  });
});
