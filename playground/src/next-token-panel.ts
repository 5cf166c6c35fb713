/**
 * Next token: a small vocabulary after seed 002's sentence, editable logits, and the logits processors in Hugging
 * Face transformers' order (repetition penalty → temperature → top-k → top-p → min-p). The table shows each
 * processor's output and the tokens it removes, the last column the renormalised distribution; greedy's choice and
 * a seeded sample decide. Every number comes from next-token-compute.ts (the library's sampling module).
 */
import './next-token.css';
import { Random } from '../../src/index.js';
import { byTestId, h, setNumber } from './dom.js';
import { parseNumber, raw, short } from './format.js';
import { CANDIDATES, DEFAULT_SETTINGS, PROCESSOR_ORDER, PROMPT, type ProcessorName, type Settings } from './next-token-example.js';
import { computeNextToken, isOff, type NextTokenResult, type StepView } from './next-token-compute.js';

const LOGIT_MIN = -10;
const LOGIT_MAX = 10;
/** Random logits: normal draws with this standard deviation, rounded to one decimal so they are easy to read. */
const RANDOM_STD = 2;

interface State {
  tokens: string[];
  logits: number[];
  settings: Settings;
  /** The seed of the next "Random logits" draw (a counter, so a reload replays the same sequence). */
  randomSeed: number;
}

/** The numeric controls: a number box, and a slider for all but the penalty. */
interface Control {
  key: 'penalty' | 'temperature' | 'topK' | 'topP' | 'minP';
  box: HTMLInputElement;
  slider: HTMLInputElement | null;
  /** Accepts a parsed value, or says why not. */
  check(v: number): string | null;
}

const PARAM_TEXT: Record<ProcessorName, (s: Settings) => string> = {
  'repetition penalty': (s) => `θ = ${s.penalty}`,
  temperature: (s) => `T = ${s.temperature}`,
  'top-k': (s) => `k = ${s.topK}`,
  'top-p': (s) => `p = ${s.topP}`,
  'min-p': (s) => `min-p = ${s.minP}`,
};

export function mountNextTokenPanel(root: HTMLElement): void {
  const state: State = {
    tokens: CANDIDATES.map((c) => c.token),
    logits: CANDIDATES.map((c) => c.logit),
    settings: { ...DEFAULT_SETTINGS, previous: [...DEFAULT_SETTINGS.previous] },
    randomSeed: 1,
  };
  const V = state.tokens.length;
  let result: NextTokenResult | null = null;

  const head = byTestId<HTMLTableSectionElement>(root, 'next-token-head');
  const body = byTestId<HTMLTableSectionElement>(root, 'next-token-rows');
  const foot = byTestId<HTMLTableSectionElement>(root, 'next-token-foot');
  const errorEl = byTestId(root, 'next-token-error');
  const greedyEl = byTestId(root, 'nt-greedy');
  const sampledEl = byTestId(root, 'nt-sampled');
  const seedBox = byTestId<HTMLInputElement>(root, 'nt-seed');
  const blank = byTestId(root, 'next-token-blank');
  byTestId(root, 'next-token-prompt').textContent = PROMPT;

  const int = (v: number) => Number.isInteger(v);
  const controls: Control[] = [
    {
      key: 'penalty',
      box: byTestId<HTMLInputElement>(root, 'nt-penalty'),
      slider: null,
      check: (v) => (v > 0 && Number.isFinite(v) ? null : 'a positive number'),
    },
    {
      key: 'temperature',
      box: byTestId<HTMLInputElement>(root, 'nt-temperature'),
      slider: byTestId<HTMLInputElement>(root, 'nt-temperature-slider'),
      check: (v) => (v > 0 && Number.isFinite(v) ? null : 'a positive number'),
    },
    {
      key: 'topK',
      box: byTestId<HTMLInputElement>(root, 'nt-top-k'),
      slider: byTestId<HTMLInputElement>(root, 'nt-top-k-slider'),
      check: (v) => (int(v) && v >= 0 ? null : 'a whole number ≥ 0 (0 = off)'),
    },
    {
      key: 'topP',
      box: byTestId<HTMLInputElement>(root, 'nt-top-p'),
      slider: byTestId<HTMLInputElement>(root, 'nt-top-p-slider'),
      check: (v) => (v >= 0 && v <= 1 ? null : 'a number in [0, 1]'),
    },
    {
      key: 'minP',
      box: byTestId<HTMLInputElement>(root, 'nt-min-p'),
      slider: byTestId<HTMLInputElement>(root, 'nt-min-p-slider'),
      check: (v) => (v >= 0 && v <= 1 ? null : 'a number in [0, 1]'),
    },
  ];
  for (const id of ['nt-top-k', 'nt-top-k-slider']) byTestId<HTMLInputElement>(root, id).max = String(V);

  const logitBoxes: HTMLInputElement[] = [];
  const logitSliders: HTMLInputElement[] = [];
  const previousBoxes: HTMLInputElement[] = [];

  // ---- the table's fixed parts: header, one row per token, the kept counts --------------------------------------

  function stepHeader(name: ProcessorName, i: number): HTMLTableCellElement {
    return h(
      'th',
      { scope: 'col', class: 'step', 'data-testid': `nt-step-head-${i}` },
      h('span', { class: 'step-no' }, `${i + 1}`),
      ' ',
      name,
      h('span', { class: 'sub block', 'data-testid': `nt-step-param-${i}` }),
    );
  }

  head.replaceChildren(
    h(
      'tr',
      {},
      h('th', { scope: 'col' }, 'Token'),
      h('th', { scope: 'col', title: 'Tokens that already occurred: the repetition penalty applies to them' }, 'Previous'),
      h('th', { scope: 'col' }, 'Logit ', h('var', {}, 'z'), h('span', { class: 'sub block' }, 'p = softmax(z)')),
      ...PROCESSOR_ORDER.map(stepHeader),
      h('th', { scope: 'col' }, 'Final ', h('var', {}, 'p'), h('span', { class: 'sub block' }, 'renormalised over the kept tokens')),
    ),
  );

  state.tokens.forEach((token, i) => {
    const box = h('input', {
      type: 'text',
      inputmode: 'decimal',
      class: 'logit-input',
      'data-testid': `nt-logit-${i}`,
      'aria-label': `logit of “${token}”`,
      spellcheck: 'false',
    });
    const slider = h('input', {
      type: 'range',
      min: LOGIT_MIN,
      max: LOGIT_MAX,
      step: 0.1,
      'data-testid': `nt-logit-slider-${i}`,
      'aria-label': `logit of “${token}” (slider)`,
    });
    const prev = h('input', { type: 'checkbox', 'data-testid': `nt-previous-${i}`, 'aria-label': `“${token}” occurred before (repetition penalty)` });
    logitBoxes.push(box);
    logitSliders.push(slider);
    previousBoxes.push(prev);
    box.addEventListener('input', () => {
      const v = parseNumber(box.value);
      const ok = v !== null && v !== Infinity && !Number.isNaN(v);
      box.setAttribute('aria-invalid', ok ? 'false' : 'true');
      if (!ok) return showErrors();
      state.logits[i] = v;
      if (Number.isFinite(v)) slider.value = String(v);
      update();
    });
    slider.addEventListener('input', () => {
      state.logits[i] = Number(slider.value);
      box.value = slider.value;
      box.setAttribute('aria-invalid', 'false');
      update();
    });
    prev.addEventListener('change', () => {
      state.settings.previous = previousBoxes.flatMap((b, j) => (b.checked ? [j] : []));
      update();
    });
    body.append(
      h(
        'tr',
        { 'data-testid': `nt-row-${i}` },
        h('th', { scope: 'row', class: 'token', 'data-testid': `nt-token-${i}` }, token),
        h('td', { class: 'center' }, prev),
        h('td', { class: 'logit-cell' }, box, slider, h('output', { class: 'num sub block', 'data-testid': `nt-input-p-${i}` })),
        ...PROCESSOR_ORDER.map((_, s) => h('td', { class: 'step-cell', 'data-testid': `nt-cell-${s}-${i}` })),
        h(
          'td',
          { class: 'bar-cell' },
          h('div', { class: 'bar', 'data-testid': `nt-bar-${i}`, role: 'presentation' }, h('div', { class: 'fill' })),
          h('output', { class: 'num', 'data-testid': `nt-p-${i}` }),
        ),
      ),
    );
  });

  foot.replaceChildren(
    h(
      'tr',
      {},
      h('th', { scope: 'row', colspan: 3 }, 'Tokens kept'),
      ...PROCESSOR_ORDER.map((_, s) => h('td', { 'data-testid': `nt-kept-${s}`, class: 'num' })),
      h('td', { 'data-testid': 'nt-kept-final', class: 'num' }),
    ),
  );

  // ---- controls -------------------------------------------------------------------------------------------------

  function syncInputs(): void {
    state.tokens.forEach((_, i) => {
      const z = state.logits[i];
      logitBoxes[i].value = String(z);
      logitBoxes[i].setAttribute('aria-invalid', 'false');
      logitSliders[i].value = String(Number.isFinite(z) ? z : LOGIT_MIN);
      previousBoxes[i].checked = state.settings.previous.includes(i);
    });
    for (const c of controls) {
      c.box.value = String(state.settings[c.key]);
      c.box.setAttribute('aria-invalid', 'false');
      if (c.slider) c.slider.value = String(state.settings[c.key]);
    }
    seedBox.value = String(state.settings.seed);
  }

  for (const c of controls) {
    c.box.addEventListener('input', () => {
      const v = parseNumber(c.box.value);
      const ok = v !== null && c.check(v) === null;
      c.box.setAttribute('aria-invalid', ok ? 'false' : 'true');
      if (!ok) return showErrors();
      state.settings[c.key] = v;
      if (c.slider) c.slider.value = String(v);
      update();
    });
    c.slider?.addEventListener('input', () => {
      state.settings[c.key] = Number(c.slider!.value);
      c.box.value = c.slider!.value;
      c.box.setAttribute('aria-invalid', 'false');
      update();
    });
  }

  byTestId(root, 'next-token-reset').addEventListener('click', () => {
    state.logits = CANDIDATES.map((c) => c.logit);
    state.settings = { ...DEFAULT_SETTINGS, previous: [...DEFAULT_SETTINGS.previous] };
    syncInputs();
    update();
  });
  byTestId(root, 'next-token-random').addEventListener('click', () => {
    const rng = new Random(state.randomSeed++);
    state.logits = state.tokens.map(() => Number(Math.max(LOGIT_MIN, Math.min(LOGIT_MAX, rng.normal(0, RANDOM_STD))).toFixed(1)));
    syncInputs();
    update();
  });

  seedBox.addEventListener('input', () => {
    const v = parseNumber(seedBox.value);
    const ok = v !== null && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
    seedBox.setAttribute('aria-invalid', ok ? 'false' : 'true');
    if (ok) state.settings.seed = v;
    clearSample();
  });
  byTestId(root, 'nt-sample').addEventListener('click', () => {
    if (!result || seedBox.getAttribute('aria-invalid') === 'true') return;
    try {
      const id = result.sample(state.settings.seed);
      sampledEl.textContent = state.tokens[id];
      sampledEl.setAttribute('data-value', String(id));
      sampledEl.setAttribute('data-seed', String(state.settings.seed));
      fillBlank(id, 'sampled');
    } catch (e) {
      showError(e);
    }
  });

  function clearSample(): void {
    sampledEl.textContent = '';
    sampledEl.removeAttribute('data-value');
    sampledEl.removeAttribute('data-seed');
  }

  function fillBlank(id: number, how: 'greedy' | 'sampled'): void {
    blank.textContent = state.tokens[id];
    blank.setAttribute('data-value', String(id));
    blank.setAttribute('data-how', how);
  }

  // ---- errors ---------------------------------------------------------------------------------------------------

  /** Names the inputs that do not parse (the results keep their last valid values). Returns whether there were any. */
  function showErrors(): boolean {
    const bad = Array.from(root.querySelectorAll<HTMLInputElement>('input[aria-invalid="true"]'));
    if (bad.length === 0) return false;
    errorEl.textContent = bad
      .map((b) => {
        const c = controls.find((x) => x.box === b);
        const what = c ? `${b.labels?.[0]?.textContent ?? c.key}: expected ${c.check(NaN)}` : (b.getAttribute('aria-label') ?? b.id);
        return `${what}; '${b.value}' is not accepted`;
      })
      .join('. ');
    errorEl.hidden = false;
    return true;
  }

  function showError(e: unknown): void {
    errorEl.textContent = e instanceof Error ? e.message : String(e);
    errorEl.hidden = false;
  }

  // ---- rendering ------------------------------------------------------------------------------------------------

  function renderCell(td: HTMLElement, steps: StepView[], k: number, i: number): void {
    const step = steps[k];
    const before = k > 0 ? steps[k - 1] : null;
    const removedNow = step.removed.includes(i);
    const removedBefore = steps.slice(0, k).some((st) => st.removed.includes(i));
    td.className = 'step-cell' + (step.label === null ? ' off' : '') + (removedNow ? ' removed-now' : removedBefore ? ' removed' : '');
    td.setAttribute('data-removed', removedNow ? 'now' : removedBefore ? 'before' : 'no');
    td.setAttribute('data-p', raw(step.probabilities[i], 'float64'));
    td.setAttribute('data-z', raw(step.logits[i], 'float32'));
    if (removedNow) {
      const was = before ? before.logits[i] : state.logits[i];
      td.replaceChildren(
        h('del', { class: 'num', title: `logit ${raw(was, 'float32')} before ${step.name}` }, short(was, 3)),
        h('span', { class: 'tag' }, `removed by ${step.name}`),
      );
    } else if (removedBefore) {
      td.replaceChildren(h('span', { class: 'gone', 'aria-label': 'removed before' }, '—'));
    } else {
      const p = h('output', { class: 'num' });
      setNumber(p, short(step.probabilities[i], 3), raw(step.probabilities[i], 'float64'));
      const z = h('output', { class: 'num sub block' });
      setNumber(z, `z ${short(step.logits[i], 3)}`, raw(step.logits[i], 'float32'));
      td.replaceChildren(p, z);
    }
  }

  function update(): void {
    const invalid = showErrors();
    try {
      result = computeNextToken(state.logits, state.settings);
      if (!invalid) {
        errorEl.textContent = '';
        errorEl.hidden = true;
      }
    } catch (e) {
      result = null;
      showError(e);
      root.setAttribute('data-state', 'error');
      return;
    }
    const r = result;
    const s = state.settings;
    PROCESSOR_ORDER.forEach((name, k) => {
      const param = byTestId(root, `nt-step-param-${k}`);
      param.textContent = isOff(name, s) ? 'off' : PARAM_TEXT[name](s);
      byTestId(root, `nt-step-head-${k}`).classList.toggle('off', isOff(name, s));
      setNumber(byTestId(root, `nt-kept-${k}`), `${r.steps[k].kept} / ${V}`, String(r.steps[k].kept));
    });
    const finalKept = r.steps[r.steps.length - 1].kept;
    setNumber(byTestId(root, 'nt-kept-final'), `${finalKept} / ${V}`, String(finalKept));
    state.tokens.forEach((_, i) => {
      setNumber(byTestId(root, `nt-input-p-${i}`), `p ${short(r.inputProbabilities[i], 3)}`, raw(r.inputProbabilities[i], 'float64'));
      r.steps.forEach((_, k) => renderCell(byTestId(root, `nt-cell-${k}-${i}`), r.steps, k, i));
      const p = r.probabilities[i];
      setNumber(byTestId(root, `nt-p-${i}`), short(p, 3), raw(p, 'float64'));
      const bar = byTestId(root, `nt-bar-${i}`);
      (bar.firstElementChild as HTMLElement).style.width = `${Math.max(0, Math.min(1, p)) * 100}%`;
      bar.classList.toggle('decision', i === r.greedy);
      const removedBy = r.steps.find((st) => st.removed.includes(i));
      const row = byTestId(root, `nt-row-${i}`);
      row.classList.toggle('removed', removedBy !== undefined);
      row.setAttribute('data-removed-by', removedBy ? removedBy.name : '');
    });
    greedyEl.textContent = state.tokens[r.greedy];
    greedyEl.setAttribute('data-value', String(r.greedy));
    fillBlank(r.greedy, 'greedy');
    clearSample();
    root.setAttribute('data-state', 'ok');
    root.setAttribute('data-rendered', String(Number(root.getAttribute('data-rendered') ?? '0') + 1));
  }

  syncInputs();
  update();
}
