/*
 * The convolution gradients over the nonzero values of dy. The gradients that come back through relu and a 2×2 max
 * pool are mostly exact zeros (86–89 % in the CNN of docs/benchmarks.md), so these kernels list dy's nonzero values
 * once and multiply only those, as the native set's sparse kernels do. A skipped zero would hide 0 · ±Infinity or
 * 0 · NaN: the glue (../conv.ts) calls them only when the other operand is finite.
 * Kinds as the direct loops: 0 float32 data and sums; 1 float32 data, float64 sums (values widened); 2 float64.
 * rowsTimesBlocks takes blocks of 32 float32 or 24 float64 columns, columnsTimesTaps blocks of 8 vectors of taps
 * (32 float32 or 16 float64), each in passes over the entries that keep their sums in registers.
 */
import { madd32, madd64 } from './lanes';

/**
 * Columns of a block of the packed transposed filter for the kind (rowsTimesBlocks): 8 float32 vectors, or 12
 * float64 vectors (two passes of 6 sums each: V8 keeps 6 sums and their 6 loads in registers, where 8 spilled).
 */
// @ts-ignore: decorator
@inline function blockOf(kind: i32): i32 {
  return kind == 0 ? 32 : 24;
}

/**
 * Lists the nonzero values (NaN included) of `rows` rows of n values at src (float32 for kinds 0 and 1): row r's
 * entries are [start[r], start[r + 1]) of `index` (its channels, int32) and `value` (float32 for kind 0, else
 * float64). Returns how many.
 */
export function compressRows(kind: i32, src: usize, rows: i32, n: i32, start: usize, index: usize, value: usize): i32 {
  let e = 0;
  for (let r = 0; r < rows; r++) {
    store<i32>(start + (<usize>r << 2), e);
    const row = <usize>r * n;
    // Branch-free: every value is written at the next free entry, which moves on only past a nonzero one (skipping
    // groups of four zeros after one vector compare was slower: the branch mispredicts).
    for (let c = 0; c < n; c++) {
      const at = row + <usize>c;
      const v: f64 = kind == 2 ? load<f64>(src + (at << 3)) : <f64>load<f32>(src + (at << 2));
      store<i32>(index + (<usize>e << 2), c);
      if (kind == 0) store<f32>(value + (<usize>e << 2), <f32>v);
      else store<f64>(value + (<usize>e << 3), v);
      e += i32(v != 0);
    }
  }
  store<i32>(start + (<usize>rows << 2), e);
  return e;
}

/**
 * compressRows by columns: channel k's entries [start[k], start[k + 1]) hold, in row order, each nonzero value and
 * its row's tag (tags[r], an int32: the pixel's byte offset in the padded images, so the sums need no second lookup).
 * Float32 data is counted four channels at a time (vector counters). `tag` and `value` need room for one entry more
 * than rows · n (the spare that zeros are written to).
 */
export function compressColumns(kind: i32, src: usize, rows: i32, n: i32, tags: usize, start: usize, cursor: usize, tag: usize, value: usize): i32 {
  for (let k = 0; k <= n; k++) store<i32>(start + (<usize>k << 2), 0);
  const zero = f32x4.splat(0);
  const wide = kind != 2 ? n & ~3 : 0;
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * n;
    // Counts at start[k + 1]; a true compare lane is −1.
    for (let k = 0; k < wide; k += 4) {
      const slot = start + (<usize>(k + 1) << 2);
      v128.store(slot, i32x4.sub(v128.load(slot), f32x4.ne(v128.load(src + ((row + <usize>k) << 2)), zero)));
    }
    for (let k = wide; k < n; k++) {
      const at = row + <usize>k;
      const v: f64 = kind == 2 ? load<f64>(src + (at << 3)) : <f64>load<f32>(src + (at << 2));
      const slot = start + (<usize>(k + 1) << 2);
      store<i32>(slot, load<i32>(slot) + i32(v != 0));
    }
  }
  for (let k = 0; k < n; k++) {
    const count = load<i32>(start + (<usize>(k + 1) << 2));
    const first = load<i32>(start + (<usize>k << 2));
    store<i32>(start + (<usize>(k + 1) << 2), first + count);
    store<i32>(cursor + (<usize>k << 2), first);
  }
  const spare = load<i32>(start + (<usize>n << 2));
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * n;
    const rowTag = load<i32>(tags + (<usize>r << 2));
    for (let k = 0; k < n; k++) {
      const at = row + <usize>k;
      const v: f64 = kind == 2 ? load<f64>(src + (at << 3)) : <f64>load<f32>(src + (at << 2));
      // Branch-free: a zero is written to the spare entry past the lists, and its channel's cursor stays.
      const live = v != 0;
      const slot = cursor + (<usize>k << 2);
      const next = load<i32>(slot);
      store<i32>(slot, next + i32(live));
      const e = select<i32>(next, spare, live);
      store<i32>(tag + (<usize>e << 2), rowTag);
      if (kind == 0) store<f32>(value + (<usize>e << 2), <f32>v);
      else store<f64>(value + (<usize>e << 3), v);
    }
  }
  return load<i32>(start + (<usize>n << 2));
}

/**
 * The filter [kd, n] (float32 for kinds 0 and 1, else float64) transposed into blocks of columns for
 * rowsTimesBlocks: block j's row k holds filter[j·B + i][k] for i < B (B = blockOf(kind); zeros past kd), in the sum
 * type.
 */
export function packTransposedBlocks(kind: i32, filter: usize, kd: i32, n: i32, dst: usize): void {
  const block = blockOf(kind);
  let out = dst;
  for (let j0 = 0; j0 < kd; j0 += block) {
    for (let k = 0; k < n; k++) {
      for (let i = 0; i < block; i++) {
        const row = j0 + i;
        const at = <usize>row * n + <usize>k;
        const v: f64 = row >= kd ? 0 : kind == 2 ? load<f64>(filter + (at << 3)) : <f64>load<f32>(filter + (at << 2));
        if (kind == 0) {
          store<f32>(out, <f32>v);
          out += 4;
        } else {
          store<f64>(out, v);
          out += 8;
        }
      }
    }
  }
}

/**
 * dst [m, n] (float32 when f32, each float64 sum rounded once; else float64) = the transpose of the float64 sums at
 * src, n rows of m (row stride ld). dst's rows in order: the n source lines read stay in the L1 cache across 8 rows.
 */
export function transposeSums(src: usize, n: i32, m: i32, ld: i32, dst: usize, f32: bool): void {
  const step = <usize>ld << 3;
  for (let i = 0; i < m; i++) {
    let p = src + (<usize>i << 3);
    const row = <usize>i * <usize>n;
    for (let j = 0; j < n; j++) {
      const v = load<f64>(p);
      if (f32) store<f32>(dst + ((row + <usize>j) << 2), <f32>v);
      else store<f64>(dst + ((row + <usize>j) << 3), v);
      p += step;
    }
  }
}

/**
 * dp rows [0, rows) (kd values each, float32 for kind 0, else float64) = Σ over row r's listed entries (k, v) of
 * v · row k of the packed transposed filter (packTransposedBlocks), a block of columns at a time: the block's n rows
 * (8 or 12 KB for 64 channels) stay in the L1 cache over all the rows. `edge`: 192 bytes of scratch.
 */
export function rowsTimesBlocks(kind: i32, rows: i32, start: usize, index: usize, value: usize, n: i32, packed: usize, kd: i32, dp: usize, edge: usize): void {
  if (kind == 0) rowsTimesBlocksOf<f32>(rows, start, index, value, n, packed, kd, dp, edge);
  else rowsTimesBlocksOf<f64>(rows, start, index, value, n, packed, kd, dp, edge);
}

/** The value at p in every lane of a vector of T. */
// @ts-ignore: decorator
@inline function splat<T>(p: usize): v128 {
  return sizeof<T>() == 4 ? v128.load32_splat(p) : v128.load64_splat(p);
}

/** a · b + c in lanes of T. */
// @ts-ignore: decorator
@inline function madd<T>(a: v128, b: v128, c: v128): v128 {
  return sizeof<T>() == 4 ? madd32(a, b, c) : madd64(a, b, c);
}

/**
 * Sums over a row's entries [e0, e1) of 4 vectors (6 with `six`) at byte h of each entry's block row, stored at t + h.
 * Inlined with a constant `six`, so each pass keeps only its own sums live.
 */
// @ts-ignore: decorator
@inline function rowPass<T>(six: bool, b: usize, blockBytes: usize, index: usize, value: usize, e0: i32, e1: i32, h: usize, t: usize): void {
  const size = <usize>sizeof<T>();
  let a0 = f64x2.splat(0), a1 = f64x2.splat(0), a2 = f64x2.splat(0), a3 = f64x2.splat(0), a4 = f64x2.splat(0), a5 = f64x2.splat(0);
  for (let e = e0; e < e1; e++) {
    const w = b + <usize>load<i32>(index + (<usize>e << 2)) * blockBytes + h;
    const v = splat<T>(value + <usize>e * size);
    a0 = madd<T>(v, v128.load(w), a0);
    a1 = madd<T>(v, v128.load(w, 16), a1);
    a2 = madd<T>(v, v128.load(w, 32), a2);
    a3 = madd<T>(v, v128.load(w, 48), a3);
    if (six) {
      a4 = madd<T>(v, v128.load(w, 64), a4);
      a5 = madd<T>(v, v128.load(w, 80), a5);
    }
  }
  v128.store(t + h, a0);
  v128.store(t + h, a1, 16);
  v128.store(t + h, a2, 32);
  v128.store(t + h, a3, 48);
  if (six) {
    v128.store(t + h, a4, 64);
    v128.store(t + h, a5, 80);
  }
}

/** rowsTimesBlocks for sums (and listed values, and packed filter) of type T. */
function rowsTimesBlocksOf<T>(rows: i32, start: usize, index: usize, value: usize, n: i32, packed: usize, kd: i32, dp: usize, edge: usize): void {
  const size = <usize>sizeof<T>();
  const block = blockOf(size == 4 ? 0 : 1);
  const ld = <usize>kd * size;
  const blockBytes = <usize>block * size;
  for (let j0 = 0; j0 < kd; j0 += block) {
    const b = packed + <usize>(j0 / block) * <usize>n * blockBytes;
    const cols = min(block, kd - j0);
    for (let r = 0; r < rows; r++) {
      const e0 = load<i32>(start + (<usize>r << 2));
      const e1 = load<i32>(start + (<usize>(r + 1) << 2));
      const full = cols == block;
      const t = full ? dp + <usize>r * ld + <usize>j0 * size : edge;
      // Two passes over the row's entries, each keeping its sums in registers (8 vectors at once spilled in V8, and
      // that sum's chain through memory bounded the loop): 4 float32 vectors, or 6 float64 vectors, a pass.
      if (size == 4) {
        rowPass<T>(false, b, blockBytes, index, value, e0, e1, 0, t);
        rowPass<T>(false, b, blockBytes, index, value, e0, e1, 64, t);
      } else {
        rowPass<T>(true, b, blockBytes, index, value, e0, e1, 0, t);
        rowPass<T>(true, b, blockBytes, index, value, e0, e1, 96, t);
      }
      if (!full) memory.copy(dp + <usize>r * ld + <usize>j0 * size, edge, <usize>cols * size);
    }
  }
}

/**
 * accT (dFilter transposed, [n, depth], float32 for kind 0, else float64) += Σ over channel k's listed entries
 * (pixel p, v) of v · tap t of p, for every tap t: src holds the padded images (the sum type), the entry's tag the
 * byte offset of p's first tap (compressColumns), taps[t] a tap's offset from it. Blocks of B taps must be
 * contiguous in the images (the glue checks that a filter row's run of taps is a whole number of blocks). A block of
 * taps at a time over every channel, so that the block's values of the chunk's pixels stay in the L1 cache.
 */
export function columnsTimesTaps(kind: i32, src: usize, taps: usize, depth: i32, n: i32, start: usize, tag: usize, value: usize, accT: usize): void {
  if (kind == 0) columnsTimesTapsOf<f32>(src, taps, depth, n, start, tag, value, accT);
  else columnsTimesTapsOf<f64>(src, taps, depth, n, start, tag, value, accT);
}

/** columnsTimesTaps for sums (and listed values, and padded images) of type T. */
function columnsTimesTapsOf<T>(src: usize, taps: usize, depth: i32, n: i32, start: usize, tag: usize, value: usize, accT: usize): void {
  const size = <usize>sizeof<T>();
  const block = <i32>(128 / size);
  for (let t0 = 0; t0 < depth; t0 += block) {
    const offset = src + <usize>load<u32>(taps + (<usize>t0 << 2));
    for (let k = 0; k < n; k++) {
      const e0 = load<i32>(start + (<usize>k << 2)), e1 = load<i32>(start + (<usize>(k + 1) << 2));
      if (e0 == e1) continue;
      const a = accT + (<usize>k * <usize>depth + <usize>t0) * size;
      // Half a block per pass over the entries, as in rowsTimesBlocksOf (8 accumulators spill in V8).
      for (let h: usize = 0; h < 128; h += 64) {
        let a0 = v128.load(a + h), a1 = v128.load(a + h, 16), a2 = v128.load(a + h, 32), a3 = v128.load(a + h, 48);
        for (let e = e0; e < e1; e++) {
          const x = offset + <usize>load<u32>(tag + (<usize>e << 2)) + h;
          const v = splat<T>(value + <usize>e * size);
          a0 = madd<T>(v, v128.load(x), a0);
          a1 = madd<T>(v, v128.load(x, 16), a1);
          a2 = madd<T>(v, v128.load(x, 32), a2);
          a3 = madd<T>(v, v128.load(x, 48), a3);
        }
        v128.store(a + h, a0);
        v128.store(a + h, a1, 16);
        v128.store(a + h, a2, 32);
        v128.store(a + h, a3, 48);
      }
    }
  }
}
