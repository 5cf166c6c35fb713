import { ACTIVATIONS } from '../../layers/activations.js';
import { MAX_DIM } from '../../layers/input.js';
import { LAYERS } from '../../layers/registry.js';
import { show } from '../errors.js';
import type { Checker } from '../validate.js';

/*
 * Keras layer configs (class_name + snake_case config, as TF.js and Keras write them) → logitkit layer configs.
 * Every field of a supported class has a rule: mapped to our field, checked to hold the one value we compute
 * (data_format 'channels_last', groups 1, ...), or ignored because it only matters to training from scratch
 * (initializers, regularizers, constraints; `trainable` is read by the model reader). A field without a rule is an error naming the layer and
 * the field: we cannot tell whether it changes what the layer computes.
 */

/** What one Keras layer becomes: our class name and config (without `name`), plus checks that need its input. */
export interface ReadLayer {
  className: string;
  config: Record<string, unknown>;
  /** Keras's BatchNormalization axis, checked against the input's rank when it is known. */
  axis?: number;
}

/** Where a rule reports: the layer (name, class) and the path of the config in the document. */
export interface LayerContext {
  check: Checker;
  path: string;
  layer: string;
  className: string;
  /** True when TF.js wrote the model (keras_version 'tfjs-layers ...'): its layers ignore masks. */
  tfjsProducer: boolean;
}

type Rule = (c: LayerContext, field: string, v: unknown, out: Record<string, unknown>) => void;

/** The error for a value we do not compute: names the layer, its class, the field and what we support. */
function unsupported(c: LayerContext, field: string, v: unknown, supported: string): never {
  return c.check.fail(`layer '${c.layer}' (${c.className}): config.${field} is ${show(v)}, logitkit supports ${supported}`);
}

/** Also for initializers: they only shape training from scratch, and the file's weights replace the initial ones. */
const ignore: Rule = () => {};

/** The field must hold one of these values (null and absent count as the first when `nullOk`). */
function only(values: readonly unknown[], supported: string, nullOk = true): Rule {
  return (c, field, v) => {
    if ((v === null && nullOk) || values.some((x) => JSON.stringify(x) === JSON.stringify(v))) return;
    unsupported(c, field, v, supported);
  };
}

function int(key: string, min = 1): Rule {
  return (c, field, v, out) => {
    out[key] = c.check.int(`${c.path}.${field}`, v, min, MAX_DIM);
  };
}

function bool(key: string): Rule {
  return (c, field, v, out) => {
    out[key] = c.check.boolean(`${c.path}.${field}`, v);
  };
}

function number(key: string): Rule {
  return (c, field, v, out) => {
    out[key] = c.check.number(`${c.path}.${field}`, v);
  };
}

/** A [height, width] pair, or one number for both (Keras accepts either). */
function pair(key: string, nullOk = false): Rule {
  return (c, field, v, out) => {
    if (v === null && nullOk) return;
    const p = `${c.path}.${field}`;
    if (typeof v === 'number') v = [v, v];
    const a = c.check.array(p, v, 2);
    if (a.length !== 2) c.check.expect(p, 'a pair [height, width]', v);
    out[key] = a.map((d, i) => c.check.int(`${p}[${i}]`, d, 1, 2 ** 31 - 1));
  };
}

const activation: Rule = (c, field, v, out) => {
  if (!(ACTIVATIONS as readonly unknown[]).includes(v)) unsupported(c, field, v, `the activations ${ACTIVATIONS.map((a) => `'${a}'`).join(', ')}`);
  out.activation = v;
};

const padding: Rule = (c, field, v, out) => {
  if (v !== 'valid' && v !== 'same') unsupported(c, field, v, "'valid' and 'same'");
  out.padding = v;
};

const channelsLast = only(['channels_last'], "data_format 'channels_last' (NHWC, logitkit's layout)");
/** A Keras dtype, a name or Keras 3's DTypePolicy object ({class_name: 'DTypePolicy', config: {name}}), is float32 or unset. */
export function isFloat32OrUnset(v: unknown): boolean {
  const name = v !== null && typeof v === 'object' ? (v as { config?: { name?: unknown } }).config?.name : v;
  return v === null || v === undefined || name === 'float32';
}
const dtype = (c: LayerContext, field: string, v: unknown) => {
  if (!isFloat32OrUnset(v)) unsupported(c, field, v, 'float32 layers (TF.js computes in float32)');
};

/** Fields every Keras layer may carry: its name and shape hints are read by the topology reader. */
const COMMON: Record<string, Rule> = {
  name: ignore,
  trainable: ignore,
  dtype,
  batch_input_shape: ignore,
  batch_shape: ignore,
  batch_size: ignore,
  input_dtype: ignore,
};

const REGULARIZED = ['kernel_regularizer', 'bias_regularizer', 'activity_regularizer', 'kernel_constraint', 'bias_constraint'];
/** Keras 3's quantized and low-rank (LoRA) kernels: more weights and other arithmetic than the layer's own. */
const PLAIN_KERNEL: Record<string, Rule> = {
  quantization_config: only([], 'quantization_config null (float kernels)'),
  lora_rank: only([], 'lora_rank null (no LoRA weights)'),
  lora_alpha: ignore, // only written beside lora_rank
};
const ignored = (...fields: string[]) => Object.fromEntries(fields.map((f) => [f, ignore]));

const POOL: Record<string, Rule> = { pool_size: pair('poolSize'), strides: pair('strides', true), padding, data_format: channelsLast };

/** Keras class → (our class, the rule of each of its config fields). */
const KERAS_LAYERS: Record<string, { ours: string; fields: Record<string, Rule> }> = {
  Dense: {
    ours: 'Dense',
    fields: {
      units: int('units'),
      activation,
      use_bias: bool('useBias'),
      kernel_initializer: ignore,
      bias_initializer: ignore,
      ...ignored(...REGULARIZED),
      ...PLAIN_KERNEL,
    },
  },
  Conv2D: {
    ours: 'Conv2D',
    fields: {
      filters: int('filters'),
      kernel_size: pair('kernelSize'),
      strides: pair('strides'),
      padding,
      data_format: channelsLast,
      dilation_rate: pair('dilationRate'),
      groups: only([1], 'groups 1 (no grouped convolution)'),
      activation,
      use_bias: bool('useBias'),
      kernel_initializer: ignore,
      bias_initializer: ignore,
      ...ignored(...REGULARIZED),
      ...PLAIN_KERNEL,
    },
  },
  MaxPooling2D: { ours: 'MaxPooling2D', fields: POOL },
  AveragePooling2D: { ours: 'AveragePooling2D', fields: POOL },
  GlobalAveragePooling2D: { ours: 'GlobalAveragePooling2D', fields: { data_format: channelsLast, keepdims: only([false], 'keepdims false') } },
  GlobalAveragePooling1D: { ours: 'GlobalAveragePooling1D', fields: { data_format: channelsLast, keepdims: only([false], 'keepdims false') } },
  Flatten: { ours: 'Flatten', fields: { data_format: channelsLast } },
  Reshape: {
    ours: 'Reshape',
    fields: {
      target_shape: (c, field, v, out) => {
        out.targetShape = c.check.array(`${c.path}.${field}`, v, 8).map((d, i) => (d === -1 ? -1 : c.check.int(`${c.path}.${field}[${i}]`, d, 1, MAX_DIM)));
      },
    },
  },
  Dropout: {
    ours: 'Dropout',
    fields: {
      rate: (c, field, v, out) => {
        const rate = c.check.number(`${c.path}.${field}`, v);
        if (!(rate >= 0 && rate < 1)) unsupported(c, field, v, 'a rate in [0, 1)');
        out.rate = rate;
      },
      noise_shape: only([], 'noise_shape null (one mask value per element)'),
      seed: ignore,
    },
  },
  BatchNormalization: {
    ours: 'BatchNormalization',
    fields: {
      axis: () => {}, // read by readLayer: checked against the input's rank
      momentum: number('momentum'),
      epsilon: number('epsilon'),
      center: bool('center'),
      scale: bool('scale'),
      renorm: only([false], 'renorm false'),
      renorm_clipping: ignore,
      renorm_momentum: ignore,
      virtual_batch_size: only([], 'virtual_batch_size null'),
      adjustment: only([], 'adjustment null'),
      synchronized: only([false], 'synchronized false'),
      fused: ignore,
      ...ignored(
        'beta_initializer',
        'gamma_initializer',
        'moving_mean_initializer',
        'moving_variance_initializer',
        'beta_regularizer',
        'gamma_regularizer',
        'beta_constraint',
        'gamma_constraint',
      ),
    },
  },
  Embedding: {
    ours: 'Embedding',
    fields: {
      input_dim: int('inputDim'),
      output_dim: int('outputDim'),
      embeddings_initializer: ignore,
      mask_zero: (c, field, v, out) => {
        // TF.js's layers that logitkit reads all ignore masks, so a TF.js model computes as without mask_zero;
        // Keras's GlobalAveragePooling1D averages the unmasked steps only, as ours does with maskZero.
        if (v !== null && c.check.boolean(`${c.path}.${field}`, v) && !c.tfjsProducer) out.maskZero = true;
      },
      input_length: ignore,
      sparse: only([false], 'sparse false'),
      ...PLAIN_KERNEL,
      ...ignored('embeddings_regularizer', 'activity_regularizer', 'embeddings_constraint'),
    },
  },
  Activation: { ours: 'Activation', fields: { activation } },
  Add: { ours: 'Add', fields: {} },
};

/** The Keras classes this reader knows (InputLayer is read by the topology reader). */
const KERAS_CLASSES: readonly string[] = ['InputLayer', ...Object.keys(KERAS_LAYERS)];

/** Our layer classes that TF.js also has (each under the same Keras class name): what exportTfjs can write. */
export const TFJS_LAYER_CLASSES: ReadonlySet<string> = new Set(Object.values(KERAS_LAYERS).map((d) => d.ours));

/** Keras weight names of our weights where they differ (BatchNormalization's running statistics). */
export const KERAS_WEIGHT_NAMES: Readonly<Record<string, string>> = { movingMean: 'moving_mean', movingVariance: 'moving_variance' };

/** Reads one Keras layer config (not an InputLayer) into our class and config. */
export function readLayer(c: LayerContext, config: Record<string, unknown>): ReadLayer {
  const def = KERAS_LAYERS[c.className];
  if (!def) {
    c.check.fail(`layer '${c.layer}' has the class ${show(c.className)}, which logitkit does not support (supported: ${KERAS_CLASSES.join(', ')})`);
  }
  if (!LAYERS.names().includes(def.ours)) c.check.fail(`layer '${c.layer}' (${c.className}): this build of logitkit has no ${def.ours} layer`);
  const out: Record<string, unknown> = {};
  for (const [field, v] of Object.entries(config)) {
    const rule = def.fields[field] ?? COMMON[field];
    if (!rule) c.check.fail(`layer '${c.layer}' (${c.className}): config.${field} is a field logitkit does not know, so it cannot tell what it changes`);
    if (v === undefined) continue;
    rule(c, field, v, out);
  }
  const read: ReadLayer = { className: def.ours, config: out };
  if (c.className === 'BatchNormalization' && config.axis !== undefined && config.axis !== null) {
    const p = `${c.path}.axis`;
    const axis = Array.isArray(config.axis) && config.axis.length === 1 ? config.axis[0] : config.axis;
    read.axis = c.check.int(p, axis, -8, 7);
  }
  return read;
}
