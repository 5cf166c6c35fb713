/**
 * Calibration of the model trained in the page: its logits on the held-out test digits (computed once, in the
 * worker, when a run ends) → the library's metrics.calibration (ECE, MCE, NLL, Brier, accuracy, the reliability
 * table) and calibration.reliabilityDiagram, at a temperature T set with a log-scale slider or fitted with
 * calibration.fitTemperature on the first half of the test digits and shown on the other half.
 * 2,000 × 10 logits take about a millisecond per redraw, so this runs on the page's thread.
 */
import { Tensor, calibration, metrics, type CalibrationReport } from '../../src/index.js';
import { byTestId, setNumber } from './dom.js';
import { raw, short } from './format.js';

/** The test logits the worker sent, row-major [count, classes], with their labels. */
export interface TestLogits {
  step: number;
  logits: Float32Array;
  labels: Int32Array;
  classes: number;
}

export interface CalibrationPanel {
  /** Shows the section for a newly trained model. */
  setTestLogits(data: TestLogits): void;
  /** Hides it (a new run started: the old logits no longer describe the page's model). */
  clear(): void;
}

export type Split = 'all' | 'fit' | 'eval';

/** Equal-width confidence bins, the usual choice (Guo et al. 2017). */
export const BINS = 15;
/** The slider spans T = 2^−2 … 2^2 on a log scale; position 500 of 1000 is T = 1. */
const SLIDER_MAX = 1000;
const LOG2_MIN = -2;
const LOG2_MAX = 2;

export function sliderToTemperature(position: number): number {
  return 2 ** (LOG2_MIN + ((LOG2_MAX - LOG2_MIN) * position) / SLIDER_MAX);
}

export function temperatureToSlider(t: number): number {
  const p = Math.round(((Math.log2(t) - LOG2_MIN) / (LOG2_MAX - LOG2_MIN)) * SLIDER_MAX);
  return Math.min(SLIDER_MAX, Math.max(0, p));
}

/** The rows of a split: the first ⌊N/2⌋ test digits fit T, the others evaluate it. */
export function splitRows(split: Split, count: number): [number, number] {
  const half = Math.floor(count / 2);
  return split === 'fit' ? [0, half] : split === 'eval' ? [half, count] : [0, count];
}

interface Rows {
  /** The logits as float64, [n, classes]. */
  z: Float64Array;
  labels: Tensor;
  n: number;
  /** The report at T = 1, for comparison. */
  atOne: CalibrationReport;
}

const FIGURES = ['accuracy', 'ece', 'mce', 'nll', 'brier'] as const;
type Figure = (typeof FIGURES)[number];

function shown(figure: Figure, v: number): string {
  return figure === 'accuracy' || figure === 'ece' || figure === 'mce' ? `${short(v * 100, 3)}%` : short(v, 3);
}

const count = (n: number) => n.toLocaleString('en-US');

export function mountCalibrationPanel(root: HTMLElement): CalibrationPanel {
  const slider = byTestId<HTMLInputElement>(root, 'calibration-slider');
  const tOut = byTestId<HTMLOutputElement>(root, 'calibration-t');
  const fitBtn = byTestId<HTMLButtonElement>(root, 'calibration-fit');
  const resetBtn = byTestId<HTMLButtonElement>(root, 'calibration-reset');
  const splitSel = byTestId<HTMLSelectElement>(root, 'calibration-split');
  const statusEl = byTestId(root, 'calibration-status');
  const fitEl = byTestId(root, 'calibration-fit-result');
  const diagramEl = byTestId(root, 'calibration-diagram');
  const tHead = byTestId(root, 'calibration-t-head');
  const cells = Object.fromEntries(FIGURES.map((f) => [f, { now: byTestId(root, `calibration-${f}`), one: byTestId(root, `calibration-${f}-t1`) }])) as Record<
    Figure,
    { now: HTMLElement; one: HTMLElement }
  >;

  let data: TestLogits | null = null;
  const rows = new Map<Split, Rows>();
  let temperature = 1;
  let pending = false;

  function rowsOf(split: Split): Rows {
    let r = rows.get(split);
    if (r) return r;
    const d = data!;
    const [from, to] = splitRows(split, d.labels.length);
    const n = to - from;
    const z = Float64Array.from(d.logits.subarray(from * d.classes, to * d.classes));
    const labels = new Tensor(d.labels.slice(from, to), [n]);
    r = { z, labels, n, atOne: metrics.calibration(new Tensor(z, [n, d.classes]), labels, { bins: BINS }) };
    rows.set(split, r);
    return r;
  }

  function splitName(split: Split, n: number): string {
    if (split === 'all') return `all ${count(n)} test digits`;
    return split === 'fit' ? `the first ${count(n)} test digits` : `the last ${count(n)} test digits`;
  }

  function render(): void {
    pending = false;
    if (!data) return;
    const split = splitSel.value as Split;
    const r = rowsOf(split);
    const z = new Float64Array(r.z.length);
    for (let i = 0; i < z.length; i++) z[i] = r.z[i] / temperature;
    const report = temperature === 1 ? r.atOne : metrics.calibration(new Tensor(z, [r.n, data.classes]), r.labels, { bins: BINS });
    const tText = short(temperature, 3);
    diagramEl.innerHTML = calibration.reliabilityDiagram(report, { title: `${splitName(split, r.n)}, T = ${tText}`, width: 360, height: 400 });
    diagramEl.setAttribute('data-split', split);
    diagramEl.setAttribute('data-temperature', raw(temperature, 'float64'));
    tHead.textContent = tText;
    for (const f of FIGURES) {
      setNumber(cells[f].now, shown(f, report[f]), raw(report[f], 'float64'));
      setNumber(cells[f].one, shown(f, r.atOne[f]), raw(r.atOne[f], 'float64'));
    }
    root.setAttribute('data-rendered', String(Number(root.getAttribute('data-rendered') ?? '0') + 1));
  }

  function schedule(): void {
    if (pending) return;
    pending = true;
    requestAnimationFrame(render);
  }

  function setTemperature(t: number, moveSlider: boolean): void {
    temperature = t;
    if (moveSlider) slider.value = String(temperatureToSlider(t));
    tOut.value = short(t, 3);
    tOut.setAttribute('data-value', raw(t, 'float64'));
    tOut.title = raw(t, 'float64');
    slider.setAttribute('aria-valuetext', `T = ${short(t, 3)}`);
    schedule();
  }

  slider.addEventListener('input', () => setTemperature(sliderToTemperature(Number(slider.value)), false));
  resetBtn.addEventListener('click', () => setTemperature(1, true));
  splitSel.addEventListener('change', schedule);
  fitBtn.addEventListener('click', () => {
    if (!data) return;
    const fitRows = rowsOf('fit');
    const evalRows = rowsOf('eval');
    try {
      const fit = calibration.fitTemperature(new Tensor(fitRows.z, [fitRows.n, data.classes]), fitRows.labels);
      root.setAttribute('data-fitted-temperature', raw(fit.temperature, 'float64'));
      fitEl.textContent =
        `Fitted T = ${short(fit.temperature, 4)} on the first ${count(fitRows.n)} test digits ` +
        `(their NLL ${short(fit.nllBefore, 3)} at T = 1 → ${short(fit.nllAfter, 3)}). ` +
        `The evaluation half, shown now: the last ${count(evalRows.n)} test digits, which the fit did not see.`;
      splitSel.value = 'eval';
      setTemperature(fit.temperature, true);
    } catch (e) {
      root.removeAttribute('data-fitted-temperature');
      fitEl.textContent = `Could not fit T: ${e instanceof Error ? e.message : String(e)}`;
    }
  });

  return {
    setTestLogits(d) {
      data = d;
      rows.clear();
      (root as HTMLElement & { testLogits?: TestLogits }).testLogits = d;
      const n = d.labels.length;
      const [, half] = splitRows('fit', n);
      for (const option of Array.from(splitSel.options))
        option.textContent = splitName(option.value as Split, option.value === 'fit' ? half : option.value === 'eval' ? n - half : n);
      statusEl.textContent = `The model after step ${d.step}, on the ${count(n)} held-out test digits (not trained on).`;
      fitEl.textContent = '';
      root.removeAttribute('data-fitted-temperature');
      splitSel.value = 'all';
      root.hidden = false;
      setTemperature(1, true);
    },
    clear() {
      data = null;
      rows.clear();
      root.hidden = true;
      diagramEl.textContent = '';
      root.removeAttribute('data-fitted-temperature');
    },
  };
}
