import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { kernels, nn, tensor } from '../../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three well-separated Gaussian blobs in 4 features, as CSV with a header and string labels. */
function blobsCsv(n: number, seed: number): string {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centers = [
    [2, 0, 0, 0],
    [0, 2, 0, 0],
    [0, 0, 2, 0],
  ];
  const names = ['red', 'green', 'blue'];
  const lines = ['f1,f2,f3,f4,colour'];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    lines.push([...centers[c].map((m) => (m + 0.4 * normal()).toFixed(4)), names[c]].join(','));
  }
  return lines.join('\n');
}

describe('logitkit explain (logits)', () => {
  it("walks the seeds' text example with its numbers", async () => {
    const r = await cli('explain', '2.0', '1.0', '0.1', '--classes', 'news,entertainment,technology', '--label', 'news');
    expect(r.code).toBe(0);
    const p = nn.softmax(tensor([2, 1, 0.1], { dtype: 'float64' })).values;
    expect(r.out).toContain(p[0].toPrecision(6)); // 0.659001
    expect(r.out).toContain(p[1].toPrecision(6)); // 0.242433
    expect(r.out).toMatch(/decision: .*news \(correct\)/);
  });
  it('--format json gives the exact probabilities', async () => {
    const r = await cli('explain', '2,1,0.1', '--format', 'json');
    expect(r.code).toBe(0);
    const trace = JSON.parse(r.out);
    const p = nn.softmax(tensor([2, 1, 0.1], { dtype: 'float64' })).values;
    expect(trace.rows[0].probabilities).toEqual(Array.from(p));
  });
  it('--format md renders a Markdown table', async () => {
    const r = await cli('explain', '0.5', '0.34', '2.41', '--classes', 'A,B,C', '--format', 'md');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\|\s*C\s*\|/);
  });
  it('bad input exits 2 with a message naming what was wrong', async () => {
    const notNumber = await cli('explain', '1', 'x');
    expect(notNumber.code).toBe(2);
    expect(notNumber.err).toContain("logit 'x' is not a number");
    const badFormat = await cli('explain', '1', '2', '--format', 'yaml');
    expect(badFormat.code).toBe(2);
    expect(badFormat.err).toContain("--format must be 'text', 'md' or 'json', got 'yaml'");
    const badClasses = await cli('explain', '1', '2', '--classes', 'a,b,c');
    expect(badClasses.code).toBe(2);
    expect(badClasses.err).toContain('names 3 classes but there are 2 logits');
    const badLabel = await cli('explain', '1', '2', '--label', '7');
    expect(badLabel.code).toBe(2);
    expect(badLabel.err).toMatch(/label/);
  });
  it('an unknown command exits 2', async () => {
    const r = await cli('fly');
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'fly'");
  });
});

describe('logitkit train / evaluate / predict / info on a small CSV set', () => {
  const train = join(dir, 'blobs.csv');
  const model = join(dir, 'blobs.lkm');
  const report = join(dir, 'report.html');
  let trainOut: { code: number; out: string; err: string };
  const trainArgs = ['train', '--data', `csv:${train}`, '--hidden', '16', '--epochs', '8', '--batch-size', '16', '--lr', '0.01', '--seed', '3'];
  beforeAll(async () => {
    writeFileSync(train, blobsCsv(300, 7));
    trainOut = await cli(...trainArgs, '--out', model, '--report', report, '--json');
  });

  it('trains, reports JSON lines and saves the model and the report', () => {
    expect(trainOut.code, trainOut.err).toBe(0);
    const events = trainOut.out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events.filter((e) => e.event === 'epochEnd')).toHaveLength(8);
    const result = events.at(-1);
    expect(result.event).toBe('result');
    expect(result.testAccuracy).toBeGreaterThan(0.9); // well-separated blobs
    expect(existsSync(model)).toBe(true);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Confusion matrix');
    expect(html).toContain('green');
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('the same seed gives the same run, on the default one thread or on two', async () => {
    const again = await cli(...trainArgs, '--json', '--threads', '2');
    const result = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);
    expect(result(again.out).testLoss).toBe(result(trainOut.out).testLoss);
    expect(result(trainOut.out).kernels).toBe(kernels().name);
    expect(result(again.out).kernels).toBe(`${kernels().name}, 2 threads`);
  });

  it('evaluate agrees with train and prints per-class scores', async () => {
    const r = await cli('evaluate', '--model', model, '--data', `csv:${train}`, '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out);
    const trained = JSON.parse(trainOut.out.trim().split('\n').at(-1)!);
    expect(e.accuracy).toBe(trained.testAccuracy);
    expect(e.classNames).toEqual(['blue', 'green', 'red']);
    expect(e.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(e.examples);
    const text = await cli('evaluate', '--model', model, '--data', `csv:${train}`);
    expect(text.out).toMatch(/accuracy \d+\.\d\d %/);
    expect(text.out).toContain('confusion matrix');
  });

  it('predict gives top-k classes with logit and probability', async () => {
    const r = await cli('predict', '--model', model, '--values', '0,2,0,0', '--classes', 'blue,green,red', '--top', '2', '--json');
    expect(r.code, r.err).toBe(0);
    const p = JSON.parse(r.out);
    expect(p.top).toHaveLength(2);
    expect(p.top[0].name).toBe('green');
    expect(p.top[0].probability).toBeGreaterThan(p.top[1].probability);
    const file = join(dir, 'samples.csv');
    writeFileSync(file, '2,0,0,0\n0,0,2,0\n');
    const many = await cli('predict', '--model', model, '--input', file, '--classes', 'blue,green,red');
    expect(many.code, many.err).toBe(0);
    expect(many.out).toMatch(/row 1: predicted red/);
    expect(many.out).toMatch(/row 2: predicted blue/);
    // A directory where a file is expected is a one-line error naming it, for the model and for the input.
    const asDir = await cli('predict', '--model', model, '--input', dir);
    expect([asDir.code, asDir.err.trim()]).toEqual([1, `logitkit: predict: file '${dir}' must be a file, got a directory`]);
    const modelDir = await cli('predict', '--model', dir, '--values', '0,2,0,0');
    expect(modelDir.code).toBe(1);
    expect(modelDir.err).toContain(`loadModel: file '${dir}' is not a valid logitkit model file: it must be a file, got a directory`);
  });

  it('trains with worker threads and float32 matrix-product sums when asked, then restores the kernels', async () => {
    const before = kernels().name;
    const r = await cli(
      'train',
      '--data',
      `csv:${train}`,
      '--hidden',
      '16',
      '--epochs',
      '8',
      '--batch-size',
      '16',
      '--lr',
      '0.01',
      '--seed',
      '3',
      '--threads',
      '2',
      '--matmul-accumulation',
      'float32',
      '--json',
    );
    expect(r.code, r.err).toBe(0);
    const result = JSON.parse(r.out.trim().split('\n').at(-1)!);
    expect(result.kernels).toMatch(/^(native|wasm)-.*, 2 threads, float32 matMul sums$/);
    expect(result.testAccuracy).toBeGreaterThan(0.9);
    expect(kernels().name).toBe(before);
    const bad = await cli('train', '--data', `csv:${train}`, '--matmul-accumulation', 'float16');
    expect(bad.code).toBe(2);
    expect(bad.err).toContain("option --matmul-accumulation must be 'float64' or 'float32', got 'float16'");
    const threads = await cli('train', '--data', `csv:${train}`, '--threads', '0');
    expect(threads.code).toBe(2);
    expect(threads.err).toContain('option --threads must be an integer ≥ 1');
  });

  it('info summarizes the model', async () => {
    const r = await cli('info', '--model', model);
    expect(r.code).toBe(0);
    expect(r.out).toContain('format version 6');
    expect(r.out).toMatch(/Trainable params: 131\b/); // 4·16 + 16 + 16·3 + 3 (the normalization's mean and variance are not trained)
  });

  it('info prints the version the file was written in, not the current one', async () => {
    const v2 = new URL('../io/fixtures/model-v2.lkm', import.meta.url).pathname;
    const r = await cli('info', '--model', v2, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).formatVersion).toBe(2);
    expect((await cli('info', '--model', v2)).out).toContain('format version 2,');
  });

  it('error exits: bad options (2), missing or corrupt files (1)', async () => {
    const epochs = await cli('train', '--data', `csv:${train}`, '--epochs', '0');
    expect(epochs.code).toBe(2);
    expect(epochs.err).toContain("option --epochs must be an integer ≥ 1, got '0'");
    const source = await cli('train', '--data', 'parquet:x');
    expect(source.code).toBe(2);
    expect(source.err).toContain("option --data 'parquet:x'");
    const missing = await cli('evaluate', '--model', join(dir, 'nope.lkm'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('does not exist');
    const corrupt = join(dir, 'corrupt.lkm');
    writeFileSync(corrupt, readFileSync(model).subarray(0, 200));
    const bad = await cli('info', '--model', corrupt);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('not a valid logitkit model file');
    const wrongWidth = await cli('predict', '--model', model, '--values', '1,2');
    expect(wrongWidth.code).toBe(2);
    expect(wrongWidth.err).toContain('has 2 numbers but the model takes 4 features');
    const resume = await cli('train', '--resume');
    expect(resume.code).toBe(2);
    expect(resume.err).toContain('--resume needs --checkpoint');
  });

  it('--checkpoint then --resume continues to the same weights as one run', async () => {
    const ck = join(dir, 'ck');
    const base = ['train', '--data', `csv:${train}`, '--hidden', '8', '--batch-size', '32', '--seed', '5', '--json'];
    const whole = await cli(...base, '--epochs', '4');
    const first = await cli(...base, '--epochs', '2', '--checkpoint', ck);
    expect(first.code, first.err).toBe(0);
    const resumed = await cli(...base, '--epochs', '4', '--checkpoint', ck, '--resume');
    expect(resumed.code, resumed.err).toBe(0);
    const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);
    expect(last(resumed.out).testLoss).toBe(last(whole.out).testLoss);
  });
});
