import { checkOptions } from '../tensor/options.js';
import type { CalibrationReport } from './metrics.js';

export interface ReliabilityDiagramOptions {
  /** The heading drawn above the plot (default 'reliability diagram'). */
  title?: string;
  /** Outer size in SVG units (default 320 × 360). */
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const f = (v: number): string => v.toFixed(1);

/**
 * A reliability diagram as a self-contained SVG string: per bin, a bar up to the bin's accuracy placed at its
 * confidence range, the gap to its mean confidence shaded, the diagonal of perfect calibration, and below the
 * plot the bin counts as a histogram. The ECE and the accuracy are printed in the corner.
 */
export function reliabilityDiagram(report: CalibrationReport, options?: ReliabilityDiagramOptions): string {
  const o = checkOptions('reliabilityDiagram', options, ['title', 'width', 'height']);
  const W = o.width ?? 320;
  const H = o.height ?? 360;
  const m = { l: 44, r: 12, t: 26, b: 36 };
  const histogram = 50;
  const plotH = H - m.t - m.b - histogram - 10;
  const plotW = W - m.l - m.r;
  const sx = (v: number) => m.l + v * plotW;
  const sy = (v: number) => m.t + (1 - v) * plotH;
  const title = o.title ?? 'reliability diagram';
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(title)}" class="reliability">`,
  ];
  parts.push(`<text x="${W / 2}" y="16" text-anchor="middle" class="title" font-weight="600">${esc(title)}</text>`);
  parts.push(`<rect x="${m.l}" y="${m.t}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#ccc"/>`);
  for (let i = 0; i <= 4; i++) {
    const v = i / 4;
    parts.push(`<text x="${m.l - 5}" y="${f(sy(v) + 4)}" text-anchor="end" font-size="10">${v.toFixed(2)}</text>`);
    parts.push(`<text x="${f(sx(v))}" y="${f(m.t + plotH + 13)}" text-anchor="middle" font-size="10">${v.toFixed(2)}</text>`);
  }
  const maxCount = Math.max(1, ...report.bins.map((b) => b.count));
  report.bins.forEach((b, i) => {
    if (b.count === 0 || b.accuracy === null || b.confidence === null) return;
    // Uniform bins have their boundaries; quantile bins span their smallest to largest confidence.
    const lo = b.lower ?? b.confidence;
    const hi = b.upper ?? b.confidence;
    const x = sx(lo);
    const w = Math.max(1.5, sx(hi) - sx(lo));
    parts.push(
      `<rect class="bin" data-bin="${i}" data-count="${b.count}" data-accuracy="${b.accuracy}" data-confidence="${b.confidence}" x="${f(x)}" y="${f(sy(b.accuracy))}" width="${f(w)}" height="${f(sy(0) - sy(b.accuracy))}" fill="#1f6fd1" fill-opacity="0.8" stroke="#fff" stroke-width="0.5"/>`,
    );
    const top = Math.max(b.accuracy, b.confidence);
    const bottom = Math.min(b.accuracy, b.confidence);
    parts.push(`<rect class="gap" x="${f(x)}" y="${f(sy(top))}" width="${f(w)}" height="${f(sy(bottom) - sy(top))}" fill="#d1621f" fill-opacity="0.35"/>`);
    const hh = (b.count / maxCount) * histogram;
    parts.push(`<rect class="count" x="${f(x)}" y="${f(H - m.b + 14 - hh)}" width="${f(w)}" height="${f(hh)}" fill="#888"/>`);
  });
  parts.push(`<line class="diagonal" x1="${sx(0)}" y1="${sy(0)}" x2="${sx(1)}" y2="${sy(1)}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${m.l + 6}" y="${m.t + 14}" font-size="11">ECE ${(100 * report.ece).toFixed(2)} %</text>`);
  parts.push(`<text x="${m.l + 6}" y="${m.t + 28}" font-size="11">accuracy ${(100 * report.accuracy).toFixed(2)} %</text>`);
  parts.push(`<text x="12" y="${f(m.t + plotH / 2)}" transform="rotate(-90 12 ${f(m.t + plotH / 2)})" text-anchor="middle" font-size="11">accuracy</text>`);
  parts.push(`<text x="${f(m.l + plotW / 2)}" y="${H - 4}" text-anchor="middle" font-size="11">confidence (bin counts below)</text>`);
  parts.push('</svg>');
  return parts.join('');
}
