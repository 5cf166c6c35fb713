import { checkOptions } from '../tensor/options.js';
import { checkDigits, readable } from './format.js';
import { textTable } from './render-common.js';
import type { TextExplanation, TokenContribution } from './text.js';

export interface TextExplanationRenderOptions {
  /** 'text' (default) or 'md'. */
  format?: 'text' | 'md';
  /** Significant digits (default 6). */
  digits?: number;
  /**
   * Most token rows (default 40). A longer text lists the tokens that move the decided logit most (in text order)
   * and sums the others in one row, so the column sums still equal the logits.
   */
  maxTokens?: number;
}

const OP = 'renderTextExplanation';

/** The token rows to list, and the sum of the others per class (null when every token is listed). */
function shownTokens(e: TextExplanation, max: number): { rows: TokenContribution[]; rest: { count: number; sums: number[] } | null } {
  if (e.tokens.length <= max) return { rows: e.tokens, rest: null };
  const k = e.predicted;
  const keep = new Set(
    e.tokens
      .map((t, i) => i)
      .sort((a, b) => Math.abs(e.tokens[b].contributions[k]) - Math.abs(e.tokens[a].contributions[k]) || a - b)
      .slice(0, max),
  );
  const sums = new Array<number>(e.logits.length).fill(0);
  e.tokens.forEach((t, i) => {
    if (!keep.has(i)) t.contributions.forEach((c, j) => (sums[j] += c));
  });
  return { rows: e.tokens.filter((_, i) => keep.has(i)), rest: { count: e.tokens.length - max, sums } };
}

/**
 * A text's explanation for people, in the seeds' order: each token's contribution to each logit (a column per
 * class), the bias row, the sum = the logits (the cross-check), then the probabilities and the decision.
 */
export function renderTextExplanation(e: TextExplanation, options: TextExplanationRenderOptions = {}): string {
  const o = checkOptions(OP, options, ['format', 'digits', 'maxTokens']);
  const md = o.format === 'md';
  if (o.format !== undefined && o.format !== 'text' && !md) throw new RangeError(`${OP}: option 'format' must be 'text' or 'md', got ${String(o.format)}`);
  const digits = checkDigits(OP, o.digits);
  const max = o.maxTokens ?? 40;
  if (!Number.isInteger(max) || max < 1) throw new RangeError(`${OP}: option 'maxTokens' must be a positive integer, got ${String(max)}`);
  const n = (v: number) => readable(v, digits, 'float64');
  const C = e.logits.length;
  const names = e.classNames;
  const { rows, rest } = shownTokens(e, max);
  const header = ['token', ...names.map((c) => `z[${c}]`)];
  const body: string[][] = rows.map((t) => [md ? `\`${t.token}\`` : t.token, ...t.contributions.map(n)]);
  if (rest) body.push([`(${rest.count} other tokens)`, ...rest.sums.map(n)]);
  body.push([e.kind === 'exact' ? 'bias b' : 'bias b (not attributed)', ...e.bias.map(n)]);
  body.push([e.kind === 'exact' ? 'sum = z' : 'logits z', ...e.logits.map(n)]);
  const out: string[] = [];
  const quoted = JSON.stringify(e.text.length > 200 ? `${e.text.slice(0, 200)}…` : e.text);
  out.push(`${md ? '### ' : ''}Which tokens moved each logit of ${quoted} (${e.dtype}, ${C} classes)`, '');
  out.push(`${md ? '' : ''}${e.method}.`);
  const listed = rest ? `the ${rows.length} tokens that move z[${names[e.predicted]}] most, in text order, of ${e.tokens.length}` : `${e.tokens.length} tokens`;
  const cut = e.truncated > 0 ? `; ${e.truncated} more cut off by the vectorizer (beyond its outputSequenceLength) and not read` : '';
  out.push(`${e.tokens.length === 0 ? 'No token' : `Tokens: ${listed}`}${cut}.`, '');
  if (md) {
    out.push(`| ${header.join(' | ')} |`, `| ${header.map((_, j) => (j === 0 ? '---' : '---:')).join(' | ')} |`);
    for (const r of body) out.push(`| ${r.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  } else {
    out.push(...textTable(header, body));
  }
  out.push('');
  if (e.kind === 'exact') {
    out.push(
      `Cross-check: Σ contributions + b = z for every class, to ${n(e.residual)} (${e.dtype} rounding; the explain trace's check, |Σ + b − z| ≤ ${e.dtype === 'float64' ? '1e-12' : 'float32 rounding'}).`,
    );
  } else {
    out.push(`Gradient × input is a first-order attribution: Σ contributions + b differs from z by up to ${n(e.residual)} (not attributed to any token).`);
  }
  out.push(`Probabilities, ${e.probabilitiesOf}: ${names.map((c, k) => `${c} ${n(e.probabilities[k])}`).join(', ')}.`);
  out.push(`Decision: ${names[e.predicted]} (argmax z = ${n(e.logits[e.predicted])}, p = ${n(e.probabilities[e.predicted])}).`);
  return out.join('\n') + '\n';
}

/** The explanation as one JSON object (numbers as JSON numbers, shortest round-trip in float64). */
export function textExplanationJson(e: TextExplanation): string {
  return JSON.stringify({ format: 'logitkit.explainText/1', ...e });
}
