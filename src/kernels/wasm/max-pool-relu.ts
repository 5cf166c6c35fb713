import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES } from './chunks.js';
import { floatView } from './conv-layout.js';
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
    const type = floatTypeOf(dy, y, dx, biasGrad);
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
      y.length !== dx.length ||
      biasGrad.length !== channels
    ) {
      return composed(dy, argMax, y, dx, biasGrad, g);
    }
    const size = type === 'F32' ? 4 : 8;
    const images = Math.max(1, Math.min(g.batch, Math.floor(CHUNK_IMAGE_BYTES / (imageElements * (8 + size)))));
    arena.reset();
    const dyAt = arena.take(images * outElements * size);
    const argAt = arena.take(images * outElements * 4);
    const yAt = arena.take(images * imageElements * size);
    const accAt = arena.take(images * imageElements * 8);
    const markAt = arena.take(images * imageElements);
    const sumAt = arena.take(channels * 8);
    const errAt = arena.take(channels * 8);
    const outAt = arena.take(channels * size);
    if (!arena.commit()) return composed(dy, argMax, y, dx, biasGrad, g);
    arena.f64.fill(0, sumAt / 8, sumAt / 8 + channels);
    arena.f64.fill(0, errAt / 8, errAt / 8 + channels);
    const view = floatView(arena, size);
    const once = type === 'F32' ? w.maxPoolScatterOnceF32 : w.maxPoolScatterOnceF64;
    const scatter = type === 'F32' ? w.maxPoolBackpropF32 : w.maxPoolBackpropF64;
    const step = type === 'F32' ? w.reluGradF32 : w.reluGradF64;
    const columns = type === 'F32' ? w.sumColumnsF32 : w.sumColumnsF64;
    for (let b0 = 0; b0 < g.batch; b0 += images) {
      const count = Math.min(images, g.batch - b0);
      const length = count * imageElements;
      const lo = b0 * imageElements;
      view.set(dy.subarray(b0 * outElements, (b0 + count) * outElements), dyAt / size);
      arena.i32.set(argMax.subarray(b0 * outElements, (b0 + count) * outElements), argAt / 4);
      view.set(y.subarray(lo, lo + length), yAt / size);
      // The chunk's pool gradient at accAt, in dx's type.
      if (!once(dyAt, argAt, count * outElements, accAt, markAt, lo, length)) {
        arena.f64.fill(0, accAt / 8, accAt / 8 + length);
        // An index outside these images: the reference's meaning, through the composition.
        if (!scatter(dyAt, argAt, count * outElements, accAt, lo, length)) return composed(dy, argMax, y, dx, biasGrad, g);
        if (size === 4) w.demoteF64(accAt, length);
      }
      step(accAt, yAt, accAt, length);
      columns(accAt, length / channels, channels, sumAt, errAt);
      dx.set(view.subarray(accAt / size, accAt / size + length), lo);
    }
    w.finishColumns(sumAt, errAt, channels, outAt, size === 4);
    biasGrad.set(view.subarray(outAt / size, outAt / size + channels));
  };
}
