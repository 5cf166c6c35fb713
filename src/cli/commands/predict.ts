import { readFileBounded } from '../../io/read-bounded.js';
import { Tensor } from '../../index.js';
import { CSV_LIMITS, parseCsvDataset } from '../../data/node.js';
import { loadDataSource, modelDataSource } from '../data-source.js';
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

export async function runPredict(o: PredictOptions, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'predict');
  const k = numberOption('top', o.top, 3, { integer: true, min: 1 });
  const shape = net.inputShape;
  const features = shape.reduce((a, b) => a * b, 1);
  let batch: Tensor;
  let labels: Array<number | null>;
  let names: string[] | undefined = o.classes?.split(',').map((s) => s.trim()) ?? net.classNames;
  let what: string[];
  if (o.values !== undefined || o.input !== undefined) {
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
          label: labels[i],
          predicted: tops[i][0].cls,
          top: tops[i].map((t) => ({ class: t.cls, name: nameOf(t.cls), logit: t.logit, probability: t.probability })),
        }),
      );
    }
    return;
  }
  tops.forEach((top, i) => {
    const truth = labels[i] === null ? '' : ` (true class ${nameOf(labels[i]!)})`;
    writeLine(io.stdout, `${what[i]}${truth}: predicted ${nameOf(top[0].cls)}`);
    const w = Math.max(5, ...top.map((t) => nameOf(t.cls).length));
    writeLine(io.stdout, `  ${'class'.padEnd(w)}  ${'logit'.padStart(10)}  probability`);
    for (const t of top) writeLine(io.stdout, `  ${nameOf(t.cls).padEnd(w)}  ${t.logit.toFixed(4).padStart(10)}  ${formatProbability(t.probability)}`);
  });
}

/** Percent with two decimals, or exponent notation for tiny values (never a misleading 0.00 %). */
function formatProbability(p: number): string {
  return p > 0 && p < 5e-5 ? `${(100 * p).toExponential(2)} %` : `${(100 * p).toFixed(2)} %`;
}

export const predictCommand: CliCommand = (program, io) => {
  program
    .command('predict')
    .description('predict with a saved model: top-k classes with logit and probability, for one sample or a file')
    .requiredOption('--model <file>', 'a model file saved by train --out')
    .option('--data <source>', "take the sample from this data source's test split (default: the model's training data, else 'mnist')")
    .option('--index <n>', 'which test example', '0')
    .option('--values <numbers>', "one sample given as comma-separated features (an image model's pixels row-major, channels last)")
    .option('--input <file>', 'a CSV file of samples, one per line (features only)')
    .option('--top <k>', 'how many classes to show', '3')
    .option('--classes <names>', 'comma-separated class names (default: those saved in the model file)')
    .option('--json', 'one JSON line per sample')
    .action(async (o: PredictOptions) => runPredict(o, io));
};
