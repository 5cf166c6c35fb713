import type { DType, TypedArray } from './dtype.js';
import type { Shape } from './shape.js';

/** Shortest text that reads back to the same value in the tensor's own precision. */
export function formatValue(v: number, dtype: DType): string {
  if (dtype === 'float32' && Number.isFinite(v) && v !== 0) {
    for (let digits = 1; digits <= 9; digits++) {
      const s = v.toPrecision(digits);
      if (Math.fround(Number(s)) === v) return String(Number(s));
    }
  }
  return String(v);
}

const MAX_PER_DIM = 6;

/** Readable multi-line text: dtype, shape, then the values nested like the array, long rows elided. */
export function formatTensor(values: TypedArray, shape: Shape, dtype: DType): string {
  const header = `Tensor ${dtype} [${shape.join(', ')}]`;
  if (shape.length === 0) return `${header} ${formatValue(values[0], dtype)}`;
  const body = render(values, shape, dtype, 0, 0);
  return `${header}\n${body}`;
}

function render(values: TypedArray, shape: Shape, dtype: DType, dim: number, offset: number): string {
  let stride = 1;
  for (let i = dim + 1; i < shape.length; i++) stride *= shape[i];
  const n = shape[dim];
  const show = (i: number) => (dim === shape.length - 1 ? formatValue(values[offset + i], dtype) : render(values, shape, dtype, dim + 1, offset + i * stride));
  const parts: string[] = [];
  if (n > MAX_PER_DIM) {
    for (let i = 0; i < 3; i++) parts.push(show(i));
    parts.push('...');
    for (let i = n - 3; i < n; i++) parts.push(show(i));
  } else {
    for (let i = 0; i < n; i++) parts.push(show(i));
  }
  if (dim === shape.length - 1) return `[${parts.join(', ')}]`;
  const indent = ' '.repeat(dim + 1);
  return `[${parts.join(`,\n${indent}`)}]`;
}
