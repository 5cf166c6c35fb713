import { writeFileAtomic } from '../../io/node.js';
import { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_EXPORT_OPSETS } from '../../io/onnx/export.js';
import { TFJS_WEIGHTS_FILE } from '../../io/tfjs/export.js';
import { saveTfjs } from '../../io/tfjs/node.js';
import type { Model } from '../../train/model.js';
import type { CliCommand } from '../command.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import { checkOutputPath } from '../output-paths.js';

interface ExportOptions {
  model?: string;
  format?: string;
  out?: string;
  opset?: string;
  probabilities?: boolean;
}

const FORMATS = ['onnx', 'tfjs'];

/**
 * `logitkit export --model m.lkm --format onnx --out m.onnx`: an ONNX file ONNX Runtime runs; `--format tfjs --out DIR`:
 * a TF.js layers model, DIR/model.json and DIR/weights.bin (docs/deploy.md).
 */
export async function runExport(o: ExportOptions, io: CliIO): Promise<void> {
  if (!FORMATS.includes(o.format ?? '')) throw new CliError(`option --format: one of ${FORMATS.map((f) => `'${f}'`).join(', ')}, got '${o.format}'`, 2);
  if (o.format === 'tfjs') return exportTfjsDirectory(o, io);
  const opset = numberOption('opset', o.opset, ONNX_DEFAULT_OPSET, { integer: true, min: ONNX_EXPORT_OPSETS[0], max: ONNX_EXPORT_OPSETS.at(-1) });
  checkOutputPath('out', o.out, 'file');
  const net = await loadModelFile(o.model, 'export');
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(net, { opset, probabilities: o.probabilities !== false });
  } catch (e) {
    throw new CliError(`export: ${(e as Error).message}`);
  }
  await writeFileAtomic(o.out!, bytes);
  const outputs = o.probabilities === false ? "'logits'" : "'logits' and 'probabilities'";
  const text = net.textVectorization
    ? ` (a text model: the graph takes the vectorizer's ${net.textVectorization.outputMode} output; its settings and vocabulary are in the metadata, key logitkit.textVectorization)`
    : '';
  writeLine(
    io.stdout,
    `${o.out}: ONNX opset ${opset}, ${bytes.length.toLocaleString('en-US')} bytes; input 'input' [batch, ${net.inputShape.join(', ')}], outputs ${outputs}${text}`,
  );
  if (net.classNames) writeLine(io.stdout, `classes (metadata logitkit.classNames): ${net.classNames.join(', ')}`);
}

async function exportTfjsDirectory(o: ExportOptions, io: CliIO): Promise<void> {
  // The ONNX options have no TF.js meaning: a TF.js model outputs what predict gives, and has no opset.
  if (o.opset !== undefined) throw new CliError('option --opset: only for --format onnx', 2);
  if (o.probabilities === false) throw new CliError('option --no-probabilities: only for --format onnx (a TF.js model outputs what predict gives)', 2);
  checkOutputPath('out', o.out, 'directory');
  const net: Model = await loadModelFile(o.model, 'export');
  let weightBytes: number;
  try {
    weightBytes = (await saveTfjs(net, o.out!)).weightData.length;
  } catch (e) {
    throw new CliError(`export: ${(e as Error).message}`);
  }
  const output = net.outputActivation === 'linear' ? 'the logits' : `the ${net.outputActivation} of the logits`;
  writeLine(
    io.stdout,
    `${o.out}: TF.js layers model (model.json, ${TFJS_WEIGHTS_FILE}: ${weightBytes.toLocaleString('en-US')} bytes), ${net.className}, input [batch, ${net.inputShape.join(', ')}], output ${output}`,
  );
  if (net.classNames) writeLine(io.stdout, `classes (userDefinedMetadata.logitkit.classNames): ${net.classNames.join(', ')}`);
}

export const exportCommand: CliCommand = (program, io) => {
  program
    .command('export')
    .description('write a model as an ONNX file (ONNX Runtime, serving engines) or a TF.js layers model (docs/deploy.md)')
    .requiredOption('--model <file>', 'a model file')
    .requiredOption('--format <format>', 'onnx or tfjs')
    .requiredOption('--out <path>', 'the ONNX file to write, or the directory of the TF.js model.json and weights.bin (written atomically)')
    .option('--opset <n>', `the ONNX opset, ${ONNX_EXPORT_OPSETS[0]} to ${ONNX_EXPORT_OPSETS.at(-1)} (default ${ONNX_DEFAULT_OPSET})`)
    .option('--no-probabilities', "only the 'logits' output (by default also 'probabilities', with the stored calibration)")
    .action(async (o: ExportOptions) => runExport(o, io));
};
