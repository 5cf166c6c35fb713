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
    expect(MODEL_FORMAT_VERSION).toBe(6);
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
    expect(() => modelFromBytes(withHeader(good, (h) => void (h.formatVersion = 7), 7))).toThrow(
      /format version 7 is not supported \(this logitkit reads versions 1 to 6\)/,
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

describe('format version 4 (embeddings, token ids, language models)', () => {
  function lm() {
    const x = input({ shape: [2], dtype: 'int32' });
    const e = layers.flatten().apply(layers.embedding({ inputDim: 4, outputDim: 3 }).apply(x));
    const m = model({ inputs: x, outputs: layers.dense({ units: 4 }).apply(e), seed: 5 });
    m.classNames = ['<pad>', '<unk>', 'a', 'b'];
    m.languageModel = { tokenizer: 'characters', contextLength: 2, paddingId: 0, unknownId: 1 };
    return m;
  }

  it('a file written by format version 3 (the build before the embedding) still loads, with its class names and logits', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/model-v3.lkm', import.meta.url)));
    const expected = JSON.parse(readFileSync(new URL('./fixtures/model-v3.json', import.meta.url), 'utf8'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(3);
    const m = modelFromBytes(bytes);
    expect(m.classNames).toEqual(expected.classNames);
    expect(m.inputDType).toBe('float32');
    expect(Array.from(m.predict(tensor(expected.x)).values)).toEqual(expected.logits);
  });

  it('a file written by format version 4 (the build before text vectorization and masks) still loads, with its class names and logits', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/model-v4.lkm', import.meta.url)));
    const expected = JSON.parse(readFileSync(new URL('./fixtures/model-v4.json', import.meta.url), 'utf8'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(4);
    const m = modelFromBytes(bytes);
    expect(m.classNames).toEqual(expected.classNames);
    expect(m.inputDType).toBe('int32');
    expect(Array.from(m.predict(tensor(expected.x, { dtype: 'int32' })).values)).toEqual(expected.logits);
  });

  it('a file written by format version 5 (the build before trainable flags) still loads, every layer trainable, with its logits', () => {
    const bytes = new Uint8Array(readFileSync(new URL('./fixtures/model-v5.lkm', import.meta.url)));
    const expected = JSON.parse(readFileSync(new URL('./fixtures/model-v5.json', import.meta.url), 'utf8'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true)).toBe(5);
    const m = modelFromBytes(bytes);
    expect(m.classNames).toEqual(expected.classNames);
    expect(m.layers.every((l) => l.trainable)).toBe(true);
    expect(Array.from(m.predict(tensor(expected.x, { dtype: 'int32' })).values)).toEqual(expected.logits);
  });

  it('trainable flags round-trip (version 6); a version-5 file cannot hold one; they are not part of a checkpoint architecture', () => {
    const m = lm();
    m.layers[1].trainable = false;
    const bytes = modelToBytes(m);
    expect(modelFromBytes(bytes).layers.map((l) => l.trainable)).toEqual(m.layers.map((l) => l.trainable));
    expect(modelFromBytes(modelToBytes(lm())).layers.every((l) => l.trainable)).toBe(true);
    expect(() => modelFromBytes(withHeader(bytes, (h) => void (h.formatVersion = 5), 5))).toThrow(
      /layer 'embedding_\d+': trainable is not part of format version 5/,
    );
    expect(() => modelFromBytes(withHeader(bytes, (h) => void ((h.model as { layers: Array<Record<string, unknown>> }).layers[1].trainable = true)))).toThrow(
      /trainable must be false \(a frozen layer\) or absent, got true/,
    );
  });

  it('the language-model metadata round-trips; a version-3 file cannot hold an embedding, int32 ids or that metadata', () => {
    const good = modelToBytes(lm());
    const back = modelFromBytes(good);
    expect(back.languageModel).toEqual({ tokenizer: 'characters', contextLength: 2, paddingId: 0, unknownId: 1 });
    expect(back.classNames).toEqual(['<pad>', '<unk>', 'a', 'b']);
    const v3 = (edit: (h: Record<string, unknown>) => void = () => {}) =>
      withHeader(
        good,
        (h) => {
          h.formatVersion = 3;
          edit(h);
        },
        3,
      );
    expect(() => modelFromBytes(v3())).toThrow(/layer class Embedding \(layer 'embedding_1'\) is not part of format version 3/);
    const model3 = (h: Record<string, unknown>) => h.model as { layers: Array<{ className: string; name: string; config: Record<string, unknown> }> };
    const noEmbedding = (h: Record<string, unknown>) => {
      // Rename the embedding's class to pass the class check: the int32 input is still refused.
      model3(h).layers[1] = { className: 'Flatten', name: 'embedding_1', config: {} };
    };
    expect(() => modelFromBytes(v3(noEmbedding))).toThrow(/Input layer 'input_1' of dtype int32 \(token ids\) is not part of format version 3/);
    expect(() =>
      modelFromBytes(
        withHeader(good, (h) => {
          (h.metadata as Record<string, unknown>).languageModel = { tokenizer: 'characters', contextLength: 3, paddingId: 0, unknownId: 1 };
        }),
      ),
    ).toThrow(/header\.metadata\.languageModel: .*int32 input \[null, 3\]/);
    expect(() =>
      modelFromBytes(
        withHeader(good, (h) => {
          (h.metadata as Record<string, unknown>).languageModel = { tokenizer: 'characters', contextLength: 2, paddingId: 4, unknownId: 1 };
        }),
      ),
    ).toThrow(/header\.metadata\.languageModel\.paddingId must be an integer in \[0, 3\], got 4/);
    const m = lm();
    m.languageModel = { ...m.languageModel!, unknownId: 9 };
    expect(() => modelToBytes(m)).toThrow(/modelToBytes: argument 'model\.languageModel' must be unknownId in \[0, 3\]/);
  });

  it('a Dense layer fed int32 ids in a file is refused before anything is built', () => {
    const good = modelToBytes(lm());
    const bad = withHeader(good, (h) => {
      const m = h.model as { layers: Array<{ className: string; config: Record<string, unknown> }>; nodes: Array<{ layer: string; inputs: number[] }> };
      m.nodes[2].inputs = [0]; // flatten_1 applied to the ids
    });
    expect(() => modelFromBytes(bad)).toThrow(/layer 'flatten_1' \(Flatten\) takes float inputs, not int32 token ids/);
  });
});
