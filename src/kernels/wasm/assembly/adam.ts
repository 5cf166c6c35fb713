/*
 * Adam's update (PyTorch's formulation, the TypeScript reference in src/kernels/ts/optimizer.ts), in place
 * on p, m, v, computed in float64 lanes with every stored value rounded once to the arrays' type, in
 * the reference's order of operations: the results are bit-identical to it.
 *
 *   d = g + l2·p;  m = β1·m + (1 − β1)·d;  v = β2·v + (1 − β2)·d·d
 *   p = p·keep − (stepSize·m) / (sqrt(v) · invBc2Sqrt + ε)      (m and v as stored)
 */

const HYPER: usize = memory.data(8 * 9, 16);

/** The step's constants, written once per call by `adamSetup` (a kernel call has at most 8 arguments here). */
export function adamSetup(
  beta1: f64, beta2: f64, c1: f64, c2: f64, epsilon: f64, stepSize: f64, invBc2Sqrt: f64, keep: f64, l2: f64,
): void {
  store<f64>(HYPER, beta1);
  store<f64>(HYPER, beta2, 8);
  store<f64>(HYPER, c1, 16);
  store<f64>(HYPER, c2, 24);
  store<f64>(HYPER, epsilon, 32);
  store<f64>(HYPER, stepSize, 40);
  store<f64>(HYPER, invBc2Sqrt, 48);
  store<f64>(HYPER, keep, 56);
  store<f64>(HYPER, l2, 64);
}

// @ts-ignore: decorator
@inline function splat(offset: usize): v128 {
  return f64x2.splat(load<f64>(HYPER + offset));
}

/** float32 arrays of length n at p, g, m, v. */
export function adamF32(p: usize, g: usize, m: usize, v: usize, n: i32): void {
  const beta1 = splat(0);
  const beta2 = splat(8);
  const c1 = splat(16);
  const c2 = splat(24);
  const eps = splat(32);
  const stepSize = splat(40);
  const invBc2Sqrt = splat(48);
  const keep = splat(56);
  const l2s = load<f64>(HYPER + 64);
  const l2 = f64x2.splat(l2s);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 2;
    const pi = f64x2.promote_low_f32x4(v128.load64_zero(p + o));
    const gi = f64x2.promote_low_f32x4(v128.load64_zero(g + o));
    const d = l2s == 0 ? gi : f64x2.add(gi, f64x2.mul(l2, pi));
    const mNew = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(beta1, f64x2.promote_low_f32x4(v128.load64_zero(m + o))), f64x2.mul(c1, d)));
    const vNew = f32x4.demote_f64x2_zero(f64x2.add(f64x2.mul(beta2, f64x2.promote_low_f32x4(v128.load64_zero(v + o))), f64x2.mul(f64x2.mul(c2, d), d)));
    v128.store64_lane(m + o, mNew, 0);
    v128.store64_lane(v + o, vNew, 0);
    const mi = f64x2.promote_low_f32x4(mNew);
    const vi = f64x2.promote_low_f32x4(vNew);
    const denom = f64x2.add(f64x2.mul(f64x2.sqrt(vi), invBc2Sqrt), eps);
    const pNew = f64x2.sub(f64x2.mul(pi, keep), f64x2.div(f64x2.mul(stepSize, mi), denom));
    v128.store64_lane(p + o, f32x4.demote_f64x2_zero(pNew), 0);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const pi = <f64>load<f32>(p + o);
    const gi = <f64>load<f32>(g + o);
    const d = l2s == 0 ? gi : gi + l2s * pi;
    const mi = <f64><f32>(load<f64>(HYPER) * <f64>load<f32>(m + o) + load<f64>(HYPER + 16) * d);
    const vi = <f64><f32>(load<f64>(HYPER + 8) * <f64>load<f32>(v + o) + load<f64>(HYPER + 24) * d * d);
    store<f32>(m + o, <f32>mi);
    store<f32>(v + o, <f32>vi);
    store<f32>(p + o, <f32>(pi * load<f64>(HYPER + 56) - (load<f64>(HYPER + 40) * mi) / (Math.sqrt(vi) * load<f64>(HYPER + 48) + load<f64>(HYPER + 32))));
  }
}

/** float64 arrays of length n at p, g, m, v. */
export function adamF64(p: usize, g: usize, m: usize, v: usize, n: i32): void {
  const beta1 = splat(0);
  const beta2 = splat(8);
  const c1 = splat(16);
  const c2 = splat(24);
  const eps = splat(32);
  const stepSize = splat(40);
  const invBc2Sqrt = splat(48);
  const keep = splat(56);
  const l2s = load<f64>(HYPER + 64);
  const l2 = f64x2.splat(l2s);
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const o = <usize>i << 3;
    const pi = v128.load(p + o);
    const gi = v128.load(g + o);
    const d = l2s == 0 ? gi : f64x2.add(gi, f64x2.mul(l2, pi));
    const mi = f64x2.add(f64x2.mul(beta1, v128.load(m + o)), f64x2.mul(c1, d));
    const vi = f64x2.add(f64x2.mul(beta2, v128.load(v + o)), f64x2.mul(f64x2.mul(c2, d), d));
    v128.store(m + o, mi);
    v128.store(v + o, vi);
    const denom = f64x2.add(f64x2.mul(f64x2.sqrt(vi), invBc2Sqrt), eps);
    v128.store(p + o, f64x2.sub(f64x2.mul(pi, keep), f64x2.div(f64x2.mul(stepSize, mi), denom)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 3;
    const pi = load<f64>(p + o);
    const gi = load<f64>(g + o);
    const d = l2s == 0 ? gi : gi + l2s * pi;
    const mi = load<f64>(HYPER) * load<f64>(m + o) + load<f64>(HYPER + 16) * d;
    const vi = load<f64>(HYPER + 8) * load<f64>(v + o) + load<f64>(HYPER + 24) * d * d;
    store<f64>(m + o, mi);
    store<f64>(v + o, vi);
    store<f64>(p + o, pi * load<f64>(HYPER + 56) - (load<f64>(HYPER + 40) * mi) / (Math.sqrt(vi) * load<f64>(HYPER + 48) + load<f64>(HYPER + 32)));
  }
}
