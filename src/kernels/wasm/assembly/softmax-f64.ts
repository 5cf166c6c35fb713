/*
 * The softmax family for float64 rows (contiguous, length n), mirroring src/kernels/ts/softmax.ts
 * step for step so results stay within a few ulp of it:
 * - d_i = x_i − m with its rounding error lo_i (TwoSum), e_i = exp(d_i)·(1 + lo_i);
 * - d_i ≤ −746 (and −∞ masks) give e_i = 0 and lo_i = 0;
 * - s = Σ_{i≠im} e_i compensated (TwoSum per lane), logSumExp = m + log1p(s).
 */
import { expExact, expExactScalar } from './exp';
import { differenceOverOnePlus, fillF64, twoSum, twoSumErr } from './lanes';
import { LIMITS } from './limits';
import { rowMaxF64, rowMaxValue } from './row-max';

/** The TwoSum error of d = v − m (mv = m, negM = −m in both lanes). */
// @ts-ignore: decorator
@inline function diffError(v: v128, d: v128, mv: v128, negM: v128): v128 {
  const bb = f64x2.sub(d, v);
  return f64x2.add(f64x2.sub(v, f64x2.sub(d, bb)), f64x2.sub(negM, bb));
}

// @ts-ignore: decorator
@inline function diffErrorScalar(v: f64, d: f64, m: f64): f64 {
  const bb = d - v;
  return (v - (d - bb)) + (-m - bb);
}

/** Lanes where d > −746: the others get e = 0 and lo = 0, as in the reference. */
// @ts-ignore: decorator
@inline function liveMask(d: v128): v128 {
  return f64x2.gt(d, v128.load(LIMITS, 16));
}

/** e_i = exp(d_i)(1 + lo_i), zero where dead. */
// @ts-ignore: decorator
@inline function correctedExp(d: v128, err: v128, live: v128): v128 {
  const ex = expExact(f64x2.pmax(d, v128.load(LIMITS, 16)));
  return v128.and(f64x2.add(ex, f64x2.mul(ex, err)), live);
}

// @ts-ignore: decorator
@inline function correctedExpScalar(v: f64, m: f64): f64 {
  const d = v - m;
  if (!(d > -746)) return 0;
  const ex = expExactScalar(d);
  return ex + ex * diffErrorScalar(v, d, m);
}

/**
 * s = Σ_{i≠im} e_i, compensated; when e ≠ 0 also stores each e_i there (e[im] = 1). The max element
 * is −∞ during the loop so it drops out of s without a branch.
 */
// @ts-ignore: decorator
@inline function expPass(x: usize, n: i32, im: i32, e: usize): f64 {
  const xm = x + (<usize>im << 3);
  store<f64>(xm, -Infinity);
  const m = rowMaxValue;
  const mv = f64x2.splat(m);
  const negM = f64x2.splat(-m);
  let s = f64x2.splat(0);
  let c = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    const d = f64x2.sub(v, mv);
    const ec = correctedExp(d, diffError(v, d, mv, negM), liveMask(d));
    if (e != 0) v128.store(e + (<usize>i << 3), ec);
    const t = f64x2.add(s, ec);
    const z = f64x2.sub(t, s);
    c = f64x2.add(c, f64x2.add(f64x2.sub(s, f64x2.sub(t, z)), f64x2.sub(ec, z)));
    s = t;
  }
  let sum = twoSum(f64x2.extract_lane(s, 0), f64x2.extract_lane(s, 1));
  let comp = twoSumErr + f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1);
  if (i < n) {
    const ei = correctedExpScalar(load<f64>(x + (<usize>i << 3)), m);
    if (e != 0) store<f64>(e + (<usize>i << 3), ei);
    sum = twoSum(sum, ei);
    comp += twoSumErr;
  }
  store<f64>(xm, m);
  if (e != 0) store<f64>(e + (<usize>im << 3), 1);
  return sum + comp;
}

/** out = e / total. */
// @ts-ignore: decorator
@inline function divideOut(e: usize, n: i32, total: f64, g: f64, out: usize): void {
  const tv = f64x2.splat(total);
  const gv = f64x2.splat(g);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const p = <usize>i << 3;
    v128.store(out + p, f64x2.mul(f64x2.div(v128.load(e + p), tv), gv));
  }
  if (i < n) store<f64>(out + (<usize>i << 3), (load<f64>(e + (<usize>i << 3)) / total) * g);
}

export function softmaxF64(x: usize, out: usize, rows: i32, n: i32, e: usize): void {
  const rowBytes = <usize>n << 3;
  for (let r = 0; r < rows; r++) {
    const im = rowMaxF64(x, n);
    if (im < 0) fillF64(out, n, NaN);
    else divideOut(e, n, 1 + expPass(x, n, im, e), 1, out);
    x += rowBytes;
    out += rowBytes;
  }
}

export function logSoftmaxF64(x: usize, out: usize, rows: i32, n: i32): void {
  const rowBytes = <usize>n << 3;
  for (let r = 0; r < rows; r++) {
    const im = rowMaxF64(x, n);
    if (im < 0) {
      fillF64(out, n, NaN);
    } else {
      const L = Math.log1p(expPass(x, n, im, 0));
      const m = rowMaxValue;
      const mv = f64x2.splat(m);
      const negM = f64x2.splat(-m);
      const Lv = f64x2.splat(L);
      let i = 0;
      // out = x − m − L + lo, in the reference's order.
      for (; i + 2 <= n; i += 2) {
        const p = <usize>i << 3;
        const v = v128.load(x + p);
        const d = f64x2.sub(v, mv);
        const lo = v128.and(diffError(v, d, mv, negM), liveMask(d));
        v128.store(out + p, f64x2.add(f64x2.sub(d, Lv), lo));
      }
      if (i < n) {
        const v = load<f64>(x + (<usize>i << 3));
        const d = v - m;
        store<f64>(out + (<usize>i << 3), d - L + (d > -746 ? diffErrorScalar(v, d, m) : 0));
      }
      store<f64>(out + (<usize>im << 3), -L);
    }
    x += rowBytes;
    out += rowBytes;
  }
}

/**
 * Soft labels: loss = Σ y_i·(−(d_i + lo_i)) + (Σ y)·log1p(s) with a compensated sum, and
 * dx = g·((Σ y)·e/total − y) when dx ≠ 0, g the float64 at gScale (1 leaves every bit as it was).
 * A zero label adds nothing even against a −∞ logit.
 */
export function softmaxCrossEntropyF64(
  x: usize, y: usize, rows: i32, n: i32, loss: usize, dx: usize, e: usize, gScale: usize,
): void {
  const rowBytes = <usize>n << 3;
  const g = load<f64>(gScale);
  const gv = f64x2.splat(g);
  for (let r = 0; r < rows; r++) {
    const im = rowMaxF64(x, n);
    if (im < 0) {
      store<f64>(loss, NaN);
      if (dx != 0) fillF64(dx, n, NaN);
    } else {
      const s = dx != 0 ? expPass(x, n, im, e) : expPass(x, n, im, 0);
      const L = Math.log1p(s);
      // yOthers = Σ_{i≠im} y_i, compensated (the label at the max is zeroed for the pass, then restored):
      // the gradient at the max is (yOthers − y_m·s)/(1 + s), which keeps its digits when the loss is tiny.
      const yMaxAt = y + (<usize>im << 3);
      const yMax = load<f64>(yMaxAt);
      store<f64>(yMaxAt, 0);
      let Ys = f64x2.splat(0);
      let Yc = f64x2.splat(0);
      let i = 0;
      for (; i + 2 <= n; i += 2) {
        const yv = v128.load(y + (<usize>i << 3));
        const t = f64x2.add(Ys, yv);
        const z = f64x2.sub(t, Ys);
        Yc = f64x2.add(Yc, f64x2.add(f64x2.sub(Ys, f64x2.sub(t, z)), f64x2.sub(yv, z)));
        Ys = t;
      }
      let yOthers = twoSum(f64x2.extract_lane(Ys, 0), f64x2.extract_lane(Ys, 1));
      let yErr = twoSumErr + f64x2.extract_lane(Yc, 0) + f64x2.extract_lane(Yc, 1);
      if (i < n) {
        yOthers = twoSum(yOthers, load<f64>(y + (<usize>i << 3)));
        yErr += twoSumErr;
      }
      yOthers += yErr;
      store<f64>(yMaxAt, yMax);
      const Y = yOthers + yMax;
      const m = rowMaxValue;
      const mv = f64x2.splat(m);
      const negM = f64x2.splat(-m);
      const zero = f64x2.splat(0);
      const total = 1 + s;
      const Yt = f64x2.splat(Y);
      const tv = f64x2.splat(total);
      let acc = f64x2.splat(0);
      let comp = f64x2.splat(0);
      // The max element contributes y·0: adding it changes nothing, so no branch skips it.
      for (i = 0; i + 2 <= n; i += 2) {
        const p = <usize>i << 3;
        const yv = v128.load(y + p);
        const v = v128.load(x + p);
        const d = f64x2.sub(v, mv);
        const lo = v128.and(diffError(v, d, mv, negM), liveMask(d));
        const gap = f64x2.neg(f64x2.add(d, lo));
        // m − x_i can overflow (1.7e308 − (−1.7e308)) while y·(m − x_i) is finite for a label below 1.
        const raw = f64x2.mul(yv, gap);
        const overflowed = v128.and(f64x2.eq(raw, f64x2.splat(Infinity)), f64x2.lt(yv, f64x2.splat(1)));
        const safe = v128.bitselect(f64x2.sub(f64x2.mul(yv, mv), f64x2.mul(yv, v)), raw, overflowed);
        const term = v128.and(safe, f64x2.ne(yv, zero));
        const t = f64x2.add(acc, term);
        const z = f64x2.sub(t, acc);
        comp = f64x2.add(comp, f64x2.add(f64x2.sub(acc, f64x2.sub(t, z)), f64x2.sub(term, z)));
        acc = t;
        if (dx != 0) v128.store(dx + p, f64x2.mul(f64x2.sub(f64x2.div(f64x2.mul(Yt, v128.load(e + p)), tv), yv), gv));
      }
      let sum = twoSum(f64x2.extract_lane(acc, 0), f64x2.extract_lane(acc, 1));
      let err = twoSumErr + f64x2.extract_lane(comp, 0) + f64x2.extract_lane(comp, 1);
      if (i < n) {
        const p = <usize>i << 3;
        const yi = load<f64>(y + p);
        if (yi != 0 && i != im) {
          const v = load<f64>(x + p);
          const d = v - m;
          let term = yi * -(d + (d > -746 ? diffErrorScalar(v, d, m) : 0));
          if (term == Infinity && yi < 1) term = yi * m - yi * v;
          sum = twoSum(sum, term);
          err += twoSumErr;
        }
        if (dx != 0) store<f64>(dx + p, ((Y * load<f64>(e + p)) / total - yi) * g);
      }
      if (dx != 0) store<f64>(dx + (<usize>im << 3), differenceOverOnePlus(yOthers, yMax, s) * g);
      const yl = Y * L;
      store<f64>(loss, isFinite(sum) ? sum + yl + err : sum + yl);
    }
    x += rowBytes;
    y += rowBytes;
    if (dx != 0) dx += rowBytes;
    loss += 8;
  }
}

/** Class ids: loss = log1p(s) − (d_k + lo_k), dx = g·(e/total − onehot(k)) when dx ≠ 0, g the float64 at gScale. */
export function sparseSoftmaxCrossEntropyF64(
  x: usize, ids: usize, rows: i32, n: i32, loss: usize, dx: usize, e: usize, gScale: usize,
): void {
  const rowBytes = <usize>n << 3;
  const g = load<f64>(gScale);
  for (let r = 0; r < rows; r++) {
    const k = load<i32>(ids + (<usize>r << 2));
    const im = rowMaxF64(x, n);
    if (im < 0) {
      store<f64>(loss, NaN);
      if (dx != 0) fillF64(dx, n, NaN);
    } else {
      const s = dx != 0 ? expPass(x, n, im, e) : expPass(x, n, im, 0);
      const L = Math.log1p(s);
      const m = rowMaxValue;
      const v = load<f64>(x + (<usize>k << 3));
      const d = v - m;
      const lo = d > -746 ? diffErrorScalar(v, d, m) : 0;
      store<f64>(loss, k == im ? L : -(d + lo) + L);
      if (dx != 0) {
        const total = 1 + s;
        divideOut(e, n, total, g, dx);
        // p_k − 1 = −(T − e_k)/T: −s/T at the max, −(1 + (s − e_k))/T elsewhere (no cancellation).
        store<f64>(dx + (<usize>k << 3), (k == im ? -s / total : -(1 + (s - load<f64>(e + (<usize>k << 3)))) / total) * g);
      }
    }
    x += rowBytes;
    if (dx != 0) dx += rowBytes;
    loss += 8;
  }
}
