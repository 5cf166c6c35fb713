/** Layer factories, Keras-style: `layers.dense({units: 128, activation: 'relu'})`. */
import { Dense, type DenseConfig } from './dense.js';
import { Activation, Add, type ActivationConfig, type AddConfig } from './simple-layers.js';
import { Normalization, type NormalizationConfig } from './normalization.js';

export const dense = (config: DenseConfig): Dense => new Dense(config);
export const activation = (config: ActivationConfig): Activation => new Activation(config);
export const add = (config: AddConfig = {}): Add => new Add(config);
export const normalization = (config: NormalizationConfig = {}): Normalization => new Normalization(config);
