/** A small SVG line chart (no dependencies): a few series against the training step, with nice axis ticks. */
import { svg } from './dom.js';
import { short } from './format.js';

export interface SeriesSpec {
  name: string;
  className: string;
  /** Draw points as dots (sparse series such as test evaluations). */
  dots?: boolean;
}

export interface ChartSpec {
  title: string;
  series: SeriesSpec[];
  /** Fixed y range (accuracy: [0, 1]); otherwise [0, max of data]. */
  yRange?: [number, number];
  yFormat?: (v: number) => string;
  /** The y axis title (the x axis is the training step). */
  yLabel: string;
}

const W = 460;
const H = 220;
const M = { left: 58, right: 12, top: 12, bottom: 30 };

/** 1, 2 or 5 times a power of ten, so ticks read well. */
export function niceStep(span: number, count: number): number {
  const raw = span / Math.max(1, count);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
}

export class LineChart {
  readonly element: SVGSVGElement;
  private data: Array<Array<[number, number]>>;
  private xMax = 1;

  constructor(
    private spec: ChartSpec,
    testId: string,
  ) {
    this.data = spec.series.map(() => []);
    this.element = svg('svg', {
      viewBox: `0 0 ${W} ${H}`,
      class: 'chart',
      role: 'img',
      'aria-label': spec.title,
      'data-testid': testId,
      preserveAspectRatio: 'xMidYMid meet',
    });
    this.render();
  }

  reset(xMax: number): void {
    this.data = this.spec.series.map(() => []);
    this.xMax = Math.max(1, xMax);
    this.render();
  }

  push(series: number, x: number, y: number): void {
    if (Number.isFinite(y)) this.data[series].push([x, y]);
  }

  render(): void {
    const { spec } = this;
    const all = this.data.flat();
    const xMax = Math.max(this.xMax, ...all.map((p) => p[0]));
    const [y0, y1] = spec.yRange ?? [0, Math.max(1e-9, ...all.map((p) => p[1])) * 1.05];
    const pw = W - M.left - M.right;
    const ph = H - M.top - M.bottom;
    const sx = (x: number) => M.left + (x / xMax) * pw;
    const sy = (y: number) => M.top + ph - ((Math.min(y1, Math.max(y0, y)) - y0) / (y1 - y0)) * ph;
    const fmt = spec.yFormat ?? ((v: number) => short(v, 2));
    const parts: SVGElement[] = [];
    const yStep = niceStep(y1 - y0, 4);
    const empty = all.length === 0;
    parts.push(
      svg('text', { x: 12, y: M.top + ph / 2, class: 'axis-label', 'text-anchor': 'middle', transform: `rotate(-90 12 ${M.top + ph / 2})` }, spec.yLabel),
    );
    // Before any data there is no scale to show: no ticks that would read as values, just what is coming.
    if (empty)
      parts.push(
        svg(
          'text',
          { x: M.left + pw / 2, y: M.top + ph / 2, class: 'empty-note', 'text-anchor': 'middle', 'data-testid': 'chart-empty' },
          'no data yet: press Train',
        ),
      );
    for (let v = empty ? Infinity : Math.ceil(y0 / yStep) * yStep; v <= y1 + 1e-12; v += yStep) {
      parts.push(svg('line', { x1: M.left, x2: W - M.right, y1: sy(v), y2: sy(v), class: 'grid' }));
      parts.push(svg('text', { x: M.left - 6, y: sy(v) + 4, class: 'tick', 'text-anchor': 'end' }, fmt(Number(v.toPrecision(6)))));
    }
    const xStep = niceStep(xMax, 5);
    for (let v = empty ? Infinity : 0; v <= xMax + 1e-9; v += xStep) {
      parts.push(svg('text', { x: sx(v), y: H - M.bottom + 16, class: 'tick', 'text-anchor': 'middle' }, String(Math.round(v))));
    }
    parts.push(svg('text', { x: W - M.right, y: H - 4, class: 'axis-label', 'text-anchor': 'end' }, 'training step'));
    parts.push(svg('rect', { x: M.left, y: M.top, width: pw, height: ph, class: 'frame' }));
    spec.series.forEach((s, i) => {
      const pts = this.data[i];
      if (s.dots) {
        for (const [x, y] of pts) parts.push(svg('circle', { cx: sx(x), cy: sy(y), r: 3, class: `series ${s.className}` }));
        if (pts.length > 1) {
          parts.push(
            svg('polyline', { points: pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' '), class: `series thin ${s.className}` }),
          );
        }
      } else if (pts.length > 0) {
        parts.push(svg('polyline', { points: pts.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' '), class: `series ${s.className}` }));
      }
    });
    // Legend.
    let lx = M.left + 8;
    spec.series.forEach((s) => {
      parts.push(svg('rect', { x: lx, y: M.top + 6, width: 12, height: 4, class: `legend ${s.className}` }));
      const label = svg('text', { x: lx + 16, y: M.top + 12, class: 'legend-text' }, s.name);
      parts.push(label);
      lx += 24 + s.name.length * 6.2;
    });
    this.element.replaceChildren(svg('title', {}, spec.title), ...parts);
  }
}
