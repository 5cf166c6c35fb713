/**
 * The next-token panel's example: seed 002's sentence ("The new smartphone has amazing features.") cut before
 * its last word, a small vocabulary of candidate next words with made-up logits, and the processors' settings
 * the page starts from (and returns to on Reset). Data only: the numbers are computed by the library.
 */

export const PROMPT = 'The new smartphone has amazing';

export interface Candidate {
  token: string;
  logit: number;
}

/** Ten candidates, most likely first, as a model might score them after the prompt. */
export const CANDIDATES: readonly Candidate[] = [
  { token: 'features', logit: 3.2 },
  { token: 'camera', logit: 2.9 },
  { token: 'battery', logit: 2.4 },
  { token: 'design', logit: 2.1 },
  { token: 'performance', logit: 1.7 },
  { token: 'screen', logit: 1.2 },
  { token: 'photos', logit: 0.4 },
  { token: 'potential', logit: -0.3 },
  { token: 'price', logit: -1.1 },
  { token: 'reviews', logit: -2.0 },
];

export interface Settings {
  /** Repetition penalty θ (1 = off) over the tokens marked as previous. */
  penalty: number;
  /** Indices of the candidates that already occurred in the text (the repetition penalty's input). */
  previous: number[];
  temperature: number;
  /** 0 = off. */
  topK: number;
  /** 1 = off. */
  topP: number;
  /** 0 = off. */
  minP: number;
  seed: number;
}

/** Every processor on, mildly, so the first view shows each of them at work. */
export const DEFAULT_SETTINGS: Readonly<Settings> = {
  penalty: 1.3,
  previous: [1],
  temperature: 0.8,
  topK: 6,
  topP: 0.9,
  minP: 0.2,
  seed: 0,
};

/** The processors in the order they run (Hugging Face transformers' order), with the page's names for them. */
export const PROCESSOR_ORDER = ['repetition penalty', 'temperature', 'top-k', 'top-p', 'min-p'] as const;
export type ProcessorName = (typeof PROCESSOR_ORDER)[number];
