/**
 * exportOnnx against a real consumer: every exported model runs in ONNX Runtime (onnxruntime-node, CPU, one
 * thread), and its 'logits' and 'probabilities' equal logitkit's predictLogits / predictProba on the whole test
 * set within 1e-5 relative (per row: max |ours − ORT| / max |ours|), with the same decisions. Models: an MLP with
 * standardization on the embedded MNIST digits, two convolutional networks (same/valid padding, strides,
 * dilation, max/average pooling, batch normalization, flatten and global pooling, a softmax output), a TF-IDF
 * text model and a mean-of-embeddings text model with a padding mask; plus the metadata and the argument errors.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { data, input, layers, model, optimizers, reshape, sequential, slice, tensor, textClassifier, type Model, type Tensor } from '../../../src/index.js';
import { exportOnnx } from '../../../src/io/onnx/export.js';
import { decodeModel } from '../../../src/io/onnx/schema.js';
import { rowRelativeError } from '../../helpers/numbers.js';

const EMBEDDED = fileURLToPath(new URL('../../../assets/mnist-10k.idx.gz', import.meta.url));

let mnist: { train: { x: Tensor; y: Tensor }; test: { x: Tensor; y: Tensor } };
beforeAll(() => {
  const ds = data.decodeEmbeddedMnist(new Uint8Array(gunzipSync(readFileSync(EMBEDDED))));
  const split = data.splitTrainTest(ds);
  mnist = { train: data.toTensors(split.train), test: data.toTensors(split.test) };
});

const sessions: ort.InferenceSession[] = [];
const dir = mkdtempSync(join(tmpdir(), 'lk-onnx-export-'));

/*
 * The ONNX project's own checker (Debian's python3-onnx, which CI installs): the schema, the operators' attributes and
 * a full shape inference. Skipped with a warning where the module is missing.
 */
const PYTHON = '/usr/bin/python3';
const HAS_ONNX_CHECKER = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' }).status === 0;
if (!HAS_ONNX_CHECKER) console.warn('onnx export tests: no python3-onnx, the ONNX checker step is skipped (apt-get install python3-onnx)');
let checked = 0;
function onnxChecker(bytes: Uint8Array): void {
  if (!HAS_ONNX_CHECKER) return;
  const path = join(dir, `model-${checked++}.onnx`);
  writeFileSync(path, bytes);
  const r = spawnSync(PYTHON, ['-c', 'import onnx, sys; onnx.checker.check_model(onnx.load(sys.argv[1]), full_check=True)', path], { encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
}
afterAll(async () => {
  for (const s of sessions) await s.release();
});

/** Runs the exported bytes in ONNX Runtime on x (float32 features / images, or int32 ids). */
async function runOrt(bytes: Uint8Array, x: Tensor): Promise<{ logits: Float32Array; probabilities: Float32Array }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  sessions.push(session);
  const feed =
    x.dtype === 'int32'
      ? new ort.Tensor('int32', Int32Array.from(x.values), x.shape.slice())
      : new ort.Tensor('float32', Float32Array.from(x.values), x.shape.slice());
  const out = await session.run({ input: feed });
  return { logits: out.logits!.data as Float32Array, probabilities: out.probabilities!.data as Float32Array };
}

function argmaxRows(v: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < v.length / classes; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (v[r * classes + k]! > v[r * classes + best]!) best = k;
    out.push(best);
  }
  return out;
}

/** The agreement checks of the issue on one model and its whole test set. */
async function expectAgreement(net: Model, x: Tensor | string[], xOrt: Tensor, classes: number): Promise<{ logits: number; probabilities: number }> {
  const bytes = exportOnnx(net);
  onnxChecker(bytes);
  const theirs = await runOrt(bytes, xOrt);
  const logits = net.predictLogits(x).values;
  const proba = net.predictProba(x).values;
  const errLogits = rowRelativeError(logits, theirs.logits, classes);
  const errProba = rowRelativeError(proba, theirs.probabilities, classes);
  expect(theirs.logits.length).toBe(logits.length);
  expect(errLogits).toBeLessThanOrEqual(1e-5);
  expect(errProba).toBeLessThanOrEqual(1e-5);
  expect(argmaxRows(theirs.logits, classes)).toEqual(argmaxRows(logits, classes));
  return { logits: errLogits, probabilities: errProba };
}

describe('exportOnnx → ONNX Runtime', () => {
  it('an MLP with standardization (the seeds network) on all 2,000 test digits, with a stored temperature', async () => {
    const norm = layers.normalization();
    norm.adapt(mnist.train.x);
    const net = sequential([norm, layers.dense({ units: 32, activation: 'relu' }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 10 })], { seed: 1 });
    net.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy' });
    await net.fit(slice(mnist.train.x, 0, 2000), slice(mnist.train.y, 0, 2000), { epochs: 1, batchSize: 64, seed: 1 });
    net.classNames = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
    net.calibration = { method: 'temperature', temperature: 1.7 };
    const err = await expectAgreement(net, mnist.test.x, mnist.test.x, 10);
    expect(err.logits).toBeGreaterThanOrEqual(0);
    const proto = decodeModel(exportOnnx(net));
    const meta = Object.fromEntries((proto.metadataProps ?? []).map((e) => [e.key, e.value]));
    expect(JSON.parse(meta['logitkit.classNames']!)).toEqual(net.classNames);
    expect(JSON.parse(meta['logitkit.calibration']!)).toEqual({ method: 'temperature', temperature: 1.7 });
    expect(proto.opsetImport?.map((o) => [o.domain ?? '', o.version])).toEqual([['', 17]]);
    expect(proto.graph!.input![0]!.type!.tensorType!.shape!.dim![0]).toEqual({ dimParam: 'batch' });
    expect(proto.graph!.output!.map((o) => o.name)).toEqual(['logits', 'probabilities']);
  });

  it('convolutional networks (NHWC in, NCHW inside): same/valid padding, strides, dilation, pools, batch norm, flatten, softmax output', async () => {
    const images = (t: Tensor) => reshape(t, [t.shape[0]!, 28, 28, 1]);
    const x = input({ shape: [28, 28, 1] });
    let h = layers.conv2d({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    h = layers.maxPooling2d({ poolSize: 2, padding: 'same' }).apply(h);
    h = layers.batchNormalization().apply(h);
    h = layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }).apply(h);
    h = layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' }).apply(h);
    h = layers.conv2d({ filters: 4, kernelSize: 2, dilationRate: 2, activation: 'sigmoid' }).apply(h);
    h = layers.flatten().apply(h);
    h = layers.dropout({ rate: 0.3 }).apply(h);
    const net = model({ inputs: x, outputs: layers.dense({ units: 10, activation: 'softmax' }).apply(h), seed: 2 });
    net.compile({ optimizer: optimizers.adam({ learningRate: 3e-3 }), loss: 'sparseCategoricalCrossentropy' });
    await net.fit(images(slice(mnist.train.x, 0, 512)), slice(mnist.train.y, 0, 512), { epochs: 1, batchSize: 64, seed: 2 });
    const test = images(mnist.test.x);
    await expectAgreement(net, test, test, 10);

    // Global average pooling, a reshape and a residual Add between image values.
    const y = input({ shape: [28, 28, 1] });
    const a = layers.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(y);
    const b = layers.conv2d({ filters: 5, kernelSize: 5, padding: 'same' }).apply(a);
    const sum = layers.add().apply([a, b]);
    let g = layers.globalAveragePooling2d().apply(sum);
    g = layers.reshape({ targetShape: [5] }).apply(g);
    const net2 = model({ inputs: y, outputs: layers.dense({ units: 10 }).apply(layers.activation({ activation: 'relu' }).apply(g)), seed: 3 });
    await expectAgreement(net2, test, test, 10);
  });

  it('text models: a TF-IDF bag and a mean of embeddings with a padding mask (the vectorizer outside the graph)', async () => {
    const texts = [
      'the vote in parliament',
      'the minister and the election',
      'a new film and a singer',
      'the concert and the album',
      'a faster chip and screen',
      'new phone software features',
    ];
    const labels = tensor([0, 0, 1, 1, 2, 2], { dtype: 'int32' });
    const probe = [...texts, 'The new smartphone has amazing features.', 'unknown words only', '', 'parliament parliament film chip'];
    for (const arch of ['tfidf', 'embedding'] as const) {
      const net = textClassifier(texts, 3, { arch, sequenceLength: 8, embeddingDim: 6, seed: 4 });
      net.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy' });
      await net.fit(texts, labels, { epochs: 20, batchSize: 6, seed: 4 });
      const vectorized = net.textVectorization!.apply(probe);
      await expectAgreement(net, probe, vectorized, 3);
      const meta = Object.fromEntries((decodeModel(exportOnnx(net)).metadataProps ?? []).map((e) => [e.key, e.value]));
      expect(JSON.parse(meta['logitkit.textVectorization']!)).toEqual(net.textVectorization!.getConfig());
    }
  });

  it('rejects what it cannot export, naming the argument', () => {
    const x = input({ shape: [3] });
    const net = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), seed: 1 });
    expect(() => exportOnnx(net, { opset: 11 })).toThrow(/'options\.opset' must be one of 13, 14, 15, 16, 17, got 11/);
    expect(() => exportOnnx(net, { opst: 17 } as never)).toThrow(/opst/);
    expect(() => exportOnnx(net, { probabilities: 'yes' } as never)).toThrow(/options\.probabilities/);
    expect(() => exportOnnx({} as never)).toThrow(/model/);
    const bytes = exportOnnx(net, { probabilities: false, opset: 13 });
    const proto = decodeModel(bytes);
    expect(proto.graph!.output!.map((o) => o.name)).toEqual(['logits']);
    expect(proto.opsetImport![0]!.version).toBe(13);
  });
});
