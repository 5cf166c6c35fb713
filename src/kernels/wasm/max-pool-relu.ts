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
  arena.reset();
  const dyAt = arena.take(images * outElements * size);
  const argAt = arena.take(images * outElements * 4);
  const stepAt = arena.take(images * stepElements * size);
  const accAt = arena.take(images * imageElements * 8);
  const markAt = arena.take(images * imageElements);
  const sumAt = arena.take(channels * 8);
  const errAt = arena.take(channels * 8);
  const outAt = arena.take(channels * size);
  if (!arena.commit()) return false;
  arena.f64.fill(0, sumAt / 8, sumAt / 8 + channels);
  arena.f64.fill(0, errAt / 8, errAt / 8 + channels);
  const view = floatView(arena, size);
  const once = type === 'F32' ? w.maxPoolScatterOnceF32 : w.maxPoolScatterOnceF64;
  const scatter = type === 'F32' ? w.maxPoolBackpropF32 : w.maxPoolBackpropF64;
  const relu = type === 'F32' ? w.reluGradF32 : w.reluGradF64;
  const mask = type === 'F32' ? w.maskAtMaximaF32 : w.maskAtMaximaF64;
  const columns = type === 'F32' ? w.sumColumnsF32 : w.sumColumnsF64;
  for (let b0 = 0; b0 < g.batch; b0 += images) {
    const count = Math.min(images, g.batch - b0);
    const length = count * imageElements;
    const lo = b0 * imageElements;
    const outputs = count * outElements;
    view.set(dy.subarray(b0 * outElements, b0 * outElements + outputs), dyAt / size);
    arena.i32.set(argMax.subarray(b0 * outElements, b0 * outElements + outputs), argAt / 4);
    const from = b0 * stepElements;
    view.set(step.subarray(from, from + count * stepElements), stepAt / size);
    // The chunk's gradient at accAt, in dx's type: scattered once per element (relu's step taken there too, from the
    // pooled values), else summed in float64 and rounded, then the step.
    if (once(dyAt, argAt, outputs, accAt, markAt, lo, length, atMaxima ? stepAt : 0)) {
      if (!atMaxima) relu(accAt, stepAt, accAt, length);
    } else {
      arena.f64.fill(0, accAt / 8, accAt / 8 + length);
      // An index outside these images: the reference's meaning, through the composition.
      if (!scatter(dyAt, argAt, outputs, accAt, lo, length)) return false;
      if (size === 4) w.demoteF64(accAt, length);
      if (atMaxima) mask(accAt, argAt, stepAt, outputs, lo);
      else relu(accAt, stepAt, accAt, length);
    }
    columns(accAt, length / channels, channels, sumAt, errAt);
    dx.set(view.subarray(accAt / size, accAt / size + length), lo);
  }
  w.finishColumns(sumAt, errAt, channels, outAt, size === 4);
  biasGrad.set(view.subarray(outAt / size, outAt / size + channels));
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
  const size = dy instanceof Float32Array ? 4 : 8;
  const channels = g.inChannels;
  const imageElements = g.inHeight * g.inWidth * channels;
  const outElements = g.outHeight * g.outWidth * channels;
  let dyAt = 0,
    argAt = 0,
    pooledAt = 0,
    markAt = 0,
    sumAt = 0,
    errAt = 0,
    outAt = 0;
  const once = size === 4 ? w.maxPoolScatterOnceF32 : w.maxPoolScatterOnceF64;
  const columns = size === 4 ? w.sumColumnsF32 : w.sumColumnsF64;
  return {
    reserve(images) {
      dyAt = arena.take(images * outElements * size);
      argAt = arena.take(images * outElements * 4);
      pooledAt = arena.take(images * outElements * size);
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
      view.set(dy.subarray(from, from + outputs), dyAt / size);
      arena.i32.set(argMax.subarray(from, from + outputs), argAt / 4);
      view.set(pooled.subarray(from, from + outputs), pooledAt / size);
      const length = count * imageElements;
      if (!once(dyAt, argAt, outputs, at, markAt, b0 * imageElements, length, pooledAt)) return false;
      columns(at, length / channels, channels, sumAt, errAt);
      return true;
    },
    finish(biasGrad) {
      w.finishColumns(sumAt, errAt, channels, outAt, size === 4);
      biasGrad.set(floatView(arena, size).subarray(outAt / size, outAt / size + channels));
    },
  };
}
