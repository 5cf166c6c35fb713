import type { Command } from 'commander';
import type { CliCommand } from '../command.js';
import { explain, renderJson, renderMarkdown, renderText, type ExplainTrace } from '../../explain/index.js';
import { CliError, numberOption, parseDecimal, writeLine, type CliIO } from '../io.js';

export type ExplainFormat = 'text' | 'md' | 'json';

export function renderTrace(trace: ExplainTrace, format: ExplainFormat, steps = true): string {
  if (format === 'json') return renderJson(trace);
  if (format === 'md') return renderMarkdown(trace, { steps });
  return renderText(trace, { steps });
}

export function parseFormat(raw: string | undefined): ExplainFormat {
  const f = raw ?? 'text';
  if (f !== 'text' && f !== 'md' && f !== 'json') throw new CliError(`option --format must be 'text', 'md' or 'json', got '${f}'`, 2);
  return f;
}

/** Parses logits given as separate words or comma-separated ("2.0 1.0 0.1" or "2,1,0.1"). */
export function parseLogits(words: string[]): number[] {
  const parts = words
    .flatMap((w) => w.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (parts.length === 0) throw new CliError('explain: give logits (e.g. logitkit explain 2.0 1.0 0.1) or --model FILE', 2);
  return parts.map((s) => {
    const lower = s.toLowerCase();
    const v = lower === '-inf' || lower === '-infinity' ? -Infinity : lower === 'inf' || lower === 'infinity' ? Infinity : parseDecimal(s);
    if (Number.isNaN(v) || s === '') throw new CliError(`explain: logit '${s}' is not a number`, 2);
    return v;
  });
}

/** Runs `fn`; the library's argument errors (a --label that is no class) become usage errors, exit 2. */
export function usageErrors<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof RangeError || e instanceof TypeError) throw new CliError(e.message, 2);
    throw e;
  }
}

export interface ExplainCliOptions {
  classes?: string;
  label?: string;
  temperature?: string;
  labelSmoothing?: string;
  dtype?: string;
  format?: string;
}

/** Shared option parsing for the logits and the model forms. */
export function explainOptions(o: ExplainCliOptions, classCount: number) {
  const classNames = o.classes === undefined ? undefined : o.classes.split(',').map((s) => s.trim());
  if (classNames && classNames.length !== classCount) {
    throw new CliError(`option --classes names ${classNames.length} classes but there are ${classCount} logits`, 2);
  }
  let labels: number | string | undefined;
  if (o.label !== undefined) {
    labels = /^\d+$/.test(o.label) && !(classNames ?? []).includes(o.label) ? Number(o.label) : o.label;
  }
  const temperature = o.temperature === undefined ? undefined : numberOption('temperature', o.temperature, 1);
  const labelSmoothing = o.labelSmoothing === undefined ? undefined : numberOption('label-smoothing', o.labelSmoothing, 0, { min: 0, max: 1 });
  const dtype = o.dtype ?? 'float64';
  if (dtype !== 'float32' && dtype !== 'float64') throw new CliError(`option --dtype must be 'float32' or 'float64', got '${dtype}'`, 2);
  return { classNames, labels, temperature, labelSmoothing, dtype: dtype as 'float32' | 'float64' };
}

export function runExplainLogits(words: string[], o: ExplainCliOptions, io: CliIO): void {
  const format = parseFormat(o.format);
  const logits = parseLogits(words);
  const opts = explainOptions(o, logits.length);
  const trace = usageErrors(() => explain({ logits, ...opts }));
  writeLine(io.stdout, renderTrace(trace, format).trimEnd());
}

export function addExplainOptions(cmd: Command): Command {
  return cmd
    .option('--classes <names>', 'comma-separated class names, one per logit')
    .option('--label <class>', 'the true class: an id or a class name (adds the loss and its gradient)')
    .option('--temperature <T>', 'softmax temperature T > 0 (the softmax sees z / T)')
    .option('--label-smoothing <eps>', 'label smoothing ε in [0, 1]')
    .option('--dtype <dtype>', 'float64 (default, exact worked numbers) or float32')
    .option('--format <format>', 'text (default), md or json', 'text');
}

export const explainCommand: CliCommand = (program, io) => {
  addExplainOptions(
    program
      .command('explain')
      .description('explain logits step by step (logitkit explain 2.0 1.0 0.1 --classes news,entertainment,technology)')
      .argument('[logits...]', 'the logits, as separate numbers or comma-separated')
      .allowUnknownOption(false),
  )
    .action(async (logits: string[], o) => {
      if (o.json) {
        if (o.format !== 'text' && o.format !== 'json') throw new CliError(`options --json and --format ${o.format} disagree: give one`, 2);
        o.format = 'json';
      }
      if (o.model === undefined && (o.text !== undefined || o.textColumn !== undefined))
        throw new CliError(`option --${o.text !== undefined ? 'text' : 'text-column'} needs --model FILE, a model trained on texts`, 2);
      if (o.model !== undefined) {
        // Loaded on demand: the model form pulls in the file loaders and the data sources.
        const { runExplainModel } = await import('./explain-model.js');
        await runExplainModel(o, io);
      } else {
        if (o.out !== undefined) throw new CliError('option --out needs --model FILE (it writes the saliency map of a prediction)', 2);
        runExplainLogits(logits, o, io);
      }
    })
    .option('--model <file>', "explain a trained model's prediction for one sample (with --data and --index, or --text for a text model)")
    .option(
      '--text <text>',
      "with --model of a text model: a text whose logits to break down by token (repeatable); default the test example at --index of the model's data",
      (v: string, prev: string[] = []) => [...prev, v],
    )
    .option('--text-column <name|index>', "a text model's data (without --text): its text column (default 'text')")
    .option('--label-column <name|index>', "a text model's data (without --text): its label column (default 'label')")
    .option('--json', 'the same as --format json')
    .option('--data <source>', "the sample's data source (default: the model's training data, else 'mnist': the embedded test split)")
    .option('--index <n>', 'which test example', '0')
    .option('--top <k>', 'how many hidden units to list by contribution', '5')
    .option('--full', 'with --model: also the step-by-step derivation, every hidden value and product term (default: a compact trace)')
    .option(
      '--out <dir>',
      'with --model on image data: also write DIR/saliency-INDEX.svg, the gradient of the winning logit with respect to the pixels (autograd) beside the image',
    );
};
