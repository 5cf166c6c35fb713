import { writeFileAtomic } from '../../io/node.js';
import { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_EXPORT_OPSETS } from '../../io/onnx/export.js';
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

/** `logitkit export --model m.lkm --format onnx --out m.onnx`: an ONNX file ONNX Runtime runs (docs/deploy.md). */
export async function runExport(o: ExportOptions, io: CliIO): Promise<void> {
  if (o.format !== 'onnx') throw new CliError(`option --format: 'onnx' is the format export writes, got '${o.format}'`, 2);
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

export const exportCommand: CliCommand = (program, io) => {
  program
    .command('export')
    .description('write a model as an ONNX file, for ONNX Runtime and other serving engines (docs/deploy.md)')
    .requiredOption('--model <file>', 'a model file')
    .requiredOption('--format <format>', 'onnx')
    .requiredOption('--out <file>', 'the ONNX file to write (atomically)')
    .option('--opset <n>', `the ONNX opset, ${ONNX_EXPORT_OPSETS[0]} to ${ONNX_EXPORT_OPSETS.at(-1)}`, String(ONNX_DEFAULT_OPSET))
    .option('--no-probabilities', "only the 'logits' output (by default also 'probabilities', with the stored calibration)")
    .action(async (o: ExportOptions) => runExport(o, io));
};
