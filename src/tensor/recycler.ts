// dtype.ts imports this module too; the cycle is safe because neither calls the other at load time.
import { dtypeOfArray, type DType, type TypedArray } from './dtype.js';

/**
 * Recycles tensor storage between repetitions of the same computation (model.fit's steps): while a
 * recycler is active, `allocate` takes arrays from it; `release` hands back every array taken since the
 * last release (except those named), and the next repetition, with the same shapes, gets them again
 * zero-filled, as a fresh array would be. A warm training step so allocates no tensor storage.
 *
 * Only the code that activates a recycler knows which arrays outlive a step, so it must name them all
 * in `release` (a kept array is simply never reused: it is garbage-collected once dropped).
 */
export class BufferRecycler {
  private readonly free = new Map<string, TypedArray[]>();
  private taken: TypedArray[] = [];
  /** Arrays created because none of that type and length was free (a warm step creates none). */
  created = 0;
  /** Arrays handed out again. */
  reused = 0;

  /** An array of that type and length, zero-filled unless `zero` is false (for outputs a kernel writes in full). */
  take(dtype: DType, size: number, zero = true): TypedArray {
    const list = this.free.get(key(dtype, size));
    let array = list?.pop();
    if (array) {
      if (zero) array.fill(0);
      this.reused++;
    } else {
      array = create(dtype, size);
      this.created++;
    }
    this.taken.push(array);
    return array;
  }

  /**
   * Returns the arrays taken since the last release to the free lists, except those in `keep` and any array over
   * the same memory as one of them (a view made by another array object must not be handed out again either).
   */
  release(keep: ReadonlySet<TypedArray>): void {
    const keptMemory = new Set<ArrayBufferLike>([...keep].map((a) => a.buffer));
    for (const array of this.taken) {
      if (keptMemory.has(array.buffer)) continue;
      const k = key(dtypeOfArray(array), array.length);
      const list = this.free.get(k);
      if (list) list.push(array);
      else this.free.set(k, [array]);
    }
    this.taken = [];
  }

  /** Drops the free arrays (the counts stay), so an idle recycler holds no memory. */
  clear(): void {
    this.free.clear();
    this.taken = [];
  }

  /** Runs `fn` with this recycler serving `allocate` (synchronous code only: nothing else may run meanwhile). */
  run<T>(fn: () => T): T {
    const previous = active;
    active = this;
    try {
      return fn();
    } finally {
      active = previous;
    }
  }
}

let active: BufferRecycler | null = null;

/** The recycler serving `allocate` now, if any. */
export function activeRecycler(): BufferRecycler | null {
  return active;
}

function key(dtype: DType, size: number): string {
  return `${dtype}:${size}`;
}

/** A new zero-filled array (the one place outside dtype.ts that creates tensor storage). */
export function create(dtype: DType, size: number): TypedArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int32':
      return new Int32Array(size);
  }
}
