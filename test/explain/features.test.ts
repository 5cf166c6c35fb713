/**
 * featurePath / featureSummary / renderFeatures: where the last layer's features f come from (the layers that
 * compute them, in order, with their shapes) and what f holds.
 */
import { describe, expect, it } from 'vitest';
import { buildMlpClassifier, input, layers, model, sequential, tensor } from '../../src/index.js';
import { describeLayer, featurePath, featureSummary, renderFeatures } from '../../src/explain/features.js';

describe('featurePath', () => {
  it("the issue's CNN: every layer before the last dense one, with Keras's shapes", () => {
    const net = sequential(
      [
        layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', inputShape: [28, 28, 1] }),
        layers.maxPooling2d({ poolSize: 2 }),
        layers.conv2d({ filters: 64, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
        layers.averagePooling2d({ poolSize: 2, strides: 1 }),
        layers.flatten(),
        layers.dense({ units: 128, activation: 'relu' }),
        layers.dropout({ rate: 0.3 }),
        layers.dense({ units: 10 }),
      ],
      { seed: 1 },
    );
    const path = featurePath(net);
    expect(path.map((s) => [s.className, s.outputShape, s.description])).toEqual([
      ['Input', [28, 28, 1], 'the example'],
      ['Conv2D', [26, 26, 32], '32 filters 3×3, valid padding, relu'],
      ['MaxPooling2D', [13, 13, 32], 'max of each 2×2 window'],
      ['Conv2D', [7, 7, 64], '64 filters 3×3, stride 2×2, same padding, relu'],
      ['AveragePooling2D', [6, 6, 64], 'average of each 2×2 window, stride 1×1'],
      ['Flatten', [2304], 'the values in one row (row-major, channels last)'],
      ['Dense', [128], '128 units, relu'],
      ['Dropout', [128], 'rate 0.3: the identity at inference'],
    ]);
    expect(path[1].params).toBe(320);
  });

  it('an MLP: the normalization and the hidden layers; a linear model: the input alone', () => {
    const x = tensor([
      [0, 1],
      [2, 3],
    ]);
    const mlp = buildMlpClassifier([2], { hidden: [4], classes: 3, seed: 0, standardizeOn: x });
    expect(featurePath(mlp).map((s) => s.className)).toEqual(['Input', 'Normalization', 'Dense']);
    const linear = buildMlpClassifier([2], { hidden: [], classes: 3, seed: 0, standardizeOn: null });
    expect(featurePath(linear).map((s) => s.className)).toEqual(['Input']);
  });

  it('a graph: only the ancestors of the last layer input, in topological order', () => {
    const x = input({ shape: [3] });
    const a = layers.dense({ units: 3, name: 'a' }).apply(x);
    const b = layers.dense({ units: 3, name: 'b' }).apply(x);
    const sum = layers.add({ name: 'sum' }).apply([a, b]);
    const net = model({ inputs: x, outputs: layers.dense({ units: 2, name: 'out' }).apply(sum), seed: 0 });
    const path = featurePath(net);
    expect(path.map((s) => s.className)).toEqual(['Input', 'Dense', 'Dense', 'Add']);
    expect(path.slice(1).map((s) => s.layer)).toEqual(['a', 'b', 'sum']);
  });

  it('describeLayer falls back on the class name', () => {
    expect(describeLayer('Mystery', {}, 'tanh')).toBe('Mystery, tanh');
    expect(describeLayer('BatchNormalization', {}, 'linear')).toBe('at inference: the moving mean and variance learnt in training');
    expect(describeLayer('GlobalAveragePooling2D', {}, 'linear')).toBe('the mean of each channel over the image');
  });
});

describe('featureSummary and renderFeatures', () => {
  it('count, zeros, range, mean and the largest values (ties by index)', () => {
    expect(featureSummary([0, 3, 0, 1, 3, -1], 3)).toEqual({
      count: 6,
      zeros: 2,
      min: -1,
      max: 3,
      mean: 1,
      top: [
        { unit: 1, value: 3 },
        { unit: 4, value: 3 },
        { unit: 3, value: 1 },
      ],
    });
  });

  it('text: a line per layer and the summary; md: a table', () => {
    const net = sequential([layers.flatten({ inputShape: [2, 2, 1] }), layers.dense({ units: 2 })], { seed: 0 });
    const path = featurePath(net);
    const s = featureSummary([0.5, 0, 0.25, 1], 2);
    const text = renderFeatures(path, s, 'dense_1');
    expect(text).toBe(
      [
        'The features f: the input of the last layer (dense_1), computed from the [2, 2, 1] image by',
        '  flatten_1 (Flatten)  the values in one row (row-major, channels last)  [4]',
        'f has 4 values: 1 are 0, min 0, max 1, mean 0.4375; the largest: f[3] = 1, f[0] = 0.5',
        '',
      ].join('\n'),
    );
    const md = renderFeatures(path, s, 'dense_1', 'md');
    expect(md).toContain('| flatten\\_1 (Flatten) | the values in one row (row-major, channels last) | \\[4\\] |');
    const bare = renderFeatures(path.slice(0, 1), s, 'dense_1');
    expect(bare.split('\n')[0]).toBe('The features f: the input of the last layer (dense_1) is the [2, 2, 1] image itself.');
  });
});
