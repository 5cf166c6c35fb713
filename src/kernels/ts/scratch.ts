/** Grow-only float64 scratch buffers, so hot kernels allocate nothing per call once warm. */
const pool = new Map<string, Float64Array>();

export function scratch(name: string, size: number): Float64Array {
  let buf = pool.get(name);
  if (!buf || buf.length < size) {
    buf = new Float64Array(Math.max(size, 64));
    pool.set(name, buf);
  }
  return buf;
}
