import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calibration, metrics, slice } from '../../src/index.js';
import { loadModel } from '../../src/io/node.js';
import { loadDataSource } from '../../src/cli/data-source.js';
import { datasetTensors } from '../../src/cli/samples.js';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-calibrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Three overlapping Gaussian blobs in 4 features: a classifier of them makes mistakes, with confidence. */
function overlappingCsv(n: number, seed: number): string {
  let s = seed;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  const normal = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const lines = ['a,b,c,d,kind'];
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    lines.push([...[0, 1, 2, 3].map((j) => ((j === c ? 1.5 : 0) + 1.1 * normal()).toFixed(4)), ['x', 'y', 'z'][c]].join(','));
  }
  return lines.join('\n');
}

describe('logitkit calibrate', () => {
  const csv = join(dir, 'blobs.csv');
  const model = join(dir, 'm.lkm');
  beforeAll(async () => {
    writeFileSync(csv, overlappingCsv(1500, 5));
    const r = await cli('train', '--data', `csv:${csv}`, '--hidden', '64', '--epochs', '40', '--batch-size', '16', '--seed', '1', '--out', model, '--json');
    expect(r.code, r.err).toBe(0);
  });

  it('fits T on the held-out training rows, reports before / after on the test split, saves the model and the report', async () => {
    const out = join(dir, 'm2.lkm');
    const report = join(dir, 'cal.html');
    const r = await cli('calibrate', '--model', model, '--out', out, '--report', report, '--json');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    // Recomputed with the library from the same files: the rows, the fit and the figures agree exactly.
    const net = await loadModel(model);
    const data = await loadDataSource(`csv:${csv}`, { model: net });
    const all = datasetTensors(data.train, net);
    const n = all.x.shape[0];
    const at = Math.floor(n * 0.9);
    expect(j.fitExamples).toBe(n - at);
    const T = calibration.fitTemperature(net.predictLogits(slice(all.x, at, n - at)), slice(all.y, at, n - at)).temperature;
    expect(j.calibration).toEqual({ method: 'temperature', temperature: T });
    const test = datasetTensors(data.test, net);
    const z = net.predictLogits(test.x);
    const before = metrics.calibration(z, test.y);
    const after = metrics.calibration(calibration.applyCalibration(z, j.calibration), test.y);
    expect(j.before).toEqual({
      ece: before.ece,
      mce: before.mce,
      classwiseEce: before.classwiseEce,
      nll: before.nll,
      brier: before.brier,
      accuracy: before.accuracy,
    });
    expect(j.after.ece).toBe(after.ece);
    expect(j.after.accuracy).toBe(before.accuracy); // temperature keeps every decision
    expect(j.nllFitAfter).toBeLessThan(j.nllFitBefore);
    // The saved model carries T and applies it in predictProba.
    const saved = await loadModel(out);
    expect(saved.calibration).toEqual(j.calibration);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain(`ECE ${(100 * before.ece).toFixed(2)} %`);
    expect(html).toContain(`ECE ${(100 * after.ece).toFixed(2)} %`);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    // explain traces the calibrated model at its T: z / T, softmax, and the unchanged decision.
    const ex = await cli('explain', '--model', out, '--index', '3');
    expect(ex.code, ex.err).toBe(0);
    expect(ex.out).toContain(`calibrated by temperature scaling, T = ${T.toPrecision(6)}`);
    expect(ex.out).toMatch(/argmax z = argmax z\/T = \w+, unchanged/);
    expect(ex.out).toContain(`temperature T = `);
    const p = (await loadModel(out)).predictProba(slice(test.x, 3, 1)).values;
    const k = Array.from(p).indexOf(Math.max(...p));
    const shown = Number(/and ([\d.e-]+) at T/.exec(ex.out)![1]);
    expect(Math.abs(shown - p[k])).toBeLessThan(1e-5); // predictProba's float32 softmax(z / T)
  });

  it('prints a before / after table; vector scaling; evaluate and info show the calibration', async () => {
    const out = join(dir, 'm3.lkm');
    const r = await cli('calibrate', '--model', model, '--out', out, '--method', 'vectorScaling', '--bins', '10', '--strategy', 'quantile');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/vector scaling \(3 scales and biases\)/);
    expect(r.out).toMatch(/ECE \(10 quantile bins\)\s+\d+\.\d\d %\s+\d+\.\d\d %/);
    expect(r.out).toMatch(/accuracy\s+\d+\.\d\d %/);
    const e = await cli('evaluate', '--model', out, '--json');
    expect(e.code, e.err).toBe(0);
    const ej = JSON.parse(e.out);
    expect(ej.calibration.method).toBe('vectorScaling');
    for (const k of ['ece', 'nll', 'brier']) expect(typeof ej[k]).toBe('number');
    const text = await cli('evaluate', '--model', out);
    expect(text.out).toMatch(/calibrated \(vector scaling .*\): ECE \d+\.\d\d %, NLL \d\.\d{4}, Brier \d\.\d{4}/);
    const info = await cli('info', '--model', out);
    expect(info.out).toMatch(/calibration: vector scaling/);
  });

  it('refuses bad options before any work', async () => {
    await expectUsageError(['calibrate', '--model', model, '--method', 'platt'], "option --method must be one of temperature, vectorScaling, got 'platt'");
    await expectUsageError(['calibrate', '--model', model, '--bins', '0'], 'option --bins must be an integer ≥ 1');
    await expectUsageError(['calibrate', '--model', model, '--validation-split', '0'], 'option --validation-split must be a number > 0');
    await expectUsageError(['calibrate', '--model', model, '--out', dir], `option --out '${dir}' is a directory`);
    await expectUsageError(['calibrate'], "required option '--model <file>' not specified");
  });
});
