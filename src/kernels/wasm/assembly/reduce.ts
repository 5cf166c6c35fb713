/*
 * Compensated sums (Neumaier), float64 lanes, the reference's algorithm (src/kernels/ts/reduce.ts):
 *   t = s + v;  c += |s| ≥ |v| ? (s − t) + v : (v − t) + s;  s = t;   result = finite(s) ? s + c : s.
 * Column sums (a bias gradient: rows of length `inner` added into per-column s, c) follow the very same
 * order per column, so they equal the reference bit for bit; row sums use several lanes per row and
 * differ from it only in the last bits.
 */

// @ts-ignore: decorator
@inline function neumaierC(s: v128, v: v128, t: v128, c: v128): v128 {
  const big = f64x2.ge(f64x2.abs(s), f64x2.abs(v));
  return f64x2.add(c, v128.bitselect(f64x2.add(f64x2.sub(s, t), v), f64x2.add(f64x2.sub(v, t), s), big));
}

// @ts-ignore: decorator
@inline function columns<T>(x: usize, rows: i32, inner: i32, s: usize, c: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let i = 0; i < rows; i++) {
    const row = x + (<usize>(i * inner) << shift);
    let j = 0;
    for (; j + 2 <= inner; j += 2) {
      const v = sizeof<T>() == 4
        ? f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>j << 2)))
        : v128.load(row + (<usize>j << 3));
      const sp = s + (<usize>j << 3);
      const cp = c + (<usize>j << 3);
      const sv = v128.load(sp);
      const t = f64x2.add(sv, v);
      v128.store(cp, neumaierC(sv, v, t, v128.load(cp)));
      v128.store(sp, t);
    }
    if (j < inner) {
      const v = <f64>load<T>(row + (<usize>j << shift));
      const sp = s + (<usize>j << 3);
      const cp = c + (<usize>j << 3);
      const sv = load<f64>(sp);
      const t = sv + v;
      store<f64>(cp, load<f64>(cp) + (abs(sv) >= abs(v) ? sv - t + v : v - t + sv));
      store<f64>(sp, t);
    }
  }
}

/** Adds `rows` rows of `inner` float32 values into the column sums s, c (float64 scratch). */
export function sumColumnsF32(x: usize, rows: i32, inner: i32, s: usize, c: usize): void {
  columns<f32>(x, rows, inner, s, c);
}

export function sumColumnsF64(x: usize, rows: i32, inner: i32, s: usize, c: usize): void {
  columns<f64>(x, rows, inner, s, c);
}

/** Writes finite(s) ? s + c : s, rounded to the output type (float32 when f32). */
export function finishColumns(s: usize, c: usize, inner: i32, out: usize, f32: bool): void {
  for (let j = 0; j < inner; j++) {
    const sv = load<f64>(s + (<usize>j << 3));
    const r = isFinite(sv) ? sv + load<f64>(c + (<usize>j << 3)) : sv;
    if (f32) store<f32>(out + (<usize>j << 2), <f32>r);
    else store<f64>(out + (<usize>j << 3), r);
  }
}

/** One compensated sum per contiguous row of n values: four lane pairs per row, merged at the end. */
// @ts-ignore: decorator
@inline function rowSums<T>(x: usize, rows: i32, n: i32, out: usize): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let r = 0; r < rows; r++) {
    const row = x + (<usize>(r * n) << shift);
    let s0 = f64x2.splat(0), s1 = f64x2.splat(0), c0 = f64x2.splat(0), c1 = f64x2.splat(0);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      let a: v128, b: v128;
      if (sizeof<T>() == 4) {
        a = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2)));
        b = f64x2.promote_low_f32x4(v128.load64_zero(row + (<usize>i << 2), 8));
      } else {
        a = v128.load(row + (<usize>i << 3));
        b = v128.load(row + (<usize>i << 3), 16);
      }
      const ta = f64x2.add(s0, a);
      const tb = f64x2.add(s1, b);
      c0 = neumaierC(s0, a, ta, c0);
      c1 = neumaierC(s1, b, tb, c1);
      s0 = ta;
      s1 = tb;
    }
    // Merge the four lanes and the tail in order, compensated the same way.
    let s = 0.0;
    let c = f64x2.extract_lane(c0, 0) + f64x2.extract_lane(c0, 1) + f64x2.extract_lane(c1, 0) + f64x2.extract_lane(c1, 1);
    for (let lane = 0; lane < 4 + n - i; lane++) {
      const v = lane == 0 ? f64x2.extract_lane(s0, 0) : lane == 1 ? f64x2.extract_lane(s0, 1)
        : lane == 2 ? f64x2.extract_lane(s1, 0) : lane == 3 ? f64x2.extract_lane(s1, 1)
        : <f64>load<T>(row + (<usize>(i + lane - 4) << shift));
      const t = s + v;
      c += abs(s) >= abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    const result = isFinite(s) ? s + c : s;
    if (sizeof<T>() == 4) store<f32>(out + (<usize>r << 2), <f32>result);
    else store<f64>(out + (<usize>r << 3), result);
  }
}

export function sumRowsF32(x: usize, rows: i32, n: i32, out: usize): void {
  rowSums<f32>(x, rows, n, out);
}

export function sumRowsF64(x: usize, rows: i32, n: i32, out: usize): void {
  rowSums<f64>(x, rows, n, out);
}
