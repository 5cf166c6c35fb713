/**
 * nn/: modules that own parameters (layers, the layer graph) and hand the math to the functional ops.
 * Training (compile/fit) lives in train/, on top of this.
 */
export { input, InputLayer, type InputConfig } from './input.js';
export { Dense, type DenseConfig } from './dense.js';
export { Activation, Add, type ActivationConfig, type AddConfig } from './simple-layers.js';
export { Normalization, type NormalizationConfig } from './normalization.js';
export { Conv2D, type Conv2DConfig } from './conv2d.js';
export { MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, type Pooling2DConfig, type GlobalAveragePooling2DConfig } from './pooling.js';
export { Flatten, Reshape, type FlattenConfig, type ReshapeConfig } from './reshaping.js';
export { Dropout, type DropoutConfig } from './dropout.js';
export { BatchNormalization, type BatchNormalizationConfig } from './batch-normalization.js';
export { Embedding, type EmbeddingConfig } from './embedding.js';
export { GlobalAveragePooling1D, type GlobalAveragePooling1DConfig } from './pooling-1d.js';
export {
  Layer,
  SymbolicTensor,
  LayerNode,
  INFERENCE,
  type CallContext,
  type LayerOutput,
  type Mask,
  type LayerConfig,
  type SymbolicShape,
  type FloatDType,
} from './layer.js';
export { Variable } from './variable.js';
export { Network, type NetworkArgs, type ModelSummary, type SummaryRow } from './network.js';
export { ACTIVATIONS, activate, type ActivationName } from './activations.js';
export { INITIALIZERS, initialize, type InitializerName } from './initializers.js';
export { layers, layerFromConfig, layerFactories, isLibraryLayer, LAYERS, LAYER_CLASSES, type LayerFactories } from './registry.js';
export type { LayerDefinition, ConfigReader } from './layer.js';
