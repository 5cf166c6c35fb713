import { Random } from '../tensor/random.js';
import { argError, argTypeError } from '../tensor/errors.js';

/*
 * Texts for a character language model: the fortune-file format (Debian's `fortunes`: each text ends with a line
 * holding only '%'), the text normalization, and the seeded split into training and held-out texts.
 */

/**
 * The text as the model sees it: Unicode NFC (so 'é' is one code point however it was typed), line ends as
 * '\n', and terminal overstriking resolved as a printer would show it (see `overstrike`).
 */
export function normalizeText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  return lines
    .map((l) => (l.includes('\b') ? overstrike(l) : l))
    .join('\n')
    .normalize('NFC');
}

/**
 * A line with backspaces, how old fortunes underline and embolden: each backspace moves back one column and the
 * next character is struck over the one there. The letter wins over an underscore ("____\b\b\b\bword" and
 * "_\bw" are "word" and "w"), otherwise the later character ("X\bX" is "X"); a backspace at the line's start does
 * nothing.
 */
export function overstrike(line: string): string {
  const out: string[] = [];
  let at = 0;
  for (const c of line) {
    if (c === '\b') {
      at = Math.max(0, at - 1);
      continue;
    }
    if (at < out.length) {
      if (c !== '_') out[at] = c;
    } else out.push(c);
    at++;
  }
  return out.join('');
}

/**
 * Splits a fortune file into its texts: a line holding only '%' ends each one. Texts are normalized, their
 * trailing newline kept off (the separator is not part of a text), and empty ones dropped. A file without any
 * '%' line is one text.
 */
export function parseFortunes(content: string): string[] {
  if (typeof content !== 'string') throw argTypeError('parseFortunes', 'content', 'a string', content);
  return normalizeText(content)
    .split(/^%$\n?/m)
    .map((t) => t.replace(/\n+$/, ''))
    .filter((t) => t.length > 0);
}

export interface TextSplit {
  train: string[];
  heldOut: string[];
}

/**
 * A seeded split by text (never inside a text, so no held-out sentence was seen in training): the texts in the
 * order of a permutation drawn from the seed, the first `round(n · heldOutFraction)` of them (at least one, and
 * one left to train on) held out. Both parts keep the permuted order, so a character budget (limitChars) then
 * takes a random sample of the corpus, not its first files.
 */
export function splitTexts(texts: readonly string[], heldOutFraction: number, seed: number): TextSplit {
  const op = 'splitTexts';
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string')) throw argTypeError(op, 'texts', 'an array of strings', texts);
  if (!(typeof heldOutFraction === 'number' && heldOutFraction > 0 && heldOutFraction < 1)) {
    throw argError(op, 'heldOutFraction', 'a number in (0, 1)', heldOutFraction);
  }
  if (texts.length < 2) throw argError(op, 'texts', 'at least 2 texts (one to train on, one held out)', `${texts.length} texts`);
  const order = Array.from(new Random(seed).permutation(texts.length), (i) => texts[i]);
  const count = Math.min(texts.length - 1, Math.max(1, Math.round(texts.length * heldOutFraction)));
  return { heldOut: order.slice(0, count), train: order.slice(count) };
}

/** The number of characters (Unicode code points) of a text. */
export function charCount(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

/**
 * The texts in order up to a budget of `limit` characters in all: the text that crosses the limit is cut there
 * (so a corpus of one long text is still read), the rest dropped.
 */
export function limitChars(texts: readonly string[], limit: number): string[] {
  const out: string[] = [];
  let left = limit;
  for (const t of texts) {
    if (left <= 0) break;
    const cps = Array.from(t);
    out.push(cps.length <= left ? t : cps.slice(0, left).join(''));
    left -= cps.length;
  }
  return out;
}
