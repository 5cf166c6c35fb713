import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explain, renderText } from '../../src/index.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-explain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('logitkit explain --model: compact by default, --full for every hidden value', () => {
  const model = join(dir, 'digits.lkm');
  beforeAll(async () => {
    const r = await cli('train', '--epochs', '1', '--hidden', '32', '--out', model, '--json');
    expect(r.code, r.err).toBe(0);
  }, 60_000);

  it('the default trace has the table, the contributions and the checks, not the derivation', async () => {
    const r = await cli('explain', '--model', model, '--index', '3');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^\s+class\s+z\s+z - max/m);
    expect(r.out).toContain('Hidden units contributing most');
    expect(r.out).toMatch(/Cross-checks: \d+\/\d+ agree/);
    expect(r.out).not.toMatch(/^1\. dense layer/m);
    expect(r.out.split('\n').length).toBeLessThan(45);
  });

  it('--full writes every step and hidden value', async () => {
    const r = await cli('explain', '--model', model, '--index', '3', '--full');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^1\. dense layer: .*f = \[/m);
    expect(r.out).toMatch(/^9\. decision/m);
  });

  it('renderText takes steps: false, and refuses a steps that is not a boolean', () => {
    const trace = explain({ logits: [2, 1, 0.1], labels: 0 });
    expect(renderText(trace)).toMatch(/^1\. max/m);
    expect(renderText(trace, { steps: false })).not.toMatch(/^1\. max/m);
    expect(() => renderText(trace, { steps: 'no' as unknown as boolean })).toThrow(/renderText: option 'steps' must be a boolean, got no/);
  });
});
