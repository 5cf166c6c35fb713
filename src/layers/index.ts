/**
 * nn/: modules that own parameters (layers, the layer graph) and hand the math to the functional ops.
 * Training (compile/fit) lives in train/, on top of this.
 */
export { input, InputLayer, type InputConfig } from './input.js';
export { Dense, type DenseConfig } from './dense.js';
export { Activation, Add, type ActivationConfig, type AddConfig } from './simple-layers.js';
export { Normalization, type NormalizationConfig } from './normalization.js';
export { Layer, SymbolicTensor, LayerNode, type LayerOutput, type LayerConfig, type SymbolicShape, type FloatDType } from './layer.js';
export { Variable } from './variable.js';
export { Network, type NetworkArgs, type ModelSummary, type SummaryRow } from './network.js';
export { ACTIVATIONS, activate, type ActivationName } from './activations.js';
export { INITIALIZERS, initialize, type InitializerName } from './initializers.js';
export { layers, layerFromConfig, layerFactories, isLibraryLayer, LAYERS, LAYER_CLASSES, type LayerFactories } from './registry.js';
export type { LayerDefinition, ConfigReader } from './layer.js';
