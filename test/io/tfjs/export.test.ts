/**
 * exportTfjs / saveTfjs against the real consumer: TensorFlow.js 4 (tfjs-layers, cpu backend) loads what we write,
 * through tf.io.fromMemory and through TF.js's own model.json reader (tf.io.getModelArtifactsForJSON, what its
 * file and HTTP handlers call), and its predict equals ours within 1e-5 relative. Also the round trip back into
 * logitkit (bit for bit, with class names, calibration and trainable flags) and the models TF.js cannot compute.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportTfjs, importTfjs, input, layers, model, sequential, tensor, textClassifier, type Model } from '../../../src/index.js';
import { loadModel, saveTfjs } from '../../../src/node.js';
import { rowRelativeError, uniformFloat32 } from '../../helpers/numbers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** Random weights for every layer (batch-norm variances positive), so that no weight is its trivial initial value. */
function randomize(net: Model, seed: number): void {
  net.setWeights(
    net.weights.map((v, i) =>
      tensor(uniformFloat32(v.value.size, seed + i, v.name.endsWith('Variance') ? 0.5 : -0.5, v.name.endsWith('Variance') ? 1.5 : 0.5), {
        shape: [...v.shape],
      }),
    ),
  );
}

function cnn(): Model {
  const net = sequential(
    [
      layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }),
      layers.batchNormalization({ epsilon: 0.01 }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: [1, 2], dilationRate: 1, activation: 'tanh', kernelInitializer: 'heNormal' }),
      layers.averagePooling2d({ poolSize: 2, padding: 'same' }),
      layers.flatten(),
      layers.dropout({ rate: 0.4 }),
      layers.dense({ units: 16, activation: 'sigmoid' }),
      layers.dense({ units: 4 }),
    ],
    { inputShape: [12, 12, 2], seed: 4 },
  );
  randomize(net, 40);
  return net;
}

const tfjsOf = (files: ReturnType<typeof exportTfjs>) =>
  tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: files.modelJson.modelTopology,
      weightSpecs: files.modelJson.weightsManifest[0].weights,
      weightData: files.weightData.slice().buffer,
    }),
  );

describe('exportTfjs: TF.js loads and computes our models', () => {
  it('a Sequential CNN (conv same/valid, strides, batch norm, max/avg pooling, flatten, dropout, linear logits)', async () => {
    const ours = cnn();
    const theirs = await tfjsOf(exportTfjs(ours));
    expect(theirs.layers.map((l) => l.getClassName())).toEqual([
      'Conv2D',
      'BatchNormalization',
      'MaxPooling2D',
      'Conv2D',
      'AveragePooling2D',
      'Flatten',
      'Dropout',
      'Dense',
      'Dense',
    ]);
    const x = uniformFloat32(32 * 12 * 12 * 2, 8);
    const want = (theirs.predict(tf.tensor(x, [32, 12, 12, 2])) as tf.Tensor).dataSync();
    expect(rowRelativeError(ours.predict(tensor(x, { shape: [32, 12, 12, 2] })).values, want, 4)).toBeLessThan(1e-5);
  });

  it('a functional model on token ids (embedding, global average pooling 1D, add, activation, softmax output); float64 weights rounded', async () => {
    const ids = input({ shape: [7], dtype: 'int32' });
    const pooled = layers.globalAveragePooling1d().apply(layers.embedding({ inputDim: 20, outputDim: 6, dtype: 'float64' }).apply(ids));
    const sum = layers.add().apply([layers.dense({ units: 8, activation: 'relu' }).apply(pooled), layers.dense({ units: 8, useBias: false }).apply(pooled)]);
    const out = layers.dense({ units: 3, activation: 'softmax' }).apply(layers.activation({ activation: 'tanh' }).apply(sum));
    const ours = model({ inputs: ids, outputs: out, seed: 9 });
    expect(ours.dtype).toBe('float64');
    const theirs = await tfjsOf(exportTfjs(ours));
    const x = Int32Array.from(uniformFloat32(40 * 7, 5, 0, 20), Math.floor);
    const want = (theirs.predict(tf.tensor(x, [40, 7], 'int32')) as tf.Tensor).dataSync();
    expect(rowRelativeError(ours.predict(tensor(x, { shape: [40, 7], dtype: 'int32' })).values, want, 3)).toBeLessThan(1e-5);
  });

  it("saveTfjs writes model.json and weights.bin that TF.js's own model.json reader loads", async () => {
    const ours = cnn();
    const dir = join(mkdtempSync(join(tmpdir(), 'lk-tfjs-out-')), 'model');
    await saveTfjs(ours, dir);
    expect(readdirSync(dir).sort()).toEqual(['model.json', 'weights.bin']);
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
      const specs = manifest.flatMap((g) => g.weights);
      const bytes = manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
      return [specs, new Uint8Array(Buffer.concat(bytes)).buffer];
    });
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = uniformFloat32(8 * 12 * 12 * 2, 12);
    const want = (theirs.predict(tf.tensor(x, [8, 12, 12, 2])) as tf.Tensor).dataSync();
    expect(rowRelativeError(ours.predict(tensor(x, { shape: [8, 12, 12, 2] })).values, want, 4)).toBeLessThan(1e-5);
  });
});

describe('round trip: exportTfjs → importTfjs / loadModel', () => {
  it('gives the same outputs bit for bit, with class names, calibration and trainable flags', async () => {
    const ours = cnn();
    ours.classNames = ['a', 'b', 'c', 'd'];
    ours.calibration = { method: 'temperature', temperature: 1.5 };
    ours.layers[1].trainable = false;
    const dir = mkdtempSync(join(tmpdir(), 'lk-tfjs-rt-'));
    await saveTfjs(ours, dir);
    const back = await loadModel(join(dir, 'model.json'));
    const x = tensor(uniformFloat32(5 * 12 * 12 * 2, 1), { shape: [5, 12, 12, 2] });
    expect(Array.from(back.predict(x).values)).toEqual(Array.from(ours.predict(x).values));
    expect(Array.from(back.predictProba(x).values)).toEqual(Array.from(ours.predictProba(x).values));
    expect(back.classNames).toEqual(['a', 'b', 'c', 'd']);
    expect(back.calibration).toEqual({ method: 'temperature', temperature: 1.5 });
    expect(back.layers.map((l) => l.trainable)).toEqual(ours.layers.map((l) => l.trainable));
    const files = exportTfjs(ours);
    expect(importTfjs({ ...files.modelJson, weightData: files.weightData }).className).toBe('Sequential');
  });
});

describe('exportTfjs: models TF.js cannot compute are refused, naming why', () => {
  it('a text model, a masked embedding before average pooling, a Normalization layer, not a model', () => {
    const text = textClassifier(['a b c', 'b c d', 'c d e'], 2, { arch: 'tfidf', maxTokens: 50 });
    expect(() => exportTfjs(text)).toThrow(/a model without a textVectorization/);
    const ids = input({ shape: [4], dtype: 'int32' });
    const masked = model({
      inputs: ids,
      outputs: layers
        .dense({ units: 2 })
        .apply(layers.globalAveragePooling1d().apply(layers.embedding({ inputDim: 5, outputDim: 3, maskZero: true }).apply(ids))),
    });
    expect(() => exportTfjs(masked)).toThrow(/no masked embedding before GlobalAveragePooling1D/);
    const norm = layers.normalization();
    norm.adapt(
      tensor([
        [1, 2],
        [3, 5],
      ]),
    );
    expect(() => exportTfjs(sequential([norm, layers.dense({ units: 2 })], { inputShape: [2] }))).toThrow(/layer 'normalization\w*' of class Normalization/);
    expect(() => exportTfjs({} as never)).toThrow(/a logitkit model/);
  });
});
