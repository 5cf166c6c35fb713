/**
 * biasRelu (relu(x + bias) in one pass, what a hidden Dense or Conv2D with relu computes) and reluGrad (relu's
 * gradient from its output): the bits of the composition relu(add(x, bias)) forward and backward, a float64
 * gradient check, and the layers that use it.
 */
import { describe, expect, it } from 'vitest';
import { add, grads, layers, matMul, mul, relu, sequential, sum, Tensor, tensor } from '../../src/index.js';
import { kernels, setKernels } from '../../src/kernels/index.js';
import { createWasmKernels } from '../../src/kernels/wasm/index.js';
import { conv2d, conv2dBiasRelu, conv2dBiasReluMaxPool } from '../../src/ops/conv.js';
import { maxPool } from '../../src/ops/pool.js';
import { biasRelu, reluGrad } from '../../src/ops/bias-relu.js';
import { expectSameValues } from '../kernels/spec-elementwise.js';
import { gradCheck } from '../helpers/gradcheck.js';
import { rng } from '../helpers/numbers.js';

function random(shape: number[], dtype: 'float32' | 'float64', seed: number, specials = false): Tensor {
  const rand = rng(seed);
  const n = shape.reduce((a, b) => a * b, 1);
  const values = dtype === 'float32' ? new Float32Array(n) : new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = (rand() - 0.5) * 4;
  if (specials) [0, -0, Infinity, -Infinity, NaN].forEach((v, i) => i * 5 < n && (values[i * 5] = v));
  return tensor(values, { shape, dtype });
}

describe('biasRelu', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: the bits of relu(add(x, bias)) and of its gradients`, () => {
      const x = random([6, 5, 7], dtype, 1, true);
      const bias = random([7], dtype, 2, true);
      const cotangent = random([6, 5, 7], dtype, 3);
      expectSameValues(biasRelu(x, bias).values, relu(add(x, bias)).values, 'forward');
      const fused = grads((a: Tensor, b: Tensor) => sum(mul(biasRelu(a, b), cotangent)))([x, bias]);
      const composed = grads((a: Tensor, b: Tensor) => sum(mul(relu(add(a, b)), cotangent)))([x, bias]);
      expectSameValues(fused[0].values, composed[0].values, 'dx');
      expectSameValues(fused[1].values, composed[1].values, 'dbias');
    });
  }

  it('passes the float64 gradient check (inputs away from the kink)', () => {
    const x = tensor([0.7, -1.3, 2.1, -0.4, 1.9, -2.2], { shape: [2, 3], dtype: 'float64' });
    const bias = tensor([0.25, 0.5, -0.75], { dtype: 'float64' });
    gradCheck((a, b) => biasRelu(a, b), [x, bias]);
    gradCheck((dy) => reluGrad(dy, biasRelu(x, bias)), [tensor([1.5, -0.5, 2, 0.25, -1, 3], { shape: [2, 3], dtype: 'float64' })]);
  });

  it('composes for int32 (relu keeps integers)', () => {
    const out = biasRelu(tensor([1, -5, 3, 0], { shape: [2, 2], dtype: 'int32' }), tensor([2, 1], { dtype: 'int32' }));
    expect(out.dtype).toBe('int32');
    expect(Array.from(out.values)).toEqual([3, 0, 5, 1]);
  });

  it('names the argument and what it expected', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3] });
    expect(() => biasRelu(x, tensor([1, 2]))).toThrow(/biasRelu: argument 'bias' must be a vector of 3 values \(x's last axis\), got/);
    expect(() => biasRelu(tensor(1), tensor([1]))).toThrow(/biasRelu: argument 'x' must be a tensor of rank ≥ 1/);
    expect(() => reluGrad(tensor([1, 2], { dtype: 'float64' }), tensor([1, 2]))).toThrow(/reluGrad: argument 'dy' must be a float32 tensor like y/);
    expect(() => reluGrad(tensor([1, 2, 3]), tensor([1, 2]))).toThrow(/reluGrad: argument 'dy' must be a tensor of y's shape \[2\]/);
  });
});

describe('conv2dBiasRelu', () => {
  const options = { strides: 1, padding: 'same' } as const;
  for (const dtype of ['float32', 'float64'] as const) {
    it(`${dtype}: the bits of biasRelu(conv2d(x, filter), bias) and of its gradients`, () => {
      const x = random([2, 6, 5, 3], dtype, 4, true);
      const filter = random([3, 3, 3, 4], dtype, 5);
      const bias = random([4], dtype, 6);
      const cotangent = random([2, 6, 5, 4], dtype, 7);
      expectSameValues(conv2dBiasRelu(x, filter, bias, options).values, biasRelu(conv2d(x, filter, options), bias).values, 'forward');
      const fused = grads((a: Tensor, f: Tensor, b: Tensor) => sum(mul(conv2dBiasRelu(a, f, b, options), cotangent)))([x, filter, bias]);
      const composed = grads((a: Tensor, f: Tensor, b: Tensor) => sum(mul(biasRelu(conv2d(a, f, options), b), cotangent)))([x, filter, bias]);
      for (const [i, what] of ['dx', 'dfilter', 'dbias'].entries()) expectSameValues(fused[i].values, composed[i].values, what);
    });
  }

  it('passes the float64 gradient check', () => {
    const x = random([1, 4, 4, 2], 'float64', 8);
    const filter = random([2, 2, 2, 3], 'float64', 9);
    const bias = tensor([0.3, -0.2, 0.1], { dtype: 'float64' });
    gradCheck((a, f, b) => conv2dBiasRelu(a, f, b), [x, filter, bias]);
  });

  it('names the argument and what it expected', () => {
    const x = random([1, 4, 4, 2], 'float32', 10);
    const filter = random([2, 2, 2, 3], 'float32', 11);
    expect(() => conv2dBiasRelu(x, filter, tensor([1, 2]))).toThrow(/conv2dBiasRelu.*'bias'.*3 values/);
    expect(() => conv2dBiasRelu(x, filter, tensor([1, 2, 3]), { stride: 2 } as never)).toThrow(/stride/);
  });
});

describe('a max pool over a biased relu: its gradient through the relu in one kernel call', () => {
  /** Runs f with the current set's maxPoolBackpropRelu counted; returns f's result and the count. */
  function counted<T>(f: () => T): [T, number] {
    const set = kernels();
    let calls = 0;
    setKernels({
      ...set,
      maxPoolBackpropRelu(...args) {
        calls++;
        set.maxPoolBackpropRelu(...args);
      },
    });
    try {
      return [f(), calls];
    } finally {
      setKernels(set);
    }
  }
  const pools = [
    ['2×2 windows', { poolSize: 2 }],
    ['overlapping 3×3 windows, stride 2, same', { poolSize: 3, strides: 2, padding: 'same' }],
  ] as const;
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, pool] of pools) {
      it(`${dtype}, ${name}: conv2dBiasRelu's gradients equal those of the unfused graph bit for bit`, () => {
        // Specials in x: NaN and infinite relu outputs, which the mask must keep.
        const x = random([2, 7, 6, 3], dtype, 30, true);
        const filter = random([3, 3, 3, 4], dtype, 31);
        const bias = random([4], dtype, 32);
        const options = { strides: 1, padding: 'same' } as const;
        const pooledShape = maxPool(conv2d(x, filter, options), pool).shape;
        // A cotangent with negative values and zeros: reluGrad's signed zeros must come out the same.
        const cotangent = random([...pooledShape], dtype, 33, true);
        const loss = (y: Tensor) => sum(mul(maxPool(y, pool), cotangent));
        const [fused, calls] = counted(() => grads((a: Tensor, f: Tensor, b: Tensor) => loss(conv2dBiasRelu(a, f, b, options)))([x, filter, bias]));
        const composed = grads((a: Tensor, f: Tensor, b: Tensor) => loss(relu(add(conv2d(a, f, options), b))))([x, filter, bias]);
        expect(calls).toBe(1);
        for (const [i, what] of ['dx', 'dfilter', 'dbias'].entries()) expectSameValues(fused[i].values, composed[i].values, what);
        // The specials' NaN reach some of dx, not all.
        expect(Array.from(fused[0].values).some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
        expect(Array.from(fused[0].values).some((v) => Number.isNaN(v))).toBe(true);
      });
    }
  }

  it("biasRelu's output too; not when the relu output has another use, or is what the gradient is asked for", () => {
    const x = random([2, 6, 6, 3], 'float32', 40);
    // One window whose relu outputs are all zero: the pool's own gradient reaches one of them, a relu's would not.
    for (const [r, c] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ])
      x.values[(r * 6 + c) * 3] = -10;
    const bias = random([3], 'float32', 41);
    const cotangent = random([2, 3, 3, 3], 'float32', 42);
    const pooled = (y: Tensor) => sum(mul(maxPool(y, { poolSize: 2 }), cotangent));
    const composed = grads((a: Tensor, b: Tensor) => pooled(relu(add(a, b))))([x, bias]);
    const [fused, calls] = counted(() => grads((a: Tensor, b: Tensor) => pooled(biasRelu(a, b)))([x, bias]));
    expect(calls).toBe(1);
    fused.forEach((t, i) => expectSameValues(t.values, composed[i].values, `gradient ${i}`));
    // A second use of the relu output: the pool's gradient is added to another before the relu's rule sees it.
    const twice = (y: Tensor) => add(pooled(y), sum(mul(y, 0.5)));
    const [shared, sharedCalls] = counted(() => grads((a: Tensor, b: Tensor) => twice(biasRelu(a, b)))([x, bias]));
    const sharedComposed = grads((a: Tensor, b: Tensor) => twice(relu(add(a, b))))([x, bias]);
    expect(sharedCalls).toBe(0);
    shared.forEach((t, i) => expectSameValues(t.values, sharedComposed[i].values, `shared gradient ${i}`));
    // The relu output as the source: its gradient is the pool's own, not taken through the relu.
    const y = biasRelu(x, bias);
    const [[dy], sourceCalls] = counted(() => grads((t: Tensor) => pooled(t))([y]));
    expect(sourceCalls).toBe(0);
    expect(dy.values[0]).toBe(cotangent.values[0]);
    expect(y.values[0]).toBe(0);
  });
});

describe('conv2dBiasReluMaxPool', () => {
  const options = { strides: 1, padding: 'same' } as const;
  const pools = [
    ['2×2 windows', { poolSize: 2 }],
    ['overlapping 3×3 windows, stride 2, same', { poolSize: 3, strides: 2, padding: 'same' }],
  ] as const;
  /** Runs f on the WebAssembly set (which keeps the convolution's output to itself), then restores the set. */
  async function onWasm<T>(f: () => T): Promise<T> {
    const previous = kernels();
    setKernels((await createWasmKernels({}))!);
    try {
      return f();
    } finally {
      setKernels(previous);
    }
  }
  for (const dtype of ['float32', 'float64'] as const) {
    for (const [name, pool] of pools) {
      for (const specials of [false, true]) {
        it(`${dtype}, ${name}${specials ? ', NaN and infinities in x' : ''}: the bits of maxPool(conv2dBiasRelu) and of its gradients, on the default and the WebAssembly set`, async () => {
          const x = random([3, 9, 8, 2], dtype, 50, specials);
          const filter = random([3, 3, 2, 5], dtype, 51);
          const bias = random([5], dtype, 52);
          const cotangent = random([...maxPool(conv2d(x, filter, options), pool).shape], dtype, 53, true);
          const fusedLoss = (a: Tensor, f: Tensor, b: Tensor) => sum(mul(conv2dBiasReluMaxPool(a, f, b, options, pool), cotangent));
          const plainLoss = (a: Tensor, f: Tensor, b: Tensor) => sum(mul(maxPool(relu(add(conv2d(a, f, options), b)), pool), cotangent));
          const run = () => {
            expectSameValues(
              conv2dBiasReluMaxPool(x, filter, bias, options, pool).values,
              maxPool(conv2dBiasRelu(x, filter, bias, options), pool).values,
              'forward',
            );
            const fused = grads(fusedLoss)([x, filter, bias]);
            const plain = grads(plainLoss)([x, filter, bias]);
            for (const [i, what] of ['dx', 'dfilter', 'dbias'].entries()) expectSameValues(fused[i].values, plain[i].values, what);
            // As an image's first layer: no gradient for x.
            const first = grads((f: Tensor, b: Tensor) => fusedLoss(x, f, b))([filter, bias]);
            const firstPlain = grads((f: Tensor, b: Tensor) => plainLoss(x, f, b))([filter, bias]);
            for (const [i, what] of ['first layer dfilter', 'first layer dbias'].entries()) expectSameValues(first[i].values, firstPlain[i].values, what);
            return fused;
          };
          const fused = run();
          expect(Array.from(fused[0].values).some((v) => v !== 0 && Number.isFinite(v))).toBe(true);
          await onWasm(run);
        });
      }
    }
  }

  it('passes the float64 gradient check', () => {
    const x = random([2, 6, 6, 2], 'float64', 60);
    const filter = random([3, 3, 2, 3], 'float64', 61);
    const bias = tensor([0.3, -0.2, 0.1], { dtype: 'float64' });
    gradCheck((a, f, b) => conv2dBiasReluMaxPool(a, f, b, { padding: 'same' }, { poolSize: 2 }), [x, filter, bias]);
  });

  it('names the argument and what it expected', () => {
    const x = random([1, 4, 4, 2], 'float32', 62);
    const filter = random([2, 2, 2, 3], 'float32', 63);
    expect(() => conv2dBiasReluMaxPool(x, filter, tensor([1, 2]), undefined, { poolSize: 2 })).toThrow(/conv2dBiasReluMaxPool.*'bias'.*3 values/);
    expect(() => conv2dBiasReluMaxPool(x, filter, tensor([1, 2, 3]), undefined, { poolSize: 2, stride: 2 } as never)).toThrow(/stride/);
    expect(() => conv2dBiasReluMaxPool(x, filter, tensor([1, 2, 3]), undefined, { poolSize: 9 })).toThrow(/conv2dBiasReluMaxPool/);
  });
});

describe('Dense and Conv2D with relu', () => {
  const cases = [
    ['dense', () => layers.dense({ units: 6, activation: 'relu', inputShape: [5] }), [4, 5]],
    ['conv2d', () => layers.conv2d({ filters: 3, kernelSize: 2, activation: 'relu', inputShape: [4, 4, 2] }), [2, 4, 4, 2]],
  ] as const;
  for (const [name, make, shape] of cases) {
    it(`${name}: a hidden layer's fused output and gradients equal the unfused ones bit for bit`, () => {
      const model = sequential([make()], { seed: 5 });
      const layer = model.layers[model.layers.length - 1];
      const weights = model.weights.map((v) => v.value);
      // A bias that matters (the initializer's zeros would hide a missing add).
      weights[1] = random([weights[1].size], 'float32', 6);
      const x = random([...shape], 'float32', 7);
      const hidden = layer.call([x], weights, { training: false, rng: null });
      const head = layer.call([x], weights, { training: false, rng: null, preActivation: true });
      expect(hidden.preActivation).toBeUndefined();
      expectSameValues(hidden.output.values, head.output.values, 'output');
      expectSameValues(relu(head.preActivation!).values, head.output.values, 'head output = relu(preActivation)');
      const cotangent = random([...hidden.output.shape], 'float32', 8);
      const g = (preActivation: boolean) =>
        grads((...ws: Tensor[]) => sum(mul(layer.call([x], ws, { training: false, rng: null, preActivation }).output, cotangent)))(weights);
      const [fused, plain] = [g(false), g(true)];
      fused.forEach((t, i) => expectSameValues(t.values, plain[i].values, `gradient of weight ${i}`));
    });
  }

  it('predictLogits of a model whose output layer is a relu still gives the values before the relu', () => {
    const model = sequential([layers.dense({ units: 4, activation: 'relu', inputShape: [3] }), layers.dense({ units: 3, activation: 'relu' })], { seed: 9 });
    model.setWeights(model.weights.map((v, i) => (i % 2 === 1 ? random([v.size], 'float32', 10 + i) : v.value)));
    const x = random([5, 3], 'float32', 20);
    const [w0, b0, w1, b1] = model.weights.map((v) => v.value);
    const z = model.predictLogits(x);
    expectSameValues(z.values, add(matMul(relu(add(matMul(x, w0), b0)), w1), b1).values, 'predictLogits');
    expect(Array.from(z.values).some((v) => v < 0)).toBe(true);
    expectSameValues(model.predict(x).values, relu(z).values, 'predict = relu(predictLogits)');
  });
});
