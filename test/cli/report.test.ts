import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duration } from '../../src/cli/duration.js';
import { lineChart } from '../../src/cli/report.js';
import { cli } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three overlapping classes: some test examples are misclassified. */
function overlappingCsv(n: number): string {
  let s = 777;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const names = ['low', 'mid', 'high'];
  return ['a,b,level', ...Array.from({ length: n }, (_, i) => `${(i % 3) * 0.6 + rand()},${rand()},${names[i % 3]}`)].join('\n');
}

describe('the HTML training report', () => {
  it('shows the hyperparameters, F1 and support, and the worst mistakes (misclassified, by decreasing loss)', async () => {
    const csv = join(dir, 'levels.csv');
    const report = join(dir, 'r.html');
    writeFileSync(csv, overlappingCsv(300));
    const r = await cli('train', '--data', `csv:${csv}`, '--hidden', '8', '--epochs', '5', '--lr', '0.01', '--batch-size', '16', '--report', report, '--json');
    expect(r.code, r.err).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<h2>Hyperparameters</h2>');
    expect(html).toMatch(/<td>optimizer<\/td><td>adam, learning rate 0.01<\/td>/);
    expect(html).toMatch(/<td>batch size<\/td><td>16<\/td>/);
    expect(html).toContain('<th>F1</th><th>support</th>');
    // Support: the test rows of each class add up to the 60 test examples.
    const supports = [...html.matchAll(/<tr><td>(low|mid|high)<\/td>(?:<td>[^<]*<\/td>){3}<td>(\d+)<\/td><\/tr>/g)].map((m) => Number(m[2]));
    expect(supports).toHaveLength(3);
    expect(supports.reduce((a, b) => a + b, 0)).toBe(60);
    const figures = [...html.matchAll(/<figure class="sample (right|wrong)">[\s\S]*?<\/figure>/g)];
    expect(figures.length).toBeGreaterThan(0);
    expect(figures.length).toBeLessThanOrEqual(8);
    expect(figures.every((f) => f[1] === 'wrong')).toBe(true);
    // Worst first: the true class's probability rises along the list (each loss is minus its log).
    const truthP = figures.map((f) => Number(/<li class="truth">[^:]*: ([\d.]+) %/.exec(f[0])?.[1] ?? 0));
    for (let i = 1; i < truthP.length; i++) expect(truthP[i]).toBeGreaterThanOrEqual(truthP[i - 1]);
    expect(figures[0][0]).toMatch(/true <b>(low|mid|high)<\/b>, predicted <b>(low|mid|high)<\/b>/);
    expect(html).not.toMatch(/0\.00 s per epoch/);
    // The test probabilities' reliability diagram and calibration figures.
    expect(html).toContain('<h2>Calibration (test)</h2>');
    expect(html).toMatch(/class="reliability"[\s\S]*class="diagonal"/);
    expect(html).toMatch(/ECE \d+\.\d\d %, NLL \d\.\d{4}, Brier \d\.\d{4}/);
  });

  it('durations take the unit that shows them; chart axes stay within what the quantity can be', () => {
    expect(duration(0.0042)).toBe('4.20 ms');
    expect(duration(0.31)).toBe('310 ms');
    expect(duration(12.345)).toBe('12.35 s');
    const ticks = (svg: string) => [...svg.matchAll(/text-anchor="end">([-\d.e]+)</g)].map((m) => Number(m[1]));
    const acc = lineChart('accuracy', [1, 2, 3], [{ name: 'train', values: [0.9, 0.99, 1], color: '#000' }], { min: 0, max: 1 });
    expect(Math.max(...ticks(acc))).toBeLessThanOrEqual(1);
    const loss = lineChart('loss', [1, 2], [{ name: 'train', values: [0.01, 0.3], color: '#000' }], { min: 0 });
    expect(Math.min(...ticks(loss))).toBeGreaterThanOrEqual(0);
    expect(acc).toMatch(/rotate\(-90[^>]*>accuracy</);
  });
});

describe('progress lines', () => {
  it('print a short epoch in ms, not as 0.00 s', async () => {
    const { createProgress } = await import('../../src/cli/progress.js');
    const { PassThrough } = await import('node:stream');
    const err = new PassThrough();
    let text = '';
    err.on('data', (d) => (text += d));
    const sink = createProgress('plain', new PassThrough(), err as unknown as NodeJS.WriteStream);
    sink.trainBegin({ epochs: 1, samplesPerEpoch: 10 });
    sink.epochEnd(0, { loss: 0.5, seconds: 0.0042, samplesPerSecond: 2400 });
    expect(text).toContain('| 4.20 ms |');
  });
});
