import { argError, argTypeError } from '../../tensor/errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Embedding } from '../../layers/embedding.js';
import { InputLayer } from '../../layers/input.js';
import type { Layer, SymbolicTensor } from '../../layers/layer.js';
import type { Network } from '../../layers/network.js';
import { GlobalAveragePooling1D } from '../../layers/pooling-1d.js';
import type { Calibration } from '../../calibration/apply.js';
import { KERAS_WEIGHT_NAMES, TFJS_LAYER_CLASSES } from './keras-layers.js';
import { weightBytes, type TfjsWeightSpec } from './weights.js';

/** The name of the one weight file exportTfjs describes (as TF.js's file handler writes it). */
export const TFJS_WEIGHTS_FILE = 'weights.bin';

/** A TF.js layers model: the JSON of `model.json` and the bytes of its one weight file. */
export interface TfjsModelFiles {
  modelJson: {
    modelTopology: Record<string, unknown>;
    format: 'layers-model';
    generatedBy: string;
    convertedBy: null;
    weightsManifest: Array<{ paths: string[]; weights: TfjsWeightSpec[] }>;
    userDefinedMetadata?: { logitkit: { classNames?: string[]; calibration?: Calibration } };
  };
  weightData: Uint8Array;
}

/** Our initializer names as Keras's serialized initializers (classes TF.js registers, same distributions). */
const KERAS_INITIALIZERS: Record<string, { class_name: string; config: Record<string, unknown> }> = {
  glorotUniform: { class_name: 'GlorotUniform', config: { seed: null } },
  glorotNormal: { class_name: 'GlorotNormal', config: { seed: null } },
  heNormal: { class_name: 'HeNormal', config: { seed: null } },
  heUniform: { class_name: 'HeUniform', config: { seed: null } },
  zeros: { class_name: 'Zeros', config: {} },
  ones: { class_name: 'Ones', config: {} },
  randomUniform: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05, seed: null } },
};

const snake = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * A logitkit model in TF.js's layers format (what `tf.loadLayersModel` reads): `modelJson` is model.json, whose
 * manifest names one weight file, `weightData` its bytes (float32; a float64 model's weights are rounded, TF.js
 * computes in float32). The model outputs what `predict` gives (logits for the usual linear output layer). Each
 * layer's `trainable` is kept; class names and calibration go in `userDefinedMetadata.logitkit`, which
 * importTfjs reads back. Refused, with the layer named: layers TF.js lacks (Normalization), text models (TF.js has
 * no TextVectorization: export them to ONNX) and a masked embedding before GlobalAveragePooling1D (TF.js's pooling
 * ignores masks, so it would compute something else).
 */
export function exportTfjs(model: Network): TfjsModelFiles {
  const op = 'exportTfjs';
  if (model === null || typeof model !== 'object' || !Array.isArray((model as Network).nodes)) throw argTypeError(op, 'model', 'a logitkit model', model);
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw argError(op, 'model', 'a model with one input and one output', `${model.inputs.length} inputs, ${model.outputs.length} outputs`);
  }
  const inputLayer = model.inputs[0].node.layer as InputLayer;
  if (inputLayer.textVectorization)
    throw argError(op, 'model', 'a model without a textVectorization (TF.js has none; exportOnnx keeps it in its metadata)', 'a text model');
  for (const l of model.layers) checkExportable(op, l, model);

  const sequential = model.className === 'Sequential';
  const applied = new Set<Layer>();
  const layers = model.nodes.map((n, i) => {
    if (applied.has(n.layer))
      throw argError(op, 'model', 'each layer applied once (TF.js layer configs here have one node per layer)', `layer '${n.layer.name}' applied twice`);
    applied.add(n.layer);
    const inputShape = i === 1 && sequential ? { batch_input_shape: [null, ...(inputLayer.featureShape as number[])] } : {};
    if (n.layer instanceof InputLayer) {
      return {
        class_name: 'InputLayer',
        name: n.layer.name,
        config: {
          batch_input_shape: [null, ...(n.layer.featureShape as number[])],
          dtype: n.layer.inputDType === 'int32' ? 'int32' : 'float32',
          sparse: false,
          name: n.layer.name,
        },
        inbound_nodes: [],
      };
    }
    const entry = { class_name: n.layer.className, config: { ...kerasConfig(n.layer), ...inputShape } };
    if (sequential) return entry;
    return { ...entry, name: n.layer.name, inbound_nodes: [n.inputs.map((s: SymbolicTensor) => [s.node.layer.name, 0, 0, {}])] };
  });
  const ref = (s: SymbolicTensor) => [s.node.layer.name, 0, 0];
  const config = sequential
    ? { name: model.name, layers: layers.slice(1) }
    : { name: model.name, layers, input_layers: model.inputs.map(ref), output_layers: model.outputs.map(ref) };

  const specs: TfjsWeightSpec[] = [];
  const values: Tensor[] = [];
  for (const l of model.layers) {
    for (const v of l.weights) {
      const param = v.name.slice(v.name.lastIndexOf('/') + 1);
      specs.push({ name: `${l.name}/${KERAS_WEIGHT_NAMES[param] ?? param}`, shape: [...v.shape], dtype: 'float32' });
      values.push(v.value);
    }
  }
  const calibration = (model as { calibration?: Calibration }).calibration;
  const logitkit = { ...(model.classNames ? { classNames: [...model.classNames] } : {}), ...(calibration ? { calibration } : {}) };
  return {
    modelJson: {
      modelTopology: { class_name: sequential ? 'Sequential' : 'Model', config, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
      format: 'layers-model',
      generatedBy: 'logitkit exportTfjs',
      convertedBy: null,
      weightsManifest: [{ paths: [TFJS_WEIGHTS_FILE], weights: specs }],
      ...(Object.keys(logitkit).length ? { userDefinedMetadata: { logitkit } } : {}),
    },
    weightData: weightBytes(values),
  };
}

function checkExportable(op: string, l: Layer, model: Network): void {
  if (l instanceof InputLayer) return;
  if (!TFJS_LAYER_CLASSES.has(l.className)) {
    throw argError(op, 'model', `layers TF.js also has (${[...TFJS_LAYER_CLASSES].join(', ')})`, `layer '${l.name}' of class ${l.className}`);
  }
  if (l instanceof GlobalAveragePooling1D) {
    const fed = model.nodes.find((n) => n.layer === l)?.inputs[0]?.node.layer;
    if (fed instanceof Embedding && fed.maskZero) {
      throw argError(
        op,
        'model',
        'no masked embedding before GlobalAveragePooling1D (TF.js averages the padding too; exportOnnx keeps the mask)',
        `layer '${fed.name}' with maskZero`,
      );
    }
  }
}

/** A layer's Keras config: its logitkit config in snake_case, initializers serialized, name, trainable, dtype. */
function kerasConfig(l: Layer): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(l.getConfig())) {
    if (key === 'dtype') continue;
    if (key.endsWith('Initializer')) {
      const init = KERAS_INITIALIZERS[value as string];
      if (!init) throw argError('exportTfjs', 'model', 'initializers TF.js has', `layer '${l.name}' with ${key} ${String(value)}`);
      out[snake(key)] = init;
    } else out[snake(key)] = value;
  }
  if (l.className === 'Conv2D') out.data_format = 'channels_last';
  if (l.className === 'BatchNormalization') out.axis = -1;
  return { ...out, name: l.name, trainable: l.trainable, dtype: 'float32' };
}
