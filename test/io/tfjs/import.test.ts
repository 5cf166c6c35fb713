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

/** A TF.js functional model: int32 ids → embedding → average pooling → two dense branches → add → tanh → dense. */
function functional(): tf.LayersModel {
  const ids = tf.input({ shape: [7], dtype: 'int32', name: 'ids' });
  const pooled = tf.layers.globalAveragePooling1d().apply(tf.layers.embedding({ inputDim: 20, outputDim: 6 }).apply(ids)) as tf.SymbolicTensor;
  const left = tf.layers.dense({ units: 8, activation: 'relu' }).apply(pooled) as tf.SymbolicTensor;
  const right = tf.layers.dense({ units: 8, useBias: false }).apply(pooled) as tf.SymbolicTensor;
  const sum = tf.layers.add().apply([left, right]) as tf.SymbolicTensor;
  const act = tf.layers.activation({ activation: 'tanh' }).apply(sum) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3 }).apply(act) as tf.SymbolicTensor;
  const m = tf.model({ inputs: ids, outputs: out });
  randomizeWeights(m, 11);
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
    const theirs = functional();
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

/**
 * tensorflowjs_converter's model.json from a Keras model: the topology under model_config, beside the training
 * config and Keras's version (tfjs-converter's keras_h5_conversion reads them from the saved model's attributes).
 */
function converterTopology(kerasVersion: string, modelConfig: any): any {
  return {
    keras_version: kerasVersion,
    backend: 'tensorflow',
    model_config: modelConfig,
    training_config: { loss: 'categorical_crossentropy', metrics: ['accuracy'], optimizer_config: { class_name: 'Adam', config: { learning_rate: 0.001 } } },
  };
}

/**
 * The same model in Keras 3's serialization, as Keras 3 writes it and the converter passes it on (read from Keras 3's
 * get_config / serialize_node and from a file tensorflowjs_converter 4.6 wrote from Keras 3.4): every object carries
 * module and registered_name, layers a build_config; dtypes are DTypePolicy objects, initializers objects; a
 * Sequential lists its InputLayer (batch_shape) and its build_input_shape; a functional layer's inbound node is the
 * call's {args, kwargs} with __keras_tensor__ arguments (a list of them for Add), and a lone input is one reference.
 */
/** A TF.js layer's input shape (a list of them for a merge layer), as Keras 3's build_config holds it. */
function inputShapeOf(layer: tf.layers.Layer): unknown {
  const input = layer.input as tf.SymbolicTensor | tf.SymbolicTensor[];
  return Array.isArray(input) ? input.map((t) => t.shape) : input.shape;
}

function keras3(m: tf.LayersModel, a: tf.io.ModelArtifacts): TfjsArtifacts {
  const topology = structuredClone(a.modelTopology) as any;
  const policy = { module: 'keras', class_name: 'DTypePolicy', config: { name: 'float32' }, registered_name: null };
  const sequential = topology.class_name === 'Sequential';
  const tensorOf = (name: string) => ({
    class_name: '__keras_tensor__',
    config: { shape: m.getLayer(name).outputShape, dtype: 'float32', keras_history: [name, 0, 0] },
  });
  const layers = topology.config.layers.map((l: any) => {
    const config: Record<string, unknown> = { ...l.config };
    for (const [k, v] of Object.entries(config)) {
      if (k.endsWith('_initializer') && v !== null) config[k] = { module: 'keras.initializers', ...(v as object), registered_name: null };
    }
    if (l.class_name === 'InputLayer') {
      const { batch_input_shape: shape, ...rest } = config;
      return {
        module: 'keras.layers',
        class_name: 'InputLayer',
        config: { ...rest, batch_shape: shape, ragged: false, optional: false },
        registered_name: null,
        name: l.name,
        inbound_nodes: [],
      };
    }
    delete config.batch_input_shape;
    config.dtype = structuredClone(policy);
    if (l.class_name === 'Dense' || l.class_name === 'Conv2D' || l.class_name === 'Embedding') config.quantization_config = null;
    const entry: any = {
      module: 'keras.layers',
      class_name: l.class_name,
      config,
      registered_name: null,
      build_config: { input_shape: inputShapeOf(m.getLayer(l.config.name)) },
    };
    if (!sequential) {
      const refs = l.inbound_nodes[0].map((r: any) => r[0] as string);
      entry.name = l.name;
      entry.inbound_nodes = [{ args: [refs.length === 1 ? tensorOf(refs[0]) : refs.map(tensorOf)], kwargs: {} }];
    }
    return entry;
  });
  let config: any;
  if (sequential) {
    const inputShape = topology.config.layers[0].config.batch_input_shape;
    const input = {
      module: 'keras.layers',
      class_name: 'InputLayer',
      config: { batch_shape: inputShape, dtype: 'float32', sparse: false, ragged: false, name: 'input_layer', optional: false },
      registered_name: null,
    };
    config = { name: topology.config.name, trainable: true, dtype: policy, layers: [input, ...layers], build_input_shape: inputShape };
  } else {
    config = {
      name: topology.config.name,
      trainable: true,
      layers,
      input_layers: topology.config.input_layers[0],
      output_layers: topology.config.output_layers,
    };
  }
  const modelConfig = {
    module: 'keras',
    class_name: sequential ? 'Sequential' : 'Functional',
    config,
    registered_name: sequential ? null : 'Functional',
    build_config: { input_shape: m.inputs[0].shape },
  };
  return {
    format: 'layers-model',
    generatedBy: 'keras v3.4.1',
    convertedBy: 'TensorFlow.js Converter v4.6.0',
    modelTopology: converterTopology('3.4.1', modelConfig),
    weightSpecs: a.weightSpecs,
    weightData: a.weightData!,
  };
}

describe("importTfjs: tensorflowjs_converter's files from Keras 2 and Keras 3", () => {
  it('Keras 2: the topology under model_config, beside the training config', async () => {
    const theirs = cnn();
    const a = await artifactsOf(theirs);
    const { keras_version: _v, backend: _b, ...own } = a.modelTopology as any;
    const ours = importTfjs({ ...a, modelTopology: converterTopology('2.15.0', own) } as TfjsArtifacts);
    expect(compare(ours, theirs, uniformFloat32(16 * 12 * 12 * 2, 4), [16, 12, 12, 2])).toBeLessThan(1e-5);
    expect(() => importTfjs({ ...a, modelTopology: { ...(a.modelTopology as object), model_config: own } } as TfjsArtifacts)).toThrow(
      /both model_config and its own class_name/,
    );
  });

  it('Keras 3: a Sequential CNN (InputLayer with batch_shape, DTypePolicy, build configs) computes what TF.js computes', async () => {
    const theirs = cnn();
    const ours = importTfjs(keras3(theirs, await artifactsOf(theirs)));
    expect(ours.className).toBe('Sequential');
    expect(compare(ours, theirs, uniformFloat32(16 * 12 * 12 * 2, 8), [16, 12, 12, 2])).toBeLessThan(1e-5);
  });

  it('Keras 3: a functional model (call records with __keras_tensor__ arguments, a list of them for Add, a lone input reference)', async () => {
    const theirs = functional();
    const k3 = keras3(theirs, await artifactsOf(theirs));
    const config = (k3.modelTopology as any).model_config.config;
    expect(config.input_layers).toEqual(['ids', 0, 0]);
    expect(config.layers.find((l: any) => l.class_name === 'Add').inbound_nodes[0].args[0]).toHaveLength(2);
    const ours = importTfjs(k3);
    expect(ours.className).toBe('Model');
    const x = Float32Array.from(uniformFloat32(40 * 7, 6, 0, 20), Math.floor);
    expect(compare(ours, theirs, x, [40, 7], 'int32')).toBeLessThan(1e-5);
  });

  it('Keras 3: what we do not compute is refused, naming the layer (keyword arguments, LoRA, quantized kernels, optional inputs, float16)', async () => {
    const theirs = functional();
    const base = keras3(theirs, await artifactsOf(theirs));
    const edit = (f: (config: any) => void): TfjsArtifacts => {
      const t = structuredClone(base.modelTopology) as any;
      f(t.model_config.config);
      return { ...base, modelTopology: t };
    };
    const dense = (c: any) => c.layers.find((l: any) => l.class_name === 'Dense' && l.config.use_bias === false);
    // Keras 2's form carries a call's keyword arguments as a reference's fourth element.
    const keras2 = structuredClone({ ...(await artifactsOf(theirs)), weightData: undefined }) as any;
    dense(keras2.modelTopology.config).inbound_nodes[0][0][3] = { training: true };
    expect(() => importTfjs({ ...keras2, weightData: base.weightData })).toThrow(/is called with the keyword arguments training/);
    expect(importTfjs(edit((c) => (dense(c).inbound_nodes[0].kwargs = { mask: null }))).className).toBe('Model');
    expect(() => importTfjs(edit((c) => (dense(c).inbound_nodes[0].kwargs = { training: false })))).toThrow(
      /layer 'dense_Dense\d+' is called with the keyword arguments training/,
    );
    expect(() => importTfjs(edit((c) => (dense(c).config.lora_rank = 4)))).toThrow(/config.lora_rank is 4, logitkit supports lora_rank null/);
    expect(() => importTfjs(edit((c) => (dense(c).config.quantization_config = { class_name: 'Int8QuantizationConfig' })))).toThrow(/quantization_config null/);
    expect(() => importTfjs(edit((c) => (c.layers[0].config.optional = true)))).toThrow(/input 'ids' is optional/);
    expect(() => importTfjs(edit((c) => (dense(c).config.dtype.config.name = 'mixed_float16')))).toThrow(
      /layer 'dense_Dense\d+' \(Dense\): config.dtype .*float32 layers/,
    );
    expect(() => importTfjs(edit((c) => (dense(c).registered_name = 'mylib>Dense')))).toThrow(/registered custom class "mylib>Dense"/);
    expect(() => importTfjs(edit((c) => (dense(c).module = 'mylib.layers')))).toThrow(/module must be a module of Keras/);
    expect(() => importTfjs(edit((c) => (dense(c).inbound_nodes[0].args[0].class_name = '__tensor__')))).toThrow(/'__keras_tensor__'/);
    expect(() => importTfjs(edit((c) => (dense(c).inbound_nodes[0].args[0].config.keras_history = ['ids', 1, 0])))).toThrow(/takes output \[1,0\] of 'ids'/);
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
