import { readFileBounded } from '../../io/read-bounded.js';
import { Tensor } from '../../index.js';
import { CSV_LIMITS, parseCsvDataset } from '../../data/node.js';
import { loadDataSource, loadTextSource, modelDataSource } from '../data-source.js';
import { topClasses } from '../evaluation.js';
import { CliError, numberOption, parseDecimal, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import type { CliCommand } from '../command.js';
import { sampleAt } from '../samples.js';

export interface PredictOptions {
  model?: string;
  data?: string;
  index?: string;
  values?: string;
  input?: string;
  top?: string;
  classes?: string;
  json?: boolean;
  text?: string[];
  textColumn?: string;
  labelColumn?: string;
}

/** Rows of features from --values "a,b,c" or --input FILE (CSV, one example per line, no label column). */
async function featureRows(o: PredictOptions, shape: readonly number[]): Promise<{ rows: Float64Array[]; source: string }> {
  const features = shape.reduce((a, b) => a * b, 1);
  // An image model takes its pixels flat too, row-major with the channels last (784 values for [28, 28, 1]).
  const takes = shape.length > 1 ? `${features} values (inputs [${shape.join(', ')}], row-major)` : `${features} features`;
  if (o.values !== undefined) {
    const v = o.values.split(',').map(parseDecimal);
    if (v.some((x) => !Number.isFinite(x))) throw new CliError(`option --values must be comma-separated finite numbers, got '${o.values}'`, 2);
    if (v.length !== features) throw new CliError(`option --values has ${v.length} numbers but the model takes ${takes}`, 2);
    return { rows: [Float64Array.from(v)], source: '--values' };
  }
  const fail = (expected: string, actual: string) => new CliError(`predict: file '${o.input}' must be ${expected}, got ${actual}`);
  const text = new TextDecoder().decode(await readFileBounded(o.input!, CSV_LIMITS.fileBytes, fail));
  // Parse as a CSV whose every column is a feature: append a dummy label column for the shared reader.
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  const withLabel = lines.map((l) => `${l},0`).join('\n');
  const ds = parseCsvDataset(withLabel, { labelColumn: -1 }, `file '${o.input}'`);
  const d = ds.featureShape.reduce((a, b) => a * b, 1);
  if (d !== features) throw new CliError(`predict: file '${o.input}' has ${d} columns but the model takes ${takes}`);
  const rows = Array.from({ length: ds.count }, (_, i) => Float64Array.from(ds.images.subarray(i * d, (i + 1) * d)));
  return { rows, source: `file '${o.input}'` };
}

/** The texts a text model predicts: --text (repeatable), else example --index of its data's test split. */
async function textBatch(o: PredictOptions, net: Awaited<ReturnType<typeof loadModelFile>>) {
  if (o.values !== undefined || o.input !== undefined)
    throw new CliError(
      `option --${o.values !== undefined ? 'values' : 'input'} gives numeric features, but the model in '${o.model}' takes text: give --text "..."`,
      2,
    );
  if (o.text && o.text.length > 0) return { texts: o.text, labels: o.text.map(() => null), what: o.text.map((t) => JSON.stringify(t)), names: undefined };
  const data = await loadTextSource(modelDataSource(o.data, net), { model: net, textColumn: o.textColumn, labelColumn: o.labelColumn });
  const index = numberOption('index', o.index, 0, { integer: true, min: 0 });
  if (index >= data.test.count) throw new CliError(`option --index must be below the ${data.test.count} test examples, got ${index}`, 2);
  const text = data.test.texts[index];
  return { texts: [text], labels: [data.test.labels[index]], what: [`test example ${index} of ${data.name}: ${JSON.stringify(text)}`], names: data.classNames };
}

export async function runPredict(o: PredictOptions, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'predict');
  const k = numberOption('top', o.top, 3, { integer: true, min: 1 });
  const shape = net.inputShape;
  const features = shape.reduce((a, b) => a * b, 1);
  let batch: Tensor | string[];
  let labels: Array<number | null>;
  let names: string[] | undefined = o.classes?.split(',').map((s) => s.trim()) ?? net.classNames;
  let what: string[];
  const texts = o.text && o.text.length > 0 ? o.text : null;
  if (net.textVectorization) {
    const t = await textBatch(o, net);
    batch = t.texts;
    labels = t.labels;
    what = t.what;
    names ??= t.names;
  } else if (texts || o.textColumn !== undefined) {
    throw new CliError(
      `option --${texts ? 'text' : 'text-column'} needs a text model, but the model in '${o.model}' takes ${features} numeric features (inputs [${shape.join(', ')}]): train one on texts (logitkit train --data csv:FILE --text-column COL --label-column COL)`,
      2,
    );
  } else if (o.values !== undefined || o.input !== undefined) {
    const { rows, source } = await featureRows(o, shape);
    const flat = new Float64Array(rows.length * features);
    rows.forEach((r, i) => flat.set(r, i * features));
    batch = new Tensor(net.dtype === 'float64' ? flat : Float32Array.from(flat), [rows.length, ...shape]);
    labels = rows.map(() => null);
    what = rows.map((_, i) => `${source} row ${i + 1}`);
  } else {
    const data = await loadDataSource(modelDataSource(o.data, net), { model: net });
    const index = numberOption('index', o.index, 0, { integer: true, min: 0 });
    const { sample, label } = sampleAt(data.test, index, net);
    batch = new Tensor(sample.values, [1, ...shape]);
    labels = [label];
    names ??= data.classNames;
    what = [`test example ${index} of ${data.name}`];
  }
  const logits = net.predictLogits(batch);
  const tops = topClasses(logits, k);
  const nameOf = (c: number) => names?.[c] ?? String(c);
  if (o.json) {
    for (let i = 0; i < tops.length; i++) {
      writeLine(
        io.stdout,
        JSON.stringify({
          example: what[i],
          ...(Array.isArray(batch) ? { text: batch[i] } : {}),
          label: labels[i],
          predicted: tops[i][0].cls,
          predictedName: nameOf(tops[i][0].cls),
          top: tops[i].map((t) => ({ class: t.cls, name: nameOf(t.cls), logit: t.logit, probability: t.probability })),
        }),
      );
    }
    return;
  }
  tops.forEach((top, i) => {
    const truth = labels[i] === null ? '' : ` (true class ${nameOf(labels[i]!)})`;
    if (i > 0) writeLine(io.stdout);
    writeLine(io.stdout, `${what[i]}${truth}: predicted ${nameOf(top[0].cls)}`);
    const w = Math.max(5, ...top.map((t) => nameOf(t.cls).length));
    writeLine(io.stdout, `  ${'class'.padEnd(w)}  ${'logit z'.padStart(10)}  p = softmax(z)`);
    for (const t of top) writeLine(io.stdout, `  ${nameOf(t.cls).padEnd(w)}  ${t.logit.toFixed(4).padStart(10)}  ${formatProbability(t.probability)}`);
    writeLine(io.stdout, `  decision: ${nameOf(top[0].cls)} (argmax z)`);
  });
}

/** Percent with two decimals, or exponent notation for tiny values (never a misleading 0.00 %). */
function formatProbability(p: number): string {
  return p > 0 && p < 5e-5 ? `${(100 * p).toExponential(2)} %` : `${(100 * p).toFixed(2)} %`;
}

export const predictCommand: CliCommand = (program, io) => {
  program
    .command('predict')
    .description('predict with a saved model: top-k classes with logit and probability, for one sample, a file or texts (--text)')
    .requiredOption('--model <file>', 'a model file saved by train --out')
    .option('--data <source>', "take the sample from this data source's test split (default: the model's training data, else 'mnist')")
    .option('--index <n>', 'which test example', '0')
    .option('--values <numbers>', "one sample given as comma-separated features (an image model's pixels row-major, channels last)")
    .option('--input <file>', 'a CSV file of samples, one per line (features only)')
    .option('--top <k>', 'how many classes to show', '3')
    .option('--classes <names>', 'comma-separated class names (default: those saved in the model file)')
    .option('--text <text>', 'a text to classify, for a model trained on texts (repeatable: one prediction per --text)', (v: string, prev: string[] = []) => [
      ...prev,
      v,
    ])
    .option('--text-column <name|index>', "a text model's data without --text: its text column (default 'text')")
    .option('--label-column <name|index>', "a text model's data without --text: its label column (default 'label')")
    .option('--json', 'one JSON line per sample')
    .action(async (o: PredictOptions) => runPredict(o, io));
};
