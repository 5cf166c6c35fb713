import { DATA_SOURCE_HELP, loadDataSource, loadTextSource, modelDataSource } from '../data-source.js';
import { evaluateModel } from '../evaluation.js';
import { CliError, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import type { CliCommand } from '../command.js';
import { describeCalibration } from '../calibration-report.js';

export interface EvaluateOptions {
  model?: string;
  data?: string;
  json?: boolean;
  testCsv?: string;
  labelColumn?: string;
  textColumn?: string;
}

export async function runEvaluate(o: EvaluateOptions, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'evaluate');
  if (o.textColumn !== undefined && !net.textVectorization)
    throw new CliError(`option --text-column reads texts, but the model in '${o.model}' takes numeric features (inputs [${net.inputShape.join(', ')}])`, 2);
  const source = modelDataSource(o.data, net);
  const options = { testCsv: o.testCsv, labelColumn: o.labelColumn, model: net };
  // A text model reads texts from the same kinds of files (csv:, tsv:, jsonl:, dir:), split by the same rule.
  const data = net.textVectorization ? await loadTextSource(source, { ...options, textColumn: o.textColumn }) : await loadDataSource(source, options);
  const e = evaluateModel(net, data.test);
  const names = net.classNames ?? data.classNames;
  if (o.json) {
    writeLine(
      io.stdout,
      JSON.stringify({
        data: data.name,
        examples: e.count,
        loss: e.loss,
        accuracy: e.accuracy,
        top5Accuracy: e.top5Accuracy,
        ece: e.calibration.ece,
        mce: e.calibration.mce,
        classwiseEce: e.calibration.classwiseEce,
        nll: e.calibration.nll,
        brier: e.calibration.brier,
        calibration: net.calibration ?? null,
        classNames: names,
        precision: Array.from(e.precision),
        recall: Array.from(e.recall),
        confusion: Array.from({ length: e.classes }, (_, i) => Array.from(e.confusion.subarray(i * e.classes, (i + 1) * e.classes))),
      }),
    );
    return;
  }
  writeLine(io.stdout, `${data.name}: ${e.count} test examples`);
  writeLine(
    io.stdout,
    `accuracy ${(100 * e.accuracy).toFixed(2)} %${e.top5Accuracy === null ? '' : `, top-5 ${(100 * e.top5Accuracy).toFixed(2)} %`}, loss ${e.loss.toFixed(4)}`,
  );
  const c = e.calibration;
  const figures = `ECE ${(100 * c.ece).toFixed(2)} %, NLL ${c.nll.toFixed(4)}, Brier ${c.brier.toFixed(4)}`;
  writeLine(io.stdout, net.calibration ? `calibrated (${describeCalibration(net.calibration)}): ${figures}` : `probabilities (not calibrated): ${figures}`);
  writeLine(io.stdout);
  const w = Math.max(5, ...names.map((n) => n.length));
  writeLine(io.stdout, `${'class'.padEnd(w)}  precision  recall`);
  names.forEach((n, c) => writeLine(io.stdout, `${n.padEnd(w)}  ${e.precision[c].toFixed(4).padStart(9)}  ${e.recall[c].toFixed(4).padStart(6)}`));
  writeLine(io.stdout);
  writeLine(io.stdout, 'confusion matrix (rows: true class, columns: predicted)');
  const cw = Math.max(4, ...Array.from(e.confusion, (v) => String(v).length)) + 1;
  writeLine(io.stdout, `${''.padEnd(w)} ${names.map((n) => n.slice(0, cw - 1).padStart(cw)).join('')}`);
  names.forEach((n, i) =>
    writeLine(io.stdout, `${n.padEnd(w)} ${Array.from(e.confusion.subarray(i * e.classes, (i + 1) * e.classes), (v) => String(v).padStart(cw)).join('')}`),
  );
}

export const evaluateCommand: CliCommand = (program, io) => {
  program
    .command('evaluate')
    .description('evaluate a saved model on the test split: accuracy, loss, ECE / NLL / Brier, per-class precision/recall, confusion matrix')
    .requiredOption('--model <file>', 'a model file saved by train --out')
    .option('--data <source>', `${DATA_SOURCE_HELP} (default: the data the model was trained on when its file records it, else 'mnist')`)
    .option('--test-csv <file>', 'with --data csv:FILE (texts: also tsv:, jsonl:, dir:), a separate test file (folder) of the same kind')
    .option('--label-column <name|index>', "the label column (numeric csv data: default the last; texts: default 'label')")
    .option('--text-column <name|index>', "for a text model: the text column of csv, tsv or jsonl data (default 'text')")
    .option('--json', 'one JSON object on stdout')
    .action(async (o) => runEvaluate(o, io));
};
