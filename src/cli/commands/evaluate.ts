import { DATA_SOURCE_HELP, loadDataSource, modelDataSource } from '../data-source.js';
import { evaluateModel } from '../evaluation.js';
import { writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import type { CliCommand } from '../command.js';
import { describeCalibration } from '../calibration-report.js';

export async function runEvaluate(o: { model?: string; data?: string; json?: boolean; testCsv?: string; labelColumn?: string }, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'evaluate');
  const data = await loadDataSource(modelDataSource(o.data, net), { testCsv: o.testCsv, labelColumn: o.labelColumn, model: net });
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
    .option('--test-csv <file>', 'with --data csv:FILE, a separate test file')
    .option('--label-column <name|index>', 'with csv data, the label column (default: the last)')
    .option('--json', 'one JSON object on stdout')
    .action(async (o) => runEvaluate(o, io));
};
