import { describe, expect, it } from 'vitest';
import { trainMnistMlp } from '../../src/node.js';
import { cli } from '../helpers/cli.js';

const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);
const events = (s: string) =>
  s
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('logitkit train with the default data is npm start', () => {
  it('without a validation hold-out it trains the same network as trainMnistMlp, bit for bit (normalization included)', async () => {
    const r = await cli('train', '--epochs', '1', '--validation-split', '0', '--json');
    expect(r.code, r.err).toBe(0);
    const preset = await trainMnistMlp({ epochs: 1 });
    expect(preset.model.layers.map((l) => l.className)).toContain('Normalization');
    expect(last(r.out).testLoss).toBe(preset.testLoss);
    expect(last(r.out).testAccuracy).toBe(preset.testAccuracy);
  }, 120_000);

  it('by default validates on a held-out tenth of the training split, not on the test split', async () => {
    const r = await cli('train', '--epochs', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const e = events(r.out);
    expect(e[0]).toMatchObject({ event: 'trainBegin', samplesPerEpoch: 7200 });
    expect(e.find((x) => x.event === 'epochEnd').val_loss).toBeTypeOf('number');
    const help = await cli('train', '--help');
    expect(help.out).toMatch(/--validation-split[\s\S]*default\s+0\.1;\s+0:\s+none;\s+the\s+test\s+split\s+is\s+never\s+used/);
  }, 120_000);
});
