import type { TypedArray } from '../../tensor/dtype.js';
import type { Conv2dGeometry, Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES } from './chunks.js';
import { type DySource, floatView } from './conv-layout.js';
import type { KernelExports } from './exports.js';
import { floatTypeOf } from './float-type.js';

/** Bytes of a chunk's gradient images (float64 sums) and of its y images together. */
const CHUNK_IMAGE_BYTES = 4 * CHUNK_BYTES;

/**
 * maxPoolBackpropRelu in one pass per chunk of images: dy and its argMax scattered into the chunk's gradient in the
 * module's memory (the pool kernels' loops: one value per element written as it is, else float64 sums), multiplied
 * by relu's step of y there (reluGrad's loop), its rows added into the bias gradient's compensated column sums
 * (reduce's loop, the same order), and only then copied out. The composition would copy the pool's gradient out,
 * back in with y, out again, and in once more for the sums. `composed`: the set's own calls, for what this does
 * not take (mixed types, lengths that do not match the geometry, indices outside the batch).
 */
export function wasmMaxPoolBackpropRelu(w: KernelExports, arena: Arena, composed: Kernels['maxPoolBackpropRelu']): Kernels['maxPoolBackpropRelu'] {
  return (dy, argMax, y, dx, biasGrad, g) => {
    if (!throughRelu(w, arena, dy, argMax, y, false, dx, biasGrad, g)) composed(dy, argMax, y, dx, biasGrad, g);
  };
}

/**
 * maxPoolBackpropReluPooled the same way, relu's step taken at the maxima from their pooled values (assembly
 * maskAtMaxima) instead of from a copy of y: y never enters the module's memory.
 */
export function wasmMaxPoolBackpropReluPooled(
  w: KernelExports,
  arena: Arena,
  composed: Kernels['maxPoolBackpropReluPooled'],
): Kernels['maxPoolBackpropReluPooled'] {
  return (dy, argMax, pooled, dx, biasGrad, g) => {
    if (!throughRelu(w, arena, dy, argMax, pooled, true, dx, biasGrad, g)) composed(dy, argMax, pooled, dx, biasGrad, g);
  };
}

/** Both kernels: `step` is y (atMaxima false) or the pooled values (true). False, before or midway, for the composition. */
function throughRelu(
  w: KernelExports,
  arena: Arena,
  dy: TypedArray,
  argMax: Int32Array,
  step: TypedArray,
  atMaxima: boolean,
  dx: TypedArray,
  biasGrad: TypedArray,
  g: Conv2dGeometry,
): boolean {
  const type = floatTypeOf(dy, step, dx, biasGrad);
  const channels = g.inChannels;
  const imageElements = g.inHeight * g.inWidth * channels;
  const outElements = g.outHeight * g.outWidth * channels;
  if (
    type === null ||
    channels === 0 ||
    imageElements === 0 ||
    dy.length === 0 ||
    argMax.length !== dy.length ||
    dy.length !== g.batch * outElements ||
    dx.length !== g.batch * imageElements ||
    step.length !== (atMaxima ? dy.length : dx.length) ||
    biasGrad.length !== channels
  ) {
    return false;
  }
  const size = type === 'F32' ? 4 : 8;
  const stepElements = atMaxima ? outElements : imageElements;
  const images = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_IMAGE_BYTES / (imageElements * 8 + stepElements * size))));
  const chunks = reluPoolChunks(w, arena, dy, argMax, step, atMaxima, g, true);
  arena.reset();
  chunks.reserve(images);
  const accAt = arena.take(images * imageElements * 8);
  if (!arena.commit()) return false;
  const view = floatView(arena, size);
  for (let b0 = 0; b0 < g.batch; b0 += images) {
    const count = Math.min(images, g.batch - b0);
    if (!chunks.fill(b0, count, accAt)) return false;
    dx.set(view.subarray(accAt / size, accAt / size + count * imageElements), b0 * imageElements);
  }
  chunks.finish(biasGrad);
  return true;
}

/**
 * maxPoolBackpropReluPooled as a DySource of a filter gradient (conv.ts's maxPoolReluFilterGradient): each chunk's
 * dz written straight where the filter gradient reads its dy, its rows added into the bias's column sums, so dz
 * never leaves the module's memory. Only the one-value scatter (each element at most one maximum, as disjoint windows
 * give): anything else gives up, and the caller composes. `finish` writes the column sums into biasGrad.
 */
export function pooledReluSource(
  w: KernelExports,
  arena: Arena,
  dy: TypedArray,
  argMax: Int32Array,
  pooled: TypedArray,
  g: Conv2dGeometry,
): DySource & { finish(biasGrad: TypedArray): void } {
  return reluPoolChunks(w, arena, dy, argMax, pooled, true, g, false);
}

/**
 * A chunk of images at a time, the pool's gradient taken through the relu at `at` in the module's memory (dy's type):
 * dy and its argMax scattered (one value per element written as it is, with relu's step from the pooled values when
 * atMaxima; else, where `wide` gives `at` 8 bytes an element, summed in float64 and rounded, then the step from y or
 * from the pooled values), its rows added into the bias's compensated column sums (reduce's loop, the same order).
 * fill is false at an index outside the chunk, or at a second value for one element without `wide`.
 */
function reluPoolChunks(
  w: KernelExports,
  arena: Arena,
  dy: TypedArray,
  argMax: Int32Array,
  step: TypedArray,
  atMaxima: boolean,
  g: Conv2dGeometry,
  wide: boolean,
): DySource & { finish(biasGrad: TypedArray): void } {
  const size = dy instanceof Float32Array ? 4 : 8;
  const channels = g.inChannels;
  const imageElements = g.inHeight * g.inWidth * channels;
  const outElements = g.outHeight * g.outWidth * channels;
  const stepElements = atMaxima ? outElements : imageElements;
  let dyAt = 0,
    argAt = 0,
    stepAt = 0,
    markAt = 0,
    sumAt = 0,
    errAt = 0,
    outAt = 0;
  const once = size === 4 ? w.maxPoolScatterOnceF32 : w.maxPoolScatterOnceF64;
  const scatter = size === 4 ? w.maxPoolBackpropF32 : w.maxPoolBackpropF64;
  const relu = size === 4 ? w.reluGradF32 : w.reluGradF64;
  const mask = size === 4 ? w.maskAtMaximaF32 : w.maskAtMaximaF64;
  const columns = size === 4 ? w.sumColumnsF32 : w.sumColumnsF64;
  return {
    reserve(images) {
      dyAt = arena.take(images * outElements * size);
      argAt = arena.take(images * outElements * 4);
      stepAt = arena.take(images * stepElements * size);
      markAt = arena.take(images * imageElements);
      sumAt = arena.take(channels * 8);
      errAt = arena.take(channels * 8);
      outAt = arena.take(channels * size);
    },
    fill(b0, count, at) {
      if (b0 === 0) {
        arena.f64.fill(0, sumAt / 8, sumAt / 8 + channels);
        arena.f64.fill(0, errAt / 8, errAt / 8 + channels);
      }
      const view = floatView(arena, size);
      const from = b0 * outElements;
      const outputs = count * outElements;
      const length = count * imageElements;
      const lo = b0 * imageElements;
      view.set(dy.subarray(from, from + outputs), dyAt / size);
      arena.i32.set(argMax.subarray(from, from + outputs), argAt / 4);
      view.set(step.subarray(b0 * stepElements, (b0 + count) * stepElements), stepAt / size);
      if (once(dyAt, argAt, outputs, at, markAt, lo, length, atMaxima ? stepAt : 0)) {
        if (!atMaxima) relu(at, stepAt, at, length);
      } else {
        if (!wide) return false;
        arena.f64.fill(0, at / 8, at / 8 + length);
        // An index outside these images: the reference's meaning, through the composition.
        if (!scatter(dyAt, argAt, outputs, at, lo, length)) return false;
        if (size === 4) w.demoteF64(at, length);
        if (atMaxima) mask(at, argAt, stepAt, outputs, lo);
        else relu(at, stepAt, at, length);
      }
      columns(at, length / channels, channels, sumAt, errAt);
      return true;
    },
    finish(biasGrad) {
      w.finishColumns(sumAt, errAt, channels, outAt, size === 4);
      biasGrad.set(floatView(arena, size).subarray(outAt / size, outAt / size + channels));
    },
  };
}
