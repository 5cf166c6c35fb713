import { Registry } from '../tensor/registry.js';
import { denseLayer } from './dense.js';
import { inputLayer } from './input.js';
import type { Layer, LayerDefinition } from './layer.js';
import { normalizationLayer } from './normalization.js';
import { activationLayer, addLayer } from './simple-layers.js';
import { batchNormalizationLayer } from './batch-normalization.js';
import { conv2dLayer } from './conv2d.js';
import { dropoutLayer } from './dropout.js';
import { averagePooling2dLayer, globalAveragePooling2dLayer, maxPooling2dLayer } from './pooling.js';
import { flattenLayer, reshapeLayer } from './reshaping.js';
import { embeddingLayer } from './embedding.js';
import { globalAveragePooling1dLayer } from './pooling-1d.js';

/**
 * The layer classes (add one: its file with its class and definition, one line here, a test). Model files may
 * name exactly these; `layers.*` factories come from this list.
 */
const LAYER_LIST = [
  inputLayer,
  denseLayer,
  activationLayer,
  addLayer,
  normalizationLayer,
  conv2dLayer,
  maxPooling2dLayer,
  averagePooling2dLayer,
  globalAveragePooling2dLayer,
  flattenLayer,
  reshapeLayer,
  dropoutLayer,
  batchNormalizationLayer,
  embeddingLayer,
  globalAveragePooling1dLayer,
] as const;

export const LAYERS = new Registry<LayerDefinition<string | null, never>>('layer class', LAYER_LIST as readonly LayerDefinition<string | null, never>[]);
export const LAYER_CLASSES: readonly string[] = LAYERS.names();

/** The `layers.*` factories of a list of definitions, typed per entry (`layers.dense(config: DenseConfig) => Dense`). */
export type LayerFactories<L extends readonly LayerDefinition<string | null, never>[]> = {
  [D in L[number] as D['factory'] & string]: D['create'];
};

export function layerFactories<L extends readonly LayerDefinition<string | null, never>[]>(list: L): LayerFactories<L> {
  return Object.fromEntries(list.filter((d) => d.factory !== null).map((d) => [d.factory, d.create])) as LayerFactories<L>;
}

/** Keras-style factories: `layers.dense({units: 128, activation: 'relu'})`. */
export const layers = layerFactories(LAYER_LIST);

/** Rebuilds a layer (without weights) from its class name, name and `getConfig()` output. */
export function layerFromConfig(className: string, name: string, config: Record<string, unknown>): Layer {
  // The constructor checks every value and rejects unknown keys.
  const def = LAYERS.get('layerFromConfig', 'className', className) as LayerDefinition<string | null, Record<string, unknown>>;
  return def.create({ ...config, name });
}

/** True for an instance of one of logitkit's own layer classes (not a user's subclass or layer). */
export function isLibraryLayer(layer: Layer): boolean {
  return LAYERS.entries.some((d) => layer.constructor === d.type);
}
