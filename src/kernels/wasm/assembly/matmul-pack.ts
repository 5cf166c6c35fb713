/*
 * Packing for the matrix-product micro-kernels. A source matrix is addressed as element (r, p) at
 * src + (r·rs + p·ps)·size, which covers both storage orders (transposed or not). Packed panels
 * hold `width` rows (A) or columns (B) interleaved per p, zero-padded past the matrix edge, so the
 * micro-kernel always runs full tiles and reads both panels sequentially.
 */

/** Packs rows r0 .. r0+rows (≤ width, padded to width) and p in [p0, p0+kc) as float32. */
export function packF32(
  src: usize, rs: i32, ps: i32, r0: i32, rows: i32, p0: i32, kc: i32, width: i32, dst: usize,
): void {
  if (ps == 1 || rows < width) {
    // Rows contiguous in p (or an edge panel): one row at a time, scattered into the panel.
    for (let r = 0; r < width; r++) {
      if (r < rows) {
        let s = src + ((<usize>(r0 + r) * rs + p0 * ps) << 2);
        let d = dst + (<usize>r << 2);
        const step = <usize>ps << 2;
        const dstep = <usize>width << 2;
        for (let p = 0; p < kc; p++) {
          store<f32>(d, load<f32>(s));
          s += step;
          d += dstep;
        }
      } else {
        for (let p = 0; p < kc; p++) store<f32>(dst + ((<usize>(p * width + r)) << 2), 0);
      }
    }
    return;
  }
  // rs == 1 with a full panel: the `width` values (an even count) for one p are contiguous, copy
  // them as 16-byte vectors and a last 8-byte pair.
  for (let p = 0; p < kc; p++) {
    const s = src + ((<usize>r0 + <usize>(p0 + p) * ps) << 2);
    const d = dst + (<usize>(p * width) << 2);
    let r = 0;
    for (; r + 4 <= width; r += 4) v128.store(d + (<usize>r << 2), v128.load(s + (<usize>r << 2)));
    if (r < width) store<u64>(d + (<usize>r << 2), load<u64>(s + (<usize>r << 2)));
  }
}

/** As packF32, widening float32 or copying float64 sources into float64 panels. */
export function packF64<T>(
  src: usize, rs: i32, ps: i32, r0: i32, rows: i32, p0: i32, kc: i32, width: i32, dst: usize,
): void {
  const shift: usize = sizeof<T>() == 4 ? 2 : 3;
  for (let r = 0; r < width; r++) {
    let d = dst + (<usize>r << 3);
    const dstep = <usize>width << 3;
    if (r < rows) {
      let s = src + ((<usize>(r0 + r) * rs + p0 * ps) << shift);
      const step = <usize>ps << shift;
      for (let p = 0; p < kc; p++) {
        store<f64>(d, <f64>load<T>(s));
        s += step;
        d += dstep;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        store<f64>(d, 0);
        d += dstep;
      }
    }
  }
}
