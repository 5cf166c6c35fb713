import { productTerms, shownClasses, signedSum, type Ctx } from './render-common.js';
import type { NumericsNote, RowTrace } from './types.js';

/** One step of the worked derivation, rendered as text or Markdown. */
export interface Step {
  title: string;
  /** The formula in plain text. */
  formula: string;
  /** The same formula in LaTeX (Markdown renders it as math). */
  tex: string;
  /** The step's numbers, when they fit on the formula's line. */
  text: string;
  /** Per-class lines: [label, rest], e.g. ['p(news)', '= 1 / 1.51745 ≈ 0.659001']. */
  items: Array<[string, string]>;
  /** Lines after the items. */
  after: string[];
}

/** A number as an operand after a minus sign: parenthesized when negative. */
function operand(c: Ctx, v: number): string {
  const s = c.n(v);
  return v < 0 ? `(${s})` : s;
}

/** The derivation of one example, from z = W·f + b (if any) to the decision. */
export function derivation(c: Ctx, r: RowTrace): Step[] {
  const t = c.t;
  const steps: Step[] = [];
  const { ids, hidden } = shownClasses(c, r);
  const more = hidden > 0 ? [`(and ${hidden} more classes)`] : [];
  const s = c.s;
  const si = t.temperature === 1 ? 'z_i' : 'z_i/T';
  const siTex = t.temperature === 1 ? 'z_i' : 'z_i/T';
  const step = (x: Partial<Step> & { title: string }): void => {
    steps.push({ formula: '', tex: '', text: '', items: [], after: [], ...x });
  };

  const dense = t.dense?.rows[r.index];
  if (t.dense && dense) {
    const items: Array<[string, string]> = [];
    for (const i of ids) {
      const prods = dense.products[i];
      const dot = dense.dots[i];
      const sumPart = prods.length > 1 ? ` = ${signedSum(c, prods)}` : '';
      items.push([`z[${c.name(i)}]`, `= ${productTerms(c, t.dense.weights[i], dense.features)}${sumPart} ${c.is(dot)}`]);
      if (t.dense.bias) {
        const b = t.dense.bias[i];
        items.push([`z[${c.name(i)}]`, `= ${c.n(dot)} ${b < 0 ? '-' : '+'} ${c.n(Math.abs(b))} ${c.is(r.logits[i])}`]);
      }
    }
    step({
      title: 'dense layer',
      formula: t.dense.bias ? 'z_i = Σ_j W_ij·f_j + b_i' : 'z_i = Σ_j W_ij·f_j',
      tex: t.dense.bias ? 'z_i = \\sum_j W_{ij} f_j + b_i' : 'z_i = \\sum_j W_{ij} f_j',
      text: `f = [${dense.features.map(c.n).join(', ')}]`,
      items,
      after: more,
    });
  }
  if (r.scaledLogits) {
    step({
      title: 'temperature',
      formula: `z_i/T with T = ${c.n(t.temperature)}`,
      tex: `z_i / T,\\ T = ${c.n(t.temperature)}`,
      items: ids.map((i) => [`z[${c.name(i)}]/T`, `= ${c.n(r.logits[i])} / ${c.n(t.temperature)} ${c.is(r.scaledLogits![i])}`]),
      after: more,
    });
  }
  const zs = r.scaledLogits ?? r.logits;
  step({
    title: 'max',
    formula: `m = max_i ${si}`,
    tex: `m = \\max_i ${siTex}`,
    text: `m = ${c.n(r.max)} (${c.name(r.maxIndex)}); subtracting it keeps every exponential in (0, 1]`,
  });
  step({
    title: 'exponentials',
    formula: `e_i = exp(${si} - m)`,
    tex: `e_i = \\exp(${siTex} - m)`,
    items: ids.map((i) => [`e[${c.name(i)}]`, `= exp(${c.n(zs[i])} - ${operand(c, r.max)}) = exp(${c.n(r.shifted[i])}) ${c.is(r.exps[i])}`]),
    after: more,
  });
  const otherExps = r.exps.filter((_, i) => i !== r.maxIndex);
  step({
    title: 'sum',
    formula: `Σ_i e_i = 1 + s, s = the sum over the classes other than the max`,
    tex: `\\sum_i e_i = 1 + s,\\quad s = \\sum_{i \\ne \\arg\\max} e_i`,
    text: `s ${otherExps.length > 1 ? `= ${signedSum(c, otherExps)} ${c.is(r.sumOthers)}` : c.is(r.sumOthers)}; 1 + s ${c.is(r.sum)}`,
  });
  const rowNotes = t.notes.filter((x) => x.row === r.index);
  const broken = rowNotes.some((x) => x.kind === 'overflow' || x.kind === 'underflow' || x.kind === 'nonFinite');
  step({
    title: 'probabilities',
    formula: `p_i = e_i / (1 + s) (nn.softmax)`,
    tex: `p_i = \\frac{e_i}{1 + s}`,
    items: ids.map((i) => [`p(${c.name(i)})`, `= ${c.n(r.exps[i])} / ${c.n(r.sum)} ${c.is(r.probabilities[i])}`]),
    after: [
      ...more,
      ...(broken
        ? []
        : [
            `Without subtracting m: exp(${s}) = ${ids.map((i) => c.n(r.naive.exps[i])).join(', ')}${hidden ? ', …' : ''}, ` +
              `their sum ${c.is(r.naive.sum)}, and exp(${si}) / sum gives the same p: subtracting the max changes neither p nor their order.`,
          ]),
    ],
  });
  step({
    title: 'log-probabilities',
    formula: `log p_i = (${si} - m) - log1p(s) (nn.logSoftmax)`,
    tex: `\\log p_i = (${siTex} - m) - \\operatorname{log1p}(s)`,
    text: `log1p(s) ${c.is(r.log1pSumOthers)}`,
    items: ids.map((i) => [`log p(${c.name(i)})`, `= ${c.n(r.shifted[i])} - ${operand(c, r.log1pSumOthers)} ${c.is(r.logProbabilities[i])}`]),
    after: [...more, `log Σ exp(${s}) = m + log1p(s) = ${c.n(r.max)} + ${c.n(r.log1pSumOthers)} ${c.is(r.logSumExp)} (logSumExp)`],
  });
  if (r.target && r.loss !== null) {
    step({
      title: 'cross-entropy',
      formula: `loss = -Σ_i y_i·log p_i (${t.loss!.op})`,
      tex: `\\text{loss} = -\\sum_i y_i \\log p_i`,
      text: lossText(c, r),
    });
    const sumNote = rowNotes.find((x) => x.kind === 'labelSum');
    const factor = sumNote ? `${c.n(sumNote.stable as number)}·` : '';
    const wrt = t.temperature === 1 ? 'z_i' : '(z_i/T)';
    step({
      title: 'gradient',
      formula: `dloss/d${wrt} = ${sumNote ? '(Σ y)·p_i - y_i' : 'p_i - y_i'} (autograd)`,
      tex: `\\partial\\,\\text{loss} / \\partial ${t.temperature === 1 ? 'z_i' : '(z_i/T)'} = ${sumNote ? '(\\textstyle\\sum_j y_j)\\,p_i - y_i' : 'p_i - y_i'}`,
      items: ids.map((i) => {
        // The fused kernel subtracts before rounding p: where p rounds to y, p − y is still not 0.
        const rounded = t.dtype === 'float32' ? Math.fround(r.probabilities[i] - r.target!.distribution[i]) : r.probabilities[i] - r.target!.distribution[i];
        const why = !sumNote && rounded === 0 && r.gradient![i] !== 0 ? ` (computed from p before it is rounded to ${t.dtype})` : '';
        return [`g[${c.name(i)}]`, `= ${factor}${c.n(r.probabilities[i])} - ${c.n(r.target!.distribution[i])} ${c.is(r.gradient![i])}${why}`];
      }),
      after: [
        ...more,
        ...(r.gradientWrtLogits
          ? [`Through z/T: dloss/dz_i = (p_i - y_i) / T = ${ids.map((i) => c.n(r.gradientWrtLogits![i])).join(', ')}${hidden ? ', …' : ''}`]
          : []),
      ],
    });
  }
  const d = r.decision;
  const verdict = d.correct === null ? '' : d.correct ? ' (correct)' : ` (wrong: the label is ${c.name(r.target!.classId!)})`;
  const order = r.scaledLogits
    ? 'softmax keeps the order of the logits, and so does dividing by T > 0, so argmax needs no softmax'
    : 'softmax keeps the order of the logits, so argmax needs no softmax';
  step({
    title: 'decision',
    formula: 'argmax_i z_i',
    tex: '\\arg\\max_i z_i',
    text: `${c.name(d.classId)}${verdict}, with z = ${c.n(d.logit)} and p = ${c.n(d.probability)}; ${order}`,
  });
  return steps;
}

function lossText(c: Ctx, r: RowTrace): string {
  const q = r.target!.distribution;
  const terms = q.map((y, i) => ({ y, i })).filter(({ y }) => y !== 0);
  if (terms.length === 1 && terms[0].y === 1) {
    return `the target is class ${c.name(terms[0].i)}: loss = -log p(${c.name(terms[0].i)}) = -(${c.n(r.logProbabilities[terms[0].i])}) ${c.is(r.loss!)}`;
  }
  const shown = terms.length > c.maxTerms ? terms.slice(0, c.maxTerms) : terms;
  const rest = terms.length > shown.length ? ` + … (${terms.length - shown.length} more)` : '';
  const body = shown.map(({ y, i }) => `${c.n(y)}·(${c.n(r.logProbabilities[i])})`).join(' + ');
  return `loss = -(${body}${rest}) ${c.is(r.loss!)}`;
}

/** The notes of one example. */
export function notesOf(c: Ctx, row: number): NumericsNote[] {
  return c.t.notes.filter((x) => x.row === row);
}
