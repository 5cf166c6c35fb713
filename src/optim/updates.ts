import type { TypedArray } from '../tensor/dtype.js';

/*
 * The optimizers' element-wise update loops over raw TypedArrays (PyTorch's formulas), kept apart so a faster
 * kernel set (WebAssembly) can replace them. Each reads the parameter p and the gradient g, updates its own
 * slot buffers in place (the optimizer owns them) and writes the new parameter into `out`, a fresh buffer,
 * so the tensor holding the old parameter is never mutated. Arithmetic is in float64 (JS numbers); each stored
 * value is rounded once to the buffer's type.
 */

/**
 * SGD with optional momentum μ (PyTorch, dampening 0): d = g + l2·p; buf = μ·buf + d;
 * step = nesterov ? d + μ·buf : buf; p' = p − lr·step. With μ = 0 (buf null): p' = p − lr·d.
 */
export function sgdUpdate(
  p: TypedArray, g: TypedArray, buf: TypedArray | null, out: TypedArray,
  lr: number, momentum: number, nesterov: boolean, l2: number,
): void {
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) out[i] = p[i] - lr * (g[i] + l2 * p[i]);
    return;
  }
  for (let i = 0; i < n; i++) {
    const d = g[i] + l2 * p[i];
    const b = momentum * buf[i] + d;
    buf[i] = b;
    const bs = buf[i]; // the stored (rounded) value, as PyTorch uses it
    out[i] = p[i] - lr * (nesterov ? d + momentum * bs : bs);
  }
}

/**
 * Adam (Kingma & Ba; PyTorch's formulation): d = g + l2·p; m = β1·m + (1 − β1)·d; v = β2·v + (1 − β2)·d²;
 * p' = p·(1 − decay) − (lr / bc1) · m / (sqrt(v) / sqrt(bc2) + ε), bc_i = 1 − β_i^t.
 * `decay` = lr·weightDecay for AdamW (decoupled, applied to p before the Adam step), 0 for Adam.
 */
export function adamUpdate(
  p: TypedArray, g: TypedArray, m: TypedArray, v: TypedArray, out: TypedArray,
  lr: number, beta1: number, beta2: number, epsilon: number, bc1: number, bc2: number, l2: number, decay: number,
): void {
  const n = p.length;
  const stepSize = lr / bc1;
  const bc2Sqrt = Math.sqrt(bc2);
  const keep = 1 - decay;
  const c1 = 1 - beta1;
  const c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const pi = p[i];
    const d = l2 === 0 ? g[i] : g[i] + l2 * pi;
    m[i] = beta1 * m[i] + c1 * d;
    v[i] = beta2 * v[i] + c2 * d * d;
    const mi = m[i];
    const vi = v[i];
    out[i] = pi * keep - (stepSize * mi) / (Math.sqrt(vi) / bc2Sqrt + epsilon);
  }
}
