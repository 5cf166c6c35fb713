/**
 * saliencyMap: ∂z_k/∂x by autograd through a model's forward pass equals central finite differences on a small
 * float64 CNN (convolution, relu, max and average pooling, flatten, dense, dropout in inference), and the exact
 * kernel column for a linear model; saliencySvg is a well-formed standalone SVG with the three panels.
 */
import { describe, expect, it } from 'vitest';
import { input, layers, model, tensor, type Model, type Tensor } from '../../src/index.js';
import { divergingColor, heatColor, saliencyMap, saliencySvg } from '../../src/explain/saliency.js';
import { Random } from '../../src/tensor/random.js';
import { checkSvg } from '../helpers/svg.js';

const logitsOf = (net: Model) => (x: Tensor) => {
  const r = net.forward([x]);
  return r.preActivation ?? r.outputs[0];
};

/** A small float64 CNN with every image layer the CLI builds, and random weights. */
function smallCnn(): Model {
  const x = input({ shape: [7, 6, 2], dtype: 'float64' });
  let h = layers.conv2d({ filters: 3, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  h = layers.conv2d({ filters: 4, kernelSize: 2, activation: 'tanh' }).apply(h);
  h = layers.averagePooling2d({ poolSize: 2, padding: 'same' }).apply(h);
  h = layers.flatten().apply(h);
  h = layers.dense({ units: 5, activation: 'relu' }).apply(h);
  h = layers.dropout({ rate: 0.4 }).apply(h);
  const z = layers.dense({ units: 3 }).apply(h);
  const net = model({ inputs: x, outputs: z, seed: 11 });
  // Biases away from 0 too, so the relus are not all at their kink.
  const rand = new Random(3);
  net.setWeights(
    net.weights.map((v) =>
      tensor(
        Array.from({ length: v.size }, () => rand.uniform(-0.8, 0.8)),
        { shape: [...v.shape], dtype: 'float64' },
      ),
    ),
  );
  return net;
}

describe('saliencyMap', () => {
  const net = smallCnn();
  const rand = new Random(5);
  const sample = tensor(
    Array.from({ length: 7 * 6 * 2 }, () => rand.uniform(0, 1)),
    { shape: [7, 6, 2], dtype: 'float64' },
  );
  const z = (x: Tensor) => Array.from(net.predictLogits(tensor(x.values, { shape: [1, ...x.shape], dtype: 'float64' })).values);

  it('is the gradient of the winning logit: central finite differences agree on every pixel (float64)', () => {
    const s = saliencyMap(logitsOf(net), sample);
    const z0 = z(sample);
    expect(s.classId).toBe(z0.indexOf(Math.max(...z0)));
    expect(s.logit).toBe(z0[s.classId]);
    expect(s.gradient.shape).toEqual([7, 6, 2]);
    expect(s.gradient.dtype).toBe('float64');
    const h = 1e-6;
    let nonzero = 0;
    for (let i = 0; i < sample.size; i++) {
      const up = Float64Array.from(sample.values);
      const down = Float64Array.from(sample.values);
      up[i] += h;
      down[i] -= h;
      const fd =
        (z(tensor(up, { shape: [7, 6, 2], dtype: 'float64' }))[s.classId] - z(tensor(down, { shape: [7, 6, 2], dtype: 'float64' }))[s.classId]) / (2 * h);
      expect(Math.abs(s.gradient.values[i] - fd), `pixel ${i}: autograd ${s.gradient.values[i]}, finite differences ${fd}`).toBeLessThan(
        1e-7 + 1e-6 * Math.abs(fd),
      );
      if (s.gradient.values[i] !== 0) nonzero++;
    }
    // The test means something only if the gradient is not zero almost everywhere.
    expect(nonzero).toBeGreaterThan(sample.size / 2);
  });

  it('of another class when asked; a class id out of range is an error naming it', () => {
    const z0 = z(sample);
    for (let k = 0; k < 3; k++) {
      const s = saliencyMap(logitsOf(net), sample, { classId: k });
      expect(s.classId).toBe(k);
      expect(s.logit).toBe(z0[k]);
    }
    expect(() => saliencyMap(logitsOf(net), sample, { classId: 3 })).toThrow(/saliencyMap: argument 'classId' must be a class id in \[0, 2\], got 3/);
    expect(() => saliencyMap('f' as never, sample)).toThrow(/saliencyMap: argument 'logits' must be a function/);
    expect(() => saliencyMap((x) => x, sample)).toThrow(/saliencyMap: argument 'logits' must be a function returning logits of shape \[1, classes\]/);
  });

  it('of a linear model is the kernel column of the class, exactly', () => {
    const x = input({ shape: [4], dtype: 'float64' });
    const lin = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(x), seed: 2 });
    const s = saliencyMap(logitsOf(lin), tensor([0.1, 0.9, 0.4, 0.2], { dtype: 'float64' }), { classId: 1 });
    const K = lin.weights[0].value.values; // [4, 3]
    expect(Array.from(s.gradient.values)).toEqual([0, 1, 2, 3].map((j) => K[j * 3 + 1]));
  });
});

describe('saliencySvg', () => {
  const H = 5;
  const W = 4;
  const pixels = Array.from({ length: H * W }, (_, i) => (i % 3) / 2);
  const gradient = Array.from({ length: H * W }, (_, i) => (i - 7) / 10);

  it('is a well-formed standalone SVG: the image, |gradient| and the signed gradient, with colour bars', () => {
    const svg = saliencySvg({ pixels, gradient, height: H, width: W, title: 'example <3> & "class"', logitName: 'z[7]' });
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const names = checkSvg(svg);
    expect(names[0]).toBe('svg');
    expect(names.filter((n) => n === 'g')).toHaveLength(3);
    expect(svg).toContain('example &lt;3&gt; &amp; &quot;class&quot;');
    expect(svg).toContain('|∂z[7]/∂x| / max (max 1.20)');
    expect(svg).toContain('∂z[7]/∂x (blue −, red +)');
    expect(svg).not.toMatch(/<script|href=/);
    // The largest |g| (pixel 19, +1.2) is the darkest heat colour and the full red of the diverging map.
    expect(svg).toContain(`fill="${heatColor(1)}"`);
    expect(svg).toContain(`fill="${divergingColor(1)}"`);
    // g = −0.7 (pixel 0) is blue.
    expect(svg).toContain(`fill="${divergingColor(-0.7 / 1.2)}"`);
  });

  it('colour maps: white at 0, dark red at |g| = max; blue, white, red for −1, 0, +1', () => {
    expect(heatColor(0)).toBe('#ffffff');
    expect(heatColor(1)).toBe('#8c0000');
    expect([divergingColor(-1), divergingColor(0), divergingColor(1)]).toEqual(['#0000ff', '#ffffff', '#ff0000']);
  });

  it('several channels: each pixel shows its channel of largest |gradient|; an all-zero gradient draws no cell', () => {
    const two = saliencySvg({ pixels: new Array(8).fill(0), gradient: [0.1, -0.5, 0.2, 0.1, 0, 0, 0.05, 0.01], height: 2, width: 2, channels: 2 });
    checkSvg(two);
    expect(two).toContain(`fill="${divergingColor(-1)}"`);
    const flat = saliencySvg({ pixels: [0, 0, 0, 0], gradient: [0, 0, 0, 0], height: 2, width: 2 });
    checkSvg(flat);
    expect(flat).toContain('(max 0.00)');
  });

  it('errors name what was expected', () => {
    expect(() => saliencySvg({ pixels, gradient: gradient.slice(1), height: H, width: W })).toThrow(/saliencySvg: argument 'gradient' must be 20 values/);
    expect(() => saliencySvg({ pixels, gradient, height: 0, width: W })).toThrow(/saliencySvg: argument 'height'/);
  });
});
