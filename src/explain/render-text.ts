import { derivation, notesOf } from './derivation.js';
import { context, shownClasses, textTable, type Ctx, type RenderOptions } from './render-common.js';
import type { ExplainTrace, RowTrace } from './types.js';

/**
 * A plain-text rendering for terminals: per example, a table of every class (z, z − max, exp(z − max), p,
 * log p, and with labels the target and the gradient), then the worked derivation in the seeds' style (the dense
 * layer's sums, the max, the exponentials, their sum, p, log p, the loss, the gradient, the decision) and the
 * numerics notes. "=" marks a printed value that is exactly the computed one, "≈" one rounded to `digits`
 * significant digits.
 */
export function renderText(trace: ExplainTrace, options?: RenderOptions): string {
  const c = context('renderText', trace, options);
  const t = c.t;
  const out: string[] = [];
  out.push(`${heading(c)}`);
  if (t.dense) out.push(denseShape(c));
  for (const r of t.rows) {
    out.push('');
    if (t.batched) out.push(`Example ${r.index}`, '');
    out.push(...table(c, r), '');
    (c.steps ? derivation(c, r) : []).forEach((s, k) => {
      const text = s.text ? `; ${s.text}` : '';
      out.push(`${k + 1}. ${s.title}: ${s.formula}${text}`);
      const w = Math.max(0, ...s.items.map(([label]) => label.length));
      for (const [label, rest] of s.items) out.push(`     ${label.padEnd(w)} ${rest}`);
      for (const line of s.after) out.push(`     ${line}`);
    });
    for (const x of notesOf(c, r.index)) out.push(`   ! ${x.kind}: ${x.message}`);
  }
  if (t.loss && t.batched) out.push('', ...batchLoss(c));
  for (const part of contributionParts(c)) {
    out.push('', part.title, ...textTable(part.header, part.rows), ...part.footer.map((l) => `  ${l}`));
  }
  for (const x of t.notes.filter((n) => n.row < 0)) out.push('', `! ${x.kind}: ${x.message}`);
  out.push('', checksLine(c));
  return out.join('\n') + '\n';
}

export function heading(c: Ctx): string {
  const t = c.t;
  const parts = [t.dense ? 'a dense layer' : null, 'softmax', t.loss ? 'cross-entropy' : null].filter((x) => x !== null);
  const what = parts.length === 3 ? `${parts[0]}, ${parts[1]} and ${parts[2]}` : parts.join(' and ');
  const extras = [
    t.dtype,
    `${t.classCount} classes`,
    t.batched ? `${t.rows.length} examples` : null,
    t.temperature !== 1 ? `temperature T = ${c.n(t.temperature)}` : null,
    t.labelSmoothing !== 0 ? `label smoothing ε = ${c.n(t.labelSmoothing)}` : null,
  ].filter((x) => x !== null);
  return `Explaining ${what} (${extras.join(', ')})`;
}

export function denseShape(c: Ctx): string {
  const d = c.t.dense!;
  const C = d.weights.length;
  const F = d.weights[0].length;
  return d.layout === 'classesByFeatures'
    ? `z = W·f + b, W is [${C} classes × ${F} features]`
    : `z = f·K + b with a Keras kernel K [${F} features × ${C} classes]; below W = Kᵀ, so z_i = Σ_j W_ij·f_j + b_i`;
}

/** The table's header and rows (shared with the Markdown renderer). */
export function tableCells(c: Ctx, r: RowTrace): { header: string[]; rows: string[][]; hidden: number } {
  const { ids, hidden } = shownClasses(c, r);
  const s = c.s;
  const header = ['class', 'z'];
  if (r.scaledLogits) header.push('z/T');
  header.push(`${s} - max`, `exp(${s} - max)`, 'p', 'log p');
  if (r.target) header.push('target', r.target && c.t.notes.some((x) => x.row === r.index && x.kind === 'labelSum') ? 'gradient' : 'p - target');
  if (r.gradientWrtLogits) header.push('dloss/dz');
  const rows = ids.map((i) => {
    const cells = [c.name(i), c.n(r.logits[i])];
    if (r.scaledLogits) cells.push(c.n(r.scaledLogits[i]));
    cells.push(c.n(r.shifted[i]), c.n(r.exps[i]), c.n(r.probabilities[i]), c.n(r.logProbabilities[i]));
    if (r.target) cells.push(c.n(r.target.distribution[i]), c.n(r.gradient![i]));
    if (r.gradientWrtLogits) cells.push(c.n(r.gradientWrtLogits[i]));
    return cells;
  });
  return { header, rows, hidden };
}

function table(c: Ctx, r: RowTrace): string[] {
  const { header, rows, hidden } = tableCells(c, r);
  const lines = textTable(header, rows);
  if (hidden > 0) lines.push(`  (${hidden} more classes, with the smallest probabilities)`);
  return lines;
}

export function batchLossLines(c: Ctx): { head: string; lines: string[] } {
  const L = c.t.loss!;
  const per = L.perExample;
  const listed = per.length > c.maxTerms ? `${per.slice(0, c.maxTerms).map(c.n).join(', ')}, …` : per.map(c.n).join(', ');
  const head = `loss per example (${L.op}): [${listed}]`;
  const lines: string[] = [];
  if (L.value !== null) {
    const sumExpr = per.length > c.maxTerms ? `the sum of ${per.length} losses` : per.map(c.n).join(' + ');
    if (L.reduction === 'sum') lines.push(`reduction 'sum': ${sumExpr} ${c.is(L.value)}`);
    else if (L.reduction === 'mean') lines.push(`reduction 'mean': (${sumExpr}) / ${per.length} ${c.is(L.value)}`);
    else lines.push(`reduction 'sumByNonzeroWeights': (${sumExpr}) / ${per.length} non-zero weights ${c.is(L.value)}`);
    lines.push(`The gradient of the reduced loss is each example's gradient${L.reduction === 'sum' ? '' : ` divided by ${per.length}`}.`);
  } else {
    lines.push(`reduction 'none': the per-example losses are the result`);
  }
  return { head, lines };
}

function batchLoss(c: Ctx): string[] {
  const { head, lines } = batchLossLines(c);
  return [`Batch ${head}`, ...lines.map((l) => `  ${l}`)];
}

export function checksLine(c: Ctx): string {
  const cs = c.t.checks;
  const bad = cs.filter((x) => !x.ok);
  return bad.length === 0
    ? `Cross-checks: ${cs.length}/${cs.length} agree (${cs.map((x) => x.name).join(', ')}).`
    : `Cross-checks: ${bad.length} of ${cs.length} FAILED (${bad.map((x) => x.name).join(', ')}); please report this.`;
}

/** explainPrediction's breakdown of a logit into its largest products (shared with the Markdown renderer). */
export function contributionParts(c: Ctx): Array<{ title: string; header: string[]; rows: string[][]; footer: string[] }> {
  const parts: Array<{ title: string; header: string[]; rows: string[][]; footer: string[] }> = [];
  for (const x of c.t.contributions ?? []) {
    const header = ['unit j', 'W_kj', 'h_j', 'W_kj·h_j'];
    const cells = (list: typeof x.top) => list.map((e) => [String(e.unit), c.n(e.weight), c.n(e.activation), c.n(e.contribution)]);
    const name = c.name(x.classId);
    const rows = cells(x.top);
    if (x.bottom.length) rows.push(['most negative:', '', '', ''], ...cells(x.bottom));
    const footer: string[] = [];
    const bias = x.bias === null ? '' : `, and the bias b_k adds ${c.n(x.bias)}`;
    const others =
      x.restCount === 0
        ? 'no other unit adds anything'
        : x.restCount === 1
          ? `the other unit adds ${c.n(x.restSum)}`
          : `the other ${x.restCount} units add ${c.n(x.restSum)} in total`;
    footer.push(`${others}${bias}: z[${name}] ${c.is(x.logit)}`);
    parts.push({ title: `Hidden units contributing most to z[${name}] (z_k = Σ_j W_kj·h_j + b_k):`, header, rows, footer });
  }
  return parts;
}
