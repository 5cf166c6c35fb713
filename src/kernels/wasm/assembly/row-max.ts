/*
 * The row maximum and the index of its first occurrence, the shared first pass of the softmax family.
 * A row gets index −1 when its result must be NaN: it holds a NaN, its max is +∞, or all of it is −∞.
 * (Float32 rows also get their min, and softmax skips the index: rowScanF32.)
 */

/** The max found by the last rowMax call (as float64). */
export let rowMaxValue: f64 = 0;
/** The min found by the last rowMaxF32 call (as float64): when it is near the max, exps need no clamp. */
export let rowMinValue: f64 = 0;

/** rowScanF32 and then the first index of the max, or −1 for a row whose result is NaN. */
export function rowMaxF32(x: usize, n: i32): i32 {
  return rowScanF32(x, n) ? firstIndexF32(x, n, <f32>rowMaxValue) : -1;
}

/**
 * The first index of m in the row (which holds it), sixteen elements a test: the search costs about
 * half a row, as much as the max itself with four at a time.
 */
function firstIndexF32(x: usize, n: i32, m: f32): i32 {
  const target = f32x4.splat(m);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const hit = v128.or(
      v128.or(f32x4.eq(v128.load(p), target), f32x4.eq(v128.load(p, 16), target)),
      v128.or(f32x4.eq(v128.load(p, 32), target), f32x4.eq(v128.load(p, 48), target)),
    );
    if (v128.any_true(hit)) break;
  }
  while (load<f32>(x + (<usize>i << 2)) != m) i++;
  return i;
}

/**
 * Sets rowMaxValue and rowMinValue of a float32 row; false when its result must be NaN (a NaN, a +∞
 * max, all −∞). softmax needs no index: it sums every exponential, the max's exactly 1, with the rest.
 */
export function rowScanF32(x: usize, n: i32): bool {
  // Four independent max chains: one chain would wait on pmax's latency at every step.
  let m0 = f32x4.splat(-Infinity);
  let m1 = m0;
  let m2 = m0;
  let m3 = m0;
  let lo0 = f32x4.splat(Infinity);
  let lo1 = lo0;
  let vnan = i32x4.splat(0);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    m0 = f32x4.pmax(m0, a);
    m1 = f32x4.pmax(m1, b);
    m2 = f32x4.pmax(m2, c);
    m3 = f32x4.pmax(m3, d);
    lo0 = f32x4.pmin(lo0, f32x4.pmin(a, b));
    lo1 = f32x4.pmin(lo1, f32x4.pmin(c, d));
    vnan = v128.or(vnan, v128.or(v128.or(f32x4.ne(a, a), f32x4.ne(b, b)), v128.or(f32x4.ne(c, c), f32x4.ne(d, d))));
  }
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    m0 = f32x4.pmax(m0, v);
    lo0 = f32x4.pmin(lo0, v);
    vnan = v128.or(vnan, f32x4.ne(v, v));
  }
  const vmax = f32x4.pmax(f32x4.pmax(m0, m1), f32x4.pmax(m2, m3));
  const vmin = f32x4.pmin(lo0, lo1);
  if (v128.any_true(vnan)) return false;
  let m = max(
    max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)),
    max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)),
  );
  let lo = min(
    min(f32x4.extract_lane(vmin, 0), f32x4.extract_lane(vmin, 1)),
    min(f32x4.extract_lane(vmin, 2), f32x4.extract_lane(vmin, 3)),
  );
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v != v) return false;
    if (v > m) m = v;
    if (v < lo) lo = v;
  }
  if (m == Infinity || m == -Infinity) return false;
  rowMaxValue = <f64>m;
  rowMinValue = <f64>lo;
  return true;
}

export function rowMaxF64(x: usize, n: i32): i32 {
  let m0 = f64x2.splat(-Infinity);
  let m1 = m0;
  let m2 = m0;
  let m3 = m0;
  let vnan = i64x2.splat(0);
  let i = 0;
  for (; i + 8 <= n; i += 8) {
    const p = x + (<usize>i << 3);
    const a = v128.load(p);
    const b = v128.load(p, 16);
    const c = v128.load(p, 32);
    const d = v128.load(p, 48);
    m0 = f64x2.pmax(m0, a);
    m1 = f64x2.pmax(m1, b);
    m2 = f64x2.pmax(m2, c);
    m3 = f64x2.pmax(m3, d);
    vnan = v128.or(vnan, v128.or(v128.or(f64x2.ne(a, a), f64x2.ne(b, b)), v128.or(f64x2.ne(c, c), f64x2.ne(d, d))));
  }
  for (; i + 2 <= n; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    m0 = f64x2.pmax(m0, v);
    vnan = v128.or(vnan, f64x2.ne(v, v));
  }
  const vmax = f64x2.pmax(f64x2.pmax(m0, m1), f64x2.pmax(m2, m3));
  if (v128.any_true(vnan)) return -1;
  let m = max(f64x2.extract_lane(vmax, 0), f64x2.extract_lane(vmax, 1));
  for (; i < n; i++) {
    const v = load<f64>(x + (<usize>i << 3));
    if (v != v) return -1;
    if (v > m) m = v;
  }
  if (m == Infinity || m == -Infinity) return -1;
  rowMaxValue = m;
  const target = f64x2.splat(m);
  i = 0;
  for (; i + 2 <= n; i += 2) {
    if (v128.any_true(f64x2.eq(v128.load(x + (<usize>i << 3)), target))) break;
  }
  while (load<f64>(x + (<usize>i << 3)) != m) i++;
  return i;
}
