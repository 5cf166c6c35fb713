/**
 * Turns a large drawing into an MNIST-like 28×28 image, as LeCun et al. prepared the digits: the ink's bounding
 * box is scaled (keeping its aspect ratio) to fit a 20×20 box with anti-aliasing (area averaging), then placed in
 * the 28×28 field so that its center of mass sits at the center. Intensities are in [0, 1], ink = 1.
 */
export const MNIST_SIDE = 28;
const BOX = 20;
const INK_THRESHOLD = 0.02;

/** Gray intensity in [0, 1] per pixel from RGBA data (white ink on black: the red channel). */
export function intensities(rgba: Uint8ClampedArray, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = rgba[i * 4] / 255;
  return out;
}

/** Weights of an area-averaging resample of n source cells into m target cells, per target cell. */
function areaWeights(n: number, m: number): Array<{ start: number; weights: number[] }> {
  const scale = n / m;
  const out: Array<{ start: number; weights: number[] }> = [];
  for (let d = 0; d < m; d++) {
    const a = d * scale;
    const b = (d + 1) * scale;
    const start = Math.floor(a);
    const weights: number[] = [];
    for (let s = start; s < Math.min(n, Math.ceil(b)); s++) weights.push((Math.min(b, s + 1) - Math.max(a, s)) / scale);
    out.push({ start, weights });
  }
  return out;
}

/** Area-averaging resize of a w×h grid to tw×th. */
export function resizeArea(src: Float32Array, w: number, h: number, tw: number, th: number): Float32Array {
  const wx = areaWeights(w, tw);
  const wy = areaWeights(h, th);
  const rows = new Float32Array(tw * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < tw; x++) {
      const { start, weights } = wx[x];
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += weights[k] * src[y * w + start + k];
      rows[y * tw + x] = s;
    }
  }
  const out = new Float32Array(tw * th);
  for (let y = 0; y < th; y++) {
    const { start, weights } = wy[y];
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (let k = 0; k < weights.length; k++) s += weights[k] * rows[(start + k) * tw + x];
      out[y * tw + x] = s;
    }
  }
  return out;
}

/** The MNIST-style 28×28 image of a drawing given as intensities (w×h); all zeros when nothing is drawn. */
export function toMnist(gray: Float32Array, w: number, h: number): Float32Array {
  let x0 = w,
    y0 = h,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (gray[y * w + x] > INK_THRESHOLD) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  const out = new Float32Array(MNIST_SIDE * MNIST_SIDE);
  if (x1 < 0) return out;
  const cw = x1 - x0 + 1;
  const ch = y1 - y0 + 1;
  const crop = new Float32Array(cw * ch);
  for (let y = 0; y < ch; y++) crop.set(gray.subarray((y0 + y) * w + x0, (y0 + y) * w + x0 + cw), y * cw);
  const scale = BOX / Math.max(cw, ch);
  const tw = Math.max(1, Math.round(cw * scale));
  const th = Math.max(1, Math.round(ch * scale));
  const small = resizeArea(crop, cw, ch, tw, th);
  // Center of mass (pixel centers at +0.5) → the field's center.
  let mass = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < th; y++) {
    for (let x = 0; x < tw; x++) {
      const v = small[y * tw + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  const ox = Math.round(MNIST_SIDE / 2 - (mass > 0 ? mx / mass : tw / 2));
  const oy = Math.round(MNIST_SIDE / 2 - (mass > 0 ? my / mass : th / 2));
  for (let y = 0; y < th; y++) {
    const ty = y + oy;
    if (ty < 0 || ty >= MNIST_SIDE) continue;
    for (let x = 0; x < tw; x++) {
      const tx = x + ox;
      if (tx < 0 || tx >= MNIST_SIDE) continue;
      out[ty * MNIST_SIDE + tx] = Math.min(1, small[y * tw + x]);
    }
  }
  return out;
}
