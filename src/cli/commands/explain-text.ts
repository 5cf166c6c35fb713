import { explainText, renderTextExplanation, textExplanationJson, type Model } from '../../index.js';
import { loadTextSource, modelDataSource } from '../data-source.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import type { ExplainFormat } from './explain.js';

export interface ExplainTextCliOptions {
  model?: string;
  text?: string[];
  data?: string;
  index?: string;
  textColumn?: string;
  labelColumn?: string;
  classes?: string;
  out?: string;
}

/**
 * logitkit explain --model m.lkm --text "..." (a text model): each token's contribution to each logit, the bias, the
 * sum = z cross-check, the probabilities and the decision (explainText). Without --text, the test example at
 * --index of the model's data.
 */
export async function runExplainText(net: Model, o: ExplainTextCliOptions, format: ExplainFormat, io: CliIO): Promise<void> {
  if (o.out !== undefined) throw new CliError("option --out writes an image's saliency map; a text model's explanation is the token table itself", 2);
  const names = o.classes?.split(',').map((s) => s.trim());
  const classes = net.outputShape.at(-1) ?? 0;
  if (names && names.length !== classes) throw new CliError(`option --classes gives ${names.length} names for the model's ${classes} classes`, 2);
  let items: Array<{ text: string; heading: string }>;
  if (o.text && o.text.length > 0) {
    items = o.text.map((text) => ({ text, heading: '' }));
  } else {
    const data = await loadTextSource(modelDataSource(o.data, net), { model: net, textColumn: o.textColumn, labelColumn: o.labelColumn });
    const index = numberOption('index', o.index, 0, { integer: true, min: 0 });
    if (index >= data.test.count) throw new CliError(`option --index must be below the ${data.test.count} test examples, got ${index}`, 2);
    const label = data.test.labels[index];
    items = [
      {
        text: data.test.texts[index],
        heading: `Test example ${index} of ${data.name} (true class ${(names ?? net.classNames ?? data.classNames)[label] ?? label}):\n`,
      },
    ];
  }
  items.forEach(({ text, heading }, i) => {
    const e = explainText(net, text, names ? { classNames: names } : {});
    if (format === 'json') writeLine(io.stdout, textExplanationJson(e));
    else {
      if (i > 0) writeLine(io.stdout);
      if (heading) writeLine(io.stdout, heading);
      writeLine(io.stdout, renderTextExplanation(e, { format }).trimEnd());
    }
  });
}
