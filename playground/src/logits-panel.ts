/**
 * The logits editor: classes (name, logit as text + slider, true class), temperature and dtype in; probability
 * bars, log-probabilities, the loss, its gradient and the worked trace out, recomputed on every input.
 */
import { explain, type ExplainTrace } from '../../src/index.js';
import { byTestId, h, setNumber } from './dom.js';
import { exact, parseNumber, raw, short, type FloatDType } from './format.js';
import { mountTraceView } from './trace-view.js';

interface ClassRow {
  name: string;
  logit: number;
}

interface State {
  classes: ClassRow[];
  temperature: number;
  label: number;
  dtype: FloatDType;
}

export interface Preset {
  id: string;
  /** The button's text; `title` is its tooltip. */
  text: string;
  title: string;
  classes: ClassRow[];
  label: number;
  temperature?: number;
  dtype?: FloatDType;
}

export const PRESETS: readonly Preset[] = [
  {
    id: 'seed-text',
    text: 'Seeds: [2.0, 1.0, 0.1]',
    title: 'News / entertainment / technology: [2.0, 1.0, 0.1]',
    label: 0,
    classes: [
      { name: 'news', logit: 2.0 },
      { name: 'entertainment', logit: 1.0 },
      { name: 'technology', logit: 0.1 },
    ],
  },
  {
    id: 'seed-image',
    text: 'Seeds: z = W·f + b',
    title: 'Image classes A / B / C: z = W·f + b = [0.5, 0.34, 2.41]',
    label: 2,
    classes: [
      { name: 'A', logit: 0.5 },
      { name: 'B', logit: 0.34 },
      { name: 'C', logit: 2.41 },
    ],
  },
  {
    id: 'tiny-loss',
    text: 'Tiny loss: [20, 0, 0]',
    title: 'A confident right answer: [20, 0, 0], float32 (the loss is tiny, not 0)',
    label: 0,
    dtype: 'float32',
    classes: [
      { name: 'A', logit: 20 },
      { name: 'B', logit: 0 },
      { name: 'C', logit: 0 },
    ],
  },
  {
    id: 'huge',
    text: 'Huge: [1000, 999, −1000]',
    title: 'Huge logits: [1000, 999, −1000] (naive exp overflows)',
    label: 1,
    classes: [
      { name: 'A', logit: 1000 },
      { name: 'B', logit: 999 },
      { name: 'C', logit: -1000 },
    ],
  },
  {
    id: 'mask',
    text: 'Mask: [3, −∞, 1]',
    title: 'A masked class: [3, −∞, 1] (probability exactly 0)',
    label: 0,
    classes: [
      { name: 'A', logit: 3 },
      { name: 'masked', logit: -Infinity },
      { name: 'C', logit: 1 },
    ],
  },
];

const SLIDER_MIN = -10;
const SLIDER_MAX = 10;
const T_MIN = 0.05;
const T_MAX = 10;

/** Temperature slider position in [0, 1000] ↔ T on a log scale, so small temperatures get room. */
const tToSlider = (t: number) => Math.round((1000 * Math.log(t / T_MIN)) / Math.log(T_MAX / T_MIN));
const sliderToT = (s: number) => Number((T_MIN * Math.pow(T_MAX / T_MIN, s / 1000)).toPrecision(3));

export function mountLogitsPanel(root: HTMLElement): void {
  const state: State = {
    classes: PRESETS[0].classes.map((c) => ({ ...c })),
    temperature: 1,
    label: 0,
    dtype: 'float32',
  };

  const rowsBody = byTestId<HTMLTableSectionElement>(root, 'class-rows');
  const tInput = byTestId<HTMLInputElement>(root, 'temperature-input');
  const tSlider = byTestId<HTMLInputElement>(root, 'temperature-slider');
  const dtypeSelect = byTestId<HTMLSelectElement>(root, 'dtype-select');
  const lossEl = byTestId(root, 'loss');
  const decisionEl = byTestId(root, 'decision');
  const traceView = mountTraceView(byTestId(root, 'trace'));
  const namesWarning = byTestId(root, 'names-warning');
  const errorEl = byTestId(root, 'logits-error');
  const presetBox = byTestId(root, 'presets');

  for (const p of PRESETS) {
    const b = h('button', { type: 'button', 'data-testid': `preset-${p.id}`, title: p.title }, p.text);
    b.addEventListener('click', () => {
      state.classes = p.classes.map((c) => ({ ...c }));
      state.label = p.label;
      state.temperature = p.temperature ?? 1;
      if (p.dtype) state.dtype = p.dtype;
      buildRows();
      syncControls();
      update();
    });
    presetBox.append(b);
  }

  function syncControls(): void {
    tInput.value = String(state.temperature);
    tSlider.value = String(tToSlider(state.temperature));
    dtypeSelect.value = state.dtype;
  }

  function buildRows(): void {
    rowsBody.replaceChildren();
    state.classes.forEach((c, i) => rowsBody.append(buildRow(c, i)));
    byTestId<HTMLButtonElement>(root, 'add-class').disabled = state.classes.length >= 20;
  }

  function buildRow(c: ClassRow, i: number): HTMLTableRowElement {
    const radio = h('input', {
      type: 'radio',
      name: 'true-class',
      value: i,
      'data-testid': `true-class-${i}`,
      'aria-label': `true class: ${c.name}`,
      checked: i === state.label,
    });
    const name = h('input', {
      type: 'text',
      value: c.name,
      'data-testid': `class-name-${i}`,
      'aria-label': `name of class ${i + 1}`,
      class: 'name-input',
      maxlength: 40,
      spellcheck: 'false',
    });
    const logit = h('input', {
      type: 'text',
      inputmode: 'decimal',
      value: Number.isFinite(c.logit) ? String(c.logit) : exact(c.logit, 'float64'),
      'data-testid': `logit-input-${i}`,
      'aria-label': `logit of ${c.name}`,
      class: 'logit-input',
      spellcheck: 'false',
    });
    const slider = h('input', {
      type: 'range',
      min: SLIDER_MIN,
      max: SLIDER_MAX,
      step: 0.01,
      'data-testid': `logit-slider-${i}`,
      'aria-label': `logit of ${c.name} (slider)`,
      value: String(Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, Number.isFinite(c.logit) ? c.logit : SLIDER_MIN))),
    });
    const remove = h(
      'button',
      {
        type: 'button',
        class: 'icon',
        'data-testid': `remove-class-${i}`,
        'aria-label': `remove class ${c.name}`,
        title: 'Remove this class',
        disabled: state.classes.length <= 2,
      },
      '×',
    );

    radio.addEventListener('change', () => {
      state.label = i;
      update();
    });
    name.addEventListener('input', () => {
      c.name = name.value;
      radio.setAttribute('aria-label', `true class: ${c.name}`);
      update();
    });
    logit.addEventListener('input', () => {
      const v = parseNumber(logit.value);
      logit.setAttribute('aria-invalid', v === null ? 'true' : 'false');
      if (v === null) {
        showInvalidLogit();
        return;
      }
      c.logit = v;
      if (Number.isFinite(v)) slider.value = String(Math.min(SLIDER_MAX, Math.max(SLIDER_MIN, v)));
      update();
    });
    slider.addEventListener('input', () => {
      c.logit = Number(slider.value);
      logit.value = slider.value;
      logit.setAttribute('aria-invalid', 'false');
      update();
    });
    remove.addEventListener('click', () => {
      state.classes.splice(i, 1);
      if (state.label >= state.classes.length) state.label = state.classes.length - 1;
      else if (state.label > i) state.label--;
      buildRows();
      update();
    });

    return h(
      'tr',
      { 'data-testid': `class-row-${i}` },
      h('td', { class: 'center' }, radio),
      h('td', {}, name),
      h('td', { class: 'logit-cell' }, logit, slider),
      h(
        'td',
        { class: 'bar-cell' },
        h('div', { class: 'bar', 'data-testid': `prob-bar-${i}`, role: 'presentation' }, h('div', { class: 'fill' })),
        h('output', { class: 'num', 'data-testid': `prob-${i}` }),
      ),
      h('td', {}, h('output', { class: 'num', 'data-testid': `logprob-${i}` })),
      h('td', {}, h('output', { class: 'num', 'data-testid': `grad-${i}` })),
      h('td', { class: 'center' }, remove),
    );
  }

  byTestId(root, 'add-class').addEventListener('click', () => {
    const n = state.classes.length;
    state.classes.push({ name: `class ${n + 1}`, logit: 0 });
    buildRows();
    update();
    byTestId<HTMLInputElement>(root, `logit-input-${n}`).focus();
  });

  tInput.addEventListener('input', () => {
    const v = parseNumber(tInput.value);
    const ok = v !== null && Number.isFinite(v) && v > 0;
    tInput.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (!ok) return;
    state.temperature = v;
    tSlider.value = String(tToSlider(Math.min(T_MAX, Math.max(T_MIN, v))));
    update();
  });
  tSlider.addEventListener('input', () => {
    state.temperature = sliderToT(Number(tSlider.value));
    tInput.value = String(state.temperature);
    tInput.setAttribute('aria-invalid', 'false');
    update();
  });
  dtypeSelect.addEventListener('change', () => {
    state.dtype = dtypeSelect.value === 'float64' ? 'float64' : 'float32';
    update();
  });

  /** The class names explain() gets: the user's, when they are non-empty and distinct. */
  function classNames(): string[] | null {
    const names = state.classes.map((c) => c.name.trim());
    const ok = names.every((n) => n !== '') && new Set(names).size === names.length;
    namesWarning.hidden = ok;
    return ok ? names : null;
  }

  /** Says which logit does not parse (the page keeps showing the last valid one), or clears the message. */
  function showInvalidLogit(): boolean {
    const bad = rowsBody.querySelector<HTMLInputElement>('input.logit-input[aria-invalid="true"]');
    if (!bad) return false;
    errorEl.textContent = `${bad.getAttribute('aria-label')}: '${bad.value}' is not a number (e.g. 2.5, -1e3 or -inf); the results use its last valid value`;
    errorEl.hidden = false;
    return true;
  }

  function update(): void {
    let trace: ExplainTrace;
    try {
      trace = explain({
        logits: state.classes.map((c) => c.logit),
        labels: state.label,
        classNames: classNames() ?? undefined,
        temperature: state.temperature,
        dtype: state.dtype,
      });
      if (!showInvalidLogit()) {
        errorEl.textContent = '';
        errorEl.hidden = true;
      }
    } catch (e) {
      errorEl.textContent = e instanceof Error ? e.message : String(e);
      errorEl.hidden = false;
      return;
    }
    const r = trace.rows[0];
    const d = state.dtype;
    const grad = r.gradientWrtLogits ?? r.gradient ?? [];
    r.probabilities.forEach((p, i) => {
      setNumber(byTestId(root, `prob-${i}`), short(p, 3, d), raw(p, d));
      const bar = byTestId(root, `prob-bar-${i}`);
      const fill = bar.firstElementChild as HTMLElement;
      fill.style.width = `${Number.isFinite(p) ? Math.max(0, Math.min(1, p)) * 100 : 0}%`;
      bar.classList.toggle('true-class', i === state.label);
      bar.classList.toggle('decision', i === r.decision.classId);
      setNumber(byTestId(root, `logprob-${i}`), short(r.logProbabilities[i], 3, d), raw(r.logProbabilities[i], d));
      setNumber(byTestId(root, `grad-${i}`), short(grad[i], 3, d), raw(grad[i], d));
    });
    const loss = r.loss ?? NaN;
    setNumber(lossEl, short(loss, 4, d), raw(loss, d));
    lossEl.setAttribute('aria-label', `loss ${exact(loss, d)}`);
    const winner = state.classes[r.decision.classId];
    decisionEl.textContent = winner ? winner.name || `class ${r.decision.classId + 1}` : '—';
    decisionEl.setAttribute('data-value', String(r.decision.classId));
    traceView.update(trace);
  }

  buildRows();
  syncControls();
  update();
}
