/**
 * logitkit: logits → probabilities → loss → decision, exact and fast.
 * Tensors and ops with TensorFlow's semantics and TensorFlow.js-style camelCase names.
 */
// Importing wires nothing: the kernel set is chosen at the first op (src/kernels/select.ts).

export {
  Tensor,
  tensor,
  scalar,
  fill,
  zeros,
  ones,
  zerosLike,
  onesLike,
  range,
  Random,
  formatValue,
  type DType,
  type TypedArray,
  type TensorLike,
  type TensorOptions,
  type NestedArray,
} from './tensor/index.js';
export * from './ops/index.js';
export * as nn from './ops/nn.js';
export * as losses from './ops/softmax/losses.js';
export { softmax, logSoftmax } from './ops/softmax/softmax.js';
export type {
  Reduction,
  LossOptions,
  SoftmaxLossOptions,
  SparseLossOptions,
  SigmoidLossOptions,
  NllOptions,
  NllReduction,
  ContrastiveOptions,
  ContrastiveReduction,
} from './ops/softmax/losses.js';
export { grad, grads, valueAndGrad, valueAndGrads, stopGradient } from './autograd/index.js';
export { kernels, setKernels, tsKernels, selectDefaultKernels, type Kernels, type KernelChoice } from './kernels/index.js';
export { createWasmKernels, hasWasmSimd, type WasmKernelOptions } from './kernels/wasm/index.js';
export { createNativeKernels, hasNativeKernels, type NativeKernelOptions } from './kernels/native/index.js';
export * as data from './data/index.js';
export {
  explain,
  explainPrediction,
  explainContrastive,
  renderContrastiveText,
  type ContrastiveTrace,
  type ExplainContrastiveOptions,
  renderText,
  renderMarkdown,
  renderJson,
  formatReadable,
  type ExplainTrace,
  type ExplainInput,
  type ExplainOptions,
  type ExplainableModel,
  type PredictionOptions,
  type RenderOptions,
  type JsonOptions,
  type RowTrace,
  type NumericsNote,
  type CrossCheck,
  type ContributionTrace,
  saliencyMap,
  saliencySvg,
  featurePath,
  featureSummary,
  renderFeatures,
  describeLayer,
  type Saliency,
  type SaliencyOptions,
  type SaliencySvgInput,
  type FeatureStep,
  type FeatureSummary,
} from './explain/index.js';
export {
  input,
  Layer,
  Dense,
  Activation,
  Add,
  Normalization,
  Conv2D,
  MaxPooling2D,
  AveragePooling2D,
  GlobalAveragePooling2D,
  Flatten,
  Reshape,
  Dropout,
  BatchNormalization,
  Embedding,
  GlobalAveragePooling1D,
  InputLayer,
  SymbolicTensor,
  Variable,
  Network,
  LAYERS,
  LAYER_CLASSES,
  layerFactories,
  layerFromConfig,
  isLibraryLayer,
  type LayerDefinition,
  type LayerFactories,
  type ConfigReader,
  type DenseConfig,
  type NormalizationConfig,
  type Conv2DConfig,
  type Pooling2DConfig,
  type GlobalAveragePooling2DConfig,
  type FlattenConfig,
  type ReshapeConfig,
  type DropoutConfig,
  type BatchNormalizationConfig,
  type EmbeddingConfig,
  type GlobalAveragePooling1DConfig,
  type CallContext,
  type InputConfig,
  type ActivationName,
  type InitializerName,
  type ModelSummary,
  type SummaryRow,
} from './layers/index.js';
export * as optimizers from './optim/index.js';
export { Optimizer, SGD, Adam, AdamW, type OptimizerState, type LearningRate } from './optim/index.js';
export {
  Model,
  Sequential,
  model,
  sequential,
  History,
  metrics,
  callbacks,
  trainMlpClassifier,
  buildMlpClassifier,
  MLP_CLASSIFIER_DEFAULTS,
  explainableModel,
  LOSSES,
  LOSS_NAMES,
  METRICS,
  type CompileArgs,
  type FitOptions,
  type ModelInput,
  type Callback,
  type BatchLogs,
  type EpochLogs,
  type TrainBeginLogs,
  type TrainEndLogs,
  type CheckpointOptions,
  type CheckpointStore,
  type TrainingState,
  type LossSpec,
  type LossName,
  type MetricSpec,
  type MlpArchitecture,
  type MlpClassifierOptions,
  type MlpClassifierResult,
  type ModelStore,
  type EarlyStoppingOptions,
  type ReduceLROnPlateauOptions,
  type ModelCheckpointOptions,
  type MonitorMode,
} from './train/index.js';
export * as calibration from './calibration/index.js';
export * as sampling from './sampling/index.js';
export * as text from './text/index.js';
export {
  explainText,
  renderTextExplanation,
  textExplanationJson,
  type TextExplanation,
  type TokenContribution,
  type ExplainTextOptions,
  type TextExplanationRenderOptions,
} from './explain/index.js';
export { textClassifier, TEXT_TRAINING_DEFAULTS, TEXT_ARCHITECTURES, type TextArchitecture, type TextClassifierOptions } from './train/text-classifier.js';
export { TextVectorization, type TextVectorizationConfig, type TextOutputMode } from './text/index.js';
import { layers as layerClasses } from './layers/index.js';
import { textVectorization } from './text/index.js';
/** Keras-style factories: every layer class's (`layers.dense({units})`), and `layers.textVectorization` (raw strings in). */
export const layers = { ...layerClasses, textVectorization };
export * as lm from './lm/index.js';
export type { Pipeline as SamplingPipeline, ProcessorSpec, SamplingContext } from './sampling/index.js';
export type { Calibration, CalibrationReport, CalibrationOptions, TemperatureFit, VectorScalingFit, ReliabilityDiagramOptions } from './calibration/index.js';
export type { CalibrateOptions, CalibrateResult } from './train/calibrate.js';
export { modelToBytes, modelFromBytes, checkpointToBytes, checkpointFromBytes, ModelFileError, FORMAT_VERSION as MODEL_FORMAT_VERSION } from './io/index.js';
export { exportOnnx, ONNX_EXPORT_OPSETS, ONNX_DEFAULT_OPSET, type ExportOnnxOptions } from './io/onnx/export.js';
export { OnnxFileError } from './io/onnx/errors.js';
export { importOnnx, ONNX_IMPORT_OPERATORS, type ImportOnnxOptions } from './io/onnx/import.js';
export { importTfjs, type ImportTfjsOptions, type TfjsArtifacts } from './io/tfjs/import.js';
export { exportTfjs, TFJS_WEIGHTS_FILE, type TfjsModelFiles } from './io/tfjs/export.js';
export { TfjsModelError } from './io/tfjs/errors.js';
