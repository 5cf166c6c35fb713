/**
 * `lm`: character language models in Bengio et al.'s style (docs/language-models.md): a vocabulary of characters,
 * training windows (the previous k characters → the next), the model, its training, held-out perplexity and
 * generation through `sampling`. Reading corpus files is in `logitkit/node` (`lm.readCorpus`).
 */
export { normalizeText, parseFortunes, splitTexts, limitChars, charCount, type TextSplit } from './corpus.js';
export { CharVocabulary, buildCharVocabulary, PAD_TOKEN, UNK_TOKEN, PADDING_ID, UNKNOWN_ID, type VocabularyOptions } from './vocabulary.js';
export { contextWindows, lastContext, type Windows } from './windows.js';
export { characterModel, CHARACTER_MODEL_DEFAULTS, type CharacterModelOptions } from './model.js';
export { trainCharacterModel, TRAIN_LM_DEFAULTS, type TrainCharacterModelOptions, type TrainedCharacterModel } from './train.js';
export { modelPerplexity, type Perplexity } from './perplexity.js';
export { generate, languageModelOf, type GenerateOptions, type GenerationStep, type Generation } from './generate.js';
