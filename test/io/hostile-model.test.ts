import { describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, ModelFileError, modelToBytes, sequential, type Model } from '../../src/index.js';
import { assembleFile } from '../../src/io/container.js';
import { explode, memoryNow, rebuild } from '../helpers/model-files.js';

function small(): Model {
  const x = input({ shape: [3] });
  return model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), seed: 1, name: 'small' });
}

function rejection(bytes: Uint8Array): ModelFileError {
  try {
    modelFromBytes(bytes);
  } catch (e) {
    expect(e).toBeInstanceOf(ModelFileError);
    return e as ModelFileError;
  }
  throw new Error('the file was accepted');
}

describe('D2: sizes implied by the architecture are checked before anything is built', () => {
  it('a tiny file declaring a huge dense layer is rejected without allocating it', () => {
    const { header, data } = explode(modelToBytes(small()));
    header.model.layers[0].config.shape = [2 ** 26]; // implies a 2^26 × 2 float32 kernel: 512 MiB
    const bytes = rebuild(header, data);
    expect(bytes.length).toBeLessThan(2048);
    const before = memoryNow();
    const error = rejection(bytes);
    expect(memoryNow() - before).toBeLessThan(64 * 2 ** 20);
    expect(error.message).toMatch(/tensor 'dense_1\/kernel' is float32 \[3, 2\], the architecture needs float32 \[67108864, 2\]/);
  });

  it('a weight beyond the element limit is named, with its layer', () => {
    const { header, data } = explode(modelToBytes(small()));
    header.model.layers[0].config.shape = [2 ** 20];
    header.model.layers[1].config.units = 2 ** 20;
    const before = memoryNow();
    expect(rejection(rebuild(header, data)).message).toMatch(
      /layer 'dense_1' implies weight 'dense_1\/kernel' float32 \[1048576, 1048576\], more than 268435456 elements/,
    );
    expect(memoryNow() - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a weight the tensor table lacks, and a sequential model, are caught the same way', () => {
    const { header, data } = explode(modelToBytes(small()));
    header.model.layers[1].config.useBias = false;
    header.model.weights = ['dense_1/kernel'];
    header.model.layers[1].name = 'other';
    header.model.nodes[1].layer = 'other';
    expect(rejection(rebuild(header, data)).message).toMatch(
      /the architecture needs weight 'other\/kernel' float32 \[3, 2\], but the weights data has no tensor 'other\/kernel'/,
    );
    const s = explode(modelToBytes(sequential([layers.dense({ units: 2, inputShape: [3] })], { seed: 1 })));
    s.header.model.layers[0].config.shape = [2 ** 26];
    const before = memoryNow();
    expect(rejection(rebuild(s.header, s.data)).message).toMatch(/the architecture needs float32 \[67108864, 2\]/);
    expect(memoryNow() - before).toBeLessThan(64 * 2 ** 20);
  });

  it('the planned weights are exactly those a built layer creates', () => {
    const x = input({ shape: [5] });
    const norm = layers.normalization();
    const h = layers.dense({ units: 4, useBias: false }).apply(norm.apply(x));
    const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed: 2 });
    for (const node of m.nodes) {
      const planned = node.layer.weightShapes(node.inputs.map((s) => s.shape)).map((w) => `${node.layer.name}/${w.name} [${w.shape}]`);
      expect(node.layer.weights.map((v) => `${v.name} [${v.shape}]`)).toEqual(planned);
    }
  });
});

describe('D5: a header nested thousands of levels deep is the file error, not a stack overflow', () => {
  it.each([5000, 100_000])('nesting %i levels', (levels) => {
    const { header, data } = explode(modelToBytes(small()));
    const text = JSON.stringify(header).replace('"seed":1', `"seed":${'['.repeat(levels)}1${']'.repeat(levels)}`);
    const error = rejection(assembleFile(new TextEncoder().encode(text), data));
    expect(error.message).toMatch(new RegExp(`the header nests arrays and objects ${levels + 2} levels deep, more than the limit of 64`));
  });

  it('brackets inside strings do not count', () => {
    const { header, data } = explode(modelToBytes(small()));
    header.createdBy = '['.repeat(200) + '"{';
    expect(modelFromBytes(rebuild(header, data)).name).toBe('small');
  });
});
