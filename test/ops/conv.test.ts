/**
 * conv2d, maxPool, avgPool and convOutputSize: values and gradients against PyTorch in float64
 * (fixtures/conv/make_fixtures.py, TensorFlow's padding rules), float32 against float64, the gradient ops the
 * recorded rules call, allocation under the training loop's recycler, and one test per kind of bad argument.
 * The finite-difference gradient checks are in grad-conv.test.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { avgPool, cast, conv2d, convOutputSize, maxPool, tensor, valueAndGrads, type Conv2dOptions, type Pool2dOptions, type Tensor } from '../../src/index.js';
import { conv2dBackpropFilter, conv2dBackpropInput } from '../../src/ops/conv.js';
import { avgPoolBackprop, maxPoolBackprop } from '../../src/ops/pool.js';
import { BufferRecycler } from '../../src/tensor/recycler.js';
import { expectClose } from '../helpers/numbers.js';

type Nested = number[][][][];
interface Case {
  name: string;
  op: 'conv2d' | 'maxPool' | 'avgPool';
  options: Conv2dOptions & Partial<Pool2dOptions>;
  x: Nested;
  filter?: Nested;
  expected: Nested;
  dy: Nested;
  dx: Nested;
  dFilter?: Nested;
  /** TensorFlow's padding [top, bottom, left, right] the script applied. */
  padding: [number, number, number, number];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/conv/conv-torch.json', import.meta.url), 'utf8')) as { cases: Case[] };
const f64 = (v: Nested) => tensor(v, { dtype: 'float64' });
const flat = (v: Nested) => v.flat(3);
const shapeOf = (v: Nested) => [v.length, v[0].length, v[0][0].length, v[0][0][0].length];

/** The op of a case as a function of its differentiable inputs. */
function opOf(c: Case): (...xs: Tensor[]) => Tensor {
  if (c.op === 'conv2d') return (x, w) => conv2d(x, w, c.options);
  if (c.op === 'maxPool') return (x) => maxPool(x, c.options as Pool2dOptions);
  return (x) => avgPool(x, c.options as Pool2dOptions);
}

function inputsOf(c: Case): Tensor[] {
  return c.filter ? [f64(c.x), f64(c.filter)] : [f64(c.x)];
}

/** |actual − expected| ≤ rtol·(|expected| + the largest |expected|): relative to the values' scale. */
function expectRelative(actual: ArrayLike<number>, expected: number[], rtol: number, what: string): void {
  const scale = Math.max(...expected.map(Math.abs));
  expectClose(actual, expected, rtol, rtol * scale, what);
}

const cases = fixture.cases.map((c) => [c.name, c] as const);

describe('matches PyTorch (float64, 1e-12 relative): values and gradients of sum(dy · y)', () => {
  it('covers the grid of the brief', () => {
    const names = fixture.cases.map((c) => c.name).join('\n');
    for (const p of ['stride 2', 'dilation 2', 'same', 'valid', 'odd sizes', 'batch 2', '1x1', 'F.pad']) expect(names).toContain(p);
    expect(fixture.cases.filter((c) => c.op === 'conv2d').length).toBeGreaterThanOrEqual(10);
    expect(fixture.cases.filter((c) => c.op === 'maxPool').length).toBeGreaterThanOrEqual(6);
    expect(fixture.cases.filter((c) => c.op === 'avgPool').length).toBeGreaterThanOrEqual(6);
  });

  it.each(cases)('%s', (_name, c) => {
    const { value, grads } = valueAndGrads(opOf(c))(inputsOf(c), f64(c.dy));
    expect([...value.shape]).toEqual(shapeOf(c.expected));
    expect(value.dtype).toBe('float64');
    expectRelative(value.values, flat(c.expected), 1e-12, 'y');
    expectRelative(grads[0].values, flat(c.dx), 1e-12, 'dx');
    if (c.dFilter) expectRelative(grads[1].values, flat(c.dFilter), 1e-12, 'dFilter');
  });

  it.each(cases)('convOutputSize gives the padding the script applied: %s', (_name, c) => {
    const [, h, w] = shapeOf(c.x);
    const [, oh, ow] = shapeOf(c.expected);
    const pair = (v: number | readonly [number, number] | undefined, d: number) => (v === undefined ? [d, d] : typeof v === 'number' ? [v, v] : v);
    const f = c.filter ? shapeOf(c.filter).slice(0, 2) : pair(c.options.poolSize, 1);
    const s = pair(c.options.strides, 1);
    const strides = c.filter ? s : pair(c.options.strides ?? c.options.poolSize, 1);
    const d = pair(c.options.dilations, 1);
    const padding = c.options.padding ?? 'valid';
    const rows = convOutputSize(c.op, 'x', h, f[0], strides[0], d[0], padding);
    const cols = convOutputSize(c.op, 'x', w, f[1], strides[1], d[1], padding);
    expect([rows.size, cols.size]).toEqual([oh, ow]);
    expect([rows.padBefore, cols.padBefore]).toEqual([c.padding[0], c.padding[2]]);
  });
});

describe('float32 agrees with float64 within float32 tolerance', () => {
  it.each(cases)('%s', (_name, c) => {
    const xs = inputsOf(c).map((t) => cast(t, 'float32'));
    const { value, grads } = valueAndGrads(opOf(c))(xs, cast(f64(c.dy), 'float32'));
    expect(value.dtype).toBe('float32');
    expect(grads.map((g) => g.dtype)).toEqual(xs.map(() => 'float32'));
    // The inputs were rounded to float32 (relative 6e-8 each); the sums are short, accumulated in float64, rounded once.
    expectRelative(value.values, flat(c.expected), 1e-6, 'y');
    expectRelative(grads[0].values, flat(c.dx), 1e-6, 'dx');
    if (c.dFilter) expectRelative(grads[1].values, flat(c.dFilter), 1e-6, 'dFilter');
  });

  it('float32 outputs are the float64 results on the same (float32) inputs rounded, to an ulp or two', () => {
    const c = fixture.cases[0];
    const x32 = cast(f64(c.x), 'float32');
    const w32 = cast(f64(c.filter!), 'float32');
    const y32 = conv2d(x32, w32).values;
    const y64 = conv2d(cast(x32, 'float64'), cast(w32, 'float64')).values;
    for (let i = 0; i < y64.length; i++) expect(Math.abs(y32[i] - y64[i])).toBeLessThanOrEqual(2 ** -23 * Math.abs(y64[i]) + 1e-30);
  });
});

describe('semantics', () => {
  it('nested arrays are float32 tensors; defaults are strides 1, padding valid, dilations 1', () => {
    const x = [
      [
        [[1], [2], [3]],
        [[4], [5], [6]],
        [[7], [8], [9]],
      ],
    ];
    const w = [
      [[[1]], [[0]]],
      [[[0]], [[-1]]],
    ];
    const y = conv2d(x, w);
    expect(y.dtype).toBe('float32');
    expect([...y.shape]).toEqual([1, 2, 2, 1]);
    expect(Array.from(y.values)).toEqual([1 - 5, 2 - 6, 4 - 8, 5 - 9]);
    expect(Array.from(conv2d(x, w, { strides: 1, padding: 'valid', dilations: 1 }).values)).toEqual(Array.from(y.values));
  });

  it("'same' keeps the size at stride 1 and puts the odd padding row at the bottom (a 2x2 filter sees no row above)", () => {
    const x = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1], dtype: 'float64' });
    const w = tensor([1, 10, 100, 1000], { shape: [2, 2, 1, 1], dtype: 'float64' });
    const y = conv2d(x, w, { padding: 'same' });
    expect([...y.shape]).toEqual([1, 2, 2, 1]);
    // y[0,0] = 1·1 + 2·10 + 3·100 + 4·1000; y[0,1] = 2·1 + 3·100... (no column to the right of 2: zeros)
    expect(Array.from(y.values)).toEqual([4321, 2 + 4 * 100, 3 + 4 * 10, 4]);
  });

  it('maxPool propagates NaN; avgPool does not count the padding', () => {
    const x = tensor([1, NaN, 3, 4], { shape: [1, 2, 2, 1], dtype: 'float64' });
    expect(Array.from(maxPool(x, { poolSize: 2 }).values)).toEqual([NaN]);
    const y = tensor([1, 2, 3, 4], { shape: [1, 2, 2, 1], dtype: 'float64' });
    // 3x3 windows with 'same' padding at stride 1: every window holds the 4 elements, the mean is 2.5.
    expect(Array.from(avgPool(y, { poolSize: 3, strides: 1, padding: 'same' }).values)).toEqual([2.5, 2.5, 2.5, 2.5]);
  });

  it('empty batches and channels are allowed', () => {
    expect([...conv2d(tensor([], { shape: [0, 3, 3, 2] }), tensor(new Array(2 * 2 * 2 * 4).fill(1), { shape: [2, 2, 2, 4] })).shape]).toEqual([0, 2, 2, 4]);
    const noChannels = conv2d(tensor([], { shape: [1, 3, 3, 0] }), tensor([], { shape: [2, 2, 0, 3] }));
    expect(Array.from(noChannels.values)).toEqual(new Array(12).fill(0));
    expect([...maxPool(tensor([], { shape: [1, 4, 4, 0] }), { poolSize: 2 }).shape]).toEqual([1, 2, 2, 0]);
  });

  it('convOutputSize: TensorFlow rules', () => {
    expect(convOutputSize('op', 'x', 7, 3, 2, 1, 'same')).toEqual({ size: 4, padBefore: 1, padAfter: 1 });
    expect(convOutputSize('op', 'x', 8, 3, 2, 1, 'same')).toEqual({ size: 4, padBefore: 0, padAfter: 1 });
    expect(convOutputSize('op', 'x', 8, 4, 1, 1, 'same')).toEqual({ size: 8, padBefore: 1, padAfter: 2 });
    expect(convOutputSize('op', 'x', 5, 1, 3, 1, 'same')).toEqual({ size: 2, padBefore: 0, padAfter: 0 });
    expect(convOutputSize('op', 'x', 5, 3, 1, 2, 'valid')).toEqual({ size: 1, padBefore: 0, padAfter: 0 });
    expect(convOutputSize('op', 'x', 9, 3, 2, 1, 'valid')).toEqual({ size: 4, padBefore: 0, padAfter: 0 });
    expect(convOutputSize('op', 'x', 10, 3, 2, 1, 'valid')).toEqual({ size: 4, padBefore: 0, padAfter: 0 });
    expect(convOutputSize('op', 'x', 3, 5, 1, 1, 'same')).toEqual({ size: 3, padBefore: 2, padAfter: 2 });
  });
});

describe('the gradient ops the recorded rules call', () => {
  const x = f64(fixture.cases[2].x);
  const w = f64(fixture.cases[2].filter!);
  const dy = f64(fixture.cases[2].dy);
  const options = fixture.cases[2].options;

  it("conv2d's gradients are conv2dBackpropInput and conv2dBackpropFilter, bit for bit", () => {
    const { grads } = valueAndGrads((a, b) => conv2d(a, b, options))([x, w], dy);
    expect(Array.from(grads[0].values)).toEqual(Array.from(conv2dBackpropInput(dy, w, x.shape, options).values));
    expect(Array.from(grads[1].values)).toEqual(Array.from(conv2dBackpropFilter(x, dy, w.shape, options).values));
  });

  it('a constant input gets no gradient computed (only the other one)', () => {
    const { grads } = valueAndGrads((a) => conv2d(a, w, options))([x], dy);
    expect(Array.from(grads[0].values)).toEqual(Array.from(conv2dBackpropInput(dy, w, x.shape, options).values));
  });

  it('pool gradients are maxPoolBackprop at the first maximum of each window, and avgPoolBackprop', () => {
    const c = fixture.cases.find((k) => k.op === 'maxPool' && k.name.includes('same'))!;
    const px = f64(c.x);
    const o = c.options as Pool2dOptions;
    const out = maxPool(px, o);
    // The plain-JS first argmax of each window.
    const [, h, wd, ch] = px.shape;
    const [, oh, ow] = out.shape;
    const stride = [2, 2];
    const pad = [c.padding[0], c.padding[2]];
    const argMax: number[] = [];
    for (let b = 0; b < px.shape[0]; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++)
          for (let k = 0; k < ch; k++) {
            let best = -1;
            for (let fy = 0; fy < 3; fy++)
              for (let fx = 0; fx < 3; fx++) {
                const iy = oy * stride[0] - pad[0] + fy;
                const ix = ox * stride[1] - pad[1] + fx;
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                const i = ((b * h + iy) * wd + ix) * ch + k;
                if (best < 0 || px.values[i] > px.values[best]) best = i;
              }
            argMax.push(best);
          }
    const ids = tensor(argMax, { shape: [...out.shape], dtype: 'int32' });
    const pdy = f64(c.dy);
    const { grads } = valueAndGrads((a) => maxPool(a, o))([px], pdy);
    expect(Array.from(grads[0].values)).toEqual(Array.from(maxPoolBackprop(pdy, ids, px.shape, o).values));
    const avg = valueAndGrads((a) => avgPool(a, o))([px], pdy);
    expect(Array.from(avg.grads[0].values)).toEqual(Array.from(avgPoolBackprop(pdy, px.shape, o).values));
  });

  it('the gradient ops check their shapes', () => {
    expect(() => conv2dBackpropInput(dy, w, [2, 8, 9, 3], options)).toThrow(/^conv2dBackpropInput: argument 'dy' must be shape \[2, 4, 5, 2\]/);
    expect(() => conv2dBackpropInput(dy, w, [2, 8, 7], options)).toThrow(/^conv2dBackpropInput: argument 'xShape' must be 4 non-negative integers/);
    expect(() => conv2dBackpropFilter(x, dy, [3, 3, 2, 2], options)).toThrow(/^conv2dBackpropFilter: argument 'filterShape' must be a filter whose inChannels/);
    expect(() => conv2dBackpropFilter(x, cast(dy, 'float32'), w.shape, options)).toThrow(/^conv2dBackpropFilter: argument 'dy' must be dtype float64 like 'x'/);
    const ids = tensor([0], { shape: [1, 1, 1, 1], dtype: 'int32' });
    const one = tensor([1], { shape: [1, 1, 1, 1], dtype: 'float64' });
    expect(() => maxPoolBackprop(one, tensor([4], { shape: [1, 1, 1, 1], dtype: 'int32' }), [1, 2, 2, 1], { poolSize: 2 })).toThrow(
      /^maxPoolBackprop: argument 'argMax' must be flat indices into xShape, in \[0, 3\], got '4 at flat index 0'/,
    );
    expect(() => maxPoolBackprop(one, ids, [1, 2, 2, 1], { poolSize: 1 })).toThrow(/^maxPoolBackprop: argument 'dy' must be shape \[1, 2, 2, 1\]/);
    expect(() => avgPoolBackprop(one, [1, 3, 3, 1], { poolSize: 2, strides: 2, padding: 'same' })).toThrow(
      /^avgPoolBackprop: argument 'dy' must be shape \[1, 2, 2, 1\]/,
    );
  });
});

describe('allocation: the forward takes only its output (and argMax when a gradient will be asked for)', () => {
  const x = tensor(
    new Float32Array(2 * 9 * 9 * 3).map((_, i) => Math.sin(i)),
    { shape: [2, 9, 9, 3] },
  );
  const w = tensor(
    new Float32Array(3 * 3 * 3 * 4).map((_, i) => Math.cos(i)),
    { shape: [3, 3, 3, 4] },
  );
  const steps: Array<[string, () => unknown]> = [
    ['conv2d', () => conv2d(x, w, { strides: 2, padding: 'same' })],
    ['maxPool', () => maxPool(x, { poolSize: 3, strides: 2, padding: 'same' })],
    ['avgPool', () => avgPool(x, { poolSize: 2 })],
  ];
  it.each(steps)('%s: one array, none when warm', (_name, step) => {
    const r = new BufferRecycler();
    r.run(step);
    expect(r.created).toBe(1);
    r.release(new Set());
    r.run(step);
    expect(r.created).toBe(1);
    expect(r.reused).toBe(1);
  });

  it('stale recycled outputs are overwritten', () => {
    const r = new BufferRecycler();
    const first = r.run(() => Array.from(conv2d(x, w).values));
    r.release(new Set());
    // A different input reuses the array of the first output.
    const y = r.run(() => conv2d(cast(cast(x, 'float64'), 'float32'), w));
    expect(r.reused).toBe(1);
    expect(Array.from(y.values)).toEqual(first);
  });

  it('maxPool under a gradient keeps its argMax (two arrays in the forward)', () => {
    const r = new BufferRecycler();
    let created = -1;
    r.run(() =>
      valueAndGrads((a) => {
        const y = maxPool(a, { poolSize: 2 });
        created = r.created;
        return y;
      })([x]),
    );
    // The output and the argMax.
    expect(created).toBe(2);
  });
});

/** Runs f, expects it to throw `cls` with a message starting with `op: argument 'arg'`, containing every pattern. */
function expectError(f: () => unknown, cls: typeof TypeError | typeof RangeError, prefix: string, ...patterns: string[]): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a throw').toBeInstanceOf(cls);
  const msg = (error as Error).message;
  expect(msg.startsWith(prefix), `'${msg}' starts with '${prefix}'`).toBe(true);
  for (const p of patterns) expect(msg).toContain(p);
}

describe('errors: the op, the argument, what was expected and what came', () => {
  const x = tensor(new Array(2 * 5 * 5 * 3).fill(1), { shape: [2, 5, 5, 3] });
  const w = tensor(new Array(3 * 3 * 3 * 4).fill(1), { shape: [3, 3, 3, 4] });

  it('x of the wrong rank', () => {
    expectError(() => conv2d(tensor([1, 2, 3]), w), RangeError, "conv2d: argument 'x' must be a rank-4", 'NHWC', 'got a float32 tensor of shape [3]');
    expectError(() => maxPool(tensor([[1]]), { poolSize: 1 }), RangeError, "maxPool: argument 'x' must be a rank-4", 'got a float32 tensor of shape [1, 1]');
    expectError(() => avgPool(tensor([[[1]]]), { poolSize: 1 }), RangeError, "avgPool: argument 'x' must be a rank-4", 'shape [1, 1, 1]');
  });

  it('x not a tensor', () => {
    expectError(() => conv2d('image' as never, w), TypeError, "conv2d: argument 'x' must be a Tensor", "got 'image'");
    expectError(() => maxPool(null as never, { poolSize: 2 }), TypeError, "maxPool: argument 'x' must be a Tensor", 'got null');
  });

  it('x of an integer dtype', () => {
    const xi = tensor(new Array(16).fill(1), { shape: [1, 4, 4, 1], dtype: 'int32' });
    expectError(() => conv2d(xi, w), TypeError, "conv2d: argument 'x' must be a rank-4 float32 or float64 tensor", 'got an int32 tensor of shape [1, 4, 4, 1]');
    expectError(() => avgPool(xi, { poolSize: 2 }), TypeError, "avgPool: argument 'x' must be a rank-4 float32 or float64 tensor", 'got an int32 tensor');
  });

  it('filter of the wrong rank', () => {
    expectError(
      () => conv2d(x, tensor([[1]])),
      RangeError,
      "conv2d: argument 'filter' must be a rank-4 tensor [filterHeight, filterWidth, inChannels, outChannels] (HWIO)",
      'shape [1, 1]',
    );
  });

  it("filter whose inChannels differ from x's channels", () => {
    const w2 = tensor(new Array(3 * 3 * 2 * 4).fill(1), { shape: [3, 3, 2, 4] });
    expectError(
      () => conv2d(x, w2),
      RangeError,
      "conv2d: argument 'filter' must be a filter whose inChannels (dimension 2) is 3",
      "of 'x'",
      'shape [3, 3, 2, 4]',
    );
  });

  it('filter of another dtype', () => {
    expectError(
      () => conv2d(x, cast(w, 'float64')),
      TypeError,
      "conv2d: argument 'filter' must be dtype float32 like 'x'",
      'got a float64 tensor of shape [3, 3, 3, 4]',
    );
    expectError(() => conv2d(x, cast(w, 'int32')), TypeError, "conv2d: argument 'filter' must be dtype float32 like 'x'", 'got an int32 tensor');
  });

  it('filter of zero height', () => {
    expectError(
      () => conv2d(x, tensor([], { shape: [0, 3, 3, 4] })),
      RangeError,
      "conv2d: argument 'filter' must be a filter of height and width at least 1",
      'shape [0, 3, 3, 4]',
    );
  });

  it('strides that are not positive integers', () => {
    for (const s of [0, -1, 1.5, NaN, [1], [1, 2, 3], [0, 1]]) {
      expectError(
        () => conv2d(x, w, { strides: s as never }),
        RangeError,
        "conv2d: argument 'strides' must be a positive integer or a pair [height, width] of them",
      );
    }
    expectError(() => conv2d(x, w, { strides: '2' as never }), TypeError, "conv2d: argument 'strides' must be a positive integer", "got '2'");
    expectError(() => maxPool(x, { poolSize: 2, strides: [2, 0] }), RangeError, "maxPool: argument 'strides' must be a positive integer", 'got [2, 0]');
    expectError(() => conv2d(x, w, { strides: 2 ** 31 }), RangeError, "conv2d: argument 'strides'", 'at most 2147483647', 'got 2147483648');
  });

  it('dilations that are not positive integers', () => {
    expectError(() => conv2d(x, w, { dilations: 0 }), RangeError, "conv2d: argument 'dilations' must be a positive integer or a pair", 'got 0');
    expectError(() => conv2d(x, w, { dilations: [2, -2] }), RangeError, "conv2d: argument 'dilations'", 'got [2, -2]');
  });

  it('strides > 1 with dilations > 1 (TensorFlow refuses the combination)', () => {
    expectError(
      () => conv2d(x, w, { strides: [1, 2], dilations: [2, 1], padding: 'same' }),
      RangeError,
      "conv2d: argument 'dilations' must be 1 when 'strides'",
      'strides are [1, 2]',
      'got [2, 1]',
    );
  });

  it('padding other than valid or same', () => {
    expectError(() => conv2d(x, w, { padding: 'SAME' as never }), RangeError, "conv2d: argument 'padding' must be one of 'valid', 'same'", "got 'SAME'");
    expectError(
      () => avgPool(x, { poolSize: 2, padding: 'full' as never }),
      RangeError,
      "avgPool: argument 'padding' must be one of 'valid', 'same'",
      "got 'full'",
    );
  });

  it('poolSize missing or not a positive integer', () => {
    expectError(() => maxPool(x, undefined as never), TypeError, "maxPool: argument 'poolSize' must be a positive integer or a pair", 'got undefined');
    expectError(() => avgPool(x, { poolSize: 0 }), RangeError, "avgPool: argument 'poolSize' must be a positive integer", 'got 0');
    expectError(() => maxPool(x, { poolSize: [2, 2.5] }), RangeError, "maxPool: argument 'poolSize'", 'got [2, 2.5]');
  });

  it('options that are not an object, and unknown option names', () => {
    expectError(() => conv2d(x, w, 2 as never), TypeError, "conv2d: argument 'options' must be an options object", 'got 2');
    expectError(() => conv2d(x, w, { stride: 2 } as never), TypeError, "conv2d: unknown option 'stride' in 'options'", "'strides', 'padding', 'dilations'");
    expectError(() => maxPool(x, { poolSize: 2, pool_size: 2 } as never), TypeError, "maxPool: unknown option 'pool_size'", "'poolSize', 'strides', 'padding'");
    expectError(() => avgPool(x, { poolSize: 2, dilations: 2 } as never), TypeError, "avgPool: unknown option 'dilations'");
  });

  it('an input smaller than the (dilated) window with padding valid: the output would be empty', () => {
    expectError(
      () => conv2d(x, tensor(new Array(6 * 2 * 3 * 1).fill(1), { shape: [6, 2, 3, 1] })),
      RangeError,
      "conv2d: argument 'x' must be an input of height at least 6 (the window's height 6) with padding 'valid'",
      'got a float32 tensor of shape [2, 5, 5, 3]',
    );
    expectError(
      () => conv2d(x, w, { dilations: [1, 3] }),
      RangeError,
      "conv2d: argument 'x' must be an input of width at least 7 (the window's width 3 dilated by 3)",
    );
    expectError(() => maxPool(x, { poolSize: [2, 6] }), RangeError, "maxPool: argument 'x' must be an input of width at least 6", 'shape [2, 5, 5, 3]');
    expectError(
      () => avgPool(tensor([], { shape: [1, 0, 4, 1] }), { poolSize: 1, padding: 'same' }),
      RangeError,
      "avgPool: argument 'x' must be an input of height at least 1 with padding 'same'",
    );
  });

  it('convOutputSize: bad arguments name convOutputSize; an empty output names the caller', () => {
    expectError(
      () => convOutputSize('Conv2D', 'inputShape', 2, 3, 1, 1, 'valid'),
      RangeError,
      "Conv2D: argument 'inputShape' must be at least 3 (the window's size 3) with padding 'valid'",
      'got 2',
    );
    expectError(
      () => convOutputSize('Conv2D', 'inputShape', 0, 3, 1, 1, 'same'),
      RangeError,
      "Conv2D: argument 'inputShape' must be at least 1 with padding 'same'",
      'got 0',
    );
    expectError(
      () => convOutputSize('Conv2D', 'x', -1, 3, 1, 1, 'same'),
      RangeError,
      "convOutputSize: argument 'inSize' must be a non-negative integer",
      'got -1',
    );
    expectError(() => convOutputSize('Conv2D', 'x', 4, 3, 0, 1, 'same'), RangeError, "convOutputSize: argument 'stride' must be a positive integer", 'got 0');
    expectError(
      () => convOutputSize('Conv2D', 'x', 4, 3, 1, 1.5, 'same'),
      RangeError,
      "convOutputSize: argument 'dilation' must be a positive integer",
      'got 1.5',
    );
    expectError(
      () => convOutputSize('Conv2D', 'x', 4, 3, 1, 1, 'causal' as never),
      RangeError,
      "convOutputSize: argument 'padding' must be one of 'valid', 'same'",
      "got 'causal'",
    );
    expectError(
      () => convOutputSize(3 as never, 'x', 4, 3, 1, 1, 'same'),
      TypeError,
      "convOutputSize: argument 'op' must be the name of the calling op",
      'got 3',
    );
  });

  it('an output too large to allocate', () => {
    const wide = tensor(new Float32Array(2 ** 16), { shape: [1, 1, 1, 2 ** 16] });
    const tall = tensor(new Float32Array(2 ** 16), { shape: [1, 2 ** 8, 2 ** 8, 1] });
    expectError(
      () => conv2d(tall, wide, { padding: 'same' }),
      RangeError,
      "conv2d: argument 'x' asks for 4294967296 elements; a tensor holds at most 2147483647",
    );
  });
});
