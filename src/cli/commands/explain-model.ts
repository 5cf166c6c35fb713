import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { explainPrediction, explainableModel, nn, tensor, type Calibration, type ExplainTrace, type Model, type Tensor } from '../../index.js';
import { featurePath, featureSummary, renderFeatures } from '../../explain/features.js';
import { saliencyMap, saliencySvg } from '../../explain/saliency.js';
import { writeFileAtomic } from '../../io/node.js';
import type { LoadedData } from '../data-source.js';
import { checkOutputPath } from '../output-paths.js';
import { loadDataSource, modelDataSource } from '../data-source.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';
import { sampleAt } from '../samples.js';
import { runExplainText } from './explain-text.js';
import { explainOptions, parseFormat, renderTrace, usageErrors, type ExplainCliOptions } from './explain.js';

export interface ExplainModelOptions extends ExplainCliOptions {
  model?: string;
  data?: string;
  index?: string;
  top?: string;
  full?: boolean;
  out?: string;
  text?: string[];
  textColumn?: string;
  labelColumn?: string;
}

/** logitkit explain --model FILE --data mnist --index N: the last layer z = W·h + b of a trained model's prediction. */
export async function runExplainModel(o: ExplainModelOptions, io: CliIO): Promise<void> {
  const format = parseFormat(o.format);
  checkOutputPath('out', o.out, 'directory');
  const net = await loadModelFile(o.model, 'explain');
  if (net.textVectorization) return runExplainText(net, o, format, io);
  if (o.text !== undefined || o.textColumn !== undefined)
    throw new CliError(
      `option --${o.text !== undefined ? 'text' : 'text-column'} needs a text model, but the model in '${o.model}' takes numeric features (inputs [${net.inputShape.join(', ')}]): train one on texts (logitkit train --data csv:FILE --text-column COL --label-column COL)`,
      2,
    );
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
  // A temperature-calibrated model is traced at its T (z / T, softmax) unless --temperature says otherwise.
  const calibratedT = net.calibration?.method === 'temperature' && opts.temperature === undefined ? net.calibration.temperature : undefined;
  const temperature = opts.temperature ?? calibratedT;
  const trace = usageErrors(() => explainPrediction(explainable, sample, { ...opts, temperature, top, dtype: net.dtype }));
  if (format !== 'json') writeLine(io.stdout, `Test example ${index} of ${data.name} (true class ${names ? names.split(',')[label] : label}):\n`);
  if (format !== 'json' && net.calibration) writeLine(io.stdout, `${calibrationNote(net.calibration, trace, calibratedT !== undefined)}\n`);
  // Where f comes from (the convolutional stack, the hidden layers), then the last layer z = W·f + b on it.
  if (format !== 'json') {
    const summary = featureSummary(trace.dense!.rows[0].features, top);
    writeLine(io.stdout, `${renderFeatures(featurePath(net), summary, net.outputLayer.name, format)}`);
  }
  // A model's last layer sums over every hidden unit: the step-by-step derivation only when asked (--full).
  writeLine(io.stdout, renderTrace(trace, format, Boolean(o.full)).trimEnd());
  if (o.out !== undefined) {
    const written = await writeSaliency(net, data, index, sample, trace, o.out);
    if (format !== 'json') writeLine(io.stdout, `\n${written}`);
  }
}

/**
 * The saliency map of the decided class, ∂z_k/∂x by autograd through the model's forward pass, written as
 * DIR/saliency-INDEX.svg beside the image. Returns the line that says what was written.
 */
async function writeSaliency(net: Model, data: LoadedData, index: number, sample: Tensor, trace: ExplainTrace, dir: string): Promise<string> {
  const img = data.test.imageShape;
  const D = sample.size;
  if (!img || img.length < 2 || D % (img[0] * img[1]) !== 0)
    throw new CliError(`option --out writes a saliency map of an image, but the examples of ${data.name} are not images`, 2);
  const [H, W] = img;
  const k = trace.rows[0].decision.classId;
  const name = trace.classNames?.[k] ?? String(k);
  const logits = (x: Tensor) => {
    const r = net.forward([x]);
    return r.preActivation ?? r.outputs[0];
  };
  const s = saliencyMap(logits, sample, { classId: k });
  const g = s.gradient.values;
  let at = 0;
  for (let i = 1; i < g.length; i++) if (Math.abs(g[i]) > Math.abs(g[at])) at = i;
  const C = D / (H * W);
  const p = Math.floor(at / C);
  const svg = saliencySvg({
    pixels: data.test.images.subarray(index * D, (index + 1) * D),
    gradient: g,
    height: H,
    width: W,
    channels: C,
    title: `Test example ${index} of ${data.name}: true ${trace.classNames?.[data.test.labels[index]] ?? data.test.labels[index]}, predicted ${name}; saliency ∂z[${name}]/∂x`,
    logitName: `z[${name}]`,
  });
  await mkdir(dir, { recursive: true });
  const file = join(dir, `saliency-${index}.svg`);
  await writeFileAtomic(file, new TextEncoder().encode(svg));
  return (
    `Saliency map ∂z[${name}]/∂x (autograd, ${D} input values): the largest |∂z/∂x| is ${Math.abs(g[at]).toPrecision(4)} at row ${Math.floor(p / W)}, ` +
    `column ${p % W}${C > 1 ? `, channel ${at % C}` : ''} (${g[at] > 0 ? 'brightening' : 'darkening'} it raises z[${name}]); written to ${file}`
  );
}

/**
 * What the model's calibration does to this example: with temperature scaling, the decision (argmax z = argmax z/T)
 * and the probability of the decided class at T = 1 and at T; vector scaling is applied by predictProba, not traced.
 */
function calibrationNote(c: Calibration, trace: ExplainTrace, traced: boolean): string {
  const row = trace.rows[0];
  const k = row.decision.classId;
  const name = trace.classNames?.[k] ?? String(k);
  const pAt = (t: number) =>
    nn.softmax(
      tensor(
        row.logits.map((z) => z / t),
        { dtype: 'float64' },
      ),
    ).values[k];
  if (c.method === 'temperature') {
    const T = c.temperature;
    const how = traced ? 'the trace below uses z / T' : 'the trace below uses --temperature instead';
    return (
      `The model is calibrated by temperature scaling, T = ${T.toPrecision(6)} (${how}). The decision is argmax z = argmax z/T = ${name}, ` +
      `unchanged; its probability is ${pAt(1).toPrecision(6)} at T = 1 and ${pAt(T).toPrecision(6)} at T.`
    );
  }
  return `The model is calibrated by vector scaling (softmax(w ⊙ z + b), applied by predictProba); the trace below shows the uncalibrated softmax(z).`;
}
