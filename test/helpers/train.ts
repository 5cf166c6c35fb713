import { Random, Tensor } from '../../src/index.js';

/** Gaussian blobs: n examples with d features around C class centres, labels int32. Deterministic. */
export function blobs(n: number, d: number, classes: number, seed = 1, spread = 0.6): { x: Tensor; y: Tensor } {
  const rng = new Random(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: d }, () => rng.uniform(-2, 2)));
  const x = new Float32Array(n * d);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % classes;
    y[i] = c;
    for (let j = 0; j < d; j++) x[i * d + j] = centres[c][j] + rng.normal(0, spread);
  }
  return { x: new Tensor(x, [n, d]), y: new Tensor(y, [n]) };
}

export function bitsEqual(a: Tensor, b: Tensor): boolean {
  if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) return false;
  const x = new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength);
  const y = new Uint8Array(b.values.buffer, b.values.byteOffset, b.values.byteLength);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}
