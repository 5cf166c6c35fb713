import { describe, expect, it } from 'vitest';
import { createNativeKernels, hasNativeKernels } from '../../src/kernels/native/index.js';
import { loadNativeAddon } from '../../src/kernels/native/addon.js';

// Misuse of the public Kernels interface (and of the raw module) must throw, never read or write outside the arrays.
// Before the fix each of these crashed the process (SIGSEGV) or read memory outside the typed array.
describe.runIf(await hasNativeKernels())('native kernels: bad sizes throw instead of touching memory', async () => {
  const k = (await createNativeKernels())!;
  const addon = (await loadNativeAddon())!;
  it('matMul with a negative batch stride', () => {
    const big = new Float64Array([111, 222, 333, 444, 1, 1, 1, 1]);
    expect(() => k.matMul(big.subarray(4), new Float64Array(4), new Float64Array(2), 2, 1, 4, 1, false, false, -4, 0)).toThrow(RangeError);
    expect(() => k.matMul(new Float64Array(0), new Float64Array(1e6), new Float64Array(2e6), 2, 1000, 1000, 1000, false, false, -1e6, 0)).toThrow();
  });
  it('matMul whose batch·m·n overflows', () => {
    const z = new Float64Array(0);
    expect(() => addon.matMul(z, z, z, 16, 2 ** 30, 0, 2 ** 30, false, false, 0, 0, false, 1)).toThrow();
  });
  it('the softmax family with a negative row length', () => {
    expect(() => k.softmax(new Float32Array(4), 2, -1, 1, new Float32Array(4))).toThrow(RangeError);
    expect(() => k.logSoftmax(new Float64Array(4), 2, -1, 1, new Float64Array(4))).toThrow(RangeError);
    expect(() => k.softmaxCrossEntropy(new Float32Array(4), new Float32Array(4), 2, -1, 1, new Float32Array(2), new Float32Array(4))).toThrow(RangeError);
  });
  it('sum whose outer·n·inner overflows', () => {
    expect(() => k.reduce('sum', new Float64Array(8), 2, -(2 ** 63), 1, new Float64Array(2))).toThrow();
  });
  it('binary whose rows·cols overflows', () => {
    expect(() => addon.binary(0, new Float32Array(0), new Float32Array(2), new Float32Array(0), -(2 ** 63), 2, 2, false)).toThrow();
  });
  it('the raw module: a short array is a RangeError, a wrong type a TypeError (DESIGN.md)', () => {
    const f32 = (n: number) => new Float32Array(n);
    expect(() => addon.matMul(f32(4), f32(4), f32(3), 1, 2, 2, 2, false, false, 0, 0, false, 1)).toThrow(RangeError);
    expect(() => addon.matMul(f32(4), new Float64Array(4), f32(4), 1, 2, 2, 2, false, false, 0, 0, false, 1)).toThrow(TypeError);
    expect(() => addon.adamUpdate(f32(4), f32(4), f32(3), f32(4), f32(4), 0.9, 0.999, 1e-8, 1e-3, 1, 1, 0, 1)).toThrow(RangeError);
    expect(() => addon.binary(0, f32(4), f32(4), f32(3), 2, 2, 0, false)).toThrow(RangeError);
    expect(() => addon.binary(7, f32(4), f32(4), f32(4), 2, 2, 0, false)).toThrow(TypeError);
    expect(() => addon.relu(f32(4), f32(3), false)).toThrow(RangeError);
    expect(() => addon.relu(f32(4), new Float64Array(4), false)).toThrow(TypeError);
    expect(() => addon.sum(f32(5), 2, 3, 1, f32(2))).toThrow(RangeError);
    expect(() => addon.sum(f32(6), 2, 3, 1, new Int32Array(2))).toThrow(TypeError);
    expect(() => addon.softmax(f32(6), f32(5), 2, 3, 1)).toThrow(RangeError);
    expect(() => addon.biasRelu(f32(6), f32(4), f32(6))).toThrow(/biasRelu: x and out must have one length, a multiple of bias's/);
    expect(() => addon.biasRelu(f32(6), f32(0), f32(6))).toThrow(RangeError);
    expect(() => addon.biasRelu(f32(6), new Float64Array(3), f32(6))).toThrow(/biasRelu: the arrays must all be Float32Array or all Float64Array/);
    expect(() => addon.reluGrad(f32(4), f32(4), f32(3))).toThrow(RangeError);
    expect(() => addon.reluGrad(f32(4), new Int32Array(4), f32(4))).toThrow(TypeError);
  });
  it('adamUpdate with mixed or int32 arrays', () => {
    const n = 1 << 16;
    expect(() =>
      addon.adamUpdate(
        new Float64Array(n),
        new Float32Array(n),
        new Float32Array(n),
        new Float32Array(n),
        new Float64Array(n),
        0.9,
        0.999,
        1e-8,
        1e-3,
        1,
        1,
        0,
        1,
      ),
    ).toThrow(TypeError);
    expect(() =>
      addon.adamUpdate(new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n), new Int32Array(n), 0.9, 0.999, 1e-8, 1e-3, 1, 1, 0, 1),
    ).toThrow(TypeError);
  });
});
