import { NgramTable, type WordIds } from './ngram-table.js';
import { compareCodePoints } from './code-points.js';
import type { VocabularyConfig } from './vocabulary.js';

/**
 * A vocabulary of the n-grams (of the given sizes) of documents given as word ids, counted without building their
 * strings: the padding and out-of-vocabulary tokens first (default '' and '[UNK]', Keras's), then the n-grams seen at
 * least minCount times by count, ties by code-point order from high to low (Keras's order), up to maxTokens entries
 * in all. Only the chosen n-grams, and those tied with the last one chosen, get their strings made. Vocabulary.build
 * (sizes [1]) and TextVectorization.adapt both count here; the documents must not hold the two reserved tokens.
 */
export function ngramVocabularyConfig(
  docs: readonly Int32Array[],
  words: WordIds,
  sizes: readonly number[],
  options: { minCount: number; maxTokens?: number; paddingToken?: string; oovToken?: string },
): VocabularyConfig {
  const table = new NgramTable();
  let counts = new Int32Array(1 << 16);
  let docCounts = new Int32Array(1 << 16);
  let lastDoc = new Int32Array(1 << 16).fill(-1);
  for (let d = 0; d < docs.length; d++) {
    const doc = docs[d]!;
    for (const n of sizes) {
      for (let i = 0; i + n <= doc.length; i++) {
        const node = table.addPath(doc, i, n);
        if (node >= counts.length) {
          // Nodes are numbered in order of creation, so one doubling covers every node addPath made.
          const grow = (a: Int32Array, fill: number) => {
            const b = new Int32Array(Math.max(2 * a.length, table.size)).fill(fill);
            b.set(a);
            return b;
          };
          counts = grow(counts, 0);
          docCounts = grow(docCounts, 0);
          lastDoc = grow(lastDoc, -1);
        }
        counts[node]!++;
        if (lastDoc[node] !== d) {
          lastDoc[node] = d;
          docCounts[node]!++;
        }
      }
    }
  }
  // Nodes that are only a longer n-gram's prefix (count 0) are no tokens.
  const candidates: number[] = [];
  for (let node = 0; node < table.size; node++) if (counts[node]! >= Math.max(1, options.minCount)) candidates.push(node);
  const room = options.maxTokens === undefined ? candidates.length : Math.min(candidates.length, options.maxTokens - 2);
  let chosen = candidates;
  if (room < candidates.length) {
    // Everything above the room-th largest count is in; of those at that count, the code-point order picks.
    const sorted = Int32Array.from(candidates, (node) => counts[node]!).sort();
    const cut = room > 0 ? sorted[sorted.length - room]! : Infinity;
    chosen = candidates.filter((node) => counts[node]! >= cut);
  }
  const byText = chosen.map((node) => ({ node, text: table.text(node, words.words) }));
  byText.sort((a, b) => counts[b.node]! - counts[a.node]! || compareCodePoints(b.text, a.text));
  const kept = byText.slice(0, room);
  return {
    tokens: [options.paddingToken ?? '', options.oovToken ?? '[UNK]', ...kept.map((e) => e.text)],
    documentCounts: [0, 0, ...kept.map((e) => docCounts[e.node]!)],
    documents: docs.length,
  };
}
