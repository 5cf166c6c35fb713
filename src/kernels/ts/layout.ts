import type { TypedArray } from '../../tensor/dtype.js';
import { stridesOf } from '../../tensor/shape.js';

export function transpose(x: TypedArray, shape: readonly number[], perm: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p]);
  // Stride in x of each output dimension.
  const s = perm.map((p) => inStrides[p]);
  if (rank === 2) {
    const [r, c] = outShape;
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = x[i * s[0] + j * s[1]];
    return;
  }
  const idx = new Array<number>(rank).fill(0);
  let src = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = x[src];
    for (let d = rank - 1; d >= 0; d--) {
      idx[d]++;
      src += s[d];
      if (idx[d] < outShape[d]) break;
      src -= s[d] * outShape[d];
      idx[d] = 0;
    }
  }
}

export function slice(x: TypedArray, shape: readonly number[], begin: readonly number[], size: readonly number[], out: TypedArray): void {
  const rank = shape.length;
  if (out.length === 0) return;
  if (rank === 0) {
    out[0] = x[0];
    return;
  }
  const strides = stridesOf(shape);
  const last = rank - 1;
  const rowLen = size[last];
  const idx = new Array<number>(rank).fill(0);
  let o = 0;
  for (;;) {
    let src = begin[last];
    for (let d = 0; d < last; d++) src += (begin[d] + idx[d]) * strides[d];
    for (let j = 0; j < rowLen; j++) out[o++] = x[src + j];
    let d = last - 1;
    for (; d >= 0; d--) {
      idx[d]++;
      if (idx[d] < size[d]) break;
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

export function concat(parts: readonly TypedArray[], ns: readonly number[], outer: number, inner: number, out: TypedArray): void {
  const total = ns.reduce((s, v) => s + v, 0);
  let offset = 0;
  for (let p = 0; p < parts.length; p++) {
    const block = ns[p] * inner;
    const part = parts[p];
    for (let o = 0; o < outer; o++) {
      out.set(part.subarray(o * block, (o + 1) * block), o * total * inner + offset * inner);
    }
    offset += ns[p];
  }
}

export function gather(x: TypedArray, outer: number, n: number, inner: number, indices: Int32Array, out: TypedArray): void {
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const src = (o * n + indices[i]) * inner;
      out.set(x.subarray(src, src + inner), (o * m + i) * inner);
    }
  }
}

export function scatterAdd(dy: TypedArray, outer: number, n: number, inner: number, indices: Int32Array, out: TypedArray): void {
  const m = indices.length;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < m; i++) {
      const dst = (o * n + indices[i]) * inner;
      const src = (o * m + i) * inner;
      for (let j = 0; j < inner; j++) out[dst + j] += dy[src + j];
    }
  }
}

export function oneHot(indices: Int32Array, depth: number, onValue: number, offValue: number, out: TypedArray): void {
  out.fill(offValue);
  for (let i = 0; i < indices.length; i++) {
    const c = indices[i];
    if (c >= 0 && c < depth) out[i * depth + c] = onValue;
  }
}
