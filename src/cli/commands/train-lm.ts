import { saveModel } from '../../io/node.js';
import { readCorpus } from '../../lm/corpus-node.js';
import { trainCharacterModel, TRAIN_LM_DEFAULTS } from '../../lm/train.js';
import type { CliCommand } from '../command.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { checkOutputPath } from '../output-paths.js';
import { chooseProgressMode, createProgress } from '../progress.js';
import { progressCallback } from '../progress-callback.js';

export interface TrainLmOptions {
  corpus?: string;
  context?: string;
  embeddingDim?: string;
  hidden?: string;
  epochs?: string;
  batchSize?: string;
  lr?: string;
  seed?: string;
  heldOut?: string;
  minCount?: string;
  limitChars?: string;
  out?: string;
  json?: boolean;
}

export async function runTrainLm(o: TrainLmOptions, io: CliIO): Promise<void> {
  const op = 'train-lm';
  if (o.corpus === undefined || o.corpus.trim() === '')
    throw new CliError(`${op}: option --corpus PATH[,PATH...] is required (files or a directory of fortune files)`, 2);
  const D = TRAIN_LM_DEFAULTS;
  const options = {
    contextLength: numberOption('context', o.context, D.contextLength, { integer: true, min: 1, max: 1024 }),
    embeddingDim: numberOption('embedding-dim', o.embeddingDim, D.embeddingDim, { integer: true, min: 1, max: 4096 }),
    hidden: numberOption('hidden', o.hidden, D.hidden, { integer: true, min: 1, max: 65536 }),
    epochs: numberOption('epochs', o.epochs, D.epochs, { integer: true, min: 1, max: 100000 }),
    batchSize: numberOption('batch-size', o.batchSize, D.batchSize, { integer: true, min: 1, max: 1 << 20 }),
    learningRate: numberOption('lr', o.lr, D.learningRate, { positive: true }),
    seed: numberOption('seed', o.seed, D.seed, { integer: true, min: 0, max: 0xffffffff }),
    heldOutFraction: numberOption('held-out', o.heldOut, D.heldOutFraction, { positive: true, max: 0.9 }),
    minCount: numberOption('min-count', o.minCount, D.minCount, { integer: true, min: 1 }),
    ...(o.limitChars !== undefined ? { limitChars: numberOption('limit-chars', o.limitChars, 0, { integer: true, min: 1 }) } : {}),
  };
  checkOutputPath('out', o.out, 'file');
  const paths = o.corpus
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '');
  const corpus = await readCorpus(paths, op).catch((e: Error) => {
    throw new CliError(e.message);
  });
  const mode = chooseProgressMode(Boolean(o.json), io.stderr as NodeJS.WriteStream);
  const info = (line: string) => {
    if (mode !== 'json') writeLine(io.stderr, line);
  };
  info(`logitkit train-lm: ${corpus.texts.length.toLocaleString('en-US')} texts from ${corpus.files.length} file(s)`);
  const started = performance.now();
  let announced = false;
  const r = await trainCharacterModel(corpus.texts, {
    ...options,
    callbacks: [
      {
        setModel: (m) => {
          if (announced) return;
          announced = true;
          info(
            `model: ${options.contextLength} previous characters → embedding ${m.classNames!.length}×${options.embeddingDim} → dense ${options.hidden} (tanh) → ${m.classNames!.length} logits (${m.countParams().toLocaleString('en-US')} parameters), adam lr ${options.learningRate}, batch ${options.batchSize}, seed ${options.seed}`,
          );
        },
      },
      progressCallback(createProgress(mode, io.stdout, io.stderr as NodeJS.WriteStream)),
    ],
  }).catch((e: Error) => {
    throw e instanceof RangeError || e instanceof TypeError ? new CliError(`${op}: ${e.message}`) : e;
  });
  const seconds = (performance.now() - started) / 1000;
  if (o.out) await saveModel(r.model, o.out);
  const p = r.heldOut;
  const result = {
    event: 'result',
    vocabulary: r.vocabulary.size,
    trainTexts: r.trainTexts,
    trainChars: r.trainChars,
    heldOutTexts: r.heldOutTexts,
    heldOutChars: r.heldOutChars,
    heldOutNll: p.nll,
    heldOutPerplexity: p.perplexity,
    bitsPerChar: p.bitsPerChar,
    seconds,
    ...(o.out ? { out: o.out } : {}),
  };
  if (o.json) {
    writeLine(io.stdout, JSON.stringify(result));
    return;
  }
  writeLine(
    io.stdout,
    `trained on ${r.trainChars.toLocaleString('en-US')} characters (${r.trainTexts.toLocaleString('en-US')} texts), vocabulary ${r.vocabulary.size} (2 special ids + characters), ${seconds.toFixed(1)} s`,
  );
  writeLine(
    io.stdout,
    `held-out perplexity ${p.perplexity.toFixed(3)} per character (mean NLL ${p.nll.toFixed(4)} nats = ${p.bitsPerChar.toFixed(4)} bits per character) on ${r.heldOutChars.toLocaleString('en-US')} characters of ${r.heldOutTexts.toLocaleString('en-US')} held-out texts`,
  );
  if (o.out) writeLine(io.stdout, `model saved to ${o.out}`);
}

export const trainLmCommand: CliCommand = (program, io) => {
  const D = TRAIN_LM_DEFAULTS;
  program
    .command('train-lm')
    .description("train a character language model (Bengio et al.'s: the previous k characters → embedding → dense (tanh) → logits over the characters)")
    .option(
      '--corpus <paths>',
      "comma-separated files or directories of texts in the fortune format (a line holding only '%' ends each text), e.g. /usr/share/games/fortunes",
    )
    .option('--context <k>', 'previous characters the model reads', String(D.contextLength))
    .option('--embedding-dim <n>', "each character's vector size", String(D.embeddingDim))
    .option('--hidden <n>', 'hidden tanh units', String(D.hidden))
    .option('--epochs <n>', 'epochs', String(D.epochs))
    .option('--batch-size <n>', 'examples (characters) per step', String(D.batchSize))
    .option('--lr <rate>', 'Adam learning rate', String(D.learningRate))
    .option('--seed <n>', 'seeds the split, the weights and the batch order (same seed, same model)', String(D.seed))
    .option('--held-out <f>', 'fraction of the texts held out for the perplexity', String(D.heldOutFraction))
    .option('--min-count <n>', 'characters seen fewer times in training map to the unknown id', String(D.minCount))
    .option('--limit-chars <n>', 'train on at most n characters (a seeded sample of the texts; the held-out part gets its share)')
    .option('--out <file>', 'save the trained model here (atomically)')
    .option('--json', 'JSON lines on stdout (progress, then the result)')
    .action(async (o: TrainLmOptions) => runTrainLm(o, io));
};
