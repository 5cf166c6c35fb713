/*
 * The filter gradient and the bias's column sums of an image's first convolution layer (nine taps: 3 × 3 on one
 * channel, or 3 × 1 on three) with relu, then a 2 × 2 max pool of stride 2, straight from the pool's gradient. The
 * convolution's output gradient dz is zero but at one maximum per window (a quarter of it at most), so instead of
 * writing dz and reading all of it back (the dense nine-tap loop, the column sums), each window row's maxima are
 * listed per channel in dz's row order and only they are multiplied: the same sums in the same order (a skipped
 * product is a zero one: the glue checks that x is finite, and a sum from +0 is never −0, so adding ±0 changes no
 * bit), as gradNine and reduce's columns give.
 */
import { C, H, OH, OW, W, geo } from './conv';
import { stepOf } from './elementwise';
import { madd64 } from './lanes';

/** Scratch of the four-channel listing: each lane's count slot, list start, liveness, pixel offset and value. */
const LANES = memory.data(80, 16);

/** Float64 slots of a channel's nine tap sums: (t0, t1), (t3, t4), (t6, t7), (t2, t5), (t8, unused). */
export const POOLED_NINE_SLOTS = 10;

/**
 * For `count` images of the chunk: dy, argMax (indices into y counted from the chunk's first element `lo`) and
 * pooled (the pool's output, relu's step taken from it as maskAtMaxima does) of type T, pool geometry at pg; src the
 * padded images in float64, ptrs each output pixel's first-tap offset, rowStep the bytes between the filter's rows.
 * Adds into sums (POOLED_NINE_SLOTS per channel, see above) and into the bias's compensated sums s, e. Scratch:
 * counts (2 · channels int32), tag and value (2 · channels · pooled width + 1 entries, int32 and float64). False at
 * an index outside its window, the sums then half made (the glue composes from scratch).
 */
function pooledNine<T>(
  dy: usize, argMax: usize, pooled: usize, pg: usize, count: i32, lo: i32,
  src: usize, ptrs: usize, rowStep: usize, counts: usize, tag: usize, value: usize, sums: usize, s: usize, e: usize,
): bool {
  const size = <usize>sizeof<T>();
  // The pool's geometry block: its input is the convolution's output (oh × ow × c), its output poh × pw.
  const oh = geo(pg, H), ow = geo(pg, W), c = geo(pg, C), poh = geo(pg, OH), pw = geo(pg, OW);
  const rowLen = ow * c;
  // Where zeros are written: the entry past every list.
  const spare = 2 * c * pw;
  const zero = i32x4.splat(0), ones = i32x4.splat(1), one = f32x4.splat(1);
  const rowLenV = i32x4.splat(rowLen), cV = i32x4.splat(c), pwV = i32x4.splat(pw), owV = i32x4.splat(ow);
  for (let b = 0; b < count; b++) {
    for (let py = 0; py < poh; py++) {
      memory.fill(counts, 0, <usize>(2 * c) << 2);
      const top = (b * oh + 2 * py) * ow;
      // List each channel's maxima of this window row, those in its top row apart from those in its bottom row
      // (dz's row order is the top row's maxima by window, then the bottom row's), branch-free.
      for (let px = 0; px < pw; px++) {
        // Pointers stepped by hand (TurboFan multiplies every index afresh): o the pooled element, base the index
        // its maximum has at the window's top left, cp its channel's two counts, list the first entry of its lists.
        const first = ((b * poh + py) * pw + px) * c;
        const pp = ptrs + (<usize>(top + 2 * px) << 2);
        let base = lo + (top + 2 * px) * c;
        let cp = counts;
        let list = 0;
        let o = first;
        if (sizeof<T>() == 4) {
          // Four channels at a time: the checks and values in lanes, then each lane's entry placed.
          const four = i32x4.splat(4);
          let baseV = i32x4.add(i32x4.splat(base), i32x4(0, 1, 2, 3));
          let cpV = i32x4.add(i32x4.splat(<i32>cp), i32x4(0, 8, 16, 24));
          let listV = i32x4.mul(i32x4.splat(2 * pw), i32x4(0, 1, 2, 3));
          for (; o + 4 <= first + c; o += 4) {
            const iv = v128.load(argMax + (<usize>o << 2));
            const rel = i32x4.sub(iv, baseV);
            const bottom = i32x4.ge_s(rel, rowLenV);
            const inRow = i32x4.sub(rel, v128.and(bottom, rowLenV));
            const found = i32x4.ge_s(iv, zero);
            const right = i32x4.eq(inRow, cV);
            if (v128.any_true(v128.andnot(found, v128.or(i32x4.eq(inRow, zero), right)))) return false;
            const y = v128.load(pooled + (<usize>o << 2));
            const step = v128.bitselect(one, v128.bitselect(y, zero, f32x4.ne(y, y)), f32x4.gt(y, zero));
            const v = f32x4.mul(f32x4.add(zero, v128.load(dy + (<usize>o << 2))), step);
            v128.store(LANES, i32x4.add(cpV, v128.and(bottom, four)));
            v128.store(LANES, i32x4.add(listV, v128.and(bottom, pwV)), 16);
            v128.store(LANES, v128.and(v128.and(found, f32x4.ne(v, zero)), ones), 32);
            v128.store(LANES, i32x4.shl(i32x4.add(v128.and(bottom, owV), v128.and(right, ones)), 2), 48);
            v128.store(LANES, v, 64);
            for (let lane: usize = 0; lane < 16; lane += 4) {
              const slot = <usize>load<i32>(LANES + lane);
              const live = load<i32>(LANES + lane, 32);
              const n = load<i32>(slot);
              store<i32>(slot, n + live);
              const at = select<i32>(load<i32>(LANES + lane, 16) + n, spare, live);
              store<i32>(tag + (<usize>at << 2), load<i32>(pp + <usize>load<i32>(LANES + lane, 48)));
              store<f64>(value + (<usize>at << 3), <f64>load<f32>(LANES + lane, 64));
            }
            baseV = i32x4.add(baseV, four);
            cpV = i32x4.add(cpV, i32x4.splat(32));
            listV = i32x4.add(listV, i32x4.splat(8 * pw));
          }
          base += o - first;
          cp += <usize>(o - first) << 3;
          list += (o - first) * 2 * pw;
        }
        for (; o < first + c; o++) {
          const i = load<i32>(argMax + (<usize>o << 2));
          const rel = i - base;
          const bottom = i32(rel >= rowLen);
          const inRow = rel - select<i32>(rowLen, 0, bottom);
          if (i32(i >= 0) & i32(inRow != 0) & i32(inRow != c)) return false;
          const right = i32(inRow == c);
          const v = <f64>((<T>0 + load<T>(dy + <usize>o * size)) * stepOf<T>(load<T>(pooled + <usize>o * size)));
          const live = i32(i >= 0) & i32(v != 0);
          const slot = cp + (<usize>bottom << 2);
          const n = load<i32>(slot);
          store<i32>(slot, n + live);
          const at = select<i32>(list + select<i32>(pw, 0, bottom) + n, spare, live);
          store<i32>(tag + (<usize>at << 2), load<i32>(pp + (<usize>(select<i32>(ow, 0, bottom) + right) << 2)));
          store<f64>(value + (<usize>at << 3), v);
          base++;
          cp += 8;
          list += 2 * pw;
        }
      }
      // Each channel's two lists in order: its nine sums in registers, and its bias sum.
      for (let ch = 0; ch < c; ch++) {
        const at = sums + <usize>ch * POOLED_NINE_SLOTS * 8;
        let a0 = v128.load(at), a1 = v128.load(at, 16), a2 = v128.load(at, 32), a3 = v128.load(at, 48), a4 = v128.load(at, 64);
        let sv = load<f64>(s + (<usize>ch << 3)), ev = load<f64>(e + (<usize>ch << 3));
        // One loop over both lists (the bottom one starts pw entries after the top one): one exit to mispredict.
        const first = 2 * ch * pw;
        const tops = load<i32>(counts + (<usize>ch << 3));
        const total = tops + load<i32>(counts + (<usize>ch << 3), 4);
        for (let j = 0; j < total; j++) {
          const k = first + j + select<i32>(pw - tops, 0, j >= tops);
          const p = src + <usize>load<i32>(tag + (<usize>k << 2));
          const x = load<f64>(value + (<usize>k << 3));
          const v = f64x2.splat(x);
          a0 = madd64(v, v128.load(p), a0);
          a1 = madd64(v, v128.load(p + rowStep), a1);
          a2 = madd64(v, v128.load(p + 2 * rowStep), a2);
          a3 = madd64(v, v128.load64_lane(p + rowStep + 16, v128.load64_zero(p + 16), 1), a3);
          a4 = madd64(v, v128.load64_zero(p + 2 * rowStep + 16), a4);
          // reduce's compensated step (Neumaier), as its column sums take it, its choice made on bits (no branch).
          const t = sv + x;
          ev += reinterpret<f64>(select<i64>(reinterpret<i64>(sv - t + x), reinterpret<i64>(x - t + sv), abs(sv) >= abs(x)));
          sv = t;
        }
        v128.store(at, a0);
        v128.store(at, a1, 16);
        v128.store(at, a2, 32);
        v128.store(at, a3, 48);
        v128.store(at, a4, 64);
        store<f64>(s + (<usize>ch << 3), sv);
        store<f64>(e + (<usize>ch << 3), ev);
      }
    }
  }
  return true;
}

export function pooledNineF32(
  dy: usize, argMax: usize, pooled: usize, pg: usize, count: i32, lo: i32,
  src: usize, ptrs: usize, rowStep: usize, counts: usize, tag: usize, value: usize, sums: usize, s: usize, e: usize,
): bool {
  return pooledNine<f32>(dy, argMax, pooled, pg, count, lo, src, ptrs, rowStep, counts, tag, value, sums, s, e);
}

export function pooledNineF64(
  dy: usize, argMax: usize, pooled: usize, pg: usize, count: i32, lo: i32,
  src: usize, ptrs: usize, rowStep: usize, counts: usize, tag: usize, value: usize, sums: usize, s: usize, e: usize,
): bool {
  return pooledNine<f64>(dy, argMax, pooled, pg, count, lo, src, ptrs, rowStep, counts, tag, value, sums, s, e);
}
