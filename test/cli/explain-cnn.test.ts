/**
 * End to end on a convolutional network: train --arch builds and trains a tiny CNN on the embedded digits, and
 * evaluate, predict, explain (the feature vector f the convolutional stack computed, z = W·f + b, the saliency
 * map with --out) and info work on its file; --report shows its worst mistakes as images.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEmbeddedMnist, splitTrainTest } from '../../src/data/node.js';
import { cli, expectUsageError } from '../helpers/cli.js';
import { checkSvg } from '../helpers/svg.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-cnn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cnn = join(dir, 'cnn.lkm');
const report = join(dir, 'report.html');
const ARCH = 'conv:4x3,pool:2,flatten,dense:16,dropout:0.25';
const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

describe('a CNN from train --arch, through every command', () => {
  let trained: Record<string, unknown>;
  beforeAll(async () => {
    const r = await cli('train', '--arch', ARCH, '--limit', '400', '--epochs', '1', '--seed', '2', '--out', cnn, '--report', report, '--json');
    expect(r.code, r.err).toBe(0);
    trained = last(r.out);
  }, 120_000);

  it('train: the model file and the report, with the network and the worst mistakes as images', () => {
    expect(trained).toMatchObject({ event: 'result', epochs: 1, model: cnn });
    const html = readFileSync(report, 'utf8');
    expect(html).toContain(`--arch ${ARCH}: 28×28×1 → conv 4 3×3 relu → max-pool 2 → flatten → dense 16 relu → dropout 0.25 → 10 (logits)`);
    expect(html).toContain('the first 400 of the training split (--limit 400)');
    expect(html.match(/class="digit"/g)?.length).toBe(8);
  });

  it('info: the layers and the image input shape', async () => {
    const r = await cli('info', '--model', cnn);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/conv2d_1 \(Conv2D\)\s+\[null, 26, 26, 4\]\s+40\s+relu/);
    expect(r.out).toMatch(/dropout_1 \(Dropout\)\s+\[null, 16\]/);
    const j = JSON.parse((await cli('info', '--model', cnn, '--json')).out);
    expect(j.inputShape).toEqual([28, 28, 1]);
    expect(j.outputShape).toEqual([null, 10]);
  });

  it('evaluate: the test split in image shape; the same numbers as train printed', async () => {
    const r = await cli('evaluate', '--model', cnn, '--json');
    expect(r.code, r.err).toBe(0);
    const e = JSON.parse(r.out);
    expect(e.examples).toBe(2000);
    expect(e.accuracy).toBe(trained.testAccuracy);
    expect(e.loss).toBe(trained.testLoss);
  });

  it('predict: a test example, and the same image given as 784 comma-separated pixels', async () => {
    const byIndex = await cli('predict', '--model', cnn, '--index', '3', '--json');
    expect(byIndex.code, byIndex.err).toBe(0);
    const { test } = splitTrainTest(await loadEmbeddedMnist());
    const pixels = Array.from(test.images.subarray(3 * 784, 4 * 784)).join(',');
    const byValues = await cli('predict', '--model', cnn, '--values', pixels, '--json');
    expect(byValues.code, byValues.err).toBe(0);
    expect(JSON.parse(byValues.out).top).toEqual(JSON.parse(byIndex.out).top);
    await expectUsageError(
      ['predict', '--model', cnn, '--values', '0.1,0.2'],
      'option --values has 2 numbers but the model takes 784 values (inputs [28, 28, 1], row-major)',
    );
  });

  it('explain: the layers that computed f, f, then z = W·f + b with every cross-check agreeing', async () => {
    const r = await cli('explain', '--model', cnn, '--index', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('The features f: the input of the last layer (dense_2), computed from the [28, 28, 1] image by');
    expect(r.out).toMatch(/^ {2}conv2d_1 \(Conv2D\)\s+4 filters 3×3, valid padding, relu\s+\[26, 26, 4\]$/m);
    expect(r.out).toMatch(/^ {2}dropout_1 \(Dropout\)\s+rate 0\.25: the identity at inference\s+\[16\]$/m);
    expect(r.out).toMatch(/^f has 16 values: \d+ are 0, min /m);
    expect(r.out).toContain('z = f·K + b with a Keras kernel K [16 features × 10 classes]');
    expect(r.out).toMatch(/Cross-checks: 8\/8 agree \(dense, softmax, logSumExp, logSoftmax, loss, gradient, decision, model\)\./);
  });

  it('explain --format json: f is the dropout output in inference, and contributions + the rest + bias = the logit', async () => {
    const r = await cli('explain', '--model', cnn, '--index', '7', '--format', 'json', '--top', '3');
    expect(r.code, r.err).toBe(0);
    const t = JSON.parse(r.out);
    expect(t.checks.every((c: { ok: boolean }) => c.ok)).toBe(true);
    const f = t.dense.rows[0].features as number[];
    expect(f).toHaveLength(16);
    expect(f.every((v) => v >= 0)).toBe(true); // relu outputs, unscaled by dropout
    const c = t.contributions[0];
    const total = [...c.top, ...c.bottom].reduce((a: number, e: { contribution: number }) => a + e.contribution, 0) + c.restSum + c.bias;
    expect(Math.abs(total - c.logit)).toBeLessThan(1e-5 * (1 + Math.abs(c.logit)));
    expect(c.classId).toBe(t.rows[0].decision.classId);
  });

  it('explain --out DIR: the saliency map, a well-formed SVG written atomically (a new file replaces the old one)', async () => {
    const out = join(dir, 'maps', 'run');
    const r = await cli('explain', '--model', cnn, '--index', '3', '--out', out);
    expect(r.code, r.err).toBe(0);
    const file = join(out, 'saliency-3.svg');
    expect(r.out).toMatch(
      new RegExp(
        `Saliency map ∂z\\[\\d\\]/∂x \\(autograd, 784 input values\\): the largest \\|∂z/∂x\\| is [\\d.e-]+ at row \\d+, column \\d+ .*; written to ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`,
      ),
    );
    const svg = readFileSync(file, 'utf8');
    const names = checkSvg(svg);
    expect(names.filter((n) => n === 'g')).toHaveLength(3);
    expect(svg).toContain('Test example 3 of embedded MNIST (8,000 / 2,000): true 5, predicted');
    // Atomic: no temporary file is left, and a second run renames a new file over the first (a new inode).
    expect(readdirSync(out)).toEqual(['saliency-3.svg']);
    const inode = statSync(file).ino;
    const again = await cli('explain', '--model', cnn, '--index', '3', '--out', out, '--format', 'json');
    expect(again.code, again.err).toBe(0);
    JSON.parse(again.out); // stdout stays one JSON document
    expect(readdirSync(out)).toEqual(['saliency-3.svg']);
    expect(statSync(file).ino).not.toBe(inode);
    expect(readFileSync(file, 'utf8')).toBe(svg);
  });

  it('calibrate: a temperature for the CNN; explain traces the calibrated file at its T with the same decision', async () => {
    const calibrated = join(dir, 'cnn-calibrated.lkm');
    const c = await cli('calibrate', '--model', cnn, '--out', calibrated, '--json');
    expect(c.code, c.err).toBe(0);
    const plain = JSON.parse((await cli('explain', '--model', cnn, '--index', '3', '--format', 'json')).out);
    const r = await cli('explain', '--model', calibrated, '--index', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('The model is calibrated by temperature scaling');
    expect(r.out).toContain(`The decision is argmax z = argmax z/T = ${plain.rows[0].decision.className}, unchanged`);
    expect(r.out).toContain('computed from the [28, 28, 1] image by');
  }, 60_000);

  it('explain --out: usage errors before any work', async () => {
    const notDir = join(dir, 'file.txt');
    writeFileSync(notDir, 'x');
    await expectUsageError(['explain', '--model', cnn, '--out', notDir], `option --out '${notDir}' is a file, expected a directory`);
    await expectUsageError(['explain', '2', '1', '0', '--out', dir], 'option --out needs --model FILE');
  });
});

describe('explain on an MLP and on tabular data', () => {
  it('an MLP: f is its hidden layer after the normalization; the saliency map goes through both', async () => {
    const mlp = join(dir, 'mlp.lkm');
    expect((await cli('train', '--hidden', '8', '--limit', '300', '--epochs', '1', '--out', mlp, '--json')).code).toBe(0);
    const out = join(dir, 'mlp-maps');
    const r = await cli('explain', '--model', mlp, '--index', '0', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('computed from the [784] input by');
    expect(r.out).toMatch(/^ {2}normalization_1 \(Normalization\)\s+standardized with the training mean and variance\s+\[784\]$/m);
    expect(r.out).toMatch(/^ {2}dense_1 \(Dense\)\s+8 units, relu\s+\[8\]$/m);
    checkSvg(readFileSync(join(out, 'saliency-0.svg'), 'utf8'));
  }, 60_000);

  it('a CSV model: --out is a usage error (no image), the trace still works', async () => {
    const csv = join(dir, 'tiny.csv');
    writeFileSync(csv, Array.from({ length: 50 }, (_, i) => `${i % 3},${(i * 7) % 5},${i % 2 ? 'a' : 'b'}`).join('\n'));
    const model = join(dir, 'tab.lkm');
    expect((await cli('train', '--data', `csv:${csv}`, '--hidden', '4', '--epochs', '1', '--out', model, '--json')).code).toBe(0);
    const ok = await cli('explain', '--model', model, '--index', '1');
    expect(ok.code, ok.err).toBe(0);
    expect(ok.out).toContain('computed from the [2] input by');
    await expectUsageError(
      ['explain', '--model', model, '--out', join(dir, 'no-maps')],
      'option --out writes a saliency map of an image, but the examples of CSV',
    );
    expect(existsSync(join(dir, 'no-maps'))).toBe(false);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';
describe.skipIf(!existsSync(join(FASHION, 'train-labels-idx1-ubyte.gz')))('Fashion-MNIST (IDX files)', () => {
  it('train --arch on idx data and explain a test image, with its class names', async () => {
    const model = join(dir, 'fashion.lkm');
    const t = await cli('train', '--data', `idx:${FASHION}`, '--arch', 'conv:4x3,pool:2,flatten', '--limit', '300', '--epochs', '1', '--out', model, '--json');
    expect(t.code, t.err).toBe(0);
    const out = join(dir, 'fashion-maps');
    // The command: --data fashion-mnist names Debian's files.
    const r = await cli('explain', '--model', model, '--data', 'fashion-mnist', '--index', '5', '--out', out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^Test example 5 of IDX .*fashion-mnist \(true class [A-Za-z/-]+\):/m);
    expect(r.out).toContain('computed from the [28, 28, 1] image by');
    expect(r.out).toMatch(/Cross-checks: 8\/8 agree/);
    checkSvg(readFileSync(join(out, 'saliency-5.svg'), 'utf8'));
  }, 120_000);
});
