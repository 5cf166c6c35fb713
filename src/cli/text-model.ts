import type { Model } from '../index.js';
import { textClassifier } from '../train/text-classifier.js';
import type { TextArch } from './architecture.js';

/** The network `train --arch tfidf|embedding` builds on the training texts: the library's text presets. */
export function buildTextModel(arch: TextArch, texts: readonly string[], classes: number, seed: number): Model {
  return textClassifier(texts, classes, { arch, seed });
}

/** One line for the progress header: "tfIdf bag of 10,000 columns → 2 (logits)". */
export function describeTextModel(net: Model, classes: number): string {
  const v = net.textVectorization!;
  const grams = v.ngrams.length > 1 ? ` (${v.ngrams.join(', ')}-grams)` : '';
  const parts = [
    v.outputMode === 'int'
      ? `token ids [${v.outputShape[0]}] of ${v.vocabularySize().toLocaleString('en-US')}${grams}`
      : `${v.outputMode} bag of ${v.vocabularySize().toLocaleString('en-US')} columns${grams}`,
  ];
  for (const l of net.layers.slice(1)) parts.push(l === net.outputLayer ? `${classes} (logits)` : l.className);
  return parts.join(' → ');
}
