import { existsSync, mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeIdx, FASHION_MNIST_CLASS_NAMES, parseIdx, type IdxArray } from '../../src/data/index.js';
import { loadIdxDataset } from '../../src/data/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'logitkit-idx-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Three 2×2 "images" and their labels, small enough to check by hand. */
const IMAGES: IdxArray = { dtype: 'uint8', dims: [3, 2, 2], data: Uint8Array.from([0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0]) };
const LABELS: IdxArray = { dtype: 'uint8', dims: [3], data: Uint8Array.from([7, 0, 9]) };

/** Writes an MNIST-style directory; `files` overrides any of the four files' bytes. */
function writeMnistDir(name: string, gz: boolean, files: Record<string, Uint8Array> = {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir);
  const defaults: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': encodeIdx(IMAGES),
    'train-labels-idx1-ubyte': encodeIdx(LABELS),
    't10k-images-idx3-ubyte': encodeIdx({ ...IMAGES, dims: [1, 2, 2], data: IMAGES.data.subarray(0, 4) }),
    't10k-labels-idx1-ubyte': encodeIdx({ ...LABELS, dims: [1], data: LABELS.data.subarray(0, 1) }),
  };
  for (const [file, bytes] of Object.entries({ ...defaults, ...files })) {
    writeFileSync(join(dir, gz ? `${file}.gz` : file), gz ? gzipSync(bytes) : bytes);
  }
  return dir;
}

function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

describe('parseIdx', () => {
  it('round-trips every IDX element type', () => {
    const cases: IdxArray[] = [
      { dtype: 'uint8', dims: [2, 2], data: Uint8Array.from([0, 1, 254, 255]) },
      { dtype: 'int8', dims: [3], data: Int8Array.from([-128, 0, 127]) },
      { dtype: 'int16', dims: [3], data: Int16Array.from([-32768, 258, 32767]) },
      { dtype: 'int32', dims: [1, 3], data: Int32Array.from([-(2 ** 31), 16909060, 2 ** 31 - 1]) },
      { dtype: 'float32', dims: [2], data: Float32Array.from([0.1, -3.5e38]) },
      { dtype: 'float64', dims: [2, 1, 1], data: Float64Array.from([Math.PI, -0]) },
    ];
    for (const array of cases) {
      const parsed = parseIdx(encodeIdx(array));
      expect(parsed.dtype).toBe(array.dtype);
      expect(parsed.dims).toEqual(array.dims);
      expect(Array.from(parsed.data)).toEqual(Array.from(array.data));
    }
  });

  it('reads big-endian, as the format says', () => {
    const parsed = parseIdx(bytes(0, 0, 0x0c, 1, 0, 0, 0, 1, 0x01, 0x02, 0x03, 0x04));
    expect(Array.from(parsed.data)).toEqual([0x01020304]);
  });

  const src = { source: "file 'x.idx'" };
  it.each([
    ['bad magic', bytes(1, 0, 8, 1, 0, 0, 0, 0), "parseIdx: file 'x.idx' must be an IDX file starting with bytes 00 00, got magic 01 00 08 01"],
    ['bad type code', bytes(0, 0, 0x0a, 1, 0, 0, 0, 0), 'must be an IDX element type code 08, 09, 0b, 0c, 0d or 0e, got type code 0a'],
    ['no dimensions', bytes(0, 0, 8, 0), 'must be an IDX file with at least one dimension, got 0 dimensions'],
    ['too short for a magic number', bytes(0, 0), 'must be an IDX file (at least a 4-byte magic number), got 2 bytes'],
    ['header cut off', bytes(0, 0, 8, 3, 0, 0, 0, 1), 'must be at least 16 bytes for a header with 3 dimensions, got 8 bytes'],
    ['truncated data', bytes(0, 0, 8, 1, 0, 0, 0, 3, 1, 2), 'must be 11 bytes (8-byte header + 3 uint8 elements for dims [3]), got 10 bytes (truncated)'],
    [
      'extra bytes',
      bytes(0, 0, 8, 1, 0, 0, 0, 1, 1, 2),
      'must be 9 bytes (8-byte header + 1 uint8 elements for dims [1]), got 10 bytes (extra bytes after the data)',
    ],
    [
      'truncated int32 data',
      bytes(0, 0, 0x0c, 1, 0, 0, 0, 1, 1, 2, 3),
      'must be 12 bytes (8-byte header + 1 int32 elements for dims [1]), got 11 bytes (truncated)',
    ],
    [
      'a header claiming 2^33 elements',
      bytes(0, 0, 8, 3, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 2),
      'must be an IDX header with at most 2147483647 elements, got dims [65536, 65536, 2]',
    ],
    [
      'a header claiming 4e9 × 4e9 elements',
      bytes(0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1),
      'must be an IDX header with at most 2147483647 elements, got dims [4294967295, 4294967295, 1]',
    ],
    [
      'a plausible header over a tiny file',
      bytes(0, 0, 8, 3, 0, 0, 0xea, 0x60, 0, 0, 0, 28, 0, 0, 0, 28, 0),
      'must be 47040016 bytes (16-byte header + 47040000 uint8 elements for dims [60000, 28, 28]), got 17 bytes (truncated)',
    ],
  ])('rejects %s', (_, input, message) => {
    expect(() => parseIdx(input, src)).toThrow(RangeError);
    expect(() => parseIdx(input, src)).toThrow(message);
  });
});

describe('loadIdxDataset', () => {
  it.each([
    ['raw', false],
    ['gzipped', true],
  ])('loads a %s MNIST-style directory', async (name, gz) => {
    const { train, test } = await loadIdxDataset(writeMnistDir(`ok-${name}`, gz));
    expect(train.count).toBe(3);
    expect(train.featureShape).toEqual([4]);
    expect(train.imageShape).toEqual([2, 2]);
    expect(train.numClasses).toBe(10);
    expect(Array.from(train.labels)).toEqual([7, 0, 9]);
    expect(Array.from(train.images.subarray(0, 4))).toEqual([0, 1, 0.2, 0.4].map(Math.fround));
    expect(test.count).toBe(1);
    expect(test.labels[0]).toBe(7);
  });

  it('passes class names through', async () => {
    const { train } = await loadIdxDataset(writeMnistDir('names', true), { classNames: [...FASHION_MNIST_CLASS_NAMES] });
    expect(train.classNames?.[train.labels[0]]).toBe('Sneaker');
  });

  it('rejects a label count that differs from the image count, naming both files', async () => {
    const dir = writeMnistDir('count', true, { 'train-labels-idx1-ubyte': encodeIdx({ dtype: 'uint8', dims: [2], data: bytes(1, 2) }) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(
      `idxToDataset: file '${dir}/train-labels-idx1-ubyte.gz' must be 3 labels, one per image in file '${dir}/train-images-idx3-ubyte.gz', got 2 labels`,
    );
  });

  it('rejects a label out of range', async () => {
    const dir = writeMnistDir('range', false, { 't10k-labels-idx1-ubyte': encodeIdx({ dtype: 'uint8', dims: [1], data: bytes(10) }) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(`file '${dir}/t10k-labels-idx1-ubyte' must be labels in [0, 10), got 10 at index 0`);
    await expect(loadIdxDataset(dir, { numClasses: 11 })).resolves.toBeDefined();
  });

  it('rejects corrupt files, naming them', async () => {
    const badMagic = writeMnistDir('magic', true, { 't10k-images-idx3-ubyte': bytes(0x50, 0x4b, 3, 4, 0, 0, 0, 0) });
    await expect(loadIdxDataset(badMagic)).rejects.toThrow(
      `parseIdx: file '${badMagic}/t10k-images-idx3-ubyte.gz' must be an IDX file starting with bytes 00 00, got magic 50 4b 03 04`,
    );
    const truncatedGzip = writeMnistDir('truncgz', false);
    writeFileSync(join(truncatedGzip, 'train-images-idx3-ubyte'), gzipSync(encodeIdx(IMAGES)).subarray(0, 15));
    await expect(loadIdxDataset(truncatedGzip)).rejects.toThrow(
      `loadIdxDataset: file '${truncatedGzip}/train-images-idx3-ubyte' must be valid gzip data of at most 2147484672 bytes once decompressed, got unexpected end of file`,
    );
    const labelsAsImages = writeMnistDir('swapped', false, { 'train-images-idx3-ubyte': encodeIdx(LABELS) });
    await expect(loadIdxDataset(labelsAsImages)).rejects.toThrow('must be an IDX array of examples with at least 2 dimensions [count, ...], got dims [3]');
  });

  it('rejects a directory without the files, listing the names tried', async () => {
    await expect(loadIdxDataset(join(tmp, 'nowhere'))).rejects.toThrow(
      /loadIdxDataset: argument 'dir' \('.*nowhere'\) must be a directory holding one of '.*train-images-idx3-ubyte', /,
    );
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';
const fashionPresent = existsSync(join(FASHION, 'train-images-idx3-ubyte.gz'));
if (!fashionPresent) console.warn(`Skipping the Fashion-MNIST test: ${FASHION} is absent (apt-get install dataset-fashion-mnist to run it).`);

describe.skipIf(!fashionPresent)(`Fashion-MNIST from ${FASHION}`, () => {
  it('loads 60,000 + 10,000 images with 6000 / 1000 per class', async () => {
    const { train, test } = await loadIdxDataset(FASHION, { classNames: [...FASHION_MNIST_CLASS_NAMES] });
    expect([train.count, test.count]).toEqual([60_000, 10_000]);
    expect(train.imageShape).toEqual([28, 28]);
    expect(train.images.length).toBe(60_000 * 784);
    const counts = (labels: Int32Array) => labels.reduce((c, l) => (c[l]++, c), new Array(10).fill(0));
    expect(counts(train.labels)).toEqual(new Array(10).fill(6000));
    expect(counts(test.labels)).toEqual(new Array(10).fill(1000));
    expect(test.classNames?.[test.labels[0]]).toBe('Ankle boot'); // the first test image, per the dataset's own docs
  });
});

describe('hostile IDX directories (D5)', () => {
  it('a small gzip stream inflates no further than its IDX header declares', async () => {
    const big = new Uint8Array(8 + 100 * 2 ** 20); // header [3, 2, 2] + 100 MiB of zeros: a 100 KB gzip file
    big.set(encodeIdx(IMAGES).subarray(0, 16));
    const dir = writeMnistDir('bomb', true, { 'train-images-idx3-ubyte': big.subarray(0, 16 + 100 * 2 ** 20 - 8) });
    const { memoryNow } = await import('../helpers/model-files.js');
    const before = memoryNow();
    await expect(loadIdxDataset(dir)).rejects.toThrow(
      /train-images-idx3-ubyte.gz' must be 28 bytes \(16-byte header \+ 12 uint8 elements for dims \[3, 2, 2\]\), got 29 bytes \(extra bytes after the data\)/,
    );
    expect(memoryNow() - before).toBeLessThan(64 * 2 ** 20);
  });

  it('train and test images of different shapes are an error', async () => {
    const dir = writeMnistDir('shapes', false, { 't10k-images-idx3-ubyte': encodeIdx({ dtype: 'uint8', dims: [1, 1, 4], data: IMAGES.data.subarray(0, 4) }) });
    await expect(loadIdxDataset(dir)).rejects.toThrow(
      /t10k-images-idx3-ubyte' must be images of the training images' shape \[2, 2\] \(file '.*train-images-idx3-ubyte'\), got images of shape \[1, 4\]/,
    );
  });

  it('a directory where a file should be, and /dev/zero, are clear errors', async () => {
    const dir = writeMnistDir('dirs', false);
    rmSync(join(dir, 'train-labels-idx1-ubyte'));
    mkdirSync(join(dir, 'train-labels-idx1-ubyte'));
    await expect(loadIdxDataset(dir)).rejects.toThrow(/loadIdxDataset: file '.*train-labels-idx1-ubyte' must be a file, got a directory/);
    rmSync(join(dir, 'train-images-idx3-ubyte'));
    symlinkSync('/dev/zero', join(dir, 'train-images-idx3-ubyte'));
    await expect(loadIdxDataset(dir)).rejects.toThrow(/train-images-idx3-ubyte' must be an IDX element type code/);
  });
});
