import { explainPrediction, explainableModel } from '../../index.js';
import { loadDataSource, modelDataSource } from '../data-source.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import { sampleAt } from '../samples.js';
import { explainOptions, parseFormat, renderTrace, usageErrors, type ExplainCliOptions } from './explain.js';

export interface ExplainModelOptions extends ExplainCliOptions {
  model?: string;
  data?: string;
  index?: string;
  top?: string;
  full?: boolean;
}

/** logitkit explain --model FILE --data mnist --index N: the last layer z = W·h + b of a trained model's prediction. */
export async function runExplainModel(o: ExplainModelOptions, io: CliIO): Promise<void> {
  const format = parseFormat(o.format);
  const net = await loadModelFile(o.model, 'explain');
  const explainable = explainableModel(net);
  if (!explainable)
    throw new CliError(`explain: the model in '${o.model}' does not end in a Dense layer with one input, so its last layer cannot be broken down`);
  const data = await loadDataSource(modelDataSource(o.data, net), { model: net });
  const index = numberOption('index', o.index, 0, { integer: true, min: 0 });
  const { sample, label } = sampleAt(data.test, index, net);
  const classes = net.outputShape.at(-1) ?? 0;
  const names = o.classes ?? (net.classNames ?? data.classNames).join(',');
  const opts = explainOptions({ ...o, classes: names, label: o.label ?? String(label) }, classes);
  const top = numberOption('top', o.top, 5, { integer: true, min: 0 });
  const trace = usageErrors(() => explainPrediction(explainable, sample, { ...opts, top, dtype: net.dtype }));
  if (format !== 'json') writeLine(io.stdout, `Test example ${index} of ${data.name} (true class ${names ? names.split(',')[label] : label}):\n`);
  // A model's last layer sums over every hidden unit: the step-by-step derivation only when asked (--full).
  writeLine(io.stdout, renderTrace(trace, format, Boolean(o.full)).trimEnd());
}
