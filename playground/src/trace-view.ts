/**
 * The worked trace under the logits editor, drawn from the structured trace that the library's explain()
 * returns (every number computed by a library op in the trace's dtype): a table of every class, the scalar
 * steps, the numerics notes and the cross-checks; plus the library's own text / Markdown / JSON renderings.
 */
import { renderJson, renderMarkdown, renderText, type ExplainTrace, type RowTrace } from '../../src/index.js';
import { h } from './dom.js';
import { exact, raw, short, type FloatDType } from './format.js';

const DIGITS = 6;

function num(v: number, d: FloatDType): HTMLElement {
  return h('span', { class: 'n', title: exact(v, d), 'data-value': raw(v, d) }, short(v, DIGITS, d));
}

function cell(v: number | null | undefined, d: FloatDType): HTMLTableCellElement {
  return h('td', { class: 'num' }, v === null || v === undefined ? '' : num(v, d));
}

function step(title: string, formula: string, ...value: Array<Node | string>): HTMLLIElement {
  return h('li', {}, h('span', { class: 'step-title' }, title), ' ', h('code', { class: 'formula' }, formula), ' ', ...value);
}

type Rendering = 'text' | 'markdown' | 'json';

export interface TraceView {
  update(trace: ExplainTrace): void;
}

export function mountTraceView(el: HTMLElement): TraceView {
  const summary = h('p', { class: 'trace-summary' });
  const table = h('table', { class: 'trace-table', 'data-testid': 'trace-table' });
  const steps = h('ol', { class: 'trace-steps', 'data-testid': 'trace-steps' });
  const notes = h('ul', { class: 'trace-notes', 'data-testid': 'trace-notes', hidden: true });
  const checks = h('p', { class: 'trace-checks', 'data-testid': 'trace-checks' });

  // The library's renderings, one at a time.
  const pre = h('pre', { class: 'rendering', 'data-testid': 'trace-rendering', tabindex: 0 });
  const copy = h('button', { type: 'button', class: 'secondary small', 'data-testid': 'trace-copy' }, 'Copy');
  let mode: Rendering = 'text';
  const tabs = (['text', 'markdown', 'json'] as const).map((m) => {
    const b = h(
      'button',
      { type: 'button', role: 'tab', class: 'tab', 'data-testid': `trace-tab-${m}`, 'aria-selected': m === mode ? 'true' : 'false' },
      m === 'text' ? 'Text' : m === 'markdown' ? 'Markdown' : 'JSON',
    );
    b.addEventListener('click', () => {
      mode = m;
      for (const t of tabs) t.setAttribute('aria-selected', t === b ? 'true' : 'false');
      renderPre();
    });
    return b;
  });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(pre.textContent ?? '');
      copy.textContent = 'Copied';
    } catch {
      copy.textContent = 'Select and copy';
    }
    setTimeout(() => (copy.textContent = 'Copy'), 1500);
  });
  const renderings = h(
    'details',
    { class: 'renderings', 'data-testid': 'trace-renderings' },
    h('summary', {}, 'The same trace as the CLI prints it (text, Markdown, JSON)'),
    h('div', { class: 'tabs', role: 'tablist' }, ...tabs, copy),
    pre,
  );
  // Render the library's text only when it is visible: it is cheap, but the JSON of a trace is long.
  renderings.addEventListener('toggle', () => renderPre());

  el.replaceChildren(summary, h('div', { class: 'table-wrap' }, table), steps, notes, checks, renderings);

  let current: ExplainTrace | null = null;
  function renderPre(): void {
    if (!current || !renderings.open) return;
    pre.textContent = mode === 'text' ? renderText(current) : mode === 'markdown' ? renderMarkdown(current) : renderJson(current);
  }

  return {
    update(trace) {
      current = trace;
      const r: RowTrace = trace.rows[0];
      const d = trace.dtype;
      const T = trace.temperature;
      const s = T === 1 ? 'z' : 'z/T';
      const name = (i: number) => (trace.classNames ? trace.classNames[i] : `class ${i}`);
      summary.textContent =
        `${trace.classCount} classes, ${d}${T === 1 ? '' : `, temperature T = ${exact(T, 'float64')}`}. ` +
        'Every number below was computed by a library op; hover one for its exact value.';

      const cols = [
        'class',
        'z',
        ...(r.scaledLogits ? ['z/T'] : []),
        `${s} − m`,
        `exp(${s} − m)`,
        'p',
        'log p',
        ...(r.target ? ['target', 'p − target'] : []),
        ...(r.gradientWrtLogits ? ['∂L/∂z'] : []),
      ];
      table.replaceChildren(
        h('thead', {}, h('tr', {}, ...cols.map((c) => h('th', { scope: 'col' }, c)))),
        h(
          'tbody',
          {},
          ...r.logits.map((z, i) =>
            h(
              'tr',
              { class: i === r.decision.classId ? 'decision' : '' },
              h('th', { scope: 'row' }, name(i)),
              cell(z, d),
              r.scaledLogits ? cell(r.scaledLogits[i], d) : null,
              cell(r.shifted[i], d),
              cell(r.exps[i], d),
              cell(r.probabilities[i], d),
              cell(r.logProbabilities[i], d),
              r.target ? cell(r.target.distribution[i], d) : null,
              r.gradient ? cell(r.gradient[i], d) : null,
              r.gradientWrtLogits ? cell(r.gradientWrtLogits[i], d) : null,
            ),
          ),
        ),
      );

      const items: HTMLLIElement[] = [];
      items.push(step('Subtract the max', `m = max ${s}`, num(r.max, d), ` (${name(r.maxIndex)}): every exp(${s} − m) is in (0, 1], nothing overflows.`));
      items.push(step('Sum of the others', 's = Σ exp over the other classes', num(r.sumOthers, d), '; the denominator is 1 + s = ', num(r.sum, d), '.'));
      items.push(step('Probabilities', 'p = exp(' + s + ' − m) / (1 + s)', 'by nn.softmax (see the p column).'));
      items.push(
        step(
          'Log of the denominator',
          'log1p(s)',
          num(r.log1pSumOthers, d),
          ', exact even when s is tiny; logSumExp = m + log1p(s) = ',
          num(r.logSumExp, d),
          '.',
        ),
      );
      items.push(step('Log-probabilities', `log p = (${s} − m) − log1p(s)`, 'by nn.logSoftmax, never log of a rounded p.'));
      if (r.target && r.loss !== null) {
        items.push(step('Cross-entropy', 'L = −Σ target · log p', h('strong', {}, num(r.loss, d)), trace.loss ? ` (${trace.loss.op}).` : '.'));
        items.push(
          step(
            'Gradient',
            `∂L/∂${T === 1 ? 'z' : '(z/T)'} = p − target`,
            'by autograd (see the p − target column)' + (r.gradientWrtLogits ? '; through z/T it is divided by T (the ∂L/∂z column).' : '.'),
          ),
        );
      }
      const dec = r.decision;
      items.push(
        step(
          'Decision',
          'argmax z',
          h('strong', {}, name(dec.classId)),
          dec.correct === null ? '' : dec.correct ? ' (correct)' : ` (wrong: the label is ${name(r.target!.classId!)})`,
          ': softmax keeps the order of the logits, so argmax needs no softmax.',
        ),
      );
      steps.replaceChildren(...items);

      notes.replaceChildren(...trace.notes.map((n) => h('li', { 'data-kind': n.kind }, h('span', { class: 'badge' }, n.kind), ' ', n.message)));
      notes.hidden = trace.notes.length === 0;

      const ok = trace.checks.filter((c) => c.ok).length;
      checks.textContent =
        `Cross-checks: ${ok}/${trace.checks.length} agree (${trace.checks.map((c) => c.name).join(', ')}): ` +
        'the step-by-step pieces match the fused library ops.';
      checks.classList.toggle('bad', ok !== trace.checks.length);
      renderPre();
    },
  };
}
