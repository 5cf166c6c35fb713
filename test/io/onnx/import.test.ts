/**
 * importOnnx against a real producer: ONNX files written by PyTorch's torch.onnx.export (fixtures made by
 * scripts/fixtures/onnx_torch_models.py: an MLP with a softmax output, a CNN with batch norm and the view() shape
 * chain, a CNN with average pooling, global pooling and a log-softmax output). Our logits equal PyTorch's within
 * 1e-5 relative in float32, and the exact logits (the same weights in float64) within 1e-12 in float64; the
 * decisions are the same. Also: a round trip of exportOnnx, the refusal of unsupported operators before any weight
 * is read, hostile bytes, and the seed-000 workflow (freeze the imported network, train a new head).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Dense, input, layers, model, modelFromBytes, modelToBytes, optimizers, Tensor, tensor } from '../../../src/index.js';
import { exportOnnx } from '../../../src/io/onnx/export.js';
import { importOnnx } from '../../../src/io/onnx/import.js';
import { encodeModel } from '../../../src/io/onnx/schema.js';

interface Fixture {
  inputShape: number[];
  input: number[];
  logits: number[][] | number[];
  logits64: number[][] | number[];
}
const read = (name: string) => ({
  bytes: new Uint8Array(readFileSync(new URL(`./fixtures/${name}.onnx`, import.meta.url))),
  fx: JSON.parse(readFileSync(new URL(`./fixtures/${name}.json`, import.meta.url), 'utf8')) as Fixture,
});

/** PyTorch's NCHW batch as logitkit's NHWC (the imported model's input), or the features as they are. */
function inputOf(fx: Fixture, dtype: 'float32' | 'float64'): Tensor {
  const s = fx.inputShape;
  if (s.length === 2) return tensor(fx.input, { shape: s, dtype });
  const [n, c, h, w] = s as [number, number, number, number];
  const out = new Array<number>(fx.input.length);
  for (let b = 0; b < n; b++)
    for (let ci = 0; ci < c; ci++)
      for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[((b * h + y) * w + x) * c + ci] = fx.input[((b * c + ci) * h + y) * w + x]!;
  return tensor(out, { shape: [n, h, w, c], dtype });
}

function maxRelative(ours: ArrayLike<number>, ref: number[]): number {
  const scale = Math.max(...ref.map(Math.abs));
  let worst = 0;
  for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - ref[i]!) / scale);
  return worst;
}
const argmaxRows = (v: ArrayLike<number>, k: number) =>
  Array.from({ length: v.length / k }, (_, r) => Array.from({ length: k }, (_, j) => v[r * k + j]!).reduce((b, x, j, a) => (x > a[b]! ? j : b), 0));

describe('importOnnx: PyTorch-exported classifiers', () => {
  for (const name of ['mlp', 'cnn', 'cnn_gap']) {
    it(`${name}: logits equal PyTorch's (float32 1e-5, float64 1e-12), same decisions`, () => {
      const { bytes, fx } = read(name);
      const ref = (fx.logits as number[][]).flat();
      const ref64 = (fx.logits64 as number[][]).flat();
      const net = importOnnx(bytes, { source: `file '${name}.onnx'` });
      const z = net.predictLogits(inputOf(fx, 'float32')).values;
      const classes = net.outputShape[1] as number;
      expect(z.length).toBe(ref.length);
      expect(maxRelative(z, ref)).toBeLessThanOrEqual(1e-5);
      expect(argmaxRows(z, classes)).toEqual(argmaxRows(ref, classes));
      const net64 = importOnnx(bytes, { dtype: 'float64' });
      // cnn_gap's file holds the batch norm folded into the convolution by torch (constant folding) and rounded to
      // float32, while logits64 runs the module's own float32 weights in float64: they agree to that rounding only.
      expect(maxRelative(net64.predictLogits(inputOf(fx, 'float64')).values, ref64)).toBeLessThanOrEqual(name === 'cnn_gap' ? 1e-8 : 1e-12);
      // The last layer is a Dense computing the logits: explainable, calibratable, savable.
      expect(net.outputLayer).toBeInstanceOf(Dense);
      const again = modelFromBytes(modelToBytes(net));
      expect(Array.from(again.predictLogits(inputOf(fx, 'float32')).values)).toEqual(Array.from(z));
    });
  }

  it('a softmax / log-softmax output becomes the logits layer softmax: predictProba gives the probabilities', () => {
    const { bytes, fx } = read('cnn_gap');
    const net = importOnnx(bytes, { dtype: 'float64' });
    const p = net.predictProba(inputOf(fx, 'float64')).values;
    const z = Array.from(net.predictLogits(inputOf(fx, 'float64')).values);
    const k = net.outputShape[1] as number;
    for (let r = 0; r < z.length / k; r++) {
      const row = z.slice(r * k, (r + 1) * k);
      const m = Math.max(...row);
      const s = row.reduce((a, v) => a + Math.exp(v - m), 0);
      row.forEach((v, j) => expect(Math.abs(p[r * k + j]! - Math.exp(v - m) / s)).toBeLessThanOrEqual(1e-14));
    }
  });

  it('round trip: exportOnnx then importOnnx gives the same logits, class names and calibration', () => {
    const x = input({ shape: [6, 6, 2] });
    let h = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
    h = layers.batchNormalization().apply(h);
    h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
    h = layers.flatten().apply(h);
    const net = model({ inputs: x, outputs: layers.dense({ units: 4 }).apply(layers.dense({ units: 5, activation: 'tanh' }).apply(h)), seed: 9 });
    net.classNames = ['a', 'b', 'c', 'd'];
    net.calibration = { method: 'temperature', temperature: 2.5 };
    const back = importOnnx(exportOnnx(net));
    const xs = tensor(
      Array.from({ length: 3 * 72 }, (_, i) => Math.cos(i * 0.37)),
      { shape: [3, 6, 6, 2] },
    );
    expect(maxRelative(back.predictLogits(xs).values, Array.from(net.predictLogits(xs).values))).toBeLessThanOrEqual(1e-6);
    expect(back.classNames).toEqual(net.classNames);
    expect(back.calibration).toEqual(net.calibration);
  });

  it('the seed-000 workflow: freeze the imported CNN, put a new dense head for 3 new classes, train only the head', async () => {
    const { bytes, fx } = read('cnn');
    const net = importOnnx(bytes);
    const features = net.outputs[0]!.node.inputs[0]!; // f: the input of the logits layer
    for (const l of net.layers) l.trainable = false;
    const tuned = model({ inputs: net.inputs[0]!, outputs: layers.dense({ units: 3, name: 'new_head' }).apply(features), seed: 1 });
    const xs = inputOf(fx, 'float32');
    const n = xs.shape[0]!;
    const y = tensor(
      Array.from({ length: n }, (_, i) => i % 3),
      { dtype: 'int32' },
    );
    const frozenBefore = net.getWeights().map((w) => Array.from(w.values));
    tuned.compile({ optimizer: optimizers.adam({ learningRate: 0.05 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    expect(tuned.trainableWeights.map((v) => v.name)).toEqual(['new_head/kernel', 'new_head/bias']);
    const history = await tuned.fit(xs, y, { epochs: 60, batchSize: n, seed: 1 });
    net.getWeights().forEach((w, i) => expect(Array.from(w.values)).toEqual(frozenBefore[i]));
    expect(history.history.loss!.at(-1)!).toBeLessThan(history.history.loss![0]!);
  });
});

describe('importOnnx: refusals', () => {
  const graphWith = (opType: string) =>
    encodeModel({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [{ opType, input: ['input'], output: ['y'], name: 'odd_node' }],
        initializer: [{ name: 'w', dataType: 1, dims: [1 << 20], rawData: new Uint8Array(4 << 20) }],
        input: [{ name: 'input', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'batch' }, { dimValue: 4 }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }],
      },
    });

  it('names an unsupported operator and its node before reading any weight', () => {
    expect(() => importOnnx(graphWith('LSTM'), { source: "file 'rnn.onnx'" })).toThrow(
      /importOnnx: file 'rnn\.onnx' is not a valid ONNX model: node 'odd_node' \(#0\) uses operator 'LSTM', which importOnnx does not support/,
    );
  });

  it('rejects garbage, truncated files and oversized claims with a clear error', () => {
    expect(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(/not a valid ONNX model/);
    const good = read('mlp').bytes;
    expect(() => importOnnx(good.subarray(0, good.length - 100))).toThrow(/not a valid ONNX model/);
    expect(() => importOnnx(new Uint8Array(0))).toThrow(/empty/);
    expect(() => importOnnx(good, { limits: { modelBytes: 1000 } })).toThrow(/more than the limit of 1000/);
    // A length prefix claiming 2^40 bytes: refused by the scan, nothing allocated.
    expect(() => importOnnx(new Uint8Array([0x3a, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]))).toThrow(/not a valid ONNX model/);
    expect(() => importOnnx(good, { dtyp: 'float64' } as never)).toThrow(/dtyp/);
  });
});

describe('loadModel on an .onnx path', () => {
  it('imports it (Node)', async () => {
    const { loadModel } = await import('../../../src/io/node.js');
    const net = await loadModel(new URL('./fixtures/mlp.onnx', import.meta.url).pathname);
    const { fx } = read('mlp');
    expect(maxRelative(net.predictLogits(inputOf(fx, 'float32')).values, (fx.logits as number[][]).flat())).toBeLessThanOrEqual(1e-5);
  });
});
