import { shapesEqual } from '../tensor/shape.js';
import { Tensor } from '../tensor/tensor.js';
import type { Network } from '../layers/network.js';
import type { OptimizerConfigValue, OptimizerState } from '../optim/optimizer.js';
import { OPTIMIZERS } from '../optim/registry.js';
import { scheduleFromConfig } from '../optim/schedules.js';
import type { HistoryData } from '../train/callbacks.js';
import type { TrainingState } from '../train/checkpoint.js';
import type { Model } from '../train/model.js';
import {
  decodeFile,
  encodeFile,
  FORMAT_VERSION,
  LIMITS,
  VERSION_3_LAYERS,
  VERSION_4_LAYERS,
  VERSION_5_CONFIG_KEYS,
  VERSION_5_LAYERS,
  type DecodedFile,
} from './container.js';
import { metadataOf, readMetadata } from './metadata.js';
import { architectureKey, buildFromTopology, readTopology, topologyOf } from './topology.js';
import type { Checker } from './validate.js';

/*
 * Model and checkpoint files, as bytes: pure functions, so the browser can load a model it fetched.
 * The Node-only file functions (atomic writes, checkpoint directories) are in ./node.ts.
 */

export const CREATED_BY = 'logitkit';

export interface FromBytesOptions {
  /** Names the bytes in error messages, e.g. "file 'model.lkm'". Default "argument 'bytes'". */
  source?: string;
  /** The function named in error messages (default: the one called). */
  op?: string;
}

/** Encodes a model's architecture and weights as one file (see docs/training.md, "File format"). */
export function modelToBytes(model: Network): Uint8Array {
  return encodeModel(model, 'modelToBytes');
}

/** @internal modelToBytes with the name of the calling function for its errors (saveModel). */
export function encodeModel(model: Network, op: string): Uint8Array {
  const topology = topologyOf(model);
  checkLayerWeights(op, model);
  return encodeFile(
    { format: 'logitkit-model', formatVersion: FORMAT_VERSION, kind: 'model', createdBy: CREATED_BY, model: topology, metadata: metadataOf(model) },
    model.weights.map((v) => ({ name: v.name, value: v.value })),
    op,
  );
}

/** Writers run the loader's per-layer check (a normalization's variance ≥ 0, ...) too, so no file it refuses is written. */
function checkLayerWeights(op: string, model: Network, values: readonly Tensor[] = model.weights.map((v) => v.value)): void {
  const problem = layerWeightsProblem(model, values);
  if (problem) throw new RangeError(`${op}: ${problem}; nothing was written, since the loader refuses such a file`);
}

/** What the layers' own checks find wrong with `values` (the model's weights in order), or null. */
function layerWeightsProblem(model: Network, values: readonly Tensor[]): string | null {
  let offset = 0;
  for (const layer of model.layers) {
    const problem = layer.checkWeights(values.slice(offset, offset + layer.weights.length));
    if (problem) return `layer '${layer.name}' has invalid weights: ${problem}`;
    offset += layer.weights.length;
  }
  return null;
}

/** Decodes a model file (or a checkpoint: its training state is checked and ignored). Throws ModelFileError. */
export function modelFromBytes(bytes: Uint8Array, options: FromBytesOptions = {}): Model {
  const op = options.op ?? 'modelFromBytes';
  const file = decodeFile(bytes, op, options.source ?? "argument 'bytes'");
  const model = buildModel(file);
  if (file.header.kind === 'checkpoint') readTraining(file, model);
  return model;
}

function buildModel(file: DecodedFile): Model {
  const { check, header, tensors } = file;
  check.object('header', header, ['format', 'formatVersion', 'kind', 'createdBy', 'model', 'training', 'tensors', 'data', 'metadata'], ['kind', 'model']);
  const kind = check.oneOf('header.kind', header.kind, ['model', 'checkpoint'] as const);
  if (header.createdBy !== undefined) check.string('header.createdBy', header.createdBy, 256);
  if (kind === 'checkpoint' && header.training === undefined) check.fail('header.training is missing in a checkpoint');
  if (kind === 'model' && header.training !== undefined) check.fail('header.training is only allowed in a checkpoint');
  const topology = readTopology(check, header.model);
  const newer = topology.layers.find(
    (l) =>
      (file.version < 3 && VERSION_3_LAYERS.includes(l.className)) ||
      (file.version < 4 && VERSION_4_LAYERS.includes(l.className)) ||
      (file.version < 5 && VERSION_5_LAYERS.includes(l.className)),
  );
  if (newer) check.fail(`layer class ${newer.className} (layer '${newer.name}') is not part of format version ${file.version}`);
  if (file.version < 5) {
    for (const l of topology.layers) {
      const key = (VERSION_5_CONFIG_KEYS[l.className] ?? []).find((k) => l.config[k] !== undefined);
      if (key) check.fail(`${l.className} layer '${l.name}': config.${key} is not part of format version ${file.version}`);
    }
  }
  const frozen = file.version < 6 ? topology.layers.find((l) => l.trainable !== undefined) : undefined;
  if (frozen) check.fail(`layer '${frozen.name}': trainable is not part of format version ${file.version}`);
  const ids = file.version < 4 ? topology.layers.find((l) => l.className === 'Input' && l.config.dtype === 'int32') : undefined;
  if (ids) check.fail(`Input layer '${ids.name}' of dtype int32 (token ids) is not part of format version ${file.version}`);
  const model = buildFromTopology(check, topology, tensors);
  const values = model.weights.map((v) => {
    const t = tensors.get(v.name);
    if (!t) return check.fail(`the weights data has no tensor '${v.name}' (layer weights: ${model.weights.map((w) => w.name).join(', ')})`);
    if (t.dtype !== v.dtype || !shapesEqual(t.shape, v.shape)) {
      return check.fail(`tensor '${v.name}' is ${t.dtype} [${t.shape.join(', ')}], the architecture needs ${v.dtype} [${v.shape.join(', ')}]`);
    }
    return t;
  });
  const problem = layerWeightsProblem(model, values);
  if (problem) check.fail(problem);
  model.setWeights(values);
  readMetadata(file, model);
  return model;
}

/** Encodes a training checkpoint: the model file plus optimizer slots and the training state. */
export function checkpointToBytes(model: Network, state: TrainingState): Uint8Array {
  const op = 'checkpointToBytes';
  const shapeOf = new Map(model.weights.map((v) => [v.name, v.shape]));
  const slotTensors = state.optimizer.slots.map((s) => ({
    name: `optimizer/${s.slot}/${s.variable}`,
    value: shapeOf.has(s.variable) && s.value.size === s.value.values.length ? new Tensor(s.value.values, shapeOf.get(s.variable)!) : s.value,
    ref: s,
  }));
  const training = {
    epoch: state.epoch,
    rng: state.rng.slice(),
    history: state.history,
    fit: state.fit,
    optimizer: {
      type: state.optimizer.type,
      config: state.optimizer.config,
      step: state.optimizer.step,
      slots: slotTensors.map((s) => ({ variable: s.ref.variable, slot: s.ref.slot, tensor: s.name })),
    },
  };
  const byName = new Map(state.weights.map((w) => [w.name, w.value]));
  checkLayerWeights(
    op,
    model,
    model.weights.map((v) => byName.get(v.name) ?? v.value),
  );
  return encodeFile(
    { format: 'logitkit-model', formatVersion: FORMAT_VERSION, kind: 'checkpoint', createdBy: CREATED_BY, model: topologyOf(model), training },
    [...state.weights, ...slotTensors.map(({ name, value }) => ({ name, value }))],
    op,
  );
}

export interface DecodedCheckpoint {
  /** The model as saved (architecture and weights). */
  model: Model;
  state: TrainingState;
}

/**
 * Decodes a checkpoint file. With `expect`, also checks that it was written for a model of the same
 * architecture (layers, configs, wiring, weight names and dtype).
 */
export function checkpointFromBytes(bytes: Uint8Array, options: FromBytesOptions & { expect?: Network } = {}): DecodedCheckpoint {
  const op = options.op ?? 'checkpointFromBytes';
  const file = decodeFile(bytes, op, options.source ?? "argument 'bytes'");
  if (file.header.kind !== 'checkpoint') file.check.fail(`header.kind is ${JSON.stringify(file.header.kind)}: a model file, not a training checkpoint`);
  const model = buildModel(file);
  if (options.expect && architectureKey(topologyOf(model)) !== architectureKey(topologyOf(options.expect))) {
    file.check.fail(`it was written for a different model architecture (${describe(model)}) than the one training now (${describe(options.expect)})`);
  }
  return { model, state: readTraining(file, model) };
}

function describe(m: Network): string {
  return m.layers.map((l) => `${l.name}:${l.className}${l.className === 'Dense' ? `(${(l.getConfig() as { units: number }).units})` : ''}`).join(' → ');
}

const METRIC_KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

function readTraining(file: DecodedFile, model: Model): TrainingState {
  const { check, header, tensors } = file;
  const p = 'header.training';
  const t = check.object(p, header.training, ['epoch', 'rng', 'history', 'fit', 'optimizer'], ['epoch', 'rng', 'history', 'fit', 'optimizer']);
  const epoch = check.int(`${p}.epoch`, t.epoch, 0, LIMITS.epochs);
  const rngList = check.array(`${p}.rng`, t.rng, 4);
  if (rngList.length !== 4) check.expect(`${p}.rng`, '4 uint32 numbers', rngList);
  const rng = rngList.map((x, i) => check.int(`${p}.rng[${i}]`, x, 0, 0xffffffff));
  if (rng.every((x) => x === 0)) check.fail(`${p}.rng is all zeros, not a generator state`);
  const history = readHistory(check, `${p}.history`, t.history, epoch);
  const f = check.object(`${p}.fit`, t.fit, ['batchSize', 'shuffle', 'samples', 'validationSamples'], ['batchSize', 'shuffle', 'samples', 'validationSamples']);
  const fit = {
    batchSize: check.int(`${p}.fit.batchSize`, f.batchSize, 1, 2 ** 31 - 1),
    shuffle: check.boolean(`${p}.fit.shuffle`, f.shuffle),
    samples: check.int(`${p}.fit.samples`, f.samples, 1, 2 ** 31 - 1),
    validationSamples: check.int(`${p}.fit.validationSamples`, f.validationSamples, 0, 2 ** 31 - 1),
  };
  const o = check.object(`${p}.optimizer`, t.optimizer, ['type', 'config', 'step', 'slots'], ['type', 'config', 'step', 'slots']);
  const type = check.oneOf(`${p}.optimizer.type`, o.type, OPTIMIZERS.names() as OptimizerState['type'][]);
  const def = OPTIMIZERS.get('readTraining', 'type', type);
  const c = check.object(`${p}.optimizer.config`, o.config, def.options);
  const config: Record<string, OptimizerConfigValue> = {};
  for (const [k, v] of Object.entries(c)) {
    if (k === 'learningRate' && v !== null && typeof v === 'object') {
      // A saved schedule: rebuilt (and so checked) by the schedule registry.
      try {
        config[k] = scheduleFromConfig(`${p}.optimizer.config.learningRate`, v).schedule;
      } catch (e) {
        check.fail((e as Error).message);
      }
      continue;
    }
    if (v !== null && typeof v !== 'boolean') check.number(`${p}.optimizer.config.${k}`, v);
    config[k] = v as number | boolean | null;
  }
  const step = check.int(`${p}.optimizer.step`, o.step, 0, Number.MAX_SAFE_INTEGER);
  const weightByName = new Map(model.weights.map((v) => [v.name, v]));
  const seen = new Set<string>();
  const slots = check.array(`${p}.optimizer.slots`, o.slots, LIMITS.tensors).map((item, i) => {
    const sp = `${p}.optimizer.slots[${i}]`;
    const s = check.object(sp, item, ['variable', 'slot', 'tensor'], ['variable', 'slot', 'tensor']);
    const variable = check.string(`${sp}.variable`, s.variable, LIMITS.nameLength);
    const slot = check.oneOf(`${sp}.slot`, s.slot, def.slots);
    const name = check.string(`${sp}.tensor`, s.tensor, LIMITS.nameLength);
    const v = weightByName.get(variable) ?? check.fail(`${sp}.variable ${JSON.stringify(variable)} is not a weight of the model`);
    if (seen.has(`${variable}\n${slot}`)) check.fail(`${sp}: slot '${slot}' of '${variable}' appears twice`);
    seen.add(`${variable}\n${slot}`);
    const value = tensors.get(name) ?? check.fail(`${sp}.tensor ${JSON.stringify(name)} is not in the weights data`);
    if (value.dtype !== v.dtype || !shapesEqual(value.shape, v.shape)) {
      check.fail(`optimizer slot tensor '${name}' is ${value.dtype} [${value.shape.join(', ')}], the weight is ${v.dtype} [${v.shape.join(', ')}]`);
    }
    return { variable, slot, value };
  });
  const optimizer: OptimizerState = { type, config, step, slots };
  // Snapshots, not the returned model's live storage (training updates it in place).
  return { epoch, weights: model.weights.map((v) => ({ name: v.name, value: new Tensor(v.value.data(), v.shape) })), optimizer, rng, history, fit };
}

function readHistory(check: Checker, p: string, v: unknown, epochs: number): HistoryData {
  const h = check.object(p, v, ['epoch', 'history'], ['epoch', 'history']);
  const epoch = check.array(`${p}.epoch`, h.epoch, LIMITS.epochs).map((e, i) => check.int(`${p}.epoch[${i}]`, e, 0, LIMITS.epochs));
  if (epoch.length !== epochs) check.fail(`${p}.epoch has ${epoch.length} entries for ${epochs} completed epochs`);
  const series = check.object(`${p}.history`, h.history);
  const keys = Object.keys(series);
  if (keys.length > 64) check.fail(`${p}.history has ${keys.length} series, more than the limit of 64`);
  const history: Record<string, number[]> = {};
  for (const k of keys) {
    if (!METRIC_KEY.test(k)) check.expect(`${p}.history key`, 'an identifier of at most 64 characters', k);
    const list = check.array(`${p}.history.${k}`, series[k], LIMITS.epochs);
    if (list.length > epoch.length) check.fail(`${p}.history.${k} has more values (${list.length}) than epochs (${epoch.length})`);
    // JSON has no NaN: a NaN loss is saved as null.
    history[k] = list.map((x, i) => (x === null ? Number.NaN : check.number(`${p}.history.${k}[${i}]`, x)));
  }
  return { epoch, history };
}
