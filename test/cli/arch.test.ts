/**
 * train --arch: the presets, the layer-list grammar (every token checked, each error naming the token and what
 * is allowed), the shapes planned on the data, --hidden's equivalence, and the networks it builds.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildMlpClassifier, tensor } from '../../src/index.js';
import { ARCH_PRESETS, architectureFromHidden, buildClassifier, describeArchitecture, parseArchitecture, planShapes } from '../../src/cli/architecture.js';
import { resolveArchitecture } from '../../src/cli/model-builder.js';
import { CliError } from '../../src/cli/io.js';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-arch-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const csv = join(dir, 'tiny.csv');
writeFileSync(csv, Array.from({ length: 60 }, (_, i) => `${i % 3},${(i * 7) % 5},${(i * 3) % 4},${i % 3 ? 'a' : 'b'}`).join('\n'));
const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

/** The usage error parseArchitecture throws for `raw`. */
function archError(raw: string): CliError {
  try {
    parseArchitecture(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(CliError);
    expect((e as CliError).exitCode).toBe(2);
    return e as CliError;
  }
  throw new Error(`'${raw}' parsed`);
}

describe('the --arch grammar', () => {
  it('presets: mlp is dense:128, cnn the issue network, linear no hidden layer', () => {
    expect(parseArchitecture('mlp')).toEqual({ name: 'mlp', image: false, layers: [{ kind: 'dense', token: 'dense:128', units: 128, activation: 'relu' }] });
    expect(parseArchitecture('linear')).toEqual({ name: 'linear', image: false, layers: [] });
    const cnn = parseArchitecture(' CNN ');
    expect(cnn.name).toBe('cnn');
    expect(cnn.image).toBe(true);
    expect(cnn.layers.map((l) => l.token)).toEqual(ARCH_PRESETS.cnn.split(','));
    expect(describeArchitecture(cnn, [28, 28, 1], 10, true)).toBe(
      '28×28×1 → conv 32 3×3 relu → max-pool 2 → conv 64 3×3 relu → max-pool 2 → flatten → dense 128 relu → dropout 0.3 → 10 (logits)',
    );
  });

  it('every token with its options', () => {
    const a = parseArchitecture('conv:16x5:same:s2:tanh,bn,avgpool:2:same,conv:8x3,pool:3,gap,dense:64:sigmoid,dropout:.25,dense:32,bn,dropout:0');
    expect(a.image).toBe(true);
    expect(a.layers).toEqual([
      { kind: 'conv', token: 'conv:16x5:same:s2:tanh', filters: 16, kernel: 5, strides: 2, padding: 'same', activation: 'tanh' },
      { kind: 'bn', token: 'bn' },
      { kind: 'avgpool', token: 'avgpool:2:same', pool: 2, padding: 'same' },
      { kind: 'conv', token: 'conv:8x3', filters: 8, kernel: 3, strides: 1, padding: 'valid', activation: 'relu' },
      { kind: 'pool', token: 'pool:3', pool: 3, padding: 'valid' },
      { kind: 'gap', token: 'gap' },
      { kind: 'dense', token: 'dense:64:sigmoid', units: 64, activation: 'sigmoid' },
      { kind: 'dropout', token: 'dropout:.25', rate: 0.25 },
      { kind: 'dense', token: 'dense:32', units: 32, activation: 'relu' },
      { kind: 'bn', token: 'bn' },
      { kind: 'dropout', token: 'dropout:0', rate: 0 },
    ]);
    // 28 → same, stride 2: 14 → avg-pool 2 same: 7 → conv 3 valid: 5 → pool 3: 1 → gap: 8 channels.
    expect(planShapes(a, [28, 28, 1])).toEqual([[14, 14, 16], [14, 14, 16], [7, 7, 16], [5, 5, 8], [1, 1, 8], [8], [64], [64], [32], [32], [32]]);
    expect(parseArchitecture('dense:256,dense:128')).toMatchObject({ name: 'custom', image: false });
  });

  it.each([
    ['', /option --arch must name a network: 'mlp'/],
    ['foo', /'foo' is not a layer: expected conv:FxK, pool:P, avgpool:P, gap, flatten, dense:N, dropout:R or bn \(or a preset: mlp, cnn, linear\)/],
    ['conv', /'conv' needs filters and a kernel size: conv:FxK, e.g. conv:32x3/],
    ['conv:16', /'conv:16' needs filters and a kernel size: conv:FxK/],
    ['conv:0x3,flatten', /'conv:0x3' needs a number of filters F \(an integer 1..4096\), got '0'/],
    [
      'conv:16x3:full,flatten',
      /'conv:16x3:full' has an unknown part 'full': expected 'same' or 'valid', a stride 'sS' \(e.g. s2\), an activation \(relu, tanh, sigmoid, linear\)/,
    ],
    ['conv:16x3:s0,flatten', /'conv:16x3:s0' needs a stride sS \(an integer 1..64\), got '0'/],
    ['conv:16x3:same:valid,flatten', /'conv:16x3:same:valid' gives the padding twice/],
    ['conv:16x3:softmax,flatten', /'conv:16x3:softmax' has an unknown part 'softmax'/],
    ['conv:8x3,pool,flatten', /'pool' needs a pool size: pool:P, e.g. pool:2/],
    ['conv:8x3,pool:2:s2,flatten', /'pool:2:s2' has an unknown part 's2': expected 'same' or 'valid'/],
    ['dense', /'dense' needs a width: dense:N, e.g. dense:128/],
    ['dense:1.5', /'dense:1.5' needs a width N \(an integer 1..65536\), got '1.5'/],
    ['dense:64:same', /'dense:64:same' has an unknown part 'same': expected an activation/],
    ['dropout:1', /'dropout:1' needs a rate: dropout:R with 0 ≤ R < 1/],
    ['dropout', /'dropout' needs a rate/],
    ['flatten:2', /'flatten:2' takes no arguments \(write 'flatten'\)/],
    ['dense:8,,dense:4', /has an empty layer/],
    ['flatten', /'flatten' has nothing to flatten: it ends the convolutions and pooling/],
    ['conv:8x3,dense:10', /'dense:10' takes flat features: end the convolutions and pooling with flatten or gap before it/],
    ['conv:8x3,flatten,conv:8x3', /'conv:8x3' comes after flatten\/gap: convolutions and pooling work on images, so they come first/],
    ['conv:8x3,flatten,gap', /'gap' comes after the image part was already flattened/],
    ['conv:8x3,pool:2', /ends with an image: add flatten or gap after the last convolution or pooling layer/],
  ])('--arch %j is a usage error naming the token', (raw, message) => {
    expect(archError(raw).message).toMatch(message);
  });

  it('planShapes names the layer whose window no longer fits the image', () => {
    const a = parseArchitecture('conv:8x3,pool:2,pool:2,pool:2,pool:2,flatten');
    expect(() => planShapes(a, [12, 12, 1])).toThrow(/option --arch: 'pool:2' does not fit the 1×1 image it gets \(window 2×2, no padding\)/);
    expect(planShapes(parseArchitecture('conv:8x3:same,pool:2:same,pool:2:same,pool:2:same,pool:2:same,flatten'), [12, 12, 1]).at(-1)).toEqual([8]);
  });

  it('--hidden is --arch dense:...: both together only when they say the same', () => {
    expect(resolveArchitecture(undefined, undefined)).toEqual(parseArchitecture('mlp'));
    expect(resolveArchitecture(undefined, '')).toEqual(parseArchitecture('linear'));
    expect(resolveArchitecture(undefined, '64,32').layers).toEqual(parseArchitecture('dense:64,dense:32').layers);
    expect(resolveArchitecture('mlp', '128').name).toBe('mlp');
    expect(resolveArchitecture('dense:64,dense:32', '64,32').layers).toHaveLength(2);
    expect(resolveArchitecture('linear', 'none').layers).toEqual([]);
    for (const [arch, hidden] of [
      ['cnn', '128'],
      ['mlp', '64'],
      ['dense:64:tanh', '64'],
      ['dense:64,dropout:0.5', '64'],
    ])
      expect(() => resolveArchitecture(arch, hidden)).toThrow(`options --arch '${arch}' and --hidden '${hidden}' give different networks: use one`);
  });
});

describe('the networks --arch builds', () => {
  it("cnn: the issue's network, with Keras's shapes and parameter counts", () => {
    const net = buildClassifier(parseArchitecture('cnn'), { inputShape: [28, 28, 1], classes: 10, seed: 0, standardizeOn: tensor([[0]]) });
    const s = net.summary(false);
    expect(s.layers.map((r) => [r.className, r.outputShape, r.params])).toEqual([
      ['Input', '[null, 28, 28, 1]', 0],
      ['Conv2D', '[null, 26, 26, 32]', 320],
      ['MaxPooling2D', '[null, 13, 13, 32]', 0],
      ['Conv2D', '[null, 11, 11, 64]', 18_496],
      ['MaxPooling2D', '[null, 5, 5, 64]', 0],
      ['Flatten', '[null, 1600]', 0],
      ['Dense', '[null, 128]', 204_928],
      ['Dropout', '[null, 128]', 0],
      ['Dense', '[null, 10]', 1_290],
    ]);
    // Images are not standardized: no Normalization layer, whatever standardizeOn says.
    expect(s.totalParams).toBe(225_034);
  });

  it('mlp and --hidden build the network of buildMlpClassifier, weight for weight', () => {
    const x = tensor(
      Array.from({ length: 5 * 6 }, (_, i) => (i * 37) % 11),
      { shape: [5, 6] },
    );
    for (const arch of [parseArchitecture('mlp'), architectureFromHidden([7, 3]), parseArchitecture('linear')]) {
      const hidden = arch.layers.map((l) => (l as { units: number }).units);
      const a = buildClassifier(arch, { inputShape: [6], classes: 4, seed: 9, standardizeOn: x });
      const b = buildMlpClassifier([6], { hidden, classes: 4, seed: 9, standardizeOn: x });
      expect(a.summary(false).text).toBe(b.summary(false).text);
      expect(a.getWeights().map((w) => Array.from(w.values))).toEqual(b.getWeights().map((w) => Array.from(w.values)));
    }
  });

  it('an image network with batch normalization and global average pooling builds and predicts', () => {
    const net = buildClassifier(parseArchitecture('conv:4x3:same,bn,pool:2,conv:6x3:s2:tanh,avgpool:2:same,gap,dense:8,dropout:0.1'), {
      inputShape: [12, 10, 1],
      classes: 3,
      seed: 2,
      standardizeOn: null,
    });
    expect(net.summary(false).layers.map((r) => [r.className, r.outputShape])).toEqual([
      ['Input', '[null, 12, 10, 1]'],
      ['Conv2D', '[null, 12, 10, 4]'],
      ['BatchNormalization', '[null, 12, 10, 4]'],
      ['MaxPooling2D', '[null, 6, 5, 4]'],
      ['Conv2D', '[null, 2, 2, 6]'],
      ['AveragePooling2D', '[null, 1, 1, 6]'],
      ['GlobalAveragePooling2D', '[null, 6]'],
      ['Dense', '[null, 8]'],
      ['Dropout', '[null, 8]'],
      ['Dense', '[null, 3]'],
    ]);
    expect(planShapes(parseArchitecture('conv:4x3:same,bn,pool:2,conv:6x3:s2:tanh,avgpool:2:same,gap,dense:8,dropout:0.1'), [12, 10, 1])).toEqual([
      [12, 10, 4],
      [12, 10, 4],
      [6, 5, 4],
      [2, 2, 6],
      [1, 1, 6],
      [6],
      [8],
      [8],
    ]);
    expect(net.predict(tensor(new Array(2 * 120).fill(0.5), { shape: [2, 12, 10, 1] })).shape).toEqual([2, 3]);
  });

  it('a flat list with dropout and batch normalization builds and predicts', () => {
    const net = buildClassifier(parseArchitecture('dense:8,bn,dropout:0.5,dense:4:tanh'), { inputShape: [3], classes: 2, seed: 1, standardizeOn: null });
    expect(net.layers.map((l) => l.className)).toEqual(['Input', 'Dense', 'BatchNormalization', 'Dropout', 'Dense', 'Dense']);
    expect(net.predict(tensor([[1, 2, 3]])).shape).toEqual([1, 2]);
  });
});

describe('logitkit train --arch', () => {
  it('--help documents the grammar', async () => {
    const r = await cli('train', '--help');
    expect(r.code).toBe(0);
    const help = r.out.replace(/\s+/g, ' ');
    expect(help).toContain('--arch <arch>');
    expect(help).toContain('conv:FxK[:same][:sS][:ACT]');
    expect(help).toContain('The logits layer dense(classes) is added');
    expect(help).toContain('--limit <n>');
  });

  it('grammar errors exit 2 before any data is read', async () => {
    await expectUsageError(['train', '--arch', 'conv:16x3,dense:8'], "logitkit: option --arch: 'dense:8' takes flat features");
    await expectUsageError(['train', '--arch', 'cnn', '--hidden', '64'], "options --arch 'cnn' and --hidden '64' give different networks");
    await expectUsageError(['train', '--arch', 'resnet'], "option --arch: 'resnet' is not a layer");
    await expectUsageError(['train', '--arch', 'mlp', '--limit', '0'], 'option --limit must be an integer ≥ 1');
  });

  it('a convolutional network on CSV features is a usage error', async () => {
    await expectUsageError(
      ['train', '--data', `csv:${csv}`, '--arch', 'conv:4x3,flatten'],
      `a convolutional network needs image data (--data mnist or idx:DIR), not the features of 'csv:${csv}'`,
    );
  });

  it('a layer that does not fit the 28×28 digits is a usage error naming it', async () => {
    await expectUsageError(
      ['train', '--arch', 'conv:4x3,pool:2,pool:2,pool:2,pool:2,pool:2,flatten', '--epochs', '1'],
      "option --arch: 'pool:2' does not fit the 1×1 image",
    );
  });

  it('--arch dense:8 trains exactly what --hidden 8 trains; --arch linear what --hidden "" trains', async () => {
    const base = ['train', '--data', `csv:${csv}`, '--epochs', '2', '--batch-size', '8', '--seed', '4', '--json'];
    for (const [arch, hidden] of [
      ['dense:8', '8'],
      ['linear', ''],
    ]) {
      const a = await cli(...base, '--arch', arch);
      const b = await cli(...base, '--hidden', hidden);
      const both = await cli(...base, '--arch', arch, '--hidden', hidden);
      expect([a.code, b.code, both.code], a.err + b.err + both.err).toEqual([0, 0, 0]);
      expect(last(a.out).testLoss).toBe(last(b.out).testLoss);
      expect(last(both.out).testLoss).toBe(last(b.out).testLoss);
    }
  });

  it('a CNN with dropout resumes from its checkpoint bit for bit', async () => {
    const ck = join(dir, 'ck');
    const base = ['train', '--arch', 'conv:4x3,pool:2,flatten,dense:8,dropout:0.3', '--limit', '300', '--seed', '1', '--json'];
    const straight = await cli(...base, '--epochs', '2');
    const first = await cli(...base, '--epochs', '1', '--checkpoint', ck);
    const resumed = await cli(...base, '--epochs', '2', '--checkpoint', ck, '--resume');
    expect([straight.code, first.code, resumed.code], straight.err + first.err + resumed.err).toEqual([0, 0, 0]);
    expect(last(resumed.out).testLoss).toBe(last(straight.out).testLoss);
    expect(last(resumed.out).testAccuracy).toBe(last(straight.out).testAccuracy);
  }, 120_000);

  it('--limit trains on the first n examples and says so', async () => {
    const report = join(dir, 'limit.html');
    const r = await cli('train', '--data', `csv:${csv}`, '--limit', '20', '--epochs', '1', '--validation-split', '0.25', '--report', report);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain('15 training, 5 validation');
    expect(r.err).toMatch(/model: 3 → normalization → dense 128 relu → 2 \(logits\) \([\d,]+ parameters\)/);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<td>network</td><td>--arch mlp (the default): 3 → normalization → dense 128 relu → 2 (logits)</td>');
    expect(html).toContain('<td>training examples</td><td>the first 20 of the training split (--limit 20)</td>');
  });
});
