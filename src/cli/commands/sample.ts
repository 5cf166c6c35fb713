import { generate, type Generation } from '../../lm/generate.js';
import type { ProcessorSpec, TraceState } from '../../sampling/index.js';
import type { CliCommand } from '../command.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';
import { loadModelFile } from '../model-file.js';

export interface SampleCliOptions {
  model?: string;
  prompt?: string;
  length?: string;
  temperature?: string;
  topK?: string;
  topP?: string;
  minP?: string;
  repetitionPenalty?: string;
  seed?: string;
  top?: string;
  explain?: boolean;
  json?: boolean;
}

/** The processors the options ask for, in Hugging Face's order: repetition penalty, temperature, top-k, top-p, min-p. */
function processorSpecs(o: SampleCliOptions): { specs: ProcessorSpec[]; greedy: boolean } {
  const specs: ProcessorSpec[] = [];
  const penalty = numberOption('repetition-penalty', o.repetitionPenalty, 1, { positive: true });
  if (penalty !== 1) specs.push({ type: 'repetitionPenalty', penalty });
  const temperature = numberOption('temperature', o.temperature, 1, { min: 0 });
  if (temperature !== 0 && temperature !== 1) specs.push({ type: 'temperature', temperature });
  if (o.topK !== undefined) specs.push({ type: 'topK', k: numberOption('top-k', o.topK, 0, { integer: true, min: 1 }) });
  if (o.topP !== undefined) specs.push({ type: 'topP', p: numberOption('top-p', o.topP, 1, { positive: true, max: 1 }) });
  if (o.minP !== undefined) specs.push({ type: 'minP', p: numberOption('min-p', o.minP, 0, { min: 0, max: 1 }) });
  return { specs, greedy: temperature === 0 };
}

/** A character as the explanation shows it: quoted, with whitespace and controls escaped. */
export function showToken(token: string): string {
  return JSON.stringify(token);
}

function topOf(state: TraceState, tokens: readonly string[], n: number): Array<{ token: string; id: number; probability: number }> {
  const ids = Array.from(state.probabilities.keys()).filter((i) => state.probabilities[i] > 0);
  ids.sort((a, b) => state.probabilities[b] - state.probabilities[a] || a - b);
  return ids.slice(0, n).map((id) => ({ token: tokens[id], id, probability: state.probabilities[id] }));
}

function describeState(state: TraceState, tokens: readonly string[], n: number): string {
  const top = topOf(state, tokens, n)
    .map((t) => `${showToken(t.token)} ${t.probability.toFixed(3)}`)
    .join(', ');
  return `kept ${state.kept}; top: ${top}`;
}

function explainLines(g: Generation, tokens: readonly string[], n: number): string[] {
  const lines: string[] = [`processors, in order: ${g.processors.join(' → ')}`];
  const width = Math.max('model'.length, ...g.processors.map((p) => p.length));
  g.steps.forEach((s, i) => {
    const tr = s.trace!;
    lines.push(`step ${i + 1}: context ${showToken(s.context)}`);
    lines.push(`  ${'model'.padEnd(width)} ${describeState(tr.input, tokens, n)}`);
    for (const st of tr.steps) lines.push(`  ${st.processor.padEnd(width)} ${describeState(st, tokens, n)} (removed ${st.removed.length})`);
    lines.push(
      `  chose ${showToken(s.token)} (id ${s.id}): log-prob ${s.processedLogprob.toFixed(4)} after the processors, ${s.logprob.toFixed(4)} under the model`,
    );
  });
  return lines;
}

export async function runSample(o: SampleCliOptions, io: CliIO): Promise<void> {
  const op = 'sample';
  const length = numberOption('length', o.length, 200, { integer: true, min: 0, max: 1_000_000 });
  const seed = numberOption('seed', o.seed, 0, { integer: true, min: 0, max: 0xffffffff });
  const top = numberOption('top', o.top, 5, { integer: true, min: 1, max: 100 });
  const { specs, greedy } = processorSpecs(o);
  const net = await loadModelFile(o.model, op);
  if (!net.languageModel || !net.classNames) {
    throw new CliError(`${op}: model file '${o.model}' is not a character language model (train one with logitkit train-lm)`);
  }
  let g: Generation;
  try {
    g = generate(net, { prompt: o.prompt ?? '', length, processors: specs, greedy, seed, explain: Boolean(o.explain) });
  } catch (e) {
    throw e instanceof RangeError || e instanceof TypeError ? new CliError(`${op}: ${e.message}`) : e;
  }
  const tokens = net.classNames;
  if (o.json) {
    const steps = g.steps.map((s) => ({
      context: s.context,
      token: s.token,
      id: s.id,
      logprob: s.logprob,
      processedLogprob: s.processedLogprob,
      ...(s.trace
        ? {
            model: { kept: s.trace.input.kept, top: topOf(s.trace.input, tokens, top) },
            processors: s.trace.steps.map((st) => ({ processor: st.processor, kept: st.kept, removed: st.removed.length, top: topOf(st, tokens, top) })),
          }
        : {}),
    }));
    writeLine(io.stdout, JSON.stringify({ prompt: g.prompt, generated: g.generated, text: g.text, seed, greedy, processors: g.processors, steps }));
    return;
  }
  if (o.explain) for (const line of explainLines(g, tokens, top)) writeLine(io.stdout, line);
  writeLine(io.stdout, g.text);
}

export const sampleCommand: CliCommand = (program, io) => {
  program
    .command('sample')
    .description('generate text with a character language model (from train-lm): logits → processors → a seeded draw, character by character')
    .option('--model <file>', 'the language model file (.lkm) written by train-lm')
    .option('--prompt <text>', 'the text to continue', '')
    .option('--length <n>', 'characters to generate', '200')
    .option('--temperature <t>', 'divide the logits by t (0: greedy decoding, the most probable character each time)', '1')
    .option('--top-k <k>', 'keep the k most probable characters (ties at the k-th kept)')
    .option('--top-p <p>', 'keep the most probable characters whose mass reaches p (nucleus sampling)')
    .option('--min-p <p>', 'keep the characters at least p × the top probability')
    .option('--repetition-penalty <r>', 'divide positive logits (multiply negative ones) of characters already in the text by r', '1')
    .option('--seed <n>', 'seeds the draws: same seed, same text', '0')
    .option('--explain', "print each step's distribution before and after every processor, and the chosen character")
    .option('--top <n>', 'with --explain, how many of the most probable characters to show', '5')
    .option('--json', 'one JSON object on stdout')
    .action(async (o: SampleCliOptions) => runSample(o, io));
};
