import type { TypedArray } from '../../tensor/dtype.js';
import type { Kernels } from '../types.js';
import type { Arena } from './arena.js';
import { CHUNK_BYTES, rowsPerChunk } from './chunks.js';
import { floatTypeOf } from './float-type.js';
import type { KernelExports } from './exports.js';
import { type Job, KINDS, type WorkerPool } from './pool.js';

type SoftmaxFamily = Pick<Kernels, 'softmax' | 'logSoftmax' | 'softmaxCrossEntropy' | 'sparseSoftmaxCrossEntropy'>;
type Kind = (typeof KINDS)[number];

/** From this many elements a call is split over the worker threads, in bigger chunks (fewer wake-ups). */
const MIN_PARALLEL_ELEMENTS = 1 << 18;
const PARALLEL_CHUNK_BYTES = 4 * CHUNK_BYTES;

/** Where one chunk of rows lives in wasm memory (byte offsets). */
interface Slot {
  x: number;
  y: number;
  loss: number;
  ids: number;
  e: number;
  /** One float64: the factor of a gradient (a pointer, so it also reaches worker threads, whose jobs are int32). */
  scale: number;
}

/** One softmax-family call on contiguous rows, as the streaming loop sees it. */
interface RowTask {
  kind: Kind;
  rows: number;
  n: number;
  /** float32 or float64 elements. */
  size: 4 | 8;
  labels: boolean;
  /** Copies rows [r0, r0 + count) of the inputs into the slot. */
  copyIn(arena: Arena, slot: Slot, r0: number, count: number): void;
  /** The kernel's arguments for `count` rows in the slot. */
  args(slot: Slot, count: number): number[];
  /** Copies the results of those rows out. */
  copyOut(arena: Arena, slot: Slot, r0: number, count: number): void;
}

function view(arena: Arena, size: 4 | 8): Float32Array | Float64Array {
  return size === 4 ? arena.f32 : arena.f64;
}

/** Lays out `slots` chunk slots of `chunk` rows; false if memory cannot grow that far. */
function layout(arena: Arena, task: RowTask, chunk: number, slots: number): Slot[] | null {
  arena.reset();
  const out: Slot[] = [];
  for (let s = 0; s < slots; s++) {
    out.push({
      x: arena.take(chunk * task.n * task.size),
      y: task.labels ? arena.take(chunk * task.n * task.size) : 0,
      loss: arena.take(chunk * task.size),
      ids: arena.take(chunk * 4),
      e: arena.take(task.n * 8),
      scale: arena.take(8),
    });
  }
  return arena.commit() ? out : null;
}

/**
 * Streams the task's rows through wasm memory (chunks.ts): on this thread alone, or, with a pool and
 * enough work, in rounds where each thread gets a chunk: the workers' chunks are copied in and
 * started first, then this thread copies and runs its own, then every result is copied out.
 * False when memory could not be laid out (the caller runs the fallback).
 */
function runRows(w: KernelExports, arena: Arena, pool: WorkerPool | null, task: RowTask): boolean {
  const rowBytes = task.n * task.size * (task.labels ? 2 : 1);
  const parallel = pool !== null && task.rows * task.n >= MIN_PARALLEL_ELEMENTS && task.rows >= 2 * (pool.workers + 1);
  if (parallel) {
    const threads = pool.workers + 1;
    const chunk = Math.min(Math.ceil(task.rows / threads), Math.max(1, Math.floor(PARALLEL_CHUNK_BYTES / rowBytes)));
    const slots = layout(pool.arena, task, chunk, threads);
    if (slots) {
      const kind = KINDS.indexOf(task.kind);
      for (let r0 = 0; r0 < task.rows; r0 += chunk * threads) {
        const parts: [number, number][] = [];
        for (let t = 0; t < threads; t++) {
          const start = r0 + t * chunk;
          if (start < task.rows) parts.push([start, Math.min(chunk, task.rows - start)]);
        }
        const jobs: Job[] = [];
        for (let t = 1; t < parts.length; t++) {
          task.copyIn(pool.arena, slots[t], parts[t][0], parts[t][1]);
          jobs.push([kind, ...task.args(slots[t], parts[t][1])]);
        }
        pool.start(jobs);
        // Always wait: workers must not still be writing the shared memory when the next call lays it out.
        try {
          task.copyIn(pool.arena, slots[0], parts[0][0], parts[0][1]);
          pool.runHere([kind, ...task.args(slots[0], parts[0][1])]);
        } finally {
          pool.wait();
        }
        for (let t = 0; t < parts.length; t++) task.copyOut(pool.arena, slots[t], parts[t][0], parts[t][1]);
      }
      return true;
    }
  }
  const chunk = rowsPerChunk(task.rows, rowBytes);
  const slots = layout(arena, task, chunk, 1);
  if (!slots) return false;
  const run = (w as unknown as Record<Kind, (...args: number[]) => void>)[task.kind];
  for (let r0 = 0; r0 < task.rows; r0 += chunk) {
    const count = Math.min(chunk, task.rows - r0);
    task.copyIn(arena, slots[0], r0, count);
    run(...task.args(slots[0], count));
    task.copyOut(arena, slots[0], r0, count);
  }
  return true;
}

/**
 * The softmax family on rows, float32 or float64 (strided rows, inner > 1, are made contiguous first);
 * other element types go to the fallback set. Outputs are written over the chunk's logits,
 * which each pass reads first.
 */
export function wasmSoftmaxFamily(w: KernelExports, arena: Arena, fallback: Kernels, pool: WorkerPool | null = null): SoftmaxFamily {
  /** softmax and logSoftmax: x in, out over x. */
  function rowwise(kind: Kind, x: TypedArray, rows: number, n: number, out: TypedArray, withScratch: boolean): RowTask {
    const size = x.BYTES_PER_ELEMENT as 4 | 8;
    return {
      kind,
      rows,
      n,
      size,
      labels: false,
      copyIn: (a, slot, r0, count) => view(a, size).set(x.subarray(r0 * n, (r0 + count) * n), slot.x / size),
      args: (slot, count) => (withScratch ? [slot.x, slot.x, count, n, slot.e] : [slot.x, slot.x, count, n]),
      copyOut: (a, slot, r0, count) => out.set(view(a, size).subarray(slot.x / size, slot.x / size + count * n), r0 * n),
    };
  }

  /**
   * Strided rows (the class axis not last): moved last with a transpose, run as contiguous rows, moved back,
   * so every axis gives the same bits as the last one (at the cost of two copies).
   */
  function classAxisLast(x: TypedArray, outer: number, n: number, inner: number): TypedArray {
    const t = new (x.constructor as new (len: number) => TypedArray)(x.length);
    fallback.transpose(x, [outer, n, inner], [0, 2, 1], t);
    return t;
  }
  function classAxisBack(t: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void {
    fallback.transpose(t, [outer, inner, n], [0, 2, 1], out);
  }
  function strided(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray, run: (xt: TypedArray, ot: TypedArray) => void): void {
    const ot = new (out.constructor as new (len: number) => TypedArray)(out.length);
    run(classAxisLast(x, outer, n, inner), ot);
    classAxisBack(ot, outer, n, inner, out);
  }

  const family: SoftmaxFamily = {
    softmax(x, outer, n, inner, out) {
      if (inner !== 1 && floatTypeOf(x, out) !== null) return strided(x, outer, n, inner, out, (xt, ot) => family.softmax(xt, outer * inner, n, 1, ot));
      const type = floatTypeOf(x, out);
      if (type === null || !runRows(w, arena, pool, rowwise(`softmax${type}`, x, outer, n, out, true))) {
        fallback.softmax(x, outer, n, inner, out);
      }
    },

    logSoftmax(x, outer, n, inner, out) {
      if (inner !== 1 && floatTypeOf(x, out) !== null) return strided(x, outer, n, inner, out, (xt, ot) => family.logSoftmax(xt, outer * inner, n, 1, ot));
      const type = floatTypeOf(x, out);
      if (type === null || !runRows(w, arena, pool, rowwise(`logSoftmax${type}`, x, outer, n, out, false))) {
        fallback.logSoftmax(x, outer, n, inner, out);
      }
    },

    softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits, gradScale = 1) {
      if (inner !== 1 && floatTypeOf(logits, labels, loss, dLogits) !== null) {
        // The per-row losses come out in (outer, inner) order, which is the loss's own layout.
        const yt = classAxisLast(labels, outer, n, inner);
        if (!dLogits) return family.softmaxCrossEntropy(classAxisLast(logits, outer, n, inner), yt, outer * inner, n, 1, loss, null);
        return strided(logits, outer, n, inner, dLogits, (xt, gt) => family.softmaxCrossEntropy(xt, yt, outer * inner, n, 1, loss, gt, gradScale));
      }
      const type = floatTypeOf(logits, labels, loss, dLogits);
      const size = logits.BYTES_PER_ELEMENT as 4 | 8;
      const task: RowTask = {
        kind: `softmaxCrossEntropy${type ?? 'F32'}`,
        rows: outer,
        n,
        size,
        labels: true,
        copyIn(a, slot, r0, count) {
          view(a, size).set(logits.subarray(r0 * n, (r0 + count) * n), slot.x / size);
          view(a, size).set(labels.subarray(r0 * n, (r0 + count) * n), slot.y / size);
          a.f64[slot.scale / 8] = gradScale;
        },
        args: (slot, count) => [slot.x, slot.y, count, n, slot.loss, dLogits ? slot.x : 0, slot.e, slot.scale],
        copyOut(a, slot, r0, count) {
          loss.set(view(a, size).subarray(slot.loss / size, slot.loss / size + count), r0);
          if (dLogits) dLogits.set(view(a, size).subarray(slot.x / size, slot.x / size + count * n), r0 * n);
        },
      };
      if (type === null || !runRows(w, arena, pool, task)) {
        fallback.softmaxCrossEntropy(logits, labels, outer, n, inner, loss, dLogits, gradScale);
      }
    },

    sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits, gradScale = 1) {
      const type = floatTypeOf(logits, loss, dLogits);
      const size = logits.BYTES_PER_ELEMENT as 4 | 8;
      const task: RowTask = {
        kind: `sparseSoftmaxCrossEntropy${type ?? 'F32'}`,
        rows,
        n,
        size,
        labels: false,
        copyIn(a, slot, r0, count) {
          view(a, size).set(logits.subarray(r0 * n, (r0 + count) * n), slot.x / size);
          a.i32.set(ids.subarray(r0, r0 + count), slot.ids / 4);
          a.f64[slot.scale / 8] = gradScale;
        },
        args: (slot, count) => [slot.x, slot.ids, count, n, slot.loss, dLogits ? slot.x : 0, slot.e, slot.scale],
        copyOut(a, slot, r0, count) {
          loss.set(view(a, size).subarray(slot.loss / size, slot.loss / size + count), r0);
          if (dLogits) dLogits.set(view(a, size).subarray(slot.x / size, slot.x / size + count * n), r0 * n);
        },
      };
      if (type === null || !runRows(w, arena, pool, task)) fallback.sparseSoftmaxCrossEntropy(logits, ids, rows, n, loss, dLogits, gradScale);
    },
  };
  return family;
}
