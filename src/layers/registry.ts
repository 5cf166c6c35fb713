import { argError } from '../tensor/errors.js';
import { Dense, type DenseConfig } from './dense.js';
import { InputLayer, type InputConfig } from './input.js';
import type { Layer } from './layer.js';
import { Activation, Add, type ActivationConfig, type AddConfig } from './simple-layers.js';
import { Normalization, type NormalizationConfig } from './normalization.js';

/** The layer classes a model file may name. Each constructor validates its config, so a file cannot inject values. */
export const LAYER_CLASSES = ['Input', 'Dense', 'Activation', 'Add', 'Normalization'] as const;
export type LayerClassName = (typeof LAYER_CLASSES)[number];

/** Rebuilds a layer (without weights) from its class name, name and `getConfig()` output. */
export function layerFromConfig(className: string, name: string, config: Record<string, unknown>): Layer {
  switch (className) {
    case 'Input':
      return new InputLayer({ ...(config as unknown as InputConfig), name });
    case 'Dense':
      return new Dense({ ...(config as unknown as DenseConfig), name });
    case 'Activation':
      return new Activation({ ...(config as unknown as ActivationConfig), name });
    case 'Add':
      return new Add({ ...(config as unknown as AddConfig), name });
    case 'Normalization':
      return new Normalization({ ...(config as unknown as NormalizationConfig), name });
    default:
      throw argError('layerFromConfig', 'className', `one of ${LAYER_CLASSES.map((c) => `'${c}'`).join(', ')}`, className);
  }
}

const LIBRARY_LAYERS: ReadonlySet<unknown> = new Set([InputLayer, Dense, Activation, Add, Normalization]);

/** True for an instance of one of logitkit's own layer classes (not a user's subclass or layer). */
export function isLibraryLayer(layer: Layer): boolean {
  return LIBRARY_LAYERS.has(layer.constructor);
}
