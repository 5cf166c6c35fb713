import { calibration, metrics, slice, type CalibrationReport } from '../../index.js';
import { saveModel, writeFileAtomic } from '../../io/node.js';
import { calibrationFigures, describeCalibration, renderCalibrationReport } from '../calibration-report.js';
import type { CliCommand } from '../command.js';
import { DATA_SOURCE_HELP, loadDataSource, modelDataSource } from '../data-source.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import { checkOutputPath } from '../output-paths.js';
import { datasetTensors } from '../samples.js';
import { DEFAULT_VALIDATION_SPLIT } from './train.js';

export interface CalibrateCliOptions {
  model?: string;
  data?: string;
  out?: string;
  method?: string;
  validationSplit?: string;
  bins?: string;
  strategy?: string;
  report?: string;
  json?: boolean;
  testCsv?: string;
  labelColumn?: string;
}

const METHODS = ['temperature', 'vectorScaling'] as const;
const STRATEGIES = ['uniform', 'quantile'] as const;

function choice<T extends string>(option: string, raw: string | undefined, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new CliError(`option --${option} must be one of ${choices.join(', ')}, got '${raw}'`, 2);
  return raw as T;
}

/**
 * logitkit calibrate: fits a calibration of a saved model's logits on the held-out rows of its training split
 * (the last --validation-split, the rows `train` holds out), prints ECE / MCE / class-wise ECE / NLL / Brier
 * before and after on the test split (never used for fitting), and saves the calibrated model atomically.
 */
export async function runCalibrate(o: CalibrateCliOptions, io: CliIO): Promise<void> {
  const method = choice('method', o.method, METHODS, 'temperature');
  const strategy = choice('strategy', o.strategy, STRATEGIES, 'uniform');
  const bins = numberOption('bins', o.bins, 15, { integer: true, min: 1, max: 10_000 });
  const validationSplit = numberOption('validation-split', o.validationSplit, DEFAULT_VALIDATION_SPLIT, { positive: true, max: 0.9 });
  checkOutputPath('out', o.out, 'file');
  checkOutputPath('report', o.report, 'file');
  const net = await loadModelFile(o.model, 'calibrate');
  const data = await loadDataSource(modelDataSource(o.data, net), { testCsv: o.testCsv, labelColumn: o.labelColumn, model: net });
  const all = datasetTensors(data.train, net);
  const n = all.x.shape[0];
  const at = Math.floor(n * (1 - validationSplit));
  if (at >= n) throw new CliError(`option --validation-split ${validationSplit} holds out none of the ${n} training examples`, 2);
  const fitRows = { x: slice(all.x, at, n - at), y: slice(all.y, at, n - at) };
  const test = datasetTensors(data.test, net);
  const earlier = net.calibration;
  const logits = net.predictLogits(test.x);
  const report = (z: typeof logits): CalibrationReport => metrics.calibration(z, test.y, { bins, strategy });
  const before = report(logits);
  const fit = (() => {
    try {
      return net.calibrate(fitRows.x, fitRows.y, { method });
    } catch (e) {
      throw new CliError(`calibrate: ${(e as Error).message.replace(/^calibrate: /, '')}`);
    }
  })();
  const after = report(calibration.applyCalibration(logits, fit.calibration));
  if (o.out) await saveModel(net, o.out);
  if (o.report) {
    const html = renderCalibrationReport({
      title: `logitkit calibration: ${o.model}`,
      dataName: data.name,
      fitDescription: `the last ${n - at} of the ${n} training examples (--validation-split ${validationSplit})`,
      calibration: fit.calibration,
      nllFitBefore: fit.nllBefore,
      nllFitAfter: fit.nllAfter,
      before,
      after,
    });
    await writeFileAtomic(o.report, new TextEncoder().encode(html));
  }
  if (o.json) {
    const figures = (r: CalibrationReport) => ({ ece: r.ece, mce: r.mce, classwiseEce: r.classwiseEce, nll: r.nll, brier: r.brier, accuracy: r.accuracy });
    writeLine(
      io.stdout,
      JSON.stringify({
        data: data.name,
        fitExamples: n - at,
        testExamples: before.examples,
        bins,
        strategy,
        calibration: fit.calibration,
        replaced: earlier ?? null,
        nllFitBefore: fit.nllBefore,
        nllFitAfter: fit.nllAfter,
        before: figures(before),
        after: figures(after),
        out: o.out ?? null,
        report: o.report ?? null,
      }),
    );
    return;
  }
  writeLine(io.stdout, `logitkit calibrate: ${data.name}`);
  writeLine(
    io.stdout,
    `fitted on the last ${(n - at).toLocaleString('en-US')} of the ${n.toLocaleString('en-US')} training examples (the rows train --validation-split ${validationSplit} holds out);`,
  );
  writeLine(io.stdout, `measured on the ${before.examples.toLocaleString('en-US')} test examples, never used for fitting`);
  if (earlier) writeLine(io.stdout, `(replaces the model's earlier calibration: ${describeCalibration(earlier)})`);
  writeLine(io.stdout, `${describeCalibration(fit.calibration)}; NLL on the fitting rows ${fit.nllBefore.toFixed(4)} → ${fit.nllAfter.toFixed(4)}`);
  writeLine(io.stdout);
  const rows = calibrationFigures(before);
  const w = Math.max(...rows.map(([name]) => name.length));
  writeLine(io.stdout, `${''.padEnd(w)}  ${'before'.padStart(9)}  ${'after'.padStart(9)}`);
  for (const [name, f] of rows) writeLine(io.stdout, `${name.padEnd(w)}  ${f(before).padStart(9)}  ${f(after).padStart(9)}`);
  writeLine(io.stdout);
  writeLine(io.stdout, o.out ? `calibrated model saved to ${o.out}` : 'no --out: the calibrated model was not saved');
  if (o.report) writeLine(io.stdout, `report written to ${o.report}`);
}

export const calibrateCommand: CliCommand = (program, io) => {
  program
    .command('calibrate')
    .description('fit temperature (or vector) scaling on held-out rows; print ECE, NLL and Brier before and after on the test split')
    .requiredOption('--model <file>', 'a model file saved by train --out')
    .option('--data <source>', `${DATA_SOURCE_HELP} (default: the data the model was trained on when its file records it, else 'mnist')`)
    .option('--out <file>', 'save the calibrated model here (atomically; may be the --model file)')
    .option('--method <name>', `one of ${METHODS.join(', ')}`, 'temperature')
    .option(
      '--validation-split <f>',
      `fit on this last fraction of the training split: the rows train --validation-split held out (default ${DEFAULT_VALIDATION_SPLIT}, as train)`,
    )
    .option('--bins <n>', 'bins of the calibration error and the reliability diagram', '15')
    .option('--strategy <name>', `binning: ${STRATEGIES.join(' (equal width) or ')} (equal counts)`, 'uniform')
    .option('--report <file>', 'write an HTML report with the reliability diagrams before and after')
    .option('--test-csv <file>', 'with --data csv:FILE, a separate test file')
    .option('--label-column <name|index>', 'with csv data, the label column (default: the last)')
    .option('--json', 'one JSON object on stdout')
    .action(async (o) => runCalibrate(o, io));
};
