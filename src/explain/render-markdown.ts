import { derivation, notesOf } from './derivation.js';
import { context, type RenderOptions } from './render-common.js';
import { batchLossLines, checksLine, contributionParts, denseShape, heading, tableCells } from './render-text.js';
import type { ExplainTrace } from './types.js';

/** Escapes text for Markdown (class names are user data). */
export function escapeMarkdown(s: string): string {
  return s.replace(/[\\`*_{}[\]()<>#+!|$~]/g, (ch) => `\\${ch}`);
}

function tableMd(header: string[], rows: string[][]): string[] {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), `|${header.map((_, j) => (j === 0 ? ':--' : '--:')).join('|')}|`, ...rows.map(line)];
}

/**
 * A Markdown rendering: per example, a table of every class and the worked derivation as a numbered list,
 * each step with its formula in LaTeX math ($…$, as GitHub renders it) and its numbers in plain text; the
 * numerics notes as quotes. Numbers follow the same rules as renderText.
 */
export function renderMarkdown(trace: ExplainTrace, options?: RenderOptions): string {
  const base = context('renderMarkdown', trace, options);
  const c = { ...base, name: (i: number) => escapeMarkdown(base.name(i)) };
  const t = c.t;
  const out: string[] = [];
  out.push(`## ${heading(c)}`, '');
  if (t.dense) out.push(denseShape(c), '');
  for (const r of t.rows) {
    if (t.batched) out.push(`### Example ${r.index}`, '');
    const { header, rows, hidden } = tableCells(c, r);
    out.push(...tableMd(header, rows));
    if (hidden > 0) out.push('', `(${hidden} more classes, with the smallest probabilities)`);
    out.push('');
    (c.steps ? derivation(c, r) : []).forEach((s, k) => {
      out.push(`${k + 1}. **${s.title}** $${s.tex}$${s.text ? ` — ${s.text}` : ''}`);
      for (const [label, rest] of s.items) out.push(`   - ${label} ${rest}`);
      for (const line of s.after) out.push(`   - ${line}`);
    });
    const notes = notesOf(c, r.index);
    if (notes.length) {
      out.push('');
      for (const x of notes) out.push(`> **${x.kind}**: ${x.message}`, '>');
      out.pop();
    }
    out.push('');
  }
  if (t.loss && t.batched) {
    const { head, lines } = batchLossLines(c);
    out.push('### Loss', '', `Batch ${head}`, '', ...lines.map((l) => `- ${l}`), '');
  }
  for (const part of contributionParts(c)) {
    out.push(`### ${part.title.replace(/:$/, '')}`, '', ...tableMd(part.header, part.rows), '', ...part.footer, '');
  }
  for (const x of t.notes.filter((n) => n.row < 0)) out.push(`> **${x.kind}**: ${x.message}`, '');
  out.push(checksLine(c));
  return out.join('\n') + '\n';
}
