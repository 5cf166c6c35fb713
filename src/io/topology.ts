import { InputLayer } from '../layers/input.js';
import { Layer, type SymbolicTensor } from '../layers/layer.js';
import type { Network } from '../layers/network.js';
import { LAYER_CLASSES, LAYERS, layerFromConfig } from '../layers/registry.js';
import { Model } from '../train/model.js';
import { Sequential } from '../train/sequential.js';
import type { Tensor } from '../tensor/tensor.js';
import { LIMITS } from './container.js';
import { checkWeightPlan } from './weight-plan.js';
import type { Checker } from './validate.js';

/** The JSON description of a model's architecture, saved in every model and checkpoint file. */
export interface TopologyJSON {
  className: 'Model' | 'Sequential';
  name: string;
  dtype: 'float32' | 'float64';
  /** The seed the model was created with (for the record; loaded weights replace the initial ones). */
  seed: number;
  /** `trainable: false` marks a frozen layer (format version 6; absent means trainable). */
  layers: Array<{ className: string; name: string; config: Record<string, unknown>; trainable?: false }>;
  /** Layer applications in topological order; `inputs` are indices of earlier nodes. */
  nodes: Array<{ layer: string; inputs: number[] }>;
  /** Indices of the nodes that are the model's inputs / outputs. */
  inputs: number[];
  outputs: number[];
  /** Names of the model's weights, in the model's order (each is a tensor of the file). */
  weights: string[];
}

export function topologyOf(model: Network): TopologyJSON {
  const index = new Map(model.nodes.map((n, i) => [n, i]));
  const nodeOf = (s: SymbolicTensor) => index.get(s.node)!;
  return {
    className: model.className === 'Sequential' ? 'Sequential' : 'Model',
    name: model.name,
    dtype: model.dtype,
    seed: model.seed,
    layers: model.layers.map((l) => ({ className: l.className, name: l.name, config: l.getConfig(), ...(l.trainable ? {} : { trainable: false as const }) })),
    nodes: model.nodes.map((n) => ({ layer: n.layer.name, inputs: n.inputs.map(nodeOf) })),
    inputs: model.inputs.map(nodeOf),
    outputs: model.outputs.map(nodeOf),
    weights: model.weights.map((v) => v.name),
  };
}

/** The architecture-defining part (no name, seed, trainable flags), to check a checkpoint belongs to a model. */
export function architectureKey(t: TopologyJSON): string {
  const layers = t.layers.map((l) => ({ className: l.className, name: l.name, config: l.config }));
  return JSON.stringify([t.dtype, layers, t.nodes, t.inputs, t.outputs, t.weights]);
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const FLOAT_DTYPES = ['float32', 'float64'] as const;

/** Validates a topology from a file (every field's type, every reference) and returns it typed. */
export function readTopology(check: Checker, v: unknown): TopologyJSON {
  const path = 'header.model';
  const fields = ['className', 'name', 'dtype', 'seed', 'layers', 'nodes', 'inputs', 'outputs', 'weights'];
  const o = check.object(path, v, fields, fields);
  const className = check.oneOf(`${path}.className`, o.className, ['Model', 'Sequential'] as const);
  const name = check.string(`${path}.name`, o.name, 128);
  if (!NAME.test(name)) check.expect(`${path}.name`, 'a name of 1 to 128 letters, digits, _ . or -', name);
  const dtype = check.oneOf(`${path}.dtype`, o.dtype, FLOAT_DTYPES);
  const seed = check.int(`${path}.seed`, o.seed, 0, Number.MAX_SAFE_INTEGER);
  const layerNames = new Set<string>();
  const layers = check.array(`${path}.layers`, o.layers, LIMITS.layers).map((item, i) => {
    const p = `${path}.layers[${i}]`;
    const l = check.object(p, item, ['className', 'name', 'config', 'trainable'], ['className', 'name', 'config']);
    if (l.trainable !== undefined && l.trainable !== false) check.expect(`${p}.trainable`, 'false (a frozen layer) or absent', l.trainable);
    const cls = check.oneOf(`${p}.className`, l.className, LAYER_CLASSES);
    const lname = check.string(`${p}.name`, l.name, 128);
    if (!NAME.test(lname)) check.expect(`${p}.name`, 'a name of 1 to 128 letters, digits, _ . or -', lname);
    if (layerNames.has(lname)) check.fail(`${p}.name ${JSON.stringify(lname)} is used by two layers`);
    layerNames.add(lname);
    const config = LAYERS.get('readTopology', 'className', cls).readConfig(check, `${p}.config`, l.config);
    return { className: cls as string, name: lname, config, ...(l.trainable === false ? { trainable: false as const } : {}) };
  });
  const nodes = check.array(`${path}.nodes`, o.nodes, LIMITS.nodes).map((item, i) => {
    const p = `${path}.nodes[${i}]`;
    const n = check.object(p, item, ['layer', 'inputs'], ['layer', 'inputs']);
    const layer = check.string(`${p}.layer`, n.layer, 128);
    if (!layerNames.has(layer)) check.fail(`${p}.layer ${JSON.stringify(layer)} is not one of the model's layers`);
    // Inputs point to earlier nodes only, so the graph is acyclic by construction.
    const inputs = check.array(`${p}.inputs`, n.inputs, 32).map((j, k) => check.int(`${p}.inputs[${k}]`, j, 0, i - 1));
    return { layer, inputs };
  });
  const indexList = (key: 'inputs' | 'outputs') =>
    check.array(`${path}.${key}`, o[key], 64).map((j, k) => check.int(`${path}.${key}[${k}]`, j, 0, Math.max(0, nodes.length - 1)));
  const inputs = indexList('inputs');
  const outputs = indexList('outputs');
  const weights = check.array(`${path}.weights`, o.weights, LIMITS.tensors).map((w, i) => check.string(`${path}.weights[${i}]`, w, LIMITS.nameLength));
  return { className, name, dtype, seed, layers, nodes, inputs, outputs, weights };
}

/** Rebuilds the model a topology describes (weights freshly initialized; the caller loads the saved ones). */
export function buildFromTopology(check: Checker, t: TopologyJSON, tensors: ReadonlyMap<string, Tensor>): Model {
  const path = 'header.model';
  const wrap = <T>(where: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      return check.fail(`${where}: ${(e as Error).message}`);
    }
  };
  const byName = new Map<string, Layer>();
  t.layers.forEach((l, i) =>
    byName.set(
      l.name,
      wrap(`${path}.layers[${i}]`, () => {
        const layer = layerFromConfig(l.className, l.name, l.config);
        if (l.trainable === false) layer.trainable = false;
        return layer;
      }),
    ),
  );
  const used = new Set<string>();
  for (const n of t.nodes) used.add(n.layer);
  for (const l of t.layers) if (!used.has(l.name)) check.fail(`layer '${l.name}' is not used by any node`);
  checkWeightPlan(check, t, byName, tensors);
  let model: Model;
  if (t.className === 'Sequential') {
    const chain = t.nodes.every((n, i) => (i === 0 ? n.inputs.length === 0 : n.inputs.length === 1 && n.inputs[0] === i - 1));
    const first = byName.get(t.nodes[0]?.layer ?? '');
    if (!chain || !(first instanceof InputLayer) || t.inputs.join() !== '0' || t.outputs.join() !== String(t.nodes.length - 1) || t.nodes.length < 2) {
      check.fail(`${path}: a Sequential model must be a chain input → layer → ... → output`);
    }
    const rest = t.nodes.slice(1).map((n) => byName.get(n.layer)!);
    if (new Set(rest).size !== rest.length || rest.some((l) => l instanceof InputLayer)) check.fail(`${path}: a Sequential model applies each layer once`);
    model = wrap(path, () => {
      const m = first.textVectorization
        ? new Sequential([first.textVectorization, ...rest], { name: t.name, seed: t.seed })
        : new Sequential(rest, { inputShape: first.featureShape, name: t.name, seed: t.seed, dtype: first.inputDType });
      void m.weights; // builds the graph now
      return m;
    });
  } else {
    const syms: SymbolicTensor[] = [];
    const inputLayerUsed = new Set<Layer>();
    t.nodes.forEach((n, i) => {
      const layer = byName.get(n.layer)!;
      const p = `${path}.nodes[${i}]`;
      if (layer instanceof InputLayer) {
        if (n.inputs.length !== 0) check.fail(`${p}: an Input layer takes no inputs`);
        if (inputLayerUsed.has(layer)) check.fail(`${p}: Input layer '${layer.name}' is used by two nodes`);
        inputLayerUsed.add(layer);
        syms.push(layer.symbolic());
      } else {
        syms.push(wrap(p, () => layer.apply(n.inputs.map((j) => syms[j]))));
      }
    });
    model = wrap(path, () => new Model({ inputs: t.inputs.map((i) => syms[i]), outputs: t.outputs.map((i) => syms[i]), name: t.name, seed: t.seed }));
  }
  if (model.dtype !== t.dtype) check.fail(`${path}.dtype is '${t.dtype}' but the layers compute in '${model.dtype}'`);
  const names = model.weights.map((v) => v.name);
  if (names.join('\n') !== t.weights.join('\n')) {
    check.fail(`${path}.weights lists [${t.weights.join(', ')}] but the layers define [${names.join(', ')}]`);
  }
  return model;
}
