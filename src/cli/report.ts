/**
 * The training report: one self-contained HTML page with inline SVG (no scripts, no network):
 * the hyperparameters, loss and accuracy per epoch (train and validation), the confusion matrix as a heat map,
 * per-class precision, recall, F1 and support, and the worst misclassified test examples with their top-3 probabilities.
 */
import { calibration, type CalibrationReport } from '../index.js';
import { duration } from './duration.js';

export interface ReportSample {
  index: number;
  /** Pixels in [0, 1], row-major, imageShape[0] × imageShape[1] (image and feature data). */
  pixels?: ArrayLike<number>;
  /** The text (text data), shown instead of an image. */
  text?: string;
  label: number;
  top: Array<{ cls: number; probability: number; logit: number }>;
}

export interface ReportData {
  title: string;
  dataName: string;
  modelText: string;
  epochs: number[];
  series: { loss: number[]; acc?: number[]; val_loss?: number[]; val_acc?: number[] };
  secondsPerEpoch: number[];
  testLoss: number;
  testAccuracy: number;
  classNames: string[];
  /** Row-major [C, C]: rows are true classes, columns predictions. */
  confusion: ArrayLike<number>;
  precision: ArrayLike<number>;
  recall: ArrayLike<number>;
  f1: ArrayLike<number>;
  support: ArrayLike<number>;
  /** Calibration of the test probabilities (ECE, NLL, Brier and the reliability table). */
  calibration?: CalibrationReport;
  /** What the run was asked to do, as [name, value] rows. */
  hyperparameters: Array<[string, string]>;
  imageShape?: readonly number[];
  samples: ReportSample[];
}

/** HTML-escapes text for the reports. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const num = (v: number, digits = 4): string => (Number.isFinite(v) ? (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(digits) : v.toExponential(2)) : String(v));
// A small share is shown in exponent notation: a probability of 3e-7 must not read as 0.00 %.
const pct = (v: number): string => (v > 0 && v < 5e-5 ? `${(100 * v).toExponential(1)} %` : `${(100 * v).toFixed(2)} %`);

/** A line chart of one or two series per epoch, with axes, ticks and a legend. */
export function lineChart(
  title: string,
  epochs: number[],
  lines: Array<{ name: string; values: number[]; color: string }>,
  bounds: { min?: number; max?: number } = {},
): string {
  const W = 460;
  const H = 260;
  const m = { l: 52, r: 16, t: 28, b: 40 };
  const all = lines.flatMap((l) => l.values).filter(Number.isFinite);
  if (all.length === 0 || epochs.length === 0)
    return `<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><text x="10" y="20">${esc(title)}: no data</text></svg>`;
  let lo = Math.min(...all);
  let hi = Math.max(...all);
  if (hi === lo) {
    hi += 0.5;
    lo -= 0.5;
  }
  const pad = (hi - lo) * 0.08;
  // The padding stays inside what the quantity can be (accuracy in [0, 1], a loss ≥ 0).
  lo = Math.max(lo - pad, bounds.min ?? -Infinity);
  hi = Math.min(hi + pad, bounds.max ?? Infinity);
  const x0 = epochs[0];
  const x1 = epochs[epochs.length - 1];
  const sx = (e: number) => m.l + (x1 === x0 ? (W - m.l - m.r) / 2 : ((e - x0) / (x1 - x0)) * (W - m.l - m.r));
  const sy = (v: number) => m.t + (1 - (v - lo) / (hi - lo)) * (H - m.t - m.b);
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}" class="chart">`];
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="title">${esc(title)}</text>`);
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    const y = sy(v);
    parts.push(`<line x1="${m.l}" x2="${W - m.r}" y1="${y}" y2="${y}" class="grid"/><text x="${m.l - 6}" y="${y + 4}" text-anchor="end">${num(v, 3)}</text>`);
  }
  const step = Math.max(1, Math.ceil(epochs.length / 10));
  epochs.forEach((e, i) => {
    if (i % step === 0 || i === epochs.length - 1) parts.push(`<text x="${sx(e)}" y="${H - m.b + 16}" text-anchor="middle">${e}</text>`);
  });
  parts.push(`<text x="${(m.l + W - m.r) / 2}" y="${H - 6}" text-anchor="middle">epoch</text>`);
  parts.push(
    `<text x="12" y="${(m.t + H - m.b) / 2}" transform="rotate(-90 12 ${(m.t + H - m.b) / 2})" text-anchor="middle">${esc(title.split(' ')[0])}</text>`,
  );
  lines.forEach((l, k) => {
    const pts = l.values.map((v, i) => (Number.isFinite(v) ? `${sx(epochs[i]).toFixed(1)},${sy(v).toFixed(1)}` : null)).filter((p) => p !== null);
    parts.push(`<polyline fill="none" stroke="${l.color}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [cx, cy] = p!.split(',');
      parts.push(`<circle cx="${cx}" cy="${cy}" r="2.5" fill="${l.color}"/>`);
    }
    parts.push(
      `<rect x="${m.l + 8 + k * 110}" y="${m.t - 4}" width="10" height="10" fill="${l.color}"/><text x="${m.l + 22 + k * 110}" y="${m.t + 5}">${esc(l.name)}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('');
}

/** The confusion matrix as a heat map: cell shade by the row-normalized count, the count printed in each cell. */
export function confusionHeatmap(confusion: ArrayLike<number>, names: string[]): string {
  const C = names.length;
  const cell = C <= 10 ? 34 : Math.max(10, Math.floor(340 / C));
  const left = 110;
  const top = 100;
  const W = left + C * cell + 10;
  const H = top + C * cell + 30;
  const parts: string[] = [`<svg viewBox="0 0 ${W} ${H}" role="img" aria-label="confusion matrix" class="heatmap">`];
  parts.push(`<text x="${left + (C * cell) / 2}" y="14" text-anchor="middle" class="title">predicted class →</text>`);
  parts.push(
    `<text x="12" y="${top + (C * cell) / 2}" transform="rotate(-90 12 ${top + (C * cell) / 2})" text-anchor="middle" class="title">true class →</text>`,
  );
  for (let j = 0; j < C; j++) {
    const x = left + j * cell + cell / 2;
    parts.push(`<text x="${x}" y="${top - 6}" transform="rotate(-60 ${x} ${top - 6})">${esc(names[j])}</text>`);
  }
  for (let i = 0; i < C; i++) {
    let rowSum = 0;
    for (let j = 0; j < C; j++) rowSum += confusion[i * C + j];
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" text-anchor="end">${esc(names[i])}</text>`);
    for (let j = 0; j < C; j++) {
      const count = confusion[i * C + j];
      const share = rowSum > 0 ? count / rowSum : 0;
      // Correct predictions in blue, mistakes in red; darker = a larger share of the true class.
      const hue = i === j ? 215 : 0;
      const light = Math.round(97 - 55 * Math.sqrt(share));
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(
        `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="hsl(${hue} 70% ${light}%)"><title>true ${esc(names[i])}, predicted ${esc(names[j])}: ${count} (${pct(share)} of the true class)</title></rect>`,
      );
      if (cell >= 24 && count > 0)
        parts.push(
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" fill="${light < 60 ? '#fff' : '#222'}" class="count">${count}</text>`,
        );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

/** A grayscale image as SVG rects (dark ink on white, like the digits). */
export function imageSvg(pixels: ArrayLike<number>, rows: number, cols: number, size = 84): string {
  const parts = [
    `<svg viewBox="0 0 ${cols} ${rows}" width="${size}" height="${size}" shape-rendering="crispEdges" class="digit"><rect width="${cols}" height="${rows}" fill="#fff"/>`,
  ];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = pixels[r * cols + c];
      if (v > 0.02)
        parts.push(
          `<rect x="${c}" y="${r}" width="1" height="1" fill="rgb(${Math.round(255 * (1 - v))} ${Math.round(255 * (1 - v))} ${Math.round(255 * (1 - v))})"/>`,
        );
    }
  }
  parts.push('</svg>');
  return parts.join('');
}

export function renderReport(d: ReportData): string {
  const names = d.classNames;
  const totalSeconds = d.secondsPerEpoch.reduce((a, b) => a + b, 0);
  const lossChart = lineChart(
    'loss (cross-entropy with logits)',
    d.epochs,
    [
      { name: 'train', values: d.series.loss, color: '#1f6fd1' },
      ...(d.series.val_loss ? [{ name: 'validation', values: d.series.val_loss, color: '#d1621f' }] : []),
    ],
    { min: 0 },
  );
  const accChart = d.series.acc
    ? lineChart(
        'accuracy',
        d.epochs,
        [
          { name: 'train', values: d.series.acc, color: '#1f6fd1' },
          ...(d.series.val_acc ? [{ name: 'validation', values: d.series.val_acc, color: '#d1621f' }] : []),
        ],
        { min: 0, max: 1 },
      )
    : '';
  const perClass = names
    .map((n, c) => `<tr><td>${esc(n)}</td><td>${num(d.precision[c])}</td><td>${num(d.recall[c])}</td><td>${num(d.f1[c])}</td><td>${d.support[c]}</td></tr>`)
    .join('');
  const [rows, cols] = d.imageShape && d.imageShape.length === 2 ? d.imageShape : [0, 0];
  const samples = d.samples
    .map((s) => {
      const img =
        s.text !== undefined
          ? `<blockquote class="text">${esc(s.text.length > 300 ? `${s.text.slice(0, 300)}…` : s.text)}</blockquote>`
          : rows > 0 && s.pixels
            ? imageSvg(s.pixels, rows, cols)
            : '';
      const correct = s.top[0]?.cls === s.label;
      const list = s.top
        .map(
          (t) =>
            `<li${t.cls === s.label ? ' class="truth"' : ''}>${esc(names[t.cls] ?? String(t.cls))}: ${pct(t.probability)} <span class="logit">(logit ${num(t.logit, 3)})</span></li>`,
        )
        .join('');
      const predicted = s.top[0] ? (names[s.top[0].cls] ?? String(s.top[0].cls)) : '?';
      return `<figure class="sample ${correct ? 'right' : 'wrong'}">${img}<figcaption>test #${s.index}: true <b>${esc(names[s.label] ?? String(s.label))}</b>, predicted <b>${esc(predicted)}</b><ol>${list}</ol></figcaption></figure>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(d.title)}</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;color:#222;margin:2rem auto;max-width:1000px;padding:0 1rem}
h1{font-size:1.5rem}h2{font-size:1.15rem;margin-top:2rem}
.summary td{padding:.1rem .8rem .1rem 0}.charts{display:flex;flex-wrap:wrap;gap:1rem}
svg text{font-size:11px;fill:#333}svg .title{font-size:12px;font-weight:600}svg .grid{stroke:#e5e5e5}
.chart{width:460px;max-width:100%;border:1px solid #ddd;border-radius:6px}.heatmap{max-width:100%;width:${Math.min(560, 110 + names.length * 34 + 10)}px}
table.pc{border-collapse:collapse}table.pc td,table.pc th{border-bottom:1px solid #eee;padding:.15rem .8rem;text-align:right}table.pc td:first-child{text-align:left}
.samples{display:flex;flex-wrap:wrap;gap:1rem}blockquote.text{margin:0;max-width:140px;font-size:12px;white-space:pre-wrap;overflow-wrap:anywhere}.sample{margin:0;border:1px solid #ddd;border-radius:6px;padding:.5rem;width:290px;display:flex;gap:.6rem;align-items:flex-start}
.sample.wrong{border-color:#d33}.sample ol{margin:.3rem 0 0;padding-left:1.3rem}.truth{font-weight:600}.logit{color:#777;font-size:.85em}
.digit{border:1px solid #ccc;flex:none}pre{background:#f6f6f6;padding:.6rem;overflow:auto}
</style></head><body>
<h1>${esc(d.title)}</h1>
<table class="summary">
<tr><td>data</td><td>${esc(d.dataName)}</td></tr>
<tr><td>test accuracy</td><td><b>${pct(d.testAccuracy)}</b></td></tr>
<tr><td>test loss</td><td>${num(d.testLoss)}</td></tr>
<tr><td>epochs</td><td>${d.epochs.length} (${duration(totalSeconds)}, ${duration(totalSeconds / Math.max(1, d.epochs.length))} per epoch)</td></tr>
</table>
<h2>Hyperparameters</h2>
<table class="summary hp">${d.hyperparameters.map(([k, v]) => `<tr><td>${esc(k)}</td><td>${esc(v)}</td></tr>`).join('')}</table>
<h2>Loss and accuracy per epoch</h2>
<div class="charts">${lossChart}${accChart}</div>
${
  d.calibration
    ? `<h2>Calibration (test)</h2>
<p>ECE ${pct(d.calibration.ece)}, NLL ${num(d.calibration.nll)}, Brier ${num(d.calibration.brier)}. Each bar is a bin of test examples by confidence; a calibrated model reaches the diagonal. <code>logitkit calibrate</code> fits a temperature that closes most of the gap.</p>
${calibration.reliabilityDiagram(d.calibration, { title: 'reliability diagram (test)' })}`
    : ''
}
<h2>Confusion matrix (test)</h2>
${confusionHeatmap(d.confusion, names)}
<h2>Per-class precision, recall, F1 and support (test)</h2>
<table class="pc"><thead><tr><th>class</th><th>precision</th><th>recall</th><th>F1</th><th>support</th></tr></thead><tbody>${perClass}</tbody></table>
<h2>The worst mistakes: misclassified test examples with the largest loss, and their top-3 probabilities</h2>
<div class="samples">${samples || '<p>No test example is misclassified.</p>'}</div>
<h2>Model</h2>
<pre>${esc(d.modelText)}</pre>
</body></html>
`;
}
