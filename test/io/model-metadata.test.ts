import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, modelToBytes, MODEL_FORMAT_VERSION, tensor } from '../../src/index.js';
import { assembleFile } from '../../src/io/container.js';

const fixture = new Uint8Array(readFileSync(new URL('./fixtures/model-v1.lkm', import.meta.url)));

function net() {
  const x = input({ shape: [3] });
  const z = layers.dense({ units: 2 }).apply(x);
  return model({ inputs: x, outputs: z, seed: 1 });
}

/** The file's header JSON, edited, reassembled with the given preamble version. */
function withHeader(bytes: Uint8Array, edit: (h: Record<string, unknown>) => void, version?: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(12, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + length)));
  edit(header);
  const dataStart = Math.ceil((24 + length) / 8) * 8;
  return assembleFile(new TextEncoder().encode(JSON.stringify(header)), bytes.subarray(dataStart), { version: version ?? header.formatVersion });
}

describe('model files keep class names and the data split (format version 2)', () => {
  it('a version-1 file written before them still loads, with the same predictions', () => {
    expect(new DataView(fixture.buffer, fixture.byteOffset).getUint32(8, true)).toBe(1);
    const m = modelFromBytes(fixture);
    expect(m.classNames).toBeUndefined();
    expect(m.dataSplit).toBeUndefined();
    // The logits the version-1 writer's own model gave (test/io/fixtures/make-model-v1.mjs, at commit ba70600).
    expect(m.predictLogits(tensor([[1, 2, 3]])).toArray()).toEqual([[2.7841315269470215, -1.615803599357605]]);
  });

  it('class names and the split round-trip through the bytes', () => {
    expect(MODEL_FORMAT_VERSION).toBe(3);
    const m = net();
    m.classNames = ['cat', 'dog'];
    m.dataSplit = { source: 'csv:pets.csv', rows: 120, fingerprint: 'ab12', seed: 7, testFraction: 0.2 };
    const back = modelFromBytes(modelToBytes(m));
    expect(back.classNames).toEqual(['cat', 'dog']);
    expect(back.dataSplit).toEqual(m.dataSplit);
    expect(modelFromBytes(modelToBytes(net())).classNames).toBeUndefined();
  });

  it('bad metadata is refused with the field named', () => {
    const m = net();
    m.classNames = ['only one'];
    expect(() => modelToBytes(m)).toThrow(/model\.classNames.*2 strings/);
    m.classNames = ['a', 'b'];
    const good = modelToBytes(m);
    expect(() => modelFromBytes(withHeader(good, (h) => void ((h.metadata as { classNames: string[] }).classNames = ['a'])))).toThrow(
      /header\.metadata\.classNames has 1 names for the model's 2/,
    );
    expect(() => modelFromBytes(withHeader(good, (h) => void ((h.metadata as Record<string, unknown>).colour = 1)))).toThrow(/colour/);
    expect(() => modelFromBytes(withHeader(good, (h) => void (h.formatVersion = 1), 1))).toThrow(/header\.metadata is not part of format version 1/);
    expect(() => modelFromBytes(withHeader(good, (h) => void (h.formatVersion = 4), 4))).toThrow(
      /format version 4 is not supported \(this logitkit reads versions 1 to 3\)/,
    );
  });
});

describe('format version 3 (the image layers)', () => {
  it('a file written by format version 2 (the build before the image layers) still loads, with its class names and logits', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/model-v2.lkm', import.meta.url)));
    const expected = JSON.parse(readFileSync(new URL('./fixtures/model-v2.json', import.meta.url), 'utf8'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(2);
    const m = modelFromBytes(bytes);
    expect(m.classNames).toEqual(expected.classNames);
    expect(Array.from(m.predict(tensor(expected.x)).values)).toEqual(expected.logits);
  });

  it('a version-2 file cannot name a layer class of version 3', () => {
    const x = input({ shape: [4, 4, 1] });
    const z = layers.dense({ units: 2 }).apply(layers.flatten().apply(layers.conv2d({ filters: 2, kernelSize: 3 }).apply(x)));
    const good = modelToBytes(model({ inputs: x, outputs: z, seed: 1 }));
    expect(modelFromBytes(good).layers.map((l) => l.className)).toEqual(['Input', 'Conv2D', 'Flatten', 'Dense']);
    expect(() => modelFromBytes(withHeader(good, (h) => void (h.formatVersion = 2), 2))).toThrow(
      /layer class Conv2D \(layer 'conv2d_1'\) is not part of format version 2/,
    );
  });
});
