import { stat } from 'node:fs/promises';
import { MODEL_FORMAT_VERSION } from '../../index.js';
import { writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import type { CliCommand } from '../command.js';
import { describeCalibration } from '../calibration-report.js';

export async function runInfo(o: { model?: string; json?: boolean }, io: CliIO): Promise<void> {
  const net = await loadModelFile(o.model, 'info');
  const summary = net.summary(false);
  const bytes = (await stat(o.model!)).size;
  if (o.json) {
    writeLine(
      io.stdout,
      JSON.stringify({
        file: o.model,
        bytes,
        formatVersion: MODEL_FORMAT_VERSION,
        inputShape: net.inputShape,
        outputShape: net.outputShape,
        classNames: net.classNames ?? null,
        dataSplit: net.dataSplit ?? null,
        calibration: net.calibration ?? null,
        ...summary,
        text: undefined,
      }),
    );
    return;
  }
  writeLine(io.stdout, `${o.model}: logitkit model file, format version ${MODEL_FORMAT_VERSION}, ${bytes.toLocaleString('en-US')} bytes`);
  writeLine(io.stdout, summary.text);
  if (net.classNames) writeLine(io.stdout, `Classes: ${net.classNames.join(', ')}`);
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
