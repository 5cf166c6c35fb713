import { withoutTape } from '../autograd/tape.js';
import { transpose } from '../ops/layout.js';
import { contrastive, contrastiveArguments, similarities, type ContrastiveOptions, type ContrastiveReduction } from '../ops/softmax/contrastive.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { tensor, type Tensor } from '../tensor/tensor.js';
import type { TensorInput } from '../ops/convert.js';
import { explain } from './explain.js';
import { readable } from './format.js';
import { textTable } from './render-common.js';
import { renderText } from './render-text.js';
import type { RenderOptions } from './render-common.js';
import type { ExplainDType, ExplainTrace } from './types.js';

/** The most pairs explainContrastive traces: each trace holds n rows of n classes. */
export const EXPLAIN_CONTRASTIVE_MAX_ROWS = 64;

export interface ExplainContrastiveOptions extends ContrastiveOptions {
  /** Names of the rows of a (the classes of the b → a trace); default 'a0', 'a1', ... */
  aNames?: readonly string[];
  /** Names of the rows of b (the classes of the a → b trace); default 'b0', 'b1', ... */
  bNames?: readonly string[];
}

/** losses.contrastive, explained: the similarity matrix as the logits of a softmax classification per row (and column). */
export interface ContrastiveTrace {
  format: 'logitkit.explainContrastive/1';
  dtype: ExplainDType;
  normalize: boolean;
  symmetric: boolean;
  /** τ as a number (in the embeddings' dtype). */
  temperature: number;
  reduction: ContrastiveReduction;
  aNames: string[];
  bNames: string[];
  /** s_ij = â_i·b̂_j before the temperature (cosines with normalize): the logits of both traces. */
  similarities: number[][];
  /** a → b: row i of the similarities, classified over the rows of b with label i (softmax of s_i· / τ). */
  rows: ExplainTrace;
  /** b → a (symmetric only): column j, classified over the rows of a with label j. */
  columns: ExplainTrace | null;
  /** Each pair's loss, losses.contrastive with reduction 'none': rows[i] (or ½·(rows[i] + columns[i]) if symmetric). */
  perPair: number[];
  /** losses.contrastive with the chosen reduction (null for 'none'): the same bits. */
  loss: number | null;
}

const OP = 'explainContrastive';

function names(arg: string, given: unknown, n: number, prefix: string): string[] {
  if (given === undefined) return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
  if (!Array.isArray(given) || !given.every((v) => typeof v === 'string')) throw argTypeError(OP, arg, `an array of ${n} strings`, given);
  if (given.length !== n) throw argError(OP, arg, `${n} names (one per pair)`, given);
  if (new Set(given).size !== n) throw argError(OP, arg, 'distinct names', given);
  return [...(given as string[])];
}

/**
 * Traces losses.contrastive for a small batch (at most 64 pairs) with explain(): the similarities â·b̂ᵀ are the
 * logits, τ the temperature and i the label of row i, so each pair is a softmax classification "which b belongs
 * to a_i?" whose cross-entropy is that row's loss; with `symmetric` a second trace asks "which a belongs to b_j?"
 * over the columns. The returned `perPair` and `loss` are losses.contrastive's own values.
 */
export function explainContrastive(a: TensorInput, b: TensorInput, options?: ExplainContrastiveOptions): ContrastiveTrace {
  return withoutTape(() => {
    const args = contrastiveArguments(OP, a, b, options, ['aNames', 'bNames']);
    const n = args.a.shape[0];
    if (n > EXPLAIN_CONTRASTIVE_MAX_ROWS) {
      throw argError(
        OP,
        'a',
        `at most ${EXPLAIN_CONTRASTIVE_MAX_ROWS} rows (a trace lists every pair: n² logits; use losses.contrastive for larger batches)`,
        args.a,
      );
    }
    const aNames = names('aNames', options?.aNames, n, 'a');
    const bNames = names('bNames', options?.bNames, n, 'b');
    const dtype = args.a.dtype as ExplainDType;
    const s = similarities(args);
    const labels = tensor(
      Int32Array.from({ length: n }, (_, i) => i),
      { shape: [n], dtype: 'int32' },
    );
    const trace = (logits: Tensor, classNames: string[]) =>
      explain({ logits, labels, temperature: args.temperatureValue, classNames, reduction: args.reduction, dtype });
    const rows = trace(s, bNames);
    const columns = args.symmetric ? trace(transpose(s), aNames) : null;
    const lossOptions: ContrastiveOptions = { temperature: args.temperature, normalize: args.normalize, symmetric: args.symmetric };
    const perPair = Array.from(contrastive(args.a, args.b, { ...lossOptions, reduction: 'none' }).values);
    const loss = args.reduction === 'none' ? null : contrastive(args.a, args.b, { ...lossOptions, reduction: args.reduction }).item();
    const sv = Array.from(s.values);
    return {
      format: 'logitkit.explainContrastive/1',
      dtype,
      normalize: args.normalize,
      symmetric: args.symmetric,
      temperature: args.temperatureValue,
      reduction: args.reduction,
      aNames,
      bNames,
      similarities: Array.from({ length: n }, (_, i) => sv.slice(i * n, (i + 1) * n)),
      rows,
      columns,
      perPair,
      loss,
    };
  });
}

/**
 * The contrastive trace as text: the similarity matrix, the a → b trace (and b → a), each pair's loss and the
 * reduced loss. Render options as renderText's.
 */
export function renderContrastiveText(trace: ContrastiveTrace, options?: RenderOptions): string {
  const digits = options?.digits ?? 6;
  const num = (v: number) => readable(v, digits, trace.dtype);
  const n = trace.perPair.length;
  const tau = num(trace.temperature);
  const out: string[] = [];
  out.push(
    `Explaining the contrastive loss (CLIP / InfoNCE; ${trace.dtype}, ${n} pair${n === 1 ? '' : 's'}, temperature τ = ${tau}, ` +
      `${trace.normalize ? 'normalized rows' : 'raw embeddings'}, ${trace.symmetric ? 'symmetric' : 'a → b only'})`,
    '',
    `Similarity logits s_ij = ${trace.normalize ? 'â_i·b̂_j (cosines; â = a / max(‖a‖, 1e-12))' : 'a_i·b_j'}; the softmax input is s/τ and the label of a_i is b_i (the diagonal):`,
    '',
    ...textTable(
      ['', ...trace.bNames],
      trace.similarities.map((row, i) => [trace.aNames[i], ...row.map(num)]),
    ),
    '',
    `a → b: for each a_i, which b is its partner? (classes ${trace.bNames.join(', ')})`,
    '',
    renderText(trace.rows, options),
  );
  if (trace.columns) {
    out.push(`b → a: for each b_j, which a is its partner? (classes ${trace.aNames.join(', ')})`, '', renderText(trace.columns, options));
  }
  const rowLoss = trace.rows.rows.map((r) => r.loss ?? NaN);
  const colLoss = trace.columns ? trace.columns.rows.map((r) => r.loss ?? NaN) : null;
  out.push(
    trace.symmetric ? 'Per-pair loss ½·(a → b + b → a) (losses.contrastive, reduction none):' : 'Per-pair loss (a → b; losses.contrastive, reduction none):',
    '',
    ...textTable(
      ['pair', 'a → b', ...(colLoss ? ['b → a'] : []), 'loss', 'a → b decision', ...(colLoss ? ['b → a decision'] : [])],
      trace.perPair.map((l, i) => {
        const dRow = trace.rows.rows[i].decision;
        const dCol = trace.columns ? trace.columns.rows[i].decision : null;
        return [
          `${trace.aNames[i]} ↔ ${trace.bNames[i]}`,
          num(rowLoss[i]),
          ...(colLoss ? [num(colLoss[i])] : []),
          num(l),
          `${dRow.className}${dRow.correct ? ' (correct)' : ' (wrong)'}`,
          ...(dCol ? [`${dCol.className}${dCol.correct ? ' (correct)' : ' (wrong)'}`] : []),
        ];
      }),
    ),
    '',
  );
  if (trace.loss !== null) {
    const how = trace.reduction === 'mean' ? `the mean over the ${n} pairs` : `the sum over the ${n} pairs`;
    out.push(`loss (${trace.reduction}: ${how}) = ${num(trace.loss)} (losses.contrastive)`);
  }
  return out.join('\n') + '\n';
}
