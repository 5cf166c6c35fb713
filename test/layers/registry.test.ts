/**
 * The layer registry: every class round-trips through its saved config (and a model file's check of it), unknown
 * config keys are rejected, and a new layer needs only its definition in a list (here a test-local one).
 */
import { describe, expect, it } from 'vitest';
import { Layer, layers, LAYERS, layerFactories, layerFromConfig, isLibraryLayer, type LayerDefinition, type Tensor } from '../../src/index.js';
import type { SymbolicShape } from '../../src/layers/layer.js';
import { Checker } from '../../src/io/validate.js';
import { denseLayer } from '../../src/layers/dense.js';

const examples: Record<string, Record<string, unknown>> = {
  Input: { shape: [3, 2], dtype: 'float64' },
  Dense: { units: 4, activation: 'relu', useBias: false, kernelInitializer: 'heNormal', biasInitializer: 'ones', dtype: 'float64' },
  Activation: { activation: 'softmax' },
  Add: { dtype: 'float32' },
  Normalization: { epsilon: 0.01 },
  Conv2D: { filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'relu', useBias: false, kernelInitializer: 'heUniform' },
  MaxPooling2D: { poolSize: 3, strides: [1, 2], padding: 'same' },
  AveragePooling2D: { poolSize: [2, 1] },
  GlobalAveragePooling2D: { dtype: 'float64' },
  Flatten: {},
  Reshape: { targetShape: [-1, 4] },
  Dropout: { rate: 0.25 },
  BatchNormalization: { momentum: 0.9, epsilon: 1e-5, center: false },
  Embedding: { inputDim: 7, outputDim: 3, embeddingsInitializer: 'glorotUniform', maskZero: true, dtype: 'float64' },
  GlobalAveragePooling1D: { dtype: 'float64' },
};

describe('layer registry', () => {
  it('every layer class round-trips through getConfig, the file check and layerFromConfig', () => {
    for (const name of LAYERS.names()) {
      expect(examples[name], `a round-trip example for '${name}'`).toBeDefined();
      const def = LAYERS.get('test', 'name', name) as LayerDefinition<string | null, Record<string, unknown>>;
      const layer = def.create({ ...examples[name], name: 'l1' });
      const saved = JSON.parse(JSON.stringify(layer.getConfig()));
      const checked = def.readConfig(new Checker('test', 'a file'), 'config', saved);
      const again = layerFromConfig(name, 'l1', checked);
      expect(again.className).toBe(name);
      expect(again.getConfig()).toEqual(layer.getConfig());
      expect(isLibraryLayer(again)).toBe(true);
      expect(() => def.create({ ...examples[name], nme: 'x' })).toThrow(/unknown option 'nme'/);
    }
  });

  it('layers.* are the factories of the list, and textVectorization (raw strings in: not a layer class)', () => {
    expect(Object.keys(layers).sort()).toEqual([
      'activation',
      'add',
      'averagePooling2d',
      'batchNormalization',
      'conv2d',
      'dense',
      'dropout',
      'embedding',
      'flatten',
      'globalAveragePooling1d',
      'globalAveragePooling2d',
      'maxPooling2d',
      'normalization',
      'reshape',
      'textVectorization',
    ]);
    expect(layers.dense({ units: 2 }).className).toBe('Dense');
    expect(layers.add().className).toBe('Add');
  });

  it('a new layer is one definition in a list: its factory comes with it', () => {
    class Scale extends Layer {
      readonly className = 'Scale';
      protected readonly namePrefix = 'scale';
      constructor(readonly factor: number) {
        super(undefined, undefined, 'layers.scale');
      }
      computeOutputShape(shapes: readonly SymbolicShape[]): SymbolicShape {
        return shapes[0];
      }
      call(inputs: readonly Tensor[]) {
        return { output: inputs[0] };
      }
      getConfig() {
        return { factor: this.factor };
      }
    }
    const scaleLayer: LayerDefinition<'scale', { factor: number }, Scale> = {
      name: 'Scale',
      factory: 'scale',
      type: Scale,
      create: (c) => new Scale(c.factor),
      readConfig: (check, path, v) => check.object(path, v, ['factor'], ['factor']),
    };
    const local = layerFactories([denseLayer, scaleLayer] as const);
    expect(local.scale({ factor: 2 }).factor).toBe(2);
    expect(local.dense({ units: 3 }).units).toBe(3);
    expect(isLibraryLayer(local.scale({ factor: 2 }))).toBe(false);
  });
});
