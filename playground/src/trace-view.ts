/**
 * The worked trace under the logits editor: the steps from logits to decision with the numbers that were
 * actually computed, in the library's precision (exact shortest round-trip values).
 */
import { h } from './dom.js';
import { exact, type FloatDType } from './format.js';
import type { LogitsResult } from './logits-compute.js';

function vec(values: readonly number[], dtype: FloatDType): string {
  return `[${values.map((v) => exact(v, dtype)).join(', ')}]`;
}

function step(title: string, formula: string, value: string, note?: string): HTMLLIElement {
  return h('li', {},
    h('span', { class: 'step-title' }, title),
    h('code', { class: 'formula' }, formula),
    h('span', { class: 'step-value' }, value),
    note ? h('span', { class: 'step-note' }, note) : null);
}

export function renderTrace(el: HTMLElement, r: LogitsResult, names: string[]): void {
  const d = r.input.dtype;
  const T = r.input.temperature;
  const y = r.input.label;
  const u = T === 1 ? 'z' : 'u';
  const steps: HTMLLIElement[] = [];
  steps.push(step('Logits', 'z', vec(r.input.logits.map((v) => (d === 'float32' ? Math.fround(v) : v)), d)));
  if (T !== 1) steps.push(step('Temperature', `u = z / T, T = ${exact(T, 'float64')}`, vec(r.scaled, d)));
  steps.push(step('Subtract the max', `m = max(${u})`, exact(r.max, d),
    'Not differentiated through; softmax is unchanged by the shift.'));
  steps.push(step('Exponentials', `e_i = exp(${u}_i − m)`, vec(r.shiftedExp, d), 'Every term is ≤ 1: nothing can overflow.'));
  steps.push(step('Their sum', 'S = Σ e_i', exact(r.sumShiftedExp, d)));
  steps.push(step('Probabilities', 'p_i = e_i / S', vec(r.probs, d)));
  steps.push(step('Log-probabilities', `log p_i = ${u}_i − m − log S`, vec(r.logProbs, d)));
  steps.push(step('Cross-entropy', `L = −log p_y, y = ${names[y] ?? y}`, exact(r.loss, d),
    'Computed as m + log1p(S − 1) − u_y (log-sum-exp), so a tiny loss keeps its digits.'));
  steps.push(step('Gradient', `∂L/∂${u} = p − onehot(y)`, vec(r.gradScaled, d)));
  if (T !== 1) steps.push(step('Through the temperature', '∂L/∂z = (p − onehot(y)) / T', vec(r.gradLogits, d)));
  steps.push(step('Decision', 'argmax z', `${names[r.decision] ?? r.decision} (class ${r.decision})`,
    'Softmax keeps the order of the logits, so the argmax needs no softmax.'));

  const notes: string[] = [];
  if (r.naive.expOverflow) notes.push(`The naive exp(${u}_i) overflows to ∞ in ${d}; subtracting the max keeps every term ≤ 1.`);
  if (r.naive.expUnderflowAll) notes.push(`The naive exp(${u}_i) are all 0 in ${d} (0/0 = NaN); the stable form has e_max = 1.`);
  if (r.naive.loss !== r.loss && !(Number.isNaN(r.naive.loss) && Number.isNaN(r.loss))) {
    notes.push(`The naive −log(softmax) gives ${exact(r.naive.loss, d)}; the library's log-sum-exp gives ${exact(r.loss, d)}.`);
  }
  if (r.input.logits.some((v) => v === -Infinity)) notes.push('A −∞ logit is a mask: its probability is exactly 0 and its gradient 0.');

  el.replaceChildren(h('ol', { class: 'trace-steps' }, ...steps));
  if (notes.length) el.append(h('ul', { class: 'trace-notes', 'data-testid': 'trace-notes' }, ...notes.map((n) => h('li', {}, n))));
}
