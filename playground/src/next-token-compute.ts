/**
 * The next-token panel's one door to the library: the settings become a `sampling.pipeline` of processor specs
 * in Hugging Face transformers' order, its `trace` gives every processor's logits, probabilities (float64) and
 * removed tokens, and `greedy` / `sample` decide on the processed logits. Plain arrays out, for the view. No
 * arithmetic here: the page renders, the library computes.
 */
import { sampling, tensor } from '../../src/index.js';
import { PROCESSOR_ORDER, type ProcessorName, type Settings } from './next-token-example.js';

export interface StepView {
  name: ProcessorName;
  /** The library's label for the processor ('topP(p=0.9)'), or null when it is off (not in the pipeline). */
  label: string | null;
  /** The logits after this processor (−∞ for removed tokens). */
  logits: Float64Array;
  /** softmax of those logits in float64: the distribution renormalised over the tokens still kept. */
  probabilities: Float64Array;
  kept: number;
  /** The tokens this processor removed (not those removed before it). */
  removed: number[];
}

export interface NextTokenResult {
  /** softmax of the logits as typed, before any processor. */
  inputProbabilities: Float64Array;
  /** One entry per processor of PROCESSOR_ORDER, off ones included (they pass the logits through). */
  steps: StepView[];
  /** The final distribution (the last step's). */
  probabilities: Float64Array;
  /** argmax of the processed logits (sampling.greedy). */
  greedy: number;
  /** A reproducible draw from the final distribution (sampling.sample with this seed). */
  sample(seed: number): number;
}

/** Is the processor at its neutral value (left out of the pipeline, as transformers' generate() leaves it out)? */
export function isOff(name: ProcessorName, s: Settings): boolean {
  switch (name) {
    case 'repetition penalty':
      return s.penalty === 1 || s.previous.length === 0;
    case 'temperature':
      return s.temperature === 1;
    case 'top-k':
      return s.topK === 0;
    case 'top-p':
      return s.topP === 1;
    case 'min-p':
      return s.minP === 0;
  }
}

/** The spec the library runs for a processor that is on. */
function specOf(name: ProcessorName, s: Settings): sampling.ProcessorSpec {
  switch (name) {
    case 'repetition penalty':
      return { type: 'repetitionPenalty', penalty: s.penalty };
    case 'temperature':
      return { type: 'temperature', temperature: s.temperature };
    case 'top-k':
      return { type: 'topK', k: s.topK };
    case 'top-p':
      return { type: 'topP', p: s.topP };
    case 'min-p':
      return { type: 'minP', p: s.minP };
  }
}

/** Runs the pipeline of the processors that are on over one row of float32 logits (the library's default dtype). */
export function computeNextToken(logits: readonly number[], s: Settings): NextTokenResult {
  const on = PROCESSOR_ORDER.filter((name) => !isOff(name, s));
  const steps = sampling.pipeline(on.map((name) => specOf(name, s)));
  const z = tensor([Array.from(logits)]);
  const context = { previousTokens: [s.previous] };
  const trace = steps.trace(z, context);
  const processed = steps.apply(z, context);
  let at: sampling.TraceState = trace.input;
  const views = PROCESSOR_ORDER.map((name): StepView => {
    const j = on.indexOf(name);
    if (j < 0) return { name, label: null, logits: at.logits, probabilities: at.probabilities, kept: at.kept, removed: [] };
    const step = trace.steps[j];
    at = step;
    return { name, label: step.processor, logits: step.logits, probabilities: step.probabilities, kept: step.kept, removed: Array.from(step.removed) };
  });
  return {
    inputProbabilities: trace.input.probabilities,
    steps: views,
    probabilities: at.probabilities,
    greedy: sampling.greedy(processed).values[0],
    sample: (seed) => sampling.sample(processed, { seed }).values[0],
  };
}
