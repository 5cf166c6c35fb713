import type { TypedArray } from '../tensor/dtype.js';

/*
 * SGD's element-wise update over raw TypedArrays (PyTorch's formula). It reads the parameter p and the
 * gradient g, updates its slot buffer in place and writes the new parameter into `out` (p itself in training:
 * each p[i] is read before out[i] is written). Arithmetic is in float64 (JS numbers); each stored value is
 * rounded once to the buffer's type. Adam's update is a kernel (src/kernels/ts/optimizer.ts, and wasm).
 */

/**
 * SGD with optional momentum μ (PyTorch, dampening 0): d = g + l2·p; buf = μ·buf + d;
 * step = nesterov ? d + μ·buf : buf; p' = p − lr·step. With μ = 0 (buf null): p' = p − lr·d.
 */
export function sgdUpdate(
  p: TypedArray,
  g: TypedArray,
  buf: TypedArray | null,
  out: TypedArray,
  lr: number,
  momentum: number,
  nesterov: boolean,
  l2: number,
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
