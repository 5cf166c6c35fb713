import { gather, reshape, slice } from '../../index.js';
import { directoryCheckpoint, writeFileAtomic, saveModel } from '../../io/node.js';
import { DATA_SOURCE_HELP, loadDataSource } from '../data-source.js';
import { evaluateModel, topClasses, worstMistakes } from '../evaluation.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { defaultLearningRate, makeOptimizer, OPTIMIZER_CHOICES, resolveArchitecture } from '../model-builder.js';
import { ARCH_GRAMMAR, buildClassifier, describeArchitecture, inputShapeFor, planShapes } from '../architecture.js';
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
  standardize?: boolean;
}

const REPORT_SAMPLES = 8;
/** Keras's usual hold-out: the per-epoch validation numbers come from the training split, not from the test split. */
export const DEFAULT_VALIDATION_SPLIT = 0.1;

export async function runTrain(o: TrainOptions, io: CliIO): Promise<void> {
  await withKernelOptions(o, (kernelsUsed) => train(o, io, kernelsUsed));
}

async function train(o: TrainOptions, io: CliIO, kernelsUsed: string): Promise<void> {
  const arch = resolveArchitecture(o.arch, o.hidden);
  const epochs = numberOption('epochs', o.epochs, 10, { integer: true, min: 1 });
  const batchSize = numberOption('batch-size', o.batchSize, 32, { integer: true, min: 1 });
  const lr = numberOption('lr', o.lr, defaultLearningRate(o.optimizer), { positive: true });
  const momentum = numberOption('momentum', o.momentum, 0, { min: 0, max: 1 });
  const seed = numberOption('seed', o.seed, 0, { integer: true, min: 0 });
  const validationSplit = numberOption('validation-split', o.validationSplit, DEFAULT_VALIDATION_SPLIT, { min: 0, max: 0.9 });
  const limit = o.limit === undefined ? undefined : numberOption('limit', o.limit, 0, { integer: true, min: 1 });
  if (arch.image && o.data.startsWith('csv:'))
    throw new CliError(`option --arch: a convolutional network needs image data (--data mnist or idx:DIR), not the features of '${o.data}'`, 2);
  if (o.resume && !o.checkpoint) throw new CliError('option --resume needs --checkpoint DIR', 2);
  checkOutputPath('out', o.out, 'file');
  checkOutputPath('report', o.report, 'file');
  checkOutputPath('checkpoint', o.checkpoint, 'directory');
  const optimizer = makeOptimizer(o.optimizer, lr, momentum);
  const data = await loadDataSource(o.data, { testCsv: o.testCsv, labelColumn: o.labelColumn });
  const features = data.train.featureShape.reduce((a, b) => a * b, 1);
  const classes = Math.max(data.train.numClasses, data.test.numClasses);
  // Images [H, W, 1] for a convolutional network (the same [0, 1] pixels, reshaped), flat features otherwise.
  const inputShape = inputShapeFor(arch, data.train, o.data);
  planShapes(arch, inputShape);
  const flat = datasetTensors(data.train, null);
  const count = limit === undefined ? flat.x.shape[0] : Math.min(limit, flat.x.shape[0]);
  const all = { x: reshape(slice(flat.x, 0, count), [count, ...inputShape]), y: slice(flat.y, 0, count) };
  // Validation: the last fraction of the training split, held out (never the test split, which scores the model).
  const n = all.x.shape[0];
  const at = validationSplit > 0 ? Math.floor(n * (1 - validationSplit)) : n;
  if (at < 1 || (validationSplit > 0 && at >= n))
    throw new CliError(`option --validation-split ${validationSplit} leaves no training or no validation examples of the ${n}`, 2);
  const train = { x: slice(all.x, 0, at), y: slice(all.y, 0, at) };
  // Flat features are standardized by a first Normalization layer (as npm start); images keep their [0, 1] pixels.
  const standardize = !arch.image && o.standardize !== false;
  const net = buildClassifier(arch, { inputShape, classes, seed, standardizeOn: standardize ? train.x : null });
  const network = describeArchitecture(arch, inputShape, classes, standardize);
  net.classNames = data.classNames.length === classes ? data.classNames : undefined;
  net.dataSplit = data.split;
  net.compile({ optimizer, loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const mode = chooseProgressMode(Boolean(o.json), io.stderr as NodeJS.WriteStream);
  if (mode !== 'json') {
    writeLine(
      io.stderr,
      `logitkit train: ${data.name}, ${at} training, ${n - at} validation and ${data.test.count} test examples, ${arch.image ? `${inputShape.join('×')} images` : `${features} features`}, ${classes} classes`,
    );
    writeLine(
      io.stderr,
      `model: ${network} (${net.countParams().toLocaleString('en-US')} parameters), ${o.optimizer} lr ${lr}, batch ${batchSize}, seed ${seed}; kernels ${kernelsUsed}`,
    );
  }
  const test = datasetTensors(data.test, net);
  const validation = at < n ? { validationData: [slice(all.x, at, n - at), slice(all.y, at, n - at)] as [typeof test.x, typeof test.y] } : {};
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
    const sampleLogits = net.predictLogits(sampleIdx.length === 0 ? slice(test.x, 0, 0) : gather(test.x, sampleIdx, 0));
    const tops = topClasses(sampleLogits, 3);
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
        [
          'network',
          `${o.arch !== undefined ? `--arch ${o.arch}` : o.hidden !== undefined ? `--hidden '${o.hidden}'` : '--arch mlp (the default)'}: ${network}`,
        ],
        ['optimizer', `${o.optimizer}, learning rate ${lr}${o.optimizer === 'sgd' ? `, momentum ${momentum}` : ''}`],
        ['epochs', String(epochs)],
        ['batch size', String(batchSize)],
        ['seed', String(seed)],
        ...(limit === undefined ? [] : [['training examples', `the first ${count} of the training split (--limit ${limit})`] as [string, string]]),
        ['validation', at < n ? `last ${n - at} of the ${n} training examples (--validation-split ${validationSplit})` : 'none'],
        ['kernels', kernelsUsed],
      ],
      imageShape: data.test.imageShape,
      samples: sampleIdx.map((i, k) => ({
        index: i,
        pixels: data.test.images.subarray(i * features, (i + 1) * features),
        label: data.test.labels[i],
        top: tops[k],
      })),
    });
    await writeFileAtomic(o.report, new TextEncoder().encode(html));
  }
  const summary = {
    data: data.name,
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
    if (o.out) writeLine(io.stdout, `model saved to ${o.out}`);
    if (o.report) writeLine(io.stdout, `report written to ${o.report}`);
  }
}

export const trainCommand: CliCommand = (program, io) => {
  program
    .command('train')
    .description('train a classifier (default: the MNIST MLP preset of npm start, 784 → normalization → 128 (relu) → 10, on the embedded MNIST digits)')
    .option('--data <source>', DATA_SOURCE_HELP, 'mnist')
    .option('--arch <arch>', `the network: ${ARCH_GRAMMAR}`)
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
    .option('--test-csv <file>', 'with --data csv:FILE, a separate test file instead of a seeded 80/20 split')
    .option('--label-column <name|index>', 'with csv data, the label column (default: the last)')
    .option('--json', 'JSON lines on stdout instead of a progress bar')
    .option('--threads <n>', THREADS_HELP)
    .option('--matmul-accumulation <type>', ACCUMULATION_HELP)
    .action(async (o: TrainOptions) => runTrain(o, io));
};
