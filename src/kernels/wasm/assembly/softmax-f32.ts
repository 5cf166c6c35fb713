/*
 * The softmax family for float32 rows (contiguous, length n), computed in float64 lanes.
 *
 * Same rules as the TypeScript reference (src/kernels/ts/softmax.ts): subtract the row max m (first
 * occurrence im), s = Σ_{i≠im} e^(x_i − m), logSumExp = m + log1p(s); softmax divides by the sum over
 * the whole row (1 + s up to a float64 rounding) and needs no im. For float32 data x_i − m is exact or
 * within 1e-16 in float64, and the float64 exp (6.5e-12) and sums are good to ~1e-11, so the TwoSum
 * correction and compensated sums the float64 path needs would change no float32 result.
 * Arguments below −200 are clamped: e^−200 rounds to 0 in every float32 output.
 */
import { expFast, expFastScalar } from './exp';
import { differenceOverOnePlus, fillF32, loadF32Pair, storeF32Pair, twoSum, twoSumErr } from './lanes';
import { LIMITS } from './limits';
import { rowMaxF32, rowMaxValue, rowMinValue, rowScanF32 } from './row-max';

/** e^(x − m) for the two float32 at p; arguments clamped at −200 when `clamp` (else all ≥ −200). */
// @ts-ignore: decorator
@inline function expPair(p: usize, m: v128, clamp: bool): v128 {
  const d = f64x2.sub(loadF32Pair(p), m);
  return expFast(clamp ? f64x2.pmax(d, v128.load(LIMITS)) : d);
}

/** Σ e^(x_i − m) over [from, to) (to − from even), storing each e_i at e when e ≠ 0. */
// @ts-ignore: decorator
@inline function expRange(x: usize, from: i32, to: i32, e: usize, clamp: bool): v128 {
  const m = f64x2.splat(rowMaxValue);
  let s0 = f64x2.splat(0);
  let s1 = f64x2.splat(0);
  let i = from;
  for (; i + 8 <= to; i += 8) {
    const p = x + (<usize>i << 2);
    const ea = expPair(p, m, clamp);
    const eb = expPair(p + 8, m, clamp);
    const ec = expPair(p + 16, m, clamp);
    const ed = expPair(p + 24, m, clamp);
    if (e != 0) {
      const q = e + (<usize>i << 3);
      v128.store(q, ea);
      v128.store(q, eb, 16);
      v128.store(q, ec, 32);
      v128.store(q, ed, 48);
    }
    s0 = f64x2.add(s0, f64x2.add(ea, ec));
    s1 = f64x2.add(s1, f64x2.add(eb, ed));
  }
  for (; i + 2 <= to; i += 2) {
    const ea = expPair(x + (<usize>i << 2), m, clamp);
    if (e != 0) v128.store(e + (<usize>i << 3), ea);
    s0 = f64x2.add(s0, ea);
  }
  return f64x2.add(s0, s1);
}

/**
 * s = Σ_{i≠im} e^(x_i − m) over one row; when e ≠ 0 also stores every e^(x_i − m) there as float64
 * (e[im] = 1). The max element is set to −∞ during the loop, so with the clamp it adds e^−200, nothing
 * a float32 result can see, and needs no branch. Eight elements a step: four independent exps hide the
 * table loads' latency (about 10% faster than two). A row whose min is within 200 of its max (the usual
 * one) needs the clamp only in the eight elements around the max: 7% fewer instructions, the same bits.
 * Not inlined: one call per row costs nothing, and its four callers share one copy.
 */
function expPass(x: usize, n: i32, im: i32, e: usize): f64 {
  const xm = x + (<usize>im << 2);
  store<f32>(xm, -Infinity);
  const even = n & ~1;
  let v: v128;
  if (rowMinValue - rowMaxValue >= -200) {
    const g = im & ~7;
    const h = min(g + 8, even);
    v = f64x2.add(expRange(x, 0, g, e, false), expRange(x, g, h, e, true));
    if (h < even) v = f64x2.add(v, expRange(x, h, even, e, false));
  } else {
    v = expRange(x, 0, even, e, true);
  }
  let s = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  if (even < n) {
    const ei = expFastScalar(max(<f64>load<f32>(x + (<usize>even << 2)) - rowMaxValue, -200));
    if (e != 0) store<f64>(e + (<usize>even << 3), ei);
    s += ei;
  }
  store<f32>(xm, <f32>rowMaxValue);
  if (e != 0) store<f64>(e + (<usize>im << 3), 1);
  return s;
}

/** out = e · c, rounded to float32. */
// @ts-ignore: decorator
@inline function scaleOut(e: usize, n: i32, c: f64, out: usize): void {
  const cv = f64x2.splat(c);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = e + (<usize>i << 3);
    const o = out + (<usize>i << 2);
    storeF32Pair(o, f64x2.mul(v128.load(p), cv));
    storeF32Pair(o + 8, f64x2.mul(v128.load(p, 16), cv));
  }
  for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(load<f64>(e + (<usize>i << 3)) * c));
}

/**
 * softmax's denominator: Σ e^(x_i − m) over the whole row (the max's is exactly 1), each stored at e.
 * Unlike expPass it needs no index of the max, so rowScanF32 skips that search.
 */
function expTotal(x: usize, n: i32, e: usize): f64 {
  const even = n & ~1;
  const v = rowMinValue - rowMaxValue >= -200 ? expRange(x, 0, even, e, false) : expRange(x, 0, even, e, true);
  let s = f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
  if (even < n) {
    const ei = expFastScalar(max(<f64>load<f32>(x + (<usize>even << 2)) - rowMaxValue, -200));
    store<f64>(e + (<usize>even << 3), ei);
    s += ei;
  }
  return s;
}

export function softmaxF32(x: usize, out: usize, rows: i32, n: i32, e: usize): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    if (!rowScanF32(x, n)) fillF32(out, n, NaN);
    else scaleOut(e, n, 1 / expTotal(x, n, e), out);
    x += rowBytes;
    out += rowBytes;
  }
}

export function logSoftmaxF32(x: usize, out: usize, rows: i32, n: i32): void {
  const rowBytes = <usize>n << 2;
  for (let r = 0; r < rows; r++) {
    const im = rowMaxF32(x, n);
    if (im < 0) {
      fillF32(out, n, NaN);
    } else {
      const L = Math.log1p(expPass(x, n, im, 0));
      const m = f64x2.splat(rowMaxValue);
      const Lv = f64x2.splat(L);
      let i = 0;
      for (; i + 4 <= n; i += 4) {
        const p = x + (<usize>i << 2);
        const o = out + (<usize>i << 2);
        storeF32Pair(o, f64x2.sub(f64x2.sub(loadF32Pair(p), m), Lv));
        storeF32Pair(o + 8, f64x2.sub(f64x2.sub(loadF32Pair(p + 8), m), Lv));
      }
      for (; i < n; i++) store<f32>(out + (<usize>i << 2), <f32>(<f64>load<f32>(x + (<usize>i << 2)) - rowMaxValue - L));
    }
    x += rowBytes;
    out += rowBytes;
  }
}

/** True when the sixteen float32 labels at p are all +0 (one test for four vectors). */
// @ts-ignore: decorator
@inline function zero16(p: usize): bool {
  return !v128.any_true(v128.or(v128.or(v128.load(p), v128.load(p, 16)), v128.or(v128.load(p, 32), v128.load(p, 48))));
}

/** Results of crossEntropyPass: the row's Σ y_i (m − x_i) as sum + error. */
let passSum: f64 = 0;
let passErr: f64 = 0;

/**
 * One pass over a row: the loss terms y_i (m − x_i) (zero labels add nothing, even against −∞) into
 * passSum/passErr, and when dx ≠ 0 the gradient g·(e_i·c − y_i), rounded once (dx may be x: each x_i
 * is read first).
 * With non-negative labels every term is ≥ 0, so a plain float64 sum is within n·2^-53 (far below
 * float32's rounding); `compensated` adds TwoSum error terms for rows with negative labels.
 */
// @ts-ignore: decorator
@inline function crossEntropyPass(x: usize, y: usize, n: i32, dx: usize, e: usize, c: f64, g: f64, compensated: bool): void {
  const m = f64x2.splat(rowMaxValue);
  const zero = f64x2.splat(0);
  const cv = f64x2.splat(c);
  const gv = f64x2.splat(g);
  let acc = f64x2.splat(0);
  let comp = f64x2.splat(0);
  let i = 0;
  while (i + 2 <= n) {
    // Zero labels (most of a one-hot row), sixteen or four at a time, add no loss term and leave
    // dx = g·(e·c): the same bits as the general step below, in fewer instructions.
    const zeros = i + 16 <= n && zero16(y + (<usize>i << 2)) ? 16 : i + 4 <= n && !v128.any_true(v128.load(y + (<usize>i << 2))) ? 4 : 0;
    if (zeros != 0) {
      if (dx != 0) {
        for (let j = i; j < i + zeros; j += 4) {
          const q = e + (<usize>j << 3);
          const o = dx + (<usize>j << 2);
          storeF32Pair(o, f64x2.mul(f64x2.mul(v128.load(q), cv), gv));
          storeF32Pair(o + 8, f64x2.mul(f64x2.mul(v128.load(q, 16), cv), gv));
        }
      }
      i += zeros;
      continue;
    }
    const yv = loadF32Pair(y + (<usize>i << 2));
    const gap = f64x2.sub(m, loadF32Pair(x + (<usize>i << 2)));
    const term = v128.and(f64x2.mul(yv, gap), f64x2.ne(yv, zero));
    const t = f64x2.add(acc, term);
    if (compensated) {
      const z = f64x2.sub(t, acc);
      comp = f64x2.add(comp, f64x2.add(f64x2.sub(acc, f64x2.sub(t, z)), f64x2.sub(term, z)));
    }
    acc = t;
    if (dx != 0) storeF32Pair(dx + (<usize>i << 2), f64x2.mul(f64x2.sub(f64x2.mul(v128.load(e + (<usize>i << 3)), cv), yv), gv));
    i += 2;
  }
  let sum = twoSum(f64x2.extract_lane(acc, 0), f64x2.extract_lane(acc, 1));
  let err = twoSumErr + f64x2.extract_lane(comp, 0) + f64x2.extract_lane(comp, 1);
  for (; i < n; i++) {
    const yi = <f64>load<f32>(y + (<usize>i << 2));
    if (yi != 0) {
      sum = twoSum(sum, yi * (rowMaxValue - <f64>load<f32>(x + (<usize>i << 2))));
      err += twoSumErr;
    }
    if (dx != 0) store<f32>(dx + (<usize>i << 2), <f32>((load<f64>(e + (<usize>i << 3)) * c - yi) * g));
  }
  passSum = sum;
  passErr = err;
}

/**
 * Soft labels: loss = Σ y_i (m − x_i) + (Σ y_i)·log1p(s), and dx = g·((Σ y)·softmax − y) when dx ≠ 0,
 * g the float64 at gScale (an upstream gradient folded in, e.g. 1/N of a mean: one rounding, no pass).
 */
export function softmaxCrossEntropyF32(
  x: usize, y: usize, rows: i32, n: i32, loss: usize, dx: usize, e: usize, gScale: usize,
): void {
  const rowBytes = <usize>n << 2;
  const g = load<f64>(gScale);
  for (let r = 0; r < rows; r++) {
    const im = rowMaxF32(x, n);
    if (im < 0) {
      store<f32>(loss, NaN);
      if (dx != 0) fillF32(dx, n, NaN);
    } else {
      const s = dx != 0 ? expPass(x, n, im, e) : expPass(x, n, im, 0);
      const L = Math.log1p(s);
      // Σ y first (the gradient needs it before the pass that writes dx), and whether any label is
      // negative (its sign bit; −0 counts too, harmlessly).
      // Σ_{i≠im} y_i (the label at the max is zeroed for the pass, then restored): the gradient at the max
      // is (yOthers − y_m·s)/(1 + s), which keeps its digits when the loss is tiny.
      const yMaxAt = y + (<usize>im << 2);
      const yMax = <f64>load<f32>(yMaxAt);
      store<f32>(yMaxAt, 0);
      let Yv = f64x2.splat(0);
      let signs = i32x4.splat(0);
      let i = 0;
      while (i + 4 <= n) {
        // Zero labels (most of a one-hot row) are skipped sixteen or four at a time.
        if (i + 16 <= n && zero16(y + (<usize>i << 2))) {
          i += 16;
          continue;
        }
        const v = v128.load(y + (<usize>i << 2));
        i += 4;
        if (!v128.any_true(v)) continue;
        signs = v128.or(signs, v);
        Yv = f64x2.add(Yv, f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(v128.shuffle<i64>(v, v, 1, 1))));
      }
      let Y = f64x2.extract_lane(Yv, 0) + f64x2.extract_lane(Yv, 1);
      let negative = i32x4.bitmask(signs) != 0;
      for (; i < n; i++) {
        const yi = load<f32>(y + (<usize>i << 2));
        Y += <f64>yi;
        if (reinterpret<i32>(yi) < 0) negative = true;
      }
      store<f32>(yMaxAt, <f32>yMax);
      if (yMax < 0) negative = true;
      const yOthers = Y;
      Y += yMax;
      const c = Y / (1 + s);
      if (negative) crossEntropyPass(x, y, n, dx, e, c, g, true);
      else crossEntropyPass(x, y, n, dx, e, c, g, false);
      if (dx != 0) store<f32>(dx + (<usize>im << 2), <f32>(differenceOverOnePlus(yOthers, yMax, s) * g));
      const yl = Y * L;
      store<f32>(loss, <f32>(isFinite(passSum) ? passSum + yl + passErr : passSum + yl));
    }
    x += rowBytes;
    y += rowBytes;
    if (dx != 0) dx += rowBytes;
    loss += 4;
  }
}

/**
 * Class ids: loss = log1p(s) − (x_k − m), dx = g·(softmax − onehot(k)) when dx ≠ 0, g the float64 at
 * gScale (1 leaves every bit as it was).
 */
export function sparseSoftmaxCrossEntropyF32(
  x: usize, ids: usize, rows: i32, n: i32, loss: usize, dx: usize, e: usize, gScale: usize,
): void {
  const rowBytes = <usize>n << 2;
  const g = load<f64>(gScale);
  for (let r = 0; r < rows; r++) {
    const k = load<i32>(ids + (<usize>r << 2));
    const im = rowMaxF32(x, n);
    if (im < 0) {
      store<f32>(loss, NaN);
      if (dx != 0) fillF32(dx, n, NaN);
    } else {
      const s = dx != 0 ? expPass(x, n, im, e) : expPass(x, n, im, 0);
      const L = Math.log1p(s);
      store<f32>(loss, <f32>(k == im ? L : rowMaxValue - <f64>load<f32>(x + (<usize>k << 2)) + L));
      if (dx != 0) {
        scaleOut(e, n, g / (1 + s), dx);
        // p_k − 1 = −(T − e_k)/T: −s/T at the max, −(1 + (s − e_k))/T elsewhere (no cancellation).
        store<f32>(dx + (<usize>k << 2), <f32>((k == im ? -s / (1 + s) : -(1 + (s - load<f64>(e + (<usize>k << 3)))) / (1 + s)) * g));
      }
    }
    x += rowBytes;
    if (dx != 0) dx += rowBytes;
    loss += 4;
  }
}
