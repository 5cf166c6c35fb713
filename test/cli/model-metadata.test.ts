import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel } from '../../src/node.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-meta-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const last = (s: string) => JSON.parse(s.trim().split('\n').at(-1)!);

/** Two overlapping classes (so scores depend on which rows are tested), string labels. */
function noisyCsv(n: number): string {
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const lines = ['x,y,kind'];
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    lines.push(`${(c + 1.2 * (rand() - 0.5)).toFixed(3)},${(rand() * 2).toFixed(3)},${c ? 'spam' : 'ham'}`);
  }
  return lines.join('\n');
}

describe('the model file carries the class names and the CSV split to every command', () => {
  const csv = join(dir, 'mail.csv');
  const model = join(dir, 'mail.lkm');
  let trained: { testLoss: number; testAccuracy: number };
  beforeAll(async () => {
    writeFileSync(csv, noisyCsv(200));
    // A training seed far from the split's: the split must not follow it.
    const r = await cli('train', '--data', `csv:${csv}`, '--hidden', '4', '--epochs', '3', '--seed', '99', '--out', model, '--json');
    expect(r.code, r.err).toBe(0);
    trained = last(r.out);
  });

  it('saves the class names and the split (seed, fraction, rows, fingerprint)', async () => {
    const net = await loadModel(model);
    expect(net.classNames).toEqual(['ham', 'spam']);
    expect(net.dataSplit).toMatchObject({ source: `csv:${csv}`, rows: 200, testFraction: 0.2 });
    expect(net.dataSplit!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    const info = await cli('info', '--model', model);
    expect(info.out).toContain('Classes: ham, spam');
  });

  it('evaluate scores on the very test rows train scored on, with or without --data', async () => {
    for (const args of [[], ['--data', `csv:${csv}`]]) {
      const r = await cli('evaluate', '--model', model, ...args, '--json');
      expect(r.code, r.err).toBe(0);
      const e = JSON.parse(r.out);
      expect(e.examples).toBe(40);
      expect(e.loss).toBe(trained.testLoss);
      expect(e.classNames).toEqual(['ham', 'spam']);
    }
  });

  it('a different file under the model is refused (exit 1), naming both', async () => {
    const other = join(dir, 'other.csv');
    writeFileSync(other, readFileSync(csv, 'utf8').replace('ham\n', 'spam\n'));
    const r = await cli('evaluate', '--model', model, '--data', `csv:${other}`);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/file '.*other\.csv' \(200 rows, fingerprint [0-9a-f]{16}\) is not the file the model was trained on/);
  });

  it('predict and explain print the saved class names', async () => {
    const p = await cli('predict', '--model', model, '--values', '1.2,1', '--json');
    expect(p.code, p.err).toBe(0);
    expect(
      JSON.parse(p.out)
        .top.map((t: { name: string }) => t.name)
        .sort(),
    ).toEqual(['ham', 'spam']);
    const fromData = await cli('predict', '--model', model, '--index', '0');
    expect(fromData.out).toMatch(/\(true class (ham|spam)\): predicted (ham|spam)/);
    const x = await cli('explain', '--model', model, '--index', '1');
    expect(x.code, x.err).toBe(0);
    expect(x.out).toMatch(/true class (ham|spam)/);
  });

  it('the embedded digits are saved with their names', async () => {
    const digits = join(dir, 'digits.lkm');
    const r = await cli('train', '--epochs', '1', '--hidden', '8', '--out', digits, '--json');
    expect(r.code, r.err).toBe(0);
    expect((await loadModel(digits)).classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect((await loadModel(digits)).dataSplit).toBeUndefined();
  }, 60_000);
});
