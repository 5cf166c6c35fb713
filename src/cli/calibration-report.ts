/**
 * The calibration report of `logitkit calibrate --report`: one self-contained HTML page (inline SVG, no scripts):
 * the reliability diagrams before and after, side by side, and the figures.
 */
import { calibration, type Calibration, type CalibrationReport } from '../index.js';
import { esc } from './report.js';

export interface CalibrationReportData {
  title: string;
  dataName: string;
  /** Which rows the calibration was fitted on. */
  fitDescription: string;
  calibration: Calibration;
  nllFitBefore: number;
  nllFitAfter: number;
  /** On the test split, before and after. */
  before: CalibrationReport;
  after: CalibrationReport;
}

const pct = (v: number): string => `${(100 * v).toFixed(2)} %`;

/** How a calibration reads in one line: 'temperature scaling, T = 1.42710' or 'vector scaling (10 scales and biases)'. */
export function describeCalibration(c: Calibration): string {
  return c.method === 'temperature' ? `temperature scaling, T = ${c.temperature.toPrecision(6)}` : `vector scaling (${c.scale.length} scales and biases)`;
}

/** The figures calibrate prints and reports, each with how it reads: [name, format]. */
export function calibrationFigures(r: CalibrationReport): Array<[string, (r: CalibrationReport) => string]> {
  return [
    [`ECE (${r.bins.length} ${r.strategy} bins)`, (x) => pct(x.ece)],
    ['MCE', (x) => pct(x.mce)],
    ['class-wise ECE', (x) => pct(x.classwiseEce)],
    ['NLL', (x) => x.nll.toFixed(4)],
    ['Brier score', (x) => x.brier.toFixed(4)],
    ['accuracy', (x) => pct(x.accuracy)],
  ];
}

export function renderCalibrationReport(d: CalibrationReportData): string {
  const what = describeCalibration(d.calibration);
  const rows = calibrationFigures(d.before);
  const table = rows.map(([name, f]) => `<tr><td>${esc(name)}</td><td>${f(d.before)}</td><td>${f(d.after)}</td></tr>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;color:#222;margin:2rem auto;max-width:900px;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}.charts{display:flex;flex-wrap:wrap;gap:1rem}
.reliability{border:1px solid #ddd;border-radius:6px;max-width:100%}svg text{fill:#333}
table{border-collapse:collapse}td,th{border-bottom:1px solid #eee;padding:.15rem .8rem;text-align:right}td:first-child,th:first-child{text-align:left}
</style></head><body>
<h1>${esc(d.title)}</h1>
<p>${esc(what)}, fitted on ${esc(d.fitDescription)} (NLL there ${d.nllFitBefore.toFixed(4)} → ${d.nllFitAfter.toFixed(4)}).
Measured on the ${d.before.examples} test examples of ${esc(d.dataName)}, which the fit never saw.</p>
<h2>Reliability diagrams (test)</h2>
<p>Each bar is a bin of examples by confidence (the largest probability): its height is the fraction predicted right.
A calibrated model's bars reach the diagonal; the shaded part is the gap. Bin counts are below each plot.</p>
<div class="charts">${calibration.reliabilityDiagram(d.before, { title: 'before' })}${calibration.reliabilityDiagram(d.after, { title: 'after' })}</div>
<h2>Figures (test)</h2>
<table><thead><tr><th></th><th>before</th><th>after</th></tr></thead><tbody>${table}</tbody></table>
</body></html>
`;
}
