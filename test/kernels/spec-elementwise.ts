import { expect } from 'vitest';
import { describe, it } from './names.js';
import { tsKernels } from '../../src/kernels/index.js';
import type { BinaryOp, Kernels, UnaryOp } from '../../src/kernels/types.js';
import type { TypedArray } from '../../src/tensor/dtype.js';
import { type ArrayType, randomArray } from './helpers.js';

const UNARY: UnaryOp[] = [
  'neg',
  'exp',
  'log',
  'log1p',
  'square',
  'sqrt',
  'abs',
  'sign',
  'step',
  'relu',
  'sigmoid',
  'softplus',
  'logSigmoid',
  'tanh',
  'reciprocal',
  'isFinite',
  'isNaN',
];
const BINARY: BinaryOp[] = [
  'add',
  'sub',
  'mul',
  'div',
  'floorDiv',
  'pow',
  'maximum',
  'minimum',
  'equal',
  'notEqual',
  'greater',
  'greaterEqual',
  'less',
  'lessEqual',
];
const TYPES: [string, ArrayType][] = [
  ['float32', Float32Array],
  ['float64', Float64Array],
  ['int32', Int32Array],
];

/** Same value: equal bits up to NaN payload (+0 and −0 differ). */
export function expectSameValues(actual: TypedArray, expected: TypedArray, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    if (!(Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e)))) expect.fail(`${what} at ${i}: got ${a}, expected ${e}`);
  }
}

/** Values with the special cases mixed in: zeros of both signs, ±∞, NaN. */
function withSpecials(Type: ArrayType, size: number, scale: number, seed: number): TypedArray {
  const x = randomArray(Type, size, scale, seed);
  if (Type !== Int32Array) {
    const specials = [0, -0, Infinity, -Infinity, NaN, 1, -1, 0.5];
    for (let i = 0; i < specials.length && i * 7 < size; i++) x[i * 7] = specials[i];
  }
  return x;
}

/** Naive NumPy broadcasting of (aShape, bShape) to outShape, for the expected values. */
function broadcastIndex(shape: readonly number[], outShape: readonly number[], flat: number): number {
  let index = 0;
  let stride = 1;
  let rest = flat;
  const offset = outShape.length - shape.length;
  const coords = new Array<number>(outShape.length);
  for (let d = outShape.length - 1; d >= 0; d--) {
    coords[d] = rest % outShape[d];
    rest = Math.floor(rest / outShape[d]);
  }
  for (let d = shape.length - 1; d >= 0; d--) {
    index += (shape[d] === 1 ? 0 : coords[d + offset]) * stride;
    stride *= shape[d];
  }
  return index;
}

const SHAPES: [string, number[], number[], number[]][] = [
  ['same shape', [6, 35], [6, 35], [6, 35]],
  ['scalar b', [6, 35], [], [6, 35]],
  ['scalar a', [1], [6, 35], [6, 35]],
  ['bias row b', [9, 4, 10], [10], [9, 4, 10]],
  ['bias row b with leading 1', [9, 10], [1, 10], [9, 10]],
  ['bias row a', [13], [7, 13], [7, 13]],
  ['column against row', [5, 1], [1, 6], [5, 6]],
  ['one value per row b (a gradient dy)', [4, 7, 9], [4, 7, 1], [4, 7, 9]],
  ['one value per row a, leading 1 missing', [7, 1], [2, 7, 33], [2, 7, 33]],
  ['one value per row b, many rows', [3000, 21], [3000, 1], [3000, 21]],
  ['middle axis', [3, 1, 4], [3, 5, 4], [3, 5, 4]],
  ['long same shape (several chunks)', [70001], [70001], [70001]],
];

export function elementwiseSpec(k: () => Kernels): void {
  describe('unary', () => {
    it('relu and step keep NaN, map −0 and negatives to 0', () => {
      const x = new Float32Array([-2, -0, 0, 3, NaN, Infinity, -Infinity]);
      const out = new Float32Array(7);
      k().unary('relu', x, out);
      expectSameValues(out, new Float32Array([0, 0, 0, 3, NaN, Infinity, 0]), 'relu');
      k().unary('step', x, out);
      expectSameValues(out, new Float32Array([0, 0, 0, 1, NaN, 1, 0]), 'step');
    });

    for (const [dtype, Type] of TYPES) {
      for (const op of UNARY) {
        it(`${op} ${dtype} equals the reference`, () => {
          const x = withSpecials(Type, 1031, op === 'exp' ? 20 : 5, 3);
          const out = new Type(x.length);
          const ref = new Type(x.length);
          k().unary(op, x, out);
          tsKernels.unary(op, x, ref);
          expectSameValues(out, ref, op);
        });
      }
    }
  });

  describe('binary', () => {
    it('adds a bias row to every row', () => {
      const out = new Float32Array(6);
      k().binary('add', new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], new Float32Array([10, 20, 30]), [3], out, [2, 3]);
      expect(Array.from(out)).toEqual([11, 22, 33, 14, 25, 36]);
    });

    it('subtracts with the scalar on either side', () => {
      const out = new Float64Array(3);
      k().binary('sub', new Float64Array([1]), [], new Float64Array([1, 2, 3]), [3], out, [3]);
      expect(Array.from(out)).toEqual([0, -1, -2]);
      k().binary('sub', new Float64Array([1, 2, 3]), [3], new Float64Array([1]), [], out, [3]);
      expect(Array.from(out)).toEqual([0, 1, 2]);
    });

    for (const [dtype, Type] of TYPES) {
      for (const op of BINARY) {
        it(`${op} ${dtype} follows broadcasting and equals the reference`, () => {
          for (const [name, aShape, bShape, outShape] of SHAPES) {
            const size = (s: number[]) => s.reduce((p, d) => p * d, 1);
            const a = withSpecials(Type, size(aShape), 4, 5);
            const b = withSpecials(Type, size(bShape), 4, 6);
            const out = new Type(size(outShape));
            const ref = new Type(out.length);
            k().binary(op, a, aShape, b, bShape, out, outShape);
            tsKernels.binary(op, a, aShape, b, bShape, ref, outShape);
            expectSameValues(out, ref, `${op} ${name}`);
            if (op === 'add' || op === 'mul' || op === 'sub') {
              // And the plain definition, rounded once to the element type.
              const plain = new Type(out.length);
              for (let i = 0; i < out.length; i++) {
                const x = a[broadcastIndex(aShape, outShape, i)];
                const y = b[broadcastIndex(bShape, outShape, i)];
                plain[i] = op === 'add' ? x + y : op === 'sub' ? x - y : Type === Int32Array ? Math.imul(x, y) : x * y;
              }
              expectSameValues(out, plain, `${op} ${name} by definition`);
            }
          }
        });
      }
    }
  });

  describe('biasRelu and reluGrad (a biased relu layer, forward and backward)', () => {
    it('biasRelu refuses an empty bias for a non-empty x (rather than loop forever)', () => {
      expect(() => k().biasRelu(new Float32Array(6), new Float32Array(0), new Float32Array(6))).toThrow(RangeError);
      expect(() => k().biasRelu(new Float64Array(6), new Float64Array(4), new Float64Array(6))).toThrow(RangeError);
    });

    for (const [dtype, Type] of TYPES.filter(([, T]) => T !== Int32Array)) {
      it(`biasRelu ${dtype} has the bits of add then relu`, () => {
        for (const [rows, cols] of [
          [1, 1],
          [300, 1],
          [7, 10],
          [33, 37],
          [256, 128],
          [3, 2000],
        ]) {
          const x = withSpecials(Type, rows * cols, 4, 11);
          const bias = withSpecials(Type, cols, 4, 12);
          const out = new Type(x.length).fill(7);
          const sum = new Type(x.length);
          const ref = new Type(x.length);
          k().biasRelu(x, bias, out);
          tsKernels.binary('add', x, [rows, cols], bias, [cols], sum, [rows, cols]);
          tsKernels.unary('relu', sum, ref);
          expectSameValues(out, ref, `biasRelu [${rows}, ${cols}]`);
        }
      });

      it(`biasRelu ${dtype}: sums that cancel, are subnormal or overflow`, () => {
        const tiny = Type === Float32Array ? 1.401298464324817e-45 : 5e-324;
        const huge = Type === Float32Array ? 3.4028234663852886e38 : Number.MAX_VALUE;
        const x = Type.from([tiny, 2 * tiny, 1, -0, 0, huge, -1, NaN]);
        const bias = Type.from([-tiny, -tiny, -1, -0, -0, huge, Infinity, -Infinity]);
        const out = new Type(x.length);
        // One bias per column: the eight columns of a single row.
        k().biasRelu(x, bias, out);
        expectSameValues(out, Type.from([0, tiny, 0, 0, 0, Infinity, Infinity, NaN]), 'edge sums');
      });

      it(`reluGrad ${dtype} has the bits of mul(dy, step(y))`, () => {
        for (const n of [1, 7, 1031, 70001]) {
          const dy = withSpecials(Type, n, 4, 13);
          const y = withSpecials(Type, n, 4, 14);
          const out = new Type(n).fill(7);
          const stepped = new Type(n);
          const ref = new Type(n);
          k().reluGrad(dy, y, out);
          tsKernels.unary('step', y, stepped);
          tsKernels.binary('mul', dy, [n], stepped, [n], ref, [n]);
          expectSameValues(out, ref, `reluGrad n = ${n}`);
        }
      });
    }
  });

  describe('select, cast, broadcastTo', () => {
    it('select picks a where cond ≠ 0', () => {
      const out = new Float32Array(4);
      k().select(new Int32Array([1, 0, 2, 0]), new Float32Array([1, 2, 3, 4]), new Float32Array([5, 6, 7, 8]), out);
      expect(Array.from(out)).toEqual([1, 6, 3, 8]);
    });

    it('cast truncates toward zero into int32 and rounds once into float32', () => {
      const i = new Int32Array(4);
      k().cast(new Float64Array([1.9, -1.9, 0.5, -0.5]), i);
      expect(Array.from(i)).toEqual([1, -1, 0, 0]);
      const f = new Float32Array(1);
      k().cast(new Float64Array([0.1]), f);
      expect(f[0]).toBe(Math.fround(0.1));
    });

    it('broadcastTo repeats along size-1 and missing dimensions', () => {
      const out = new Float64Array(12);
      k().broadcastTo(new Float64Array([1, 2, 3]), [3, 1], out, [2, 3, 2]);
      expect(Array.from(out)).toEqual([1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]);
    });
  });
}
