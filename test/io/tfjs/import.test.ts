/**
 * importTfjs / loadModel('model.json') against the real producer: TensorFlow.js 4 (tfjs-layers, cpu backend) builds
 * models in Node, saves them through an IO handler (tf.io.withSaveHandler: the ModelArtifacts any handler gets) and
 * as files (model.json from TF.js's own getModelJSONForModelArtifacts, weights in one or several shards), and our
 * model's outputs must equal TF.js's predict within 1e-5 relative on random inputs, its logits TF.js's
 * pre-softmax. Also: trainable flags, metadata, and the refusals (unsupported class or field, bad weights, paths).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { importTfjs, tensor, TfjsModelError, type Model, type TfjsArtifacts } from '../../../src/index.js';
import { loadModel } from '../../../src/node.js';
import { rowRelativeError, uniformFloat32 } from '../../helpers/numbers.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function artifactsOf(m: tf.LayersModel): Promise<tf.io.ModelArtifacts> {
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(
    tf.io.withSaveHandler(async (a) => {
      saved = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return saved!;
}

/** Gives every weight of a TF.js model random values (batch-norm variances positive), so no weight is trivial. */
function randomizeWeights(m: tf.LayersModel, seed: number): void {
  m.setWeights(
    m.weights.map((w, i) => {
      const shape = w.shape as number[];
      const variance = w.name.includes('variance');
      return tf.tensor(
        uniformFloat32(
          shape.reduce((a, b) => a * b, 1),
          seed + i,
          variance ? 0.5 : -0.5,
          variance ? 1.5 : 0.5,
        ),
        shape,
      );
    }),
  );
}

function cnn(): tf.Sequential {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [12, 12, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }));
  m.add(tf.layers.batchNormalization({ epsilon: 0.01 }));
  m.add(tf.layers.maxPooling2d({ poolSize: 2 }));
  m.add(tf.layers.conv2d({ filters: 5, kernelSize: [3, 2], strides: [1, 2], activation: 'tanh' }));
  m.add(tf.layers.averagePooling2d({ poolSize: 2, padding: 'same' }));
  m.add(tf.layers.flatten());
  m.add(tf.layers.dropout({ rate: 0.4 }));
  m.add(tf.layers.dense({ units: 16, activation: 'sigmoid' }));
  m.add(tf.layers.dense({ units: 4, activation: 'softmax' }));
  randomizeWeights(m, 7);
  return m;
}

function compare(ours: Model, theirs: tf.LayersModel, x: Float32Array, shape: number[], dtype: 'float32' | 'int32' = 'float32') {
  const want = (theirs.predict(tf.tensor(x, shape, dtype)) as tf.Tensor).dataSync();
  const got = ours.predict(tensor(dtype === 'int32' ? Int32Array.from(x) : x, { shape, dtype })).values;
  return rowRelativeError(got, want, want.length / shape[0]);
}

describe('importTfjs: models TF.js wrote', () => {
  it('a Sequential CNN (conv same/valid, strides, batch norm, max/avg pooling, flatten, dropout, softmax): predict = TF.js, logits = its pre-softmax', async () => {
    const theirs = cnn();
    const a = await artifactsOf(theirs);
    expect(a.modelTopology).toMatchObject({ class_name: 'Sequential', keras_version: expect.stringMatching(/^tfjs-layers/) });
    const ours = importTfjs(a as TfjsArtifacts);
    expect(ours.className).toBe('Sequential');
    const x = uniformFloat32(32 * 12 * 12 * 2, 3);
    expect(compare(ours, theirs, x, [32, 12, 12, 2])).toBeLessThan(1e-5);
    // TF.js's logits: the last dense layer's kernel and bias applied to its input, in TF.js ops.
    const penultimate = tf.model({ inputs: theirs.inputs, outputs: theirs.layers[theirs.layers.length - 2].output as tf.SymbolicTensor });
    const [k, b] = theirs.layers[theirs.layers.length - 1].getWeights();
    const logits = tf.add(tf.matMul(penultimate.predict(tf.tensor(x, [32, 12, 12, 2])) as tf.Tensor2D, k as tf.Tensor2D), b).dataSync();
    expect(rowRelativeError(ours.predictLogits(tensor(x, { shape: [32, 12, 12, 2] })).values, logits, 4)).toBeLessThan(1e-5);
    // float64: the same weights computed in double precision are within TF.js's float32 rounding too.
    const ours64 = importTfjs(a as TfjsArtifacts, { dtype: 'float64' });
    expect(ours64.dtype).toBe('float64');
    const got64 = ours64.predictLogits(tensor(Float64Array.from(x), { shape: [32, 12, 12, 2], dtype: 'float64' })).values;
    expect(rowRelativeError(got64, logits, 4)).toBeLessThan(1e-5);
  });

  it('a functional model (int32 ids → embedding → global average pooling 1D → two dense branches → add → activation → dense)', async () => {
    const ids = tf.input({ shape: [7], dtype: 'int32', name: 'ids' });
    const pooled = tf.layers.globalAveragePooling1d().apply(tf.layers.embedding({ inputDim: 20, outputDim: 6 }).apply(ids)) as tf.SymbolicTensor;
    const left = tf.layers.dense({ units: 8, activation: 'relu' }).apply(pooled) as tf.SymbolicTensor;
    const right = tf.layers.dense({ units: 8, useBias: false }).apply(pooled) as tf.SymbolicTensor;
    const sum = tf.layers.add().apply([left, right]) as tf.SymbolicTensor;
    const act = tf.layers.activation({ activation: 'tanh' }).apply(sum) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 3 }).apply(act) as tf.SymbolicTensor;
    const theirs = tf.model({ inputs: ids, outputs: out });
    randomizeWeights(theirs, 11);
    const ours = importTfjs((await artifactsOf(theirs)) as TfjsArtifacts);
    expect(ours.className).toBe('Model');
    const x = Float32Array.from(uniformFloat32(40 * 7, 5, 0, 20), Math.floor);
    expect(compare(ours, theirs, x, [40, 7], 'int32')).toBeLessThan(1e-5);
  });

  it('a Sequential model starting with an embedding (TF.js casts its float input to ids; ours takes int32)', async () => {
    const theirs = tf.sequential({
      layers: [tf.layers.embedding({ inputDim: 9, outputDim: 4, inputLength: 5 }), tf.layers.flatten(), tf.layers.dense({ units: 2 })],
    });
    randomizeWeights(theirs, 2);
    const ours = importTfjs((await artifactsOf(theirs)) as TfjsArtifacts);
    const x = Float32Array.from(uniformFloat32(10 * 5, 9, 0, 9), Math.floor);
    const want = (theirs.predict(tf.tensor(x, [10, 5])) as tf.Tensor).dataSync();
    expect(rowRelativeError(ours.predict(tensor(Int32Array.from(x), { shape: [10, 5], dtype: 'int32' })).values, want, 2)).toBeLessThan(1e-5);
  });

  it('keeps each layer trainable flag, so a model frozen in TF.js fine-tunes only its head here', async () => {
    const theirs = cnn();
    for (const l of theirs.layers.slice(0, -1)) l.trainable = false;
    const ours = importTfjs((await artifactsOf(theirs)) as TfjsArtifacts);
    expect(ours.layers.filter((l) => l.weights.length > 0).map((l) => l.trainable)).toEqual([false, false, false, false, true]);
  });
});

describe("loadModel('model.json'): TF.js's files on disk", () => {
  /** model.json as TF.js's file and HTTP handlers write it: the artifacts' fields, the specs under a manifest group. */
  const modelJson = (a: tf.io.ModelArtifacts, paths: string[]) => ({
    modelTopology: a.modelTopology,
    format: a.format,
    generatedBy: a.generatedBy,
    convertedBy: a.convertedBy,
    weightsManifest: [{ paths, weights: a.weightSpecs! }],
  });

  async function writeFiles(m: tf.LayersModel, shards: number): Promise<string> {
    const a = await artifactsOf(m);
    const data = new Uint8Array(a.weightData as ArrayBuffer);
    const size = Math.ceil(data.length / shards);
    const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
    const dir = mkdtempSync(join(tmpdir(), 'lk-tfjs-'));
    const json = modelJson(a, paths);
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    paths.forEach((p, i) => writeFileSync(join(dir, p), data.subarray(i * size, (i + 1) * size)));
    return dir;
  }

  it('reads model.json and its weight shards (one shard, and three) to the same outputs as TF.js', async () => {
    const theirs = cnn();
    const x = uniformFloat32(8 * 12 * 12 * 2, 21);
    for (const shards of [1, 3]) {
      const ours = await loadModel(join(await writeFiles(theirs, shards), 'model.json'));
      expect(compare(ours, theirs, x, [8, 12, 12, 2])).toBeLessThan(1e-5);
    }
  });

  it('refuses a missing or truncated shard and a path outside the directory, naming the file', async () => {
    const theirs = cnn();
    const dir = await writeFiles(theirs, 2);
    writeFileSync(join(dir, 'group1-shard2of2.bin'), new Uint8Array(8));
    await expect(loadModel(join(dir, 'model.json'))).rejects.toThrow(/weight data has \d+ bytes, but the weight specs describe \d+/);
    const json = JSON.parse(JSON.stringify(modelJson(await artifactsOf(theirs), ['../../etc/passwd'])));
    const evil = join(dir, 'evil');
    mkdirSync(evil);
    writeFileSync(join(evil, 'model.json'), JSON.stringify(json));
    await expect(loadModel(join(evil, 'model.json'))).rejects.toThrow(/paths\[0\] must be a path relative to the model.json's directory, inside it/);
    json.weightsManifest[0].paths = ['absent.bin'];
    writeFileSync(join(evil, 'model.json'), JSON.stringify(json));
    await expect(loadModel(join(evil, 'model.json'))).rejects.toThrow(TfjsModelError);
    writeFileSync(join(evil, 'model.json'), '{"a":'.repeat(100) + '1' + '}'.repeat(100));
    await expect(loadModel(join(evil, 'model.json'))).rejects.toThrow(/nests deeper than 64/);
  });
});

describe('importTfjs: refusals name what is wrong', () => {
  let base: TfjsArtifacts;
  beforeAll(async () => {
    base = (await artifactsOf(cnn())) as TfjsArtifacts;
  });
  const edit = (
    f: (a: {
      modelTopology: { config: { layers: Array<{ class_name: string; config: Record<string, unknown> }> } };
      weightSpecs: Array<Record<string, unknown>>;
    }) => void,
  ) => {
    const a = structuredClone({ ...base, weightData: undefined }) as unknown as Parameters<typeof f>[0];
    f(a);
    return { ...(a as object), weightData: base.weightData } as TfjsArtifacts;
  };

  it('an unsupported layer class, activation or config field', () => {
    expect(() => importTfjs(edit((a) => (a.modelTopology.config.layers[7].class_name = 'LSTM')))).toThrow(
      /layer 'dense_Dense\d+' has the class "LSTM", which logitkit does not support/,
    );
    expect(() => importTfjs(edit((a) => (a.modelTopology.config.layers[7].config.activation = 'elu')))).toThrow(
      /config.activation is "elu", logitkit supports the activations/,
    );
    expect(() => importTfjs(edit((a) => (a.modelTopology.config.layers[0].config.data_format = 'channels_first')))).toThrow(/data_format 'channels_last'/);
    expect(() => importTfjs(edit((a) => (a.modelTopology.config.layers[2].config.interpolation = 'bilinear')))).toThrow(
      /config.interpolation is a field logitkit does not know/,
    );
  });

  it('a small file claiming huge layers is refused before anything is allocated', () => {
    const huge = edit((a) => (a.modelTopology.config.layers[7].config.units = 2 ** 30));
    expect(() => importTfjs(huge)).toThrow(/layer 'dense_Dense\d+' needs \[\d+, 1073741824\]/);
    const wide = edit((a) => (a.modelTopology.config.layers[0].config.batch_input_shape = [null, 40000, 40000, 2]));
    expect(() => importTfjs(wide)).toThrow(/needs \[\d+, 16\]/);
  });

  it('weights: wrong byte count, wrong shape, a missing or an extra weight, quantized, non-finite', () => {
    expect(() => importTfjs({ ...base, weightData: new ArrayBuffer(12) })).toThrow(/weight data has 12 bytes/);
    expect(() => importTfjs(edit((a) => (a.weightSpecs[0].shape = [6, 2, 3, 3])))).toThrow(
      /has shape \[6, 2, 3, 3\], layer 'conv2d_Conv2D\d+' needs \[3, 3, 2, 6\]/,
    );
    expect(() => importTfjs(edit((a) => (a.weightSpecs[1].name = 'elsewhere/bias')))).toThrow(/needs the weight 'conv2d_Conv2D\d+\/bias'/);
    expect(() => importTfjs(edit((a) => (a.weightSpecs[0].quantization = { dtype: 'uint8', scale: 1, min: 0 })))).toThrow(/is quantized/);
    const extra = edit((a) => a.weightSpecs.push({ name: 'ghost/kernel', shape: [1], dtype: 'float32' }));
    expect(() => importTfjs({ ...extra, weightData: new Uint8Array([...new Uint8Array(base.weightData as ArrayBuffer), 0, 0, 0, 0]) })).toThrow(
      /the weight 'ghost\/kernel' belongs to no layer/,
    );
    const bad = new Float32Array((base.weightData as ArrayBuffer).slice(0));
    bad[3] = NaN;
    expect(() => importTfjs({ ...base, weightData: bad.buffer })).toThrow(/holds a non-finite value NaN at flat index 3/);
    expect(() => importTfjs({ ...base, format: 'graph-model' })).toThrow(/not TF.js graph models/);
    expect(() => importTfjs(base, { dtype: 'float16' as never })).toThrow(/options.dtype/);
    expect(() => importTfjs(base, { strict: true } as never)).toThrow(/strict/);
  });
});
