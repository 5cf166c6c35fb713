import { checkCalibration } from '../../calibration/apply.js';
import { input, MAX_DIM } from '../../layers/input.js';
import type { Layer, SymbolicShape, SymbolicTensor } from '../../layers/layer.js';
import { layerFromConfig } from '../../layers/registry.js';
import type { FloatDType } from '../../tensor/dtype.js';
import { checkOptions } from '../../tensor/options.js';
import { Model } from '../../train/model.js';
import { Sequential } from '../../train/sequential.js';
import { concat } from '../concat-bytes.js';
import { LIMITS } from '../container.js';
import { show } from '../errors.js';
import { TfjsChecker } from './errors.js';
import { isFloat32OrUnset, KERAS_WEIGHT_NAMES, readLayer, type LayerContext } from './keras-layers.js';
import { planWeights, readWeight, type PlannedWeight } from './weights.js';

/**
 * A TF.js layers model as TF.js hands it over: the fields of its `model.json` (`modelTopology`, and
 * `weightsManifest` with the shard paths) or of the `ModelArtifacts` an IO handler receives (`modelTopology`,
 * `weightSpecs`), plus the weight bytes: one buffer, or the shards in manifest order.
 */
export interface TfjsArtifacts {
  modelTopology: unknown;
  weightSpecs?: unknown;
  weightsManifest?: unknown;
  weightData: ArrayBuffer | ArrayBufferView | ReadonlyArray<ArrayBuffer | ArrayBufferView>;
  userDefinedMetadata?: unknown;
  [field: string]: unknown;
}

export interface ImportTfjsOptions {
  /** Names the model in error messages (default "argument 'artifacts'"; loadModel passes "file 'model.json'"). */
  source?: string;
  /** The parameters' dtype (default float32, what TF.js computes in; float64 computes the file's weights exactly). */
  dtype?: FloatDType;
}

/** The fields of model.json / ModelArtifacts; those not read here only matter to TF.js (training config, signature). */
const ARTIFACT_FIELDS = [
  'modelTopology',
  'weightSpecs',
  'weightsManifest',
  'weightData',
  'userDefinedMetadata',
  'format',
  'generatedBy',
  'convertedBy',
  'trainingConfig',
  'signature',
  'modelInitializer',
  'initializerSignature',
];

/**
 * Builds a logitkit model from a TF.js layers model (TF.js's `model.save` output, or a Keras model converted by
 * `tensorflowjs_converter`): Sequential or functional, with the layers Dense, Conv2D, MaxPooling2D,
 * AveragePooling2D, GlobalAveragePooling1D/2D, Flatten, Reshape, Dropout, BatchNormalization, Embedding,
 * Activation and Add (NHWC, as TF.js). The model computes what TF.js computes: `predict` gives TF.js's output
 * (probabilities when the last layer ends in softmax) and `predictLogits` its pre-activation. Each layer's
 * `trainable` is kept. Every config field is checked (an unknown one is an error naming the layer), and every
 * weight is matched by its name ('<layer>/<weight>') and shape before anything is allocated.
 */
export function importTfjs(artifacts: TfjsArtifacts, options: ImportTfjsOptions = {}): Model {
  const op = 'importTfjs';
  const o = checkOptions(op, options, ['source', 'dtype']);
  const check = new TfjsChecker(op, o.source ?? "argument 'artifacts'");
  const dtype = o.dtype ?? 'float32';
  if (dtype !== 'float32' && dtype !== 'float64') check.expect('options.dtype', "'float32' or 'float64'", dtype);
  const a = check.object('artifacts', artifacts, ARTIFACT_FIELDS, ['modelTopology', 'weightData']);
  if (a.format !== undefined && a.format !== 'layers-model') {
    check.fail(`format is ${show(a.format)}; importTfjs reads layers models ('layers-model'), not TF.js graph models`);
  }
  const plan = planAll(check, a);
  const data = concatBytes(check, a.weightData as TfjsArtifacts['weightData'], plan.byteLength);
  const topology = readModelTopology(check, a.modelTopology);
  const { model, weights } = buildModel(check, topology, dtype, plan.weights);
  model.setWeights(weights.map((w) => readWeight(check, data, w, dtype)));
  readUserMetadata(check, a.userDefinedMetadata, model);
  return model;
}

/** The weight specs of either form (ModelArtifacts' weightSpecs, or model.json's manifest groups in order). */
function planAll(check: TfjsChecker, a: Record<string, unknown>): { weights: PlannedWeight[]; byteLength: number } {
  if ((a.weightSpecs === undefined) === (a.weightsManifest === undefined)) {
    check.fail('it must have either weightSpecs (ModelArtifacts) or weightsManifest (model.json), not both or neither');
  }
  if (a.weightSpecs !== undefined) {
    const { weights, end } = planWeights(check, 'weightSpecs', a.weightSpecs);
    return { weights, byteLength: end };
  }
  const groups = check.array('weightsManifest', a.weightsManifest, LIMITS.tensors);
  const names = new Set<string>();
  let end = 0;
  const weights = groups.flatMap((g, i) => {
    const group = check.object(`weightsManifest[${i}]`, g, ['paths', 'weights'], ['paths', 'weights']);
    const planned = planWeights(check, `weightsManifest[${i}].weights`, group.weights, end, names);
    end = planned.end;
    return planned.weights;
  });
  return { weights, byteLength: end };
}

/** The weight bytes as one array of exactly the planned length. */
function concatBytes(check: TfjsChecker, v: TfjsArtifacts['weightData'], byteLength: number): Uint8Array {
  const parts = Array.isArray(v) ? v : [v];
  const bytes = parts.map((p, i) => {
    if (p instanceof ArrayBuffer) return new Uint8Array(p);
    if (ArrayBuffer.isView(p)) return new Uint8Array(p.buffer, p.byteOffset, p.byteLength);
    return check.expect(Array.isArray(v) ? `weightData[${i}]` : 'weightData', 'an ArrayBuffer or a typed array', p);
  });
  const total = bytes.reduce((n, b) => n + b.length, 0);
  if (total !== byteLength) check.fail(`the weight data has ${total} bytes, but the weight specs describe ${byteLength}`);
  return bytes.length === 1 ? bytes[0] : concat(bytes, total);
}

/** One layer entry of a Keras config, checked: its class and config, and for a functional model its input nodes. */
interface KerasLayer {
  name: string;
  className: string;
  config: Record<string, unknown>;
  path: string;
  /** Functional models: the layers whose (single) output this layer takes. */
  inbound: string[];
}

interface KerasTopology {
  kind: 'Sequential' | 'Model';
  /** Where the model's config is: modelTopology, or modelTopology.model_config (tensorflowjs_converter's files). */
  path: string;
  name: string;
  tfjsProducer: boolean;
  layers: KerasLayer[];
  inputLayer?: string;
  outputLayer?: string;
}

/** Fields of a model's topology: Keras 2's `to_json`, plus Keras 3's serialization wrapper (module, registered_name, ...). */
const TOPOLOGY_FIELDS = ['class_name', 'config', 'keras_version', 'backend', 'module', 'registered_name', 'build_config', 'compile_config'];
/** Fields of a layer entry; Keras 3 adds module, registered_name and build_config (the input shape the layer was built on). */
const LAYER_ENTRY_FIELDS = ['class_name', 'config', 'name', 'inbound_nodes', 'module', 'registered_name', 'build_config'];

function readModelTopology(check: TfjsChecker, v: unknown): KerasTopology {
  let t = check.object('modelTopology', v, [...TOPOLOGY_FIELDS, 'model_config', 'training_config']);
  let base = 'modelTopology';
  const version = t.keras_version === undefined ? '' : check.string('modelTopology.keras_version', t.keras_version);
  // tensorflowjs_converter's files from a Keras model (.h5 or .keras): the model's own topology under model_config,
  // beside its training config (loss, optimizer: nothing that changes what the model computes).
  if (t.model_config !== undefined) {
    if (t.class_name !== undefined || t.config !== undefined) check.fail('modelTopology has both model_config and its own class_name / config');
    base = 'modelTopology.model_config';
    t = check.object(base, t.model_config, TOPOLOGY_FIELDS, ['class_name', 'config']);
  } else {
    check.object('modelTopology', t, [...TOPOLOGY_FIELDS, 'training_config'], ['class_name', 'config']);
  }
  // 'Functional' is Keras 2.4+'s (and Keras 3's) name for a functional model.
  const kind = check.oneOf(`${base}.class_name`, t.class_name, ['Sequential', 'Model', 'Functional'] as const);
  const tfjsProducer = version.startsWith('tfjs-layers');
  // Old Keras wrote a Sequential's config as the bare list of layers.
  const rawConfig = Array.isArray(t.config) ? { layers: t.config } : t.config;
  // Keras 3 adds the model's trainable flag (each layer keeps its own), its dtype policy, and a Sequential's build shape.
  const c = check.object(
    `${base}.config`,
    rawConfig,
    ['name', 'layers', 'input_layers', 'output_layers', 'trainable', 'dtype', 'build_input_shape'],
    ['layers'],
  );
  if (!isFloat32OrUnset(c.dtype)) check.expect(`${base}.config.dtype`, "the dtype 'float32' (TF.js computes in float32)", c.dtype);
  const name = c.name === undefined ? 'tfjs' : check.string(`${base}.config.name`, c.name, 128);
  const list = check.array(`${base}.config.layers`, c.layers, LIMITS.layers);
  const layers = list.map((item, i): KerasLayer => {
    const path = `${base}.config.layers[${i}]`;
    const l = check.object(path, item, LAYER_ENTRY_FIELDS, ['class_name', 'config']);
    const className = check.string(`${path}.class_name`, l.class_name, 128);
    checkBuiltIn(check, path, className, l);
    const config = check.object(`${path}.config`, l.config);
    const layerName = check.string(`${path}.config.name`, config.name ?? l.name, 128);
    let inbound: string[] = [];
    if (kind !== 'Sequential') {
      const nodes = check.array(`${path}.inbound_nodes`, l.inbound_nodes, 2);
      if (nodes.length > 1) check.fail(`layer '${layerName}' is applied ${nodes.length} times (shared layers are not supported)`);
      inbound = nodes.length === 0 ? [] : readInboundNode(check, `${path}.inbound_nodes[0]`, layerName, nodes[0]);
    }
    return { name: layerName, className, config, path, inbound };
  });
  const topology: KerasTopology = { kind: kind === 'Sequential' ? 'Sequential' : 'Model', path: base, name, tfjsProducer, layers };
  if (topology.kind === 'Model') {
    const single = (key: 'input_layers' | 'output_layers') => {
      const path = `${base}.config.${key}`;
      const refs = check.array(path, c[key], 64);
      // Keras 3 writes a lone input or output as one [layer, node, tensor] reference, not a list of them.
      const list = typeof refs[0] === 'string' ? [refs] : refs;
      if (list.length !== 1) check.fail(`${path} lists ${list.length} tensors; importTfjs reads models with one input and one output`);
      const at = list === refs ? `${path}[0]` : path;
      return check.string(`${at}[0]`, check.array(at, list[0], 3)[0], 128);
    };
    topology.inputLayer = single('input_layers');
    topology.outputLayer = single('output_layers');
  }
  return topology;
}

/**
 * Keras 3 names a layer's class by module and registered_name too: Keras's own layers are in a 'keras' module with
 * no registered name (or their class name); a registered custom layer ('package>Name') may reuse a built-in class
 * name and compute something else.
 */
function checkBuiltIn(check: TfjsChecker, path: string, className: string, l: Record<string, unknown>): void {
  if (l.module !== undefined && !(typeof l.module === 'string' && (l.module === 'keras' || l.module.startsWith('keras.')))) {
    check.expect(`${path}.module`, "a module of Keras ('keras.layers', ...): logitkit reads Keras's own layers", l.module);
  }
  if (l.registered_name !== undefined && l.registered_name !== null && l.registered_name !== className) {
    check.fail(`layer ${path} is the registered custom class ${show(l.registered_name)}; logitkit reads Keras's own layers`);
  }
}

/**
 * The layers whose outputs a functional layer takes, from its inbound node: Keras 2's list of
 * [layer, node, tensor, kwargs] references, or Keras 3's call record {args, kwargs}, whose one positional argument is
 * a __keras_tensor__ (its keras_history is [layer, node, tensor]) or a list of them (a merge layer such as Add).
 */
function readInboundNode(check: TfjsChecker, path: string, layerName: string, node: unknown): string[] {
  // Keyword arguments of the call (training: true would change what Dropout or BatchNormalization compute); those
  // that pass nothing (null) are fine.
  const noKeywords = (at: string, v: unknown) => {
    if (v === undefined) return;
    const given = Object.entries(check.object(at, v)).filter(([, x]) => x !== null);
    if (given.length > 0) {
      check.fail(
        `layer '${layerName}' is called with the keyword arguments ${given.map(([k]) => k).join(', ')}; logitkit reads layers called on their inputs alone`,
      );
    }
  };
  const reference = (at: string, history: unknown): string => {
    const r = check.array(at, history, 4);
    const from = check.string(`${at}[0]`, r[0], 128);
    if (r[1] !== 0 || r[2] !== 0)
      check.fail(`layer '${layerName}' takes output ${show(r.slice(1, 3))} of '${from}'; only single-output layers applied once are supported`);
    noKeywords(`${at}[3]`, r[3]);
    return from;
  };
  if (Array.isArray(node)) return check.array(path, node, 32).map((ref, j) => reference(`${path}[${j}]`, ref));
  const call = check.object(path, node, ['args', 'kwargs'], ['args']);
  noKeywords(`${path}.kwargs`, call.kwargs);
  const args = check.array(`${path}.args`, call.args, 32);
  if (args.length !== 1)
    check.fail(`layer '${layerName}' is called with ${args.length} positional arguments; logitkit reads layers called on their inputs alone`);
  const tensors = Array.isArray(args[0])
    ? check.array(`${path}.args[0]`, args[0], 32).map((x, j) => [`${path}.args[0][${j}]`, x] as const)
    : [[`${path}.args[0]`, args[0]] as const];
  return tensors.map(([at, x]) => {
    const tensor = check.object(at, x, ['class_name', 'config'], ['class_name', 'config']);
    if (tensor.class_name !== '__keras_tensor__') check.expect(`${at}.class_name`, "'__keras_tensor__' (a layer's output)", tensor.class_name);
    const config = check.object(`${at}.config`, tensor.config, ['shape', 'dtype', 'keras_history'], ['keras_history']);
    return reference(`${at}.config.keras_history`, config.keras_history);
  });
}

/** One example's shape from a Keras batch_input_shape / batch_shape ([null, ...fixed dims]). */
function exampleShape(check: TfjsChecker, path: string, v: unknown): number[] {
  const dims = check.array(path, v, 8);
  if (dims.length < 2 || dims[0] !== null) check.expect(path, 'a batch shape [null, ...dims]', v);
  return dims.slice(1).map((d, i) => {
    if (d === null) check.fail(`${path}[${i + 1}] is null; logitkit needs a fixed shape for each example`);
    return check.int(`${path}[${i + 1}]`, d, 1, MAX_DIM);
  });
}

/** The input of a model: a Keras InputLayer's config, or the shape hint on a Sequential's first layer. */
function readInput(check: TfjsChecker, l: KerasLayer, feedsIds: boolean, dtype: FloatDType) {
  const path = `${l.path}.config`;
  const shapeField = l.config.batch_input_shape !== undefined ? 'batch_input_shape' : 'batch_shape';
  if (l.config[shapeField] === undefined) check.fail(`${path} has no batch_input_shape: logitkit needs the model's input shape`);
  const shape = exampleShape(check, `${path}.${shapeField}`, l.config[shapeField]);
  if (l.className === 'InputLayer') {
    check.object(path, l.config, ['batch_input_shape', 'batch_shape', 'dtype', 'sparse', 'ragged', 'name', 'optional']);
    if (l.config.sparse === true || l.config.ragged === true) check.fail(`input '${l.name}' is sparse or ragged; logitkit reads dense inputs`);
    if (l.config.optional === true) check.fail(`input '${l.name}' is optional (Keras 3); logitkit's input is always given`);
    const d = l.config.dtype ?? 'float32';
    check.oneOf(`${path}.dtype`, d, ['float32', 'int32'] as const);
  }
  return { shape, dtype: feedsIds ? ('int32' as const) : dtype };
}

/** A layer of the model in application order: the Keras entry, our layer, and the layers (by name) it takes. */
interface Step {
  entry: KerasLayer;
  layer: Layer;
  inputs: string[];
}

/**
 * Builds the model in three passes: our layers from the configs (nothing allocated), a walk over the graph's
 * shapes that matches every weight the layers imply to a spec of the same name and shape (so a small file cannot
 * make us allocate a huge layer: every weight is backed by its bytes), then the model itself, with the file's
 * weights. Returns the model and, for each of its weights in order, its spec.
 */
function buildModel(check: TfjsChecker, t: KerasTopology, dtype: FloatDType, specs: readonly PlannedWeight[]): { model: Model; weights: PlannedWeight[] } {
  const seen = new Set<string>();
  for (const l of t.layers) {
    if (seen.has(l.name)) check.fail(`two layers are named '${l.name}'`);
    seen.add(l.name);
  }
  const wrap = <T>(where: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return check.fail(`${where}${(e as Error).message}`);
    }
  };
  const axisOf = new Map<Layer, number>();
  const layerOf = (l: KerasLayer): Layer => {
    const c: LayerContext = { check, path: `${l.path}.config`, layer: l.name, className: l.className, tfjsProducer: t.tfjsProducer };
    const read = readLayer(c, l.config);
    const config = { ...read.config, ...(dtype === 'float64' && read.className === 'Embedding' ? { dtype } : {}) };
    const layer = wrap(`layer '${l.name}' (${l.className}): `, () => layerFromConfig(read.className, l.name, config));
    if (l.config.trainable !== undefined) layer.trainable = check.boolean(`${l.path}.config.trainable`, l.config.trainable);
    if (read.axis !== undefined) axisOf.set(layer, read.axis);
    return layer;
  };

  // Pass 1: the layers in application order, and the input.
  let inputEntry: KerasLayer;
  let steps: Step[];
  if (t.kind === 'Sequential') {
    const list = t.layers[0]?.className === 'InputLayer' ? t.layers.slice(1) : t.layers;
    if (list.length === 0) check.fail(`${t.path}.config.layers has no layers`);
    inputEntry = t.layers[0];
    steps = list.map((l, i) => {
      if (l.className === 'InputLayer') check.fail(`${l.path}: an InputLayer can only be a Sequential model's first layer`);
      return { entry: l, layer: layerOf(l), inputs: [i === 0 ? 'input' : list[i - 1].name] };
    });
  } else {
    const inputs = t.layers.filter((l) => l.className === 'InputLayer');
    if (inputs.length !== 1 || inputs[0].name !== t.inputLayer) check.fail(`the model's input '${t.inputLayer}' must be its one InputLayer`);
    inputEntry = inputs[0];
    steps = [];
    const done = new Set([inputEntry.name]);
    let pending = t.layers.filter((l) => l !== inputEntry);
    while (pending.length > 0) {
      const next = pending.filter((l) => !l.inbound.every((n) => done.has(n)));
      for (const l of pending) {
        if (next.includes(l)) continue;
        if (l.inbound.length === 0) check.fail(`layer '${l.name}' has no inbound nodes`);
        steps.push({ entry: l, layer: layerOf(l), inputs: l.inbound });
        done.add(l.name);
      }
      if (next.length === pending.length) {
        const missing = next[0].inbound.find((n) => !done.has(n) && !seen.has(n));
        check.fail(
          missing
            ? `layer '${next[0].name}' takes the output of '${missing}', which is not a layer of the model`
            : `the layers ${next.map((l) => `'${l.name}'`).join(', ')} form a cycle`,
        );
      }
      pending = next;
    }
    if (!done.has(t.outputLayer!)) check.fail(`the model's output layer '${t.outputLayer}' is not a layer of the model`);
  }
  // TF.js casts a float input to the ids an embedding takes; logitkit's input says it takes ids.
  const feedsIds = steps.some((s) => s.inputs.includes(t.kind === 'Sequential' ? 'input' : inputEntry.name) && s.layer.takesIds);
  const spec = readInput(check, inputEntry, feedsIds, dtype);

  // Pass 2: shapes and weights, without building anything.
  const byName = new Map(specs.filter((w) => !w.optimizer).map((w) => [w.name, w]));
  const matched = new Map<string, PlannedWeight>();
  const shapes = new Map<string, SymbolicShape>([[t.kind === 'Sequential' ? 'input' : inputEntry.name, [null, ...spec.shape]]]);
  for (const { entry, layer, inputs } of steps) {
    const inputShapes = inputs.map((n) => shapes.get(n)!);
    const where = `layer '${entry.name}' (${entry.className}): `;
    shapes.set(
      entry.name,
      wrap(where, () => layer.computeOutputShape(inputShapes)),
    );
    const axis = axisOf.get(layer);
    const rank = inputShapes[0].length;
    if (axis !== undefined && axis !== -1 && axis !== rank - 1) {
      check.fail(`${where}it normalizes axis ${axis} of a rank-${rank} input; logitkit normalizes the last axis (channels last)`);
    }
    for (const w of wrap(where, () => layer.weightShapes(inputShapes))) {
      const key = `${entry.name}/${KERAS_WEIGHT_NAMES[w.name] ?? w.name}`;
      let found = byName.get(key);
      if (!found) {
        const scoped = [...byName.values()].filter((x) => x.name.endsWith(`/${key}`));
        if (scoped.length > 1) check.fail(`the weights ${scoped.map((x) => `'${x.name}'`).join(', ')} all end in '${key}'`);
        found = scoped[0];
      }
      if (!found) check.fail(`layer '${entry.name}' needs the weight '${key}' of shape [${w.shape.join(', ')}], which the weight specs do not list`);
      if (found.shape.join() !== w.shape.join()) {
        check.fail(`weight '${found.name}' has shape [${found.shape.join(', ')}], layer '${entry.name}' needs [${w.shape.join(', ')}]`);
      }
      matched.set(`${entry.name}/${w.name}`, found);
    }
  }
  const used = new Set(matched.values());
  const extra = [...byName.values()].find((w) => !used.has(w));
  if (extra) check.fail(`the weight '${extra.name}' belongs to no layer of the model`);

  // Pass 3: the model.
  const name = t.name.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 128) || 'tfjs';
  const model = wrap('', () => {
    if (t.kind === 'Sequential') {
      return new Sequential(
        steps.map((s) => s.layer),
        { inputShape: spec.shape, dtype: spec.dtype, name, seed: 0 },
      );
    }
    const syms = new Map<string, SymbolicTensor>([[inputEntry.name, input({ shape: spec.shape, dtype: spec.dtype, name: inputEntry.name })]]);
    for (const s of steps) syms.set(s.entry.name, s.layer.apply(s.inputs.map((n) => syms.get(n)!)));
    return new Model({ inputs: syms.get(inputEntry.name)!, outputs: syms.get(t.outputLayer!)!, name, seed: 0 });
  });
  return { model, weights: model.weights.map((v) => matched.get(v.name)!) };
}

/** logitkit's own metadata, when a model saved by exportTfjs carries it (class names, calibration). */
function readUserMetadata(check: TfjsChecker, v: unknown, model: Model): void {
  if (v === undefined || v === null) return;
  const meta = check.object('userDefinedMetadata', v);
  if (meta.logitkit === undefined) return;
  const m = check.object('userDefinedMetadata.logitkit', meta.logitkit, ['classNames', 'calibration']);
  const classes = model.outputShape.at(-1) ?? 0;
  if (m.classNames !== undefined) {
    const names = check
      .array('userDefinedMetadata.logitkit.classNames', m.classNames, LIMITS.layers * 1024)
      .map((n, i) => check.string(`userDefinedMetadata.logitkit.classNames[${i}]`, n, LIMITS.nameLength));
    if (names.length !== classes) check.fail(`userDefinedMetadata.logitkit.classNames has ${names.length} names for the model's ${classes} outputs`);
    model.classNames = names;
  }
  if (m.calibration !== undefined) {
    try {
      model.calibration = checkCalibration('importTfjs', 'userDefinedMetadata.logitkit.calibration', m.calibration, classes);
    } catch (e) {
      check.fail((e as Error).message);
    }
  }
}
