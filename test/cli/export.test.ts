/**
 * `logitkit export --format onnx` (and `--format tfjs`, read by TF.js): a model trained by the CLI (the CNN preset's kind of layers on the embedded digits, and a
 * text model) written as ONNX and run in ONNX Runtime gives the model's logits on the test rows; usage errors name the option.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { data, reshape, tensor } from '../../src/index.js';
import { loadModel } from '../../src/io/node.js';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-export-'));

async function ortLogits(path: string, values: Float32Array | Int32Array, dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(readFileSync(path), { intraOpNumThreads: 1 });
  const type = values instanceof Int32Array ? 'int32' : 'float32';
  const out = await session.run({ input: new ort.Tensor(type, values, dims) });
  await session.release();
  return out.logits!.data as Float32Array;
}

describe('logitkit export', () => {
  it('writes a CNN trained by the CLI as ONNX; ONNX Runtime gives its logits', async () => {
    const model = join(dir, 'cnn.lkm');
    const onnx = join(dir, 'cnn.onnx');
    const train = await cli(
      'train',
      '--data',
      'mnist',
      '--arch',
      'conv:4x3:same,pool:2,bn,flatten,dense:16,dropout:0.2',
      '--limit',
      '256',
      '--epochs',
      '1',
      '--out',
      model,
    );
    expect(train.code, train.err).toBe(0);
    const r = await cli('export', '--model', model, '--format', 'onnx', '--out', onnx);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/cnn\.onnx: ONNX opset 17, [\d,]+ bytes; input 'input' \[batch, 28, 28, 1\], outputs 'logits' and 'probabilities'/);
    const net = await loadModel(model);
    const ds = data.splitTrainTest(
      data.decodeEmbeddedMnist(new Uint8Array(gunzipSync(readFileSync(new URL('../../assets/mnist-10k.idx.gz', import.meta.url))))),
    ).test;
    const x = reshape(
      data.toTensors(
        ds,
        Array.from({ length: 64 }, (_, i) => i),
      ).x,
      [64, 28, 28, 1],
    );
    const ours = net.predictLogits(x).values;
    const theirs = await ortLogits(onnx, Float32Array.from(x.values), [64, 28, 28, 1]);
    let worst = 0;
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!) / Math.max(1, Math.abs(ours[i]!)));
    expect(worst).toBeLessThanOrEqual(1e-5);
  }, 120_000);

  it('writes a text model: the graph takes the vectorizer output, the vocabulary goes in the metadata', async () => {
    const csv = join(dir, 'pets.csv');
    const rows = ['cats purr,cat', 'a cat naps,cat', 'kitten and cat,cat', 'dogs bark,dog', 'a dog fetches,dog', 'puppy and dog,dog'];
    writeFileSync(csv, 'text,label\n' + [...rows, ...rows, ...rows].join('\n') + '\n');
    const model = join(dir, 'pets.lkm');
    expect((await cli('train', '--data', `csv:${csv}`, '--text-column', 'text', '--epochs', '5', '--out', model)).code).toBe(0);
    const onnx = join(dir, 'pets.onnx');
    const r = await cli('export', '--model', model, '--format', 'onnx', '--out', onnx, '--no-probabilities', '--opset', '13');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("outputs 'logits' (a text model");
    expect(r.out).toContain('classes (metadata logitkit.classNames): cat, dog');
    const net = await loadModel(model);
    const texts = ['a cat and a dog', 'puppy'];
    const x = net.textVectorization!.apply(texts);
    const theirs = await ortLogits(onnx, Float32Array.from(x.values), x.shape.slice());
    Array.from(net.predictLogits(texts).values).forEach((v, i) => expect(Math.abs(v - theirs[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
  }, 60_000);

  it('--format tfjs writes model.json + weights.bin that TF.js loads and computes; the CLI reads them back', async () => {
    const model = join(dir, 'cnn.lkm');
    const out = join(dir, 'cnn-tfjs');
    const r = await cli('export', '--model', model, '--format', 'tfjs', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /cnn-tfjs: TF.js layers model \(model.json, weights.bin: [\d,]+ bytes\), (Sequential|Model), input \[batch, 28, 28, 1\], output the logits/,
    );
    const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as tf.io.ModelJSON;
    const artifacts = await tf.io.getModelArtifactsForJSON(json, async (m) => [
      m.flatMap((g) => g.weights),
      new Uint8Array(readFileSync(join(out, 'weights.bin'))).buffer,
    ]);
    await tf.setBackend('cpu');
    const theirs = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = Float32Array.from({ length: 16 * 784 }, (_, i) => ((i * 7919) % 256) / 255);
    const want = (theirs.predict(tf.tensor(x, [16, 28, 28, 1])) as tf.Tensor).dataSync();
    const ours = (await loadModel(model)).predict(tensor(x, { shape: [16, 28, 28, 1] })).values;
    want.forEach((v, i) => expect(Math.abs(v - ours[i]!)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
    const info = await cli('info', '--model', join(out, 'model.json'));
    expect(info.code, info.err).toBe(0);
    expect(info.out).toContain('Conv2D');
    expect(info.out.split('\n')[0]).toMatch(/model\.json: TF\.js layers model \(imported; .*\), [\d,]+ bytes$/);
    const onnxInfo = await cli('info', '--model', join(dir, 'cnn.onnx'), '--json');
    expect(onnxInfo.code, onnxInfo.err).toBe(0);
    expect(JSON.parse(onnxInfo.out)).toMatchObject({ format: 'onnx', formatVersion: null });
    const text = await cli('export', '--model', join(dir, 'pets.lkm'), '--format', 'tfjs', '--out', join(dir, 'pets-tfjs'));
    expect(text.code).toBe(1);
    expect(text.err).toContain('a model without a textVectorization');
    expect(existsSync(join(dir, 'pets-tfjs', 'model.json'))).toBe(false);
  }, 60_000);

  it('usage errors name the option; nothing is written', async () => {
    const out = join(dir, 'never.onnx');
    await expectUsageError(
      ['export', '--model', join(dir, 'pets.lkm'), '--format', 'tflite', '--out', out],
      "option --format: one of 'onnx', 'tfjs', got 'tflite'",
    );
    await expectUsageError(
      ['export', '--model', join(dir, 'pets.lkm'), '--format', 'tfjs', '--opset', '13', '--out', out],
      'option --opset: only for --format onnx',
    );
    await expectUsageError(
      ['export', '--model', join(dir, 'pets.lkm'), '--format', 'tfjs', '--no-probabilities', '--out', out],
      'option --no-probabilities: only for --format onnx',
    );
    await expectUsageError(
      ['export', '--model', join(dir, 'pets.lkm'), '--format', 'onnx', '--opset', '9', '--out', out],
      'option --opset must be an integer ≥ 13 ≤ 17',
    );
    expect(existsSync(out)).toBe(false);
  });
});
