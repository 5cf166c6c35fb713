import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, ModelFileError, modelToBytes, sequential, tensor, type Model } from '../../src/index.js';
import { loadModel, saveModel } from '../../src/node.js';
import { assembleFile, PREAMBLE_BYTES } from '../../src/io/container.js';
import { crc32 } from '../../src/io/crc32.js';
import { explode, rebuild } from '../helpers/model-files.js';
import { bitsEqual } from '../helpers/train.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-io-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seedsNet(): Model {
  const x = input({ shape: [20] });
  const h = layers.dense({ units: 8, activation: 'relu' }).apply(x);
  return model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed: 3, name: 'tiny' });
}

function expectSameModel(a: Model, b: Model): void {
  expect(b.summary(false).text).toBe(a.summary(false).text);
  expect(b.weights.map((v) => v.name)).toEqual(a.weights.map((v) => v.name));
  a.weights.forEach((v, i) => expect(bitsEqual(v.value, b.weights[i].value)).toBe(true));
  const x = tensor(
    Array.from({ length: 2 * a.inputShape[0] }, (_, i) => Math.cos(i)),
    { shape: [2, a.inputShape[0]] },
  );
  expect(bitsEqual(a.predict(x), b.predict(x))).toBe(true);
}

describe('CRC-32', () => {
  it('matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
});

describe('save → load round trip, equal to the bit', () => {
  it('functional model through bytes (the browser path)', () => {
    const a = seedsNet();
    const bytes = modelToBytes(a);
    const b = modelFromBytes(bytes);
    expectSameModel(a, b);
    expect(b.name).toBe('tiny');
    expect(b.seed).toBe(3);
    expect(Array.from(modelToBytes(b))).toEqual(Array.from(bytes));
  });

  it('sequential, float64, softmax head, DAG with a shared layer', () => {
    const s = sequential([layers.dense({ units: 4, activation: 'tanh', inputShape: [6] }), layers.dense({ units: 3, activation: 'softmax' })], {
      seed: 1,
      dtype: 'float64',
    });
    const s2 = modelFromBytes(modelToBytes(s));
    expect(s2.className).toBe('Sequential');
    expect(s2.dtype).toBe('float64');
    expectSameModel(s, s2);
    const x = input({ shape: [5] });
    const shared = layers.dense({ units: 5, activation: 'sigmoid' });
    const merged = layers.add().apply([shared.apply(x), shared.apply(layers.dense({ units: 5 }).apply(x))]);
    const d = model({ inputs: x, outputs: layers.activation({ activation: 'softmax' }).apply(merged), seed: 4 });
    expectSameModel(d, modelFromBytes(modelToBytes(d)));
    const n = sequential(
      [
        layers.normalization().adapt(
          tensor([
            [1, 2, 3, 4, 5, 6],
            [0, 0, 1, 1, 2, 9],
          ]),
        ),
        layers.dense({ units: 2 }),
      ],
      { inputShape: [6], seed: 2 },
    );
    const n2 = modelFromBytes(modelToBytes(n));
    expectSameModel(n, n2);
    expect(n2.trainableWeights.length).toBe(2);
  });

  it('rejects a normalization layer with a negative variance', () => {
    const n = sequential([layers.normalization(), layers.dense({ units: 2 })], { inputShape: [3], seed: 2 });
    n.layers[1].weights[1].assign(tensor([1, -0.5, 1]));
    expect(() => modelFromBytes(modelToBytes(n))).toThrow(/layer 'normalization_1' has invalid weights: variance -0.5 < 0 at index 1/);
  });

  it('saveModel / loadModel write one file atomically and leave no temp files', async () => {
    const a = seedsNet();
    const path = join(dir, 'tiny.lkm');
    await saveModel(a, path);
    await saveModel(a, path); // replaces it
    expect(readdirSync(dir).filter((n) => n.includes('tiny'))).toEqual(['tiny.lkm']);
    expectSameModel(a, await loadModel(path));
  });
});

describe('corrupt files are rejected with a clear message', () => {
  const good = modelToBytes(seedsNet());
  const reject = (bytes: Uint8Array, pattern: RegExp) => {
    let error: unknown;
    try {
      modelFromBytes(bytes, { source: "file 'bad.lkm'" });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ModelFileError);
    expect((error as Error).message).toMatch(/^modelFromBytes: file 'bad.lkm' is not a valid logitkit model file: /);
    expect((error as Error).message).toMatch(pattern);
  };

  it('bad JSON', () => {
    const { data } = explode(good);
    reject(assembleFile(new TextEncoder().encode('{"format": "logitkit-model", '), data), /bad JSON in the header/);
  });

  it('wrong version', () => {
    const { header, data } = explode(good);
    reject(rebuild(header, data, { version: 7 }), /format version 7 is not supported \(this logitkit reads versions 1 to 6\)/);
    reject(rebuild({ ...header, formatVersion: 8 }, data), /formatVersion 8 does not match/);
  });

  it('truncated weights and truncated files', () => {
    reject(good.slice(0, good.length - 10), /truncated: \d+ bytes, the header describes \d+/);
    reject(good.slice(0, 100), /truncated: the header needs/);
    reject(good.slice(0, 10), /truncated: 10 bytes, shorter than the 24-byte preamble/);
    reject(new Uint8Array([...good, 0, 0, 0, 0, 0, 0, 0, 0]), /8 unexpected bytes after the end/);
  });

  it('wrong byte length of a tensor', () => {
    const { header, data } = explode(good);
    header.tensors[0].byteLength -= 4;
    reject(rebuild(header, data), /tensor 'dense_1\/kernel': byteLength 636 does not match shape \[20, 8\] float32 \(640 bytes\)/);
  });

  it('NaN and infinite weights', () => {
    const { header, data } = explode(good);
    new DataView(data.buffer).setFloat32(header.tensors[1].offset + 4, Number.NaN, true);
    header.data.crc32 = crc32(data);
    reject(rebuild(header, data), /tensor 'dense_1\/bias' holds a non-finite value NaN at flat index 1/);
    new DataView(data.buffer).setFloat32(header.tensors[1].offset + 4, Number.POSITIVE_INFINITY, true);
    header.data.crc32 = crc32(data);
    reject(rebuild(header, data), /non-finite value Infinity/);
  });

  it('oversized header and oversized counts', () => {
    const { header, data } = explode(good);
    reject(rebuild(header, data, { headerLength: 0xffffffff }), /oversized or empty header: the preamble claims 4294967295 bytes \(limit 16777216\)/);
    const huge = structuredClone(header);
    huge.tensors[0].shape = [1 << 20, 1 << 20];
    reject(rebuild(huge, data), /more than 268435456 elements/);
    const many = structuredClone(header);
    many.tensors = Array.from({ length: 5000 }, () => header.tensors[0]);
    reject(rebuild(many, data), /header.tensors has 5000 items, more than the limit of 4096/);
    const deep = structuredClone(header);
    deep.model.layers[1].config.units = 2 ** 40;
    reject(rebuild(deep, data), /units must be an integer in \[1, 2147483647\]/);
  });

  it('checksum mismatch in the data or the header', () => {
    const bad = good.slice();
    bad[bad.length - 5] ^= 0x40;
    reject(bad, /weights checksum mismatch \(stored crc32 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
    const badHeader = good.slice();
    badHeader[PREAMBLE_BYTES + 30] ^= 0x01;
    reject(badHeader, /header checksum mismatch/);
  });

  it('bad magic, wrong types, unknown fields, unknown layers, shapes that do not fit the architecture', () => {
    const { header, data } = explode(good);
    reject(rebuild(header, data, { magic: new TextEncoder().encode('PK\u0003\u0004xxxx') }), /bad magic bytes 50 4b 03 04/);
    const t1 = structuredClone(header);
    t1.model.layers[1].config.units = '8';
    reject(rebuild(t1, data), /header.model.layers\[1\].config.units must be an integer/);
    const t2 = structuredClone(header);
    t2.model.layers[1].config.code = 'process.exit(1)';
    reject(rebuild(t2, data), /header.model.layers\[1\].config has an unknown field "code"/);
    const t3 = structuredClone(header);
    t3.model.layers[1].className = 'Lambda';
    reject(
      rebuild(t3, data),
      /className must be one of 'Input', 'Dense', 'Activation', 'Add', 'Normalization', 'Conv2D', .*'BatchNormalization', .*got "Lambda"/,
    );
    const t4 = structuredClone(header);
    t4.model.layers[1].config.units = 9;
    reject(rebuild(t4, data), /tensor 'dense_1\/kernel' is float32 \[20, 8\], the architecture needs float32 \[20, 9\]/);
    const t5 = structuredClone(header);
    t5.model.nodes[1].inputs = [2];
    reject(rebuild(t5, data), /nodes\[1\].inputs\[0\] must be an integer in \[0, 0\]/);
    const t6 = structuredClone(header);
    t6.model.layers[2].config.activation = 'eval';
    reject(rebuild(t6, data), /activation must be one of 'linear'/);
    const t7 = structuredClone(header);
    t7.tensors[0].dtype = 'int32';
    reject(rebuild(t7, data), /dtype must be one of 'float32', 'float64'/);
    reject(assembleFile(new TextEncoder().encode('[1, 2]'), new Uint8Array(0)), /header must be an object/);
  });

  it('loadModel names the file', async () => {
    const path = join(dir, 'corrupt.lkm');
    const bad = good.slice();
    bad[bad.length - 1] ^= 1;
    writeFileSync(path, bad);
    await expect(loadModel(path)).rejects.toThrow(`loadModel: file '${path}' is not a valid logitkit model file: weights checksum mismatch`);
    await expect(loadModel(join(dir, 'missing.lkm'))).rejects.toThrow(
      /missing.lkm' is not a valid logitkit model file: it must be a readable file, got ENOENT/,
    );
    await expect(loadModel(dir)).rejects.toThrow(`loadModel: file '${dir}' is not a valid logitkit model file: it must be a file, got a directory`);
    await expect(loadModel('/dev/zero')).rejects.toThrow(/bad magic bytes 00 00 00 00/);
    // A pipe that never ends: the reader stops at its first chunk, whose magic is wrong.
    const fifo = join(dir, 'endless.fifo');
    execFileSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', `exec yes > '${fifo}'`], { stdio: 'ignore' });
    try {
      await expect(loadModel(fifo)).rejects.toThrow(/bad magic bytes 79 0a 79 0a/);
    } finally {
      writer.kill();
    }
    expect(readFileSync(path).length).toBe(good.length);
  });

  it('readFileBounded hands its early-stop check the head of the file, not every byte read so far (linear time)', async () => {
    const { HEAD_BYTES, readFileBounded } = await import('../../src/io/read-bounded.js');
    const path = join(dir, 'big.bin');
    const bytes = new Uint8Array(40 * HEAD_BYTES + 123);
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 255;
    writeFileSync(path, bytes);
    const seen: Array<[number, number]> = [];
    const fail = (e: string, a: string) => new Error(`${e} / ${a}`);
    const out = await readFileBounded(path, 1e9, fail, (head, total) => (seen.push([head.length, total]), false));
    expect(Buffer.compare(out, bytes)).toBe(0);
    // Before: the check got concat(all chunks) at every chunk, so reading copied O(size²) bytes.
    expect(Math.max(...seen.map(([h]) => h))).toBeLessThanOrEqual(2 * HEAD_BYTES);
    expect(seen.at(-1)![1]).toBe(bytes.length);
    expect(seen.every(([h, t]) => h === Math.min(t, HEAD_BYTES) || h >= HEAD_BYTES)).toBe(true);
    // The check still stops the read, on the count of bytes: within one 64 KiB chunk past the point it says so.
    const early = await readFileBounded(path, 1e9, fail, (_head, total) => total > 3 * HEAD_BYTES);
    expect(early.length).toBeLessThanOrEqual(3 * HEAD_BYTES + 2 ** 16);
    expect(early.length).toBeLessThan(bytes.length);
  });
});
