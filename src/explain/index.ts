/**
 * explain/: step-by-step traces of a softmax classification (logits, or a dense layer and its features),
 * computed with the library's own ops, and their renderings as text, Markdown and JSON; where a model's features
 * come from (featurePath) and saliency maps (the gradient of a logit with respect to the input, as SVG).
 */
export { explain } from './explain.js';
export { explainPrediction, type ExplainableModel, type PredictionOptions } from './prediction.js';
export { renderText } from './render-text.js';
export { renderMarkdown } from './render-markdown.js';
export { renderJson, type JsonOptions } from './render-json.js';
export type { RenderOptions } from './render-common.js';
export { readable as formatReadable, jsonNumber as formatJsonNumber } from './format.js';
export type * from './types.js';
export {
  explainContrastive,
  renderContrastiveText,
  EXPLAIN_CONTRASTIVE_MAX_ROWS,
  type ContrastiveTrace,
  type ExplainContrastiveOptions,
} from './contrastive.js';
export { saliencyMap, saliencySvg, type Saliency, type SaliencyOptions, type SaliencySvgInput } from './saliency.js';
export { featurePath, featureSummary, renderFeatures, describeLayer, type FeatureStep, type FeatureSummary } from './features.js';
export { explainText, type TextExplanation, type TokenContribution, type ExplainTextOptions, type TextExplanationKind } from './text.js';
export { renderTextExplanation, textExplanationJson, type TextExplanationRenderOptions } from './render-text-explanation.js';
