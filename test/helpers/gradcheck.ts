/**
 * A reusable finite-difference gradient checker (float64).
 *
 * For f(x_1, ..., x_k) → y it draws a random cotangent R of y's shape and compares the library's
 * vector–Jacobian product valueAndGrads(f)(xs, R) with numerical derivatives of the scalar
 * S(xs) = Σ R ⊙ f(xs), summed here in plain JS (the library's reductions are not used as a reference).
 *
 * Numerical derivatives use the fourth-order central stencil
 *   S'(x) ≈ (−S(x + 2h) + 8 S(x + h) − 8 S(x − h) + S(x − 2h)) / 12h,
 * whose truncation error is O(h⁴) and rounding error O(ε·|S| / h): with h = 1e-4 both are ~1e-12 relative,
 * so the tolerance can be tight. Small inputs are checked element by element; large ones along a few random
 * directions (one directional derivative covers every input at once). Keep random inputs at least 2h (scaled)
 * away from kinks (relu at 0, abs at 0, ties of max/min).
 */
import { expect } from 'vitest';
import { Tensor, tensor, valueAndGrads } from '../../src/index.js';
import { rng } from './numbers.js';

export interface GradCheckOptions {
  /** Base step; the step for element x is h·max(1, |x|). Default 1e-4. */
  h?: number;
  /** Relative tolerance, default 1e-7. */
  rtol?: number;
  /** Absolute tolerance, default 1e-9 (scaled by max(1, Σ|R ⊙ y|)). */
  atol?: number;
  /** Inputs with at most this many elements in total are checked element by element (default 48). */
  maxPerElement?: number;
  /** Number of random directions otherwise (default 4). */
  directions?: number;
  seed?: number;
  /** Indices of the inputs to check (default: all). The others still get their gradients computed. */
  wrt?: readonly number[];
  /** Cotangent range: |R| in [0.5, 1.5] with random signs by default; 'ones' uses 1 everywhere. */
  cotangent?: 'random' | 'ones';
}

function withValues(x: Tensor, values: Float64Array): Tensor {
  return tensor(values, { shape: [...x.shape], dtype: 'float64' });
}

export function gradCheck(f: (...xs: Tensor[]) => Tensor, xs: readonly Tensor[], opts: GradCheckOptions = {}): void {
  const h = opts.h ?? 1e-4;
  const rtol = opts.rtol ?? 1e-7;
  const atolBase = opts.atol ?? 1e-9;
  const rand = rng(opts.seed ?? 12345);
  const wrt = opts.wrt ?? xs.map((_, i) => i);
  for (const [i, x] of xs.entries()) {
    if (x.dtype !== 'float64') throw new Error(`gradCheck: input ${i} must be float64, got ${x.dtype}`);
  }

  const y0 = f(...xs);
  const R = new Float64Array(y0.size);
  for (let i = 0; i < R.length; i++) {
    R[i] = opts.cotangent === 'ones' ? 1 : (rand() < 0.5 ? -1 : 1) * (0.5 + rand());
  }
  const dy = tensor(R, { shape: [...y0.shape], dtype: y0.dtype === 'float32' ? 'float32' : 'float64' });
  const { value, grads } = valueAndGrads(f)([...xs], dy);

  // The value is f's output, unchanged by recording.
  expect([...value.shape]).toEqual([...y0.shape]);
  expect(Array.from(value.values)).toEqual(Array.from(y0.values));
  grads.forEach((g, i) => {
    expect([...g.shape], `shape of gradient ${i}`).toEqual([...xs[i].shape]);
    expect(g.dtype, `dtype of gradient ${i}`).toBe('float64');
  });
  let magnitude = 0;
  for (let i = 0; i < R.length; i++) magnitude += Math.abs(R[i] * y0.values[i]);
  const atol = atolBase * Math.max(1, magnitude);

  // The stencil is combined per output element before the R-weighted sum, so outputs that do not depend
  // on the perturbed element cancel exactly instead of adding rounding noise.
  const stencil = (at: (t: number) => Tensor[]) => {
    const [p2, p1, m1, m2] = [2, 1, -1, -2].map((t) => f(...at(t)).values);
    let s = 0;
    for (let k = 0; k < R.length; k++) s += R[k] * (8 * (p1[k] - m1[k]) - (p2[k] - m2[k]));
    return s / 12;
  };

  const total = wrt.reduce((p, i) => p + xs[i].size, 0);
  if (total <= (opts.maxPerElement ?? 48)) {
    for (const i of wrt) {
      const base = xs[i].values as Float64Array;
      for (let k = 0; k < base.length; k++) {
        const step = h * Math.max(1, Math.abs(base[k]));
        const at = (t: number) => {
          const v = base.slice();
          v[k] = base[k] + t * step;
          return xs.map((x, j) => (j === i ? withValues(x, v) : x));
        };
        const numeric = stencil(at) / step;
        const analytic = grads[i].values[k];
        const err = Math.abs(numeric - analytic);
        if (!(err <= atol + rtol * Math.max(Math.abs(numeric), Math.abs(analytic)))) {
          expect.fail(`gradient of input ${i} at flat index ${k} (x = ${base[k]}): analytic ${analytic}, numeric ${numeric}, error ${err}`);
        }
      }
    }
    return;
  }
  for (let d = 0; d < (opts.directions ?? 4); d++) {
    const dirs = xs.map((x, i) => {
      const v = new Float64Array(x.size);
      if (wrt.includes(i)) for (let k = 0; k < v.length; k++) v[k] = rand() * 2 - 1;
      return v;
    });
    let analytic = 0;
    let scale = 0;
    wrt.forEach((i) => {
      const g = grads[i].values;
      for (let k = 0; k < g.length; k++) {
        analytic += g[k] * dirs[i][k];
        scale += Math.abs(g[k] * dirs[i][k]);
      }
    });
    const at = (t: number) =>
      xs.map((x, i) => {
        if (!wrt.includes(i)) return x;
        const base = x.values;
        const v = new Float64Array(base.length);
        for (let k = 0; k < v.length; k++) v[k] = base[k] + t * h * dirs[i][k];
        return withValues(x, v);
      });
    const numeric = stencil(at) / h;
    const err = Math.abs(numeric - analytic);
    if (!(err <= atol + rtol * Math.max(Math.abs(numeric), scale))) {
      expect.fail(`directional derivative ${d}: analytic ${analytic}, numeric ${numeric}, error ${err} (scale ${scale})`);
    }
  }
}
