import { open, stat } from 'node:fs/promises';
import type { Model } from '../../index.js';
import { writeLine, type CliIO } from '../io.js';
import { modelFileFormat } from '../../io/node.js';
import { loadModelFile } from '../model-file.js';
import type { CliCommand } from '../command.js';
import { describeCalibration } from '../calibration-report.js';

export async function runInfo(o: { model?: string; json?: boolean }, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'info');
  const summary = net.summary(false);
  const bytes = (await stat(o.model!)).size;
  const format = modelFileFormat(o.model!);
  const formatVersion = format === 'lkm' ? await fileFormatVersion(o.model!) : null;
  if (o.json) {
    writeLine(
      io.stdout,
      JSON.stringify({
        file: o.model,
        bytes,
        format,
        formatVersion,
        inputShape: net.inputShape,
        outputShape: net.outputShape,
        classNames: net.classNames ?? null,
        textInput: textInput(net),
        dataSplit: net.dataSplit ?? null,
        calibration: net.calibration ?? null,
        ...summary,
        text: undefined,
      }),
    );
    return;
  }
  const kind = {
    lkm: `logitkit model file, format version ${formatVersion}`,
    onnx: 'ONNX model (imported)',
    tfjs: 'TF.js layers model (imported; the weight files its manifest names are beside it)',
  }[format];
  writeLine(io.stdout, `${o.model}: ${kind}, ${bytes.toLocaleString('en-US')} bytes`);
  writeLine(io.stdout, summary.text);
  const text = textInput(net);
  if (text) writeLine(io.stdout, `Text input: ${describeTextInput(text)}`);
  if (net.classNames) writeLine(io.stdout, `Classes: ${classList(net.classNames)}`);
  if (net.calibration) writeLine(io.stdout, `calibration: ${describeCalibration(net.calibration)} (predictProba applies it; logitkit calibrate)`);
  if (net.dataSplit)
    writeLine(
      io.stdout,
      `Trained on ${net.dataSplit.source} (${net.dataSplit.rows} rows, fingerprint ${net.dataSplit.fingerprint}), tested on a seeded ${100 * net.dataSplit.testFraction} % of its rows`,
    );
}

export const infoCommand: CliCommand = (program, io) => {
  program
    .command('info')
    .description('show a saved model: layers, output shapes, parameter counts')
    .requiredOption('--model <file>', 'a model file')
    .option('--json', 'one JSON object on stdout')
    .action(async (o) => runInfo(o, io));
};

/** What a text model's vectorizer does (null for a model of numeric inputs). */
function textInput(net: Model) {
  const v = net.textVectorization;
  if (!v) return null;
  return {
    outputMode: v.outputMode,
    vocabularySize: v.vocabularySize(),
    outputSequenceLength: v.outputSequenceLength ?? null,
    ngrams: [...v.ngrams],
    normalization: v.normalization,
    lowercase: v.lowercase,
  };
}

function describeTextInput(t: NonNullable<ReturnType<typeof textInput>>): string {
  const what =
    t.outputMode === 'int'
      ? `token ids, the first ${t.outputSequenceLength} tokens of each text (padded with id 0), ${t.vocabularySize.toLocaleString('en-US')} ids ('' and '[UNK]' included)`
      : `a ${t.outputMode} bag of ${t.vocabularySize.toLocaleString('en-US')} columns ('[UNK]' first)`;
  const grams = t.ngrams.length === 1 && t.ngrams[0] === 1 ? 'words' : `${t.ngrams.join(', ')}-grams`;
  return `raw strings → ${what}; ${grams}, ${t.normalization === 'none' ? 'no normalization' : t.normalization}${t.lowercase ? ', lower-cased' : ''} (logitkit's tokenizer, docs/text.md)`;
}

/** The version the file was written in (the loader has read and checked it; the preamble's uint32 at byte 8). */
async function fileFormatVersion(path: string): Promise<number> {
  const file = await open(path, 'r');
  try {
    const head = new Uint8Array(12);
    await file.read(head, 0, 12, 0);
    return new DataView(head.buffer).getUint32(8, true);
  } finally {
    await file.close();
  }
}

/** Names as they are, or JSON-quoted when any holds a comma, a space at an end or a control character (a character model's '\n'). */
function classList(names: readonly string[]): string {
  const plain = names.every((n) => n !== '' && !/[,\p{Cc}]|^\s|\s$/u.test(n));
  return plain ? names.join(', ') : names.map((n) => JSON.stringify(n)).join(', ');
}
