import type { TypedArray } from '../../tensor/dtype.js';
import { scratch } from './scratch.js';

/*
 * Raw loops of the logits processors and decoding (src/sampling). One row at a time, in place.
 *
 * A row carries its candidates: the only entries that may be above −∞. At first every entry is one (`all`);
 * after a masking step the candidates are the kept indices, in increasing order, so later steps touch only them
 * (a top-p after a top-k works on k entries, not on the vocabulary). Removed entries are written −∞ at once,
 * so `x` always holds the true row.
 *
 * Arithmetic happens in the row's own array: a float32 row rounds each result once to float32, as PyTorch's
 * float32 ops do (x / t of two float32 numbers computed in float64 and rounded to float32 is the correctly rounded
 * float32 quotient). Probabilities are float64, e_i = exp(z_i − m) with m the candidates' max, sums compensated.
 */

export interface LogitsRow {
  x: TypedArray;
  /** Every entry is a candidate. */
  all: boolean;
  /** When !all, the first `count` entries are the candidates, in increasing index order. */
  cand: Int32Array;
  count: number;
}

export function logitsRow(x: TypedArray, cand: Int32Array): LogitsRow {
  return { x, all: true, cand, count: x.length };
}

const int32Pool = new Map<string, Int32Array>();
function scratchInt32(name: string, size: number): Int32Array {
  let buf = int32Pool.get(name);
  if (!buf || buf.length < size) {
    buf = new Int32Array(Math.max(size, 64));
    int32Pool.set(name, buf);
  }
  return buf;
}

/** x_i / t for every candidate (t already in the row's dtype). */
export function divideRow(row: LogitsRow, t: number): void {
  const { x, all, cand, count } = row;
  for (let j = 0; j < count; j++) {
    const i = all ? j : cand[j];
    x[i] = x[i] / t;
  }
}

/** Repetition penalty over the distinct tokens: negative logits times `penalty`, the others divided by it. */
export function repetitionPenaltyRow(row: LogitsRow, tokens: ArrayLike<number>, penalty: number): void {
  const x = row.x;
  const seen = scratchInt32('logits.counts', x.length);
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j];
    if (seen[t] !== 0) continue;
    seen[t] = 1;
    const v = x[t];
    x[t] = v < 0 ? v * penalty : v / penalty;
  }
  for (let j = 0; j < tokens.length; j++) seen[tokens[j]] = 0;
}

/** OpenAI's penalties: x_t −= presence·[c_t > 0] + frequency·c_t, the amount in float64, rounded once into x. */
export function countPenaltyRow(row: LogitsRow, tokens: ArrayLike<number>, presence: number, frequency: number): void {
  const x = row.x;
  const counts = scratchInt32('logits.counts', x.length);
  for (let j = 0; j < tokens.length; j++) counts[tokens[j]]++;
  for (let j = 0; j < tokens.length; j++) {
    const t = tokens[j];
    const c = counts[t];
    if (c === 0) continue;
    x[t] = x[t] - (presence + frequency * c);
    counts[t] = 0;
  }
}

/** x_id += value (value may be −∞), summed in float64 and rounded once into x. */
export function addAtRow(row: LogitsRow, ids: Int32Array, values: Float64Array): void {
  const x = row.x;
  for (let j = 0; j < ids.length; j++) x[ids[j]] = x[ids[j]] + values[j];
}

export function maskAtRow(row: LogitsRow, ids: ArrayLike<number>): void {
  const x = row.x;
  for (let j = 0; j < ids.length; j++) x[ids[j]] = -Infinity;
}

/**
 * The tokens that would complete an n-gram already in `tokens` (Hugging Face's no_repeat_ngram_size): every
 * window whose first n−1 tokens equal the last n−1 tokens bans its last token.
 */
export function noRepeatNgramRow(row: LogitsRow, tokens: ArrayLike<number>, n: number): void {
  const T = tokens.length;
  if (T < n) return;
  const start = T - n + 1; // the prefix tokens[start..T)
  for (let s = 0; s + n <= T; s++) {
    let match = true;
    for (let q = 0; q < n - 1; q++) {
      if (tokens[s + q] !== tokens[start + q]) {
        match = false;
        break;
      }
    }
    if (match) row.x[tokens[s + n - 1]] = -Infinity;
  }
}

/** The candidates' max; NaN if one is NaN. */
function candidateMax(row: LogitsRow): number {
  const { x, all, cand, count } = row;
  let m = -Infinity;
  for (let j = 0; j < count; j++) {
    const v = x[all ? j : cand[j]];
    if (v !== v) return NaN;
    if (v > m) m = v;
  }
  return m;
}

/** Keeps the candidates whose flag is set (others become −∞ and leave the list); clears the flags. */
function keepFlagged(row: LogitsRow, flags: Uint8Array): void {
  const { x, all, cand, count } = row;
  let w = 0;
  for (let j = 0; j < count; j++) {
    const i = all ? j : cand[j];
    if (flags[j] !== 0 && x[i] !== -Infinity) cand[w++] = i;
    else x[i] = -Infinity;
    flags[j] = 0;
  }
  row.all = false;
  row.count = w;
}

const flagPool = { buf: new Uint8Array(64) };
function flagsFor(size: number): Uint8Array {
  if (flagPool.buf.length < size) flagPool.buf = new Uint8Array(size);
  return flagPool.buf;
}

/**
 * Top-k (Hugging Face's TopKLogitsWarper): keeps every candidate whose logit is >= the k-th largest, so ties at
 * the k-th value all stay. A bounded heap finds that value for small k, a quickselect for large k: no sort.
 * A row holding a NaN is left as it is.
 */
export function topKRow(row: LogitsRow, k: number): void {
  if (k >= row.count) return;
  const thr = kthLargest(row, k);
  if (thr !== thr) return;
  const { x, all, cand, count } = row;
  let w = 0;
  for (let j = 0; j < count; j++) {
    const i = all ? j : cand[j];
    const v = x[i];
    if (v >= thr && v !== -Infinity) cand[w++] = i;
    else x[i] = -Infinity;
  }
  row.all = false;
  row.count = w;
}

/** The k-th largest candidate value (1 <= k < count), NaN if a candidate is NaN. */
function kthLargest(row: LogitsRow, k: number): number {
  const { x, all, cand, count } = row;
  if (k <= 256) {
    const heap = scratch('logits.heap', k); // a min-heap of the k largest seen so far
    let size = 0;
    for (let j = 0; j < count; j++) {
      const v = x[all ? j : cand[j]];
      if (v !== v) return NaN;
      if (size < k) {
        let c = size++;
        while (c > 0) {
          const parent = (c - 1) >> 1;
          if (heap[parent] <= v) break;
          heap[c] = heap[parent];
          c = parent;
        }
        heap[c] = v;
      } else if (v > heap[0]) {
        siftDownMin(heap, size, v);
      }
    }
    return heap[0];
  }
  const buf = scratch('logits.select', count);
  for (let j = 0; j < count; j++) {
    const v = x[all ? j : cand[j]];
    if (v !== v) return NaN;
    buf[j] = v;
  }
  return nthSmallest(buf, count, count - k);
}

/** Replaces the root of a min-heap of `size` doubles by v and restores the heap. */
function siftDownMin(heap: Float64Array, size: number, v: number): void {
  let c = 0;
  for (;;) {
    let child = 2 * c + 1;
    if (child >= size) break;
    if (child + 1 < size && heap[child + 1] < heap[child]) child++;
    if (heap[child] >= v) break;
    heap[c] = heap[child];
    c = child;
  }
  heap[c] = v;
}

/** The r-th smallest (0-based) of a[0..n), no NaN: quickselect (median of three, Hoare partition), reorders a. */
function nthSmallest(a: Float64Array, n: number, r: number): number {
  let lo = 0;
  let hi = n - 1;
  while (hi > lo) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < a[lo]) swap(a, mid, lo);
    if (a[hi] < a[lo]) swap(a, hi, lo);
    if (a[hi] < a[mid]) swap(a, hi, mid);
    const pivot = a[mid];
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (r <= j) hi = j;
    else if (r >= i) lo = i;
    else return a[r];
  }
  return a[r];
}

function swap(a: Float64Array | Int32Array, i: number, j: number): void {
  const t = a[i];
  a[i] = a[j];
  a[j] = t;
}

/** Fills e[j] = exp(x_j − m) for the candidates and returns their compensated sum (two numbers: sum, correction). */
function expAndSum(row: LogitsRow, m: number, e: Float64Array, out: Float64Array): void {
  const { x, all, cand, count } = row;
  let s = 0;
  let c = 0;
  for (let j = 0; j < count; j++) {
    const v = x[all ? j : cand[j]];
    const ej = v === -Infinity ? 0 : Math.exp(v - m);
    e[j] = ej;
    const t = s + ej;
    c += s >= ej ? s - t + ej : ej - t + s;
    s = t;
  }
  out[0] = s;
  out[1] = c;
}

const sum2 = new Float64Array(2);
const BUCKETS = 1024;
const BUCKET_SCALE = 16;

/**
 * Top-p (Hugging Face's TopPLogitsWarper): HF sorts ascending and removes the tokens whose cumulative probability
 * is <= 1 − p, keeping the last minKeep. Equivalently, from the most probable down, a token is kept while the
 * mass of itself and everything below it is > 1 − p. The most probable tokens are popped from a max-heap (ties:
 * lower index first) until that fails, so only the kept tokens are ordered. Rows with a NaN, a +∞ or no finite
 * entry are left as they are (HF's softmax is NaN there and removes nothing).
 */
export function topPRow(row: LogitsRow, p: number, minKeep: number): void {
  const m = candidateMax(row);
  if (!(m > -Infinity && m < Infinity)) return;
  const { x, all, cand, count } = row;
  const e = scratch('logits.e', count);
  expAndSum(row, m, e, sum2);
  const flags = flagsFor(count);
  if (p >= 1) {
    // The tail mass is > 0 exactly while a positive probability remains: keep those.
    for (let j = 0; j < count; j++) flags[j] = e[j] > 0 ? 1 : 0;
    keepMinimum(row, flags, minKeep);
    keepFlagged(row, flags);
    return;
  }
  const z = sum2[0];
  const zc = sum2[1];
  const limit = (1 - p) * (z + zc);
  const vals = scratch('logits.vals', count);
  const heap = scratchInt32('logits.order', count);
  let ps = 0;
  let pc = 0;
  let kept = 0;
  let size = 0;
  if (count > 2048) {
    // Buckets of 1/16 nat below the max: tokens in buckets whose lower tail alone outweighs the limit are kept
    // without ordering, buckets at the bottom whose mass fits under it are dropped, and only the buckets between
    // go through the heap (a few thousand tokens even on a flat distribution over 256k).
    const bucket = scratchInt32('logits.bucket', count);
    const mass = scratch('logits.bucketMass', BUCKETS);
    const cnt = scratchInt32('logits.bucketCount', BUCKETS);
    mass.fill(0, 0, BUCKETS);
    cnt.fill(0, 0, BUCKETS);
    for (let j = 0; j < count; j++) {
      const v = x[all ? j : cand[j]];
      vals[j] = v;
      const d = (m - v) * BUCKET_SCALE;
      const b = d < BUCKETS - 1 ? d | 0 : BUCKETS - 1;
      bucket[j] = b;
      mass[b] += e[j];
      cnt[b]++;
    }
    const safeLow = limit * (1 - 1e-9);
    const safeHigh = limit * (1 + 1e-9);
    let excluded = 0;
    let included = count;
    let bMax = BUCKETS - 1;
    for (let b = BUCKETS - 1; b >= 0; b--) {
      if (excluded + mass[b] <= safeLow && included - cnt[b] >= minKeep) {
        excluded += mass[b];
        included -= cnt[b];
        bMax = b - 1;
      } else break;
    }
    let bMin = 0;
    let tail = 0;
    for (let b = BUCKETS - 1; b >= 0; b--) {
      tail += mass[b];
      if (tail > safeHigh) {
        bMin = b;
        break;
      }
    }
    for (let j = 0; j < count; j++) {
      const b = bucket[j];
      if (b < bMin) {
        flags[j] = 1;
        kept++;
        const ej = e[j];
        const t = ps + ej;
        pc += ps >= ej ? ps - t + ej : ej - t + ps;
        ps = t;
      } else if (b <= bMax) heap[size++] = j;
    }
  } else {
    for (let j = 0; j < count; j++) {
      vals[j] = x[all ? j : cand[j]];
      heap[j] = j;
    }
    size = count;
  }
  for (let h = (size >> 1) - 1; h >= 0; h--) siftDownMax(heap, size, h, vals);
  while (size > 0) {
    const j = heap[0];
    const tail = z - ps + (zc - pc);
    if (kept >= minKeep && !(tail > limit)) break;
    flags[j] = 1;
    kept++;
    const ej = e[j];
    const t = ps + ej;
    pc += ps >= ej ? ps - t + ej : ej - t + ps;
    ps = t;
    heap[0] = heap[--size];
    siftDownMax(heap, size, 0, vals);
  }
  keepFlagged(row, flags);
}

/** a before b in descending value order, ties by lower position (= lower index). */
function above(vals: Float64Array, a: number, b: number): boolean {
  const va = vals[a];
  const vb = vals[b];
  return va > vb || (va === vb && a < b);
}

function siftDownMax(heap: Int32Array, size: number, start: number, vals: Float64Array): void {
  let c = start;
  const item = heap[c];
  for (;;) {
    let child = 2 * c + 1;
    if (child >= size) break;
    if (child + 1 < size && above(vals, heap[child + 1], heap[child])) child++;
    if (!above(vals, heap[child], item)) break;
    heap[c] = heap[child];
    c = child;
  }
  heap[c] = item;
}

/** Flags the minKeep largest candidates (ties: lower index) in addition to those already flagged. */
function keepMinimum(row: LogitsRow, flags: Uint8Array, minKeep: number): void {
  const { x, all, cand, count } = row;
  let kept = 0;
  for (let j = 0; j < count; j++) kept += flags[j];
  if (kept >= minKeep) return;
  const vals = scratch('logits.vals', count);
  const order = scratchInt32('logits.order', count);
  for (let j = 0; j < count; j++) {
    vals[j] = x[all ? j : cand[j]];
    order[j] = j;
  }
  const sorted = Array.from(order.subarray(0, count)).sort((a, b) => (above(vals, a, b) ? -1 : above(vals, b, a) ? 1 : 0));
  for (let q = 0; q < Math.min(minKeep, count); q++) flags[sorted[q]] = 1;
}

/**
 * Min-p (Hugging Face's MinPLogitsWarper): removes the tokens whose probability is < p × the top probability,
 * i.e. exp(x_i − m) < p, then keeps the minKeep most probable whatever their probability. Tokens far below the
 * cut are decided on the logit alone, without an exponential.
 */
export function minPRow(row: LogitsRow, p: number, minKeep: number): void {
  const m = candidateMax(row);
  if (!(m > -Infinity && m < Infinity)) return;
  const { x, all, cand, count } = row;
  const flags = flagsFor(count);
  const sure = Math.log(p) - 1; // below this, exp(d) < p whatever exp's last-bit error
  let kept = 0;
  for (let j = 0; j < count; j++) {
    const d = x[all ? j : cand[j]] - m;
    const keep = d >= sure && Math.exp(d) >= p;
    flags[j] = keep ? 1 : 0;
    if (keep) kept++;
  }
  if (kept < minKeep) keepMinimum(row, flags, minKeep);
  keepFlagged(row, flags);
}

/**
 * Typical-p (Hugging Face's TypicalLogitsWarper): orders the tokens by |−log p_i − H| (H the entropy), ascending,
 * finds the first position where the cumulative probability reaches `mass`, and removes every token whose score
 * is strictly above that position's (ties stay), keeping the first minKeep of the order. This one sorts its
 * candidates: its order is not the logits' order.
 */
export function typicalRow(row: LogitsRow, mass: number, minKeep: number): void {
  const m = candidateMax(row);
  if (!(m > -Infinity && m < Infinity)) return;
  const { x, all, cand, count } = row;
  const e = scratch('logits.e', count);
  expAndSum(row, m, e, sum2);
  const z = sum2[0] + sum2[1];
  const logZ = Math.log(z);
  const score = scratch('logits.vals', count);
  let h = 0;
  for (let j = 0; j < count; j++) {
    if (e[j] > 0) h -= (e[j] / z) * (x[all ? j : cand[j]] - m - logZ);
  }
  for (let j = 0; j < count; j++) {
    const logp = x[all ? j : cand[j]] - m - logZ;
    score[j] = Math.abs(-logp - h);
  }
  const order = Array.from({ length: count }, (_, j) => j).sort((a, b) => score[a] - score[b] || a - b);
  let cum = 0;
  let last = 0;
  while (last < count) {
    cum += e[order[last]] / z;
    if (!(cum < mass)) break;
    last++;
  }
  if (last > count - 1) last = count - 1;
  const thr = score[order[last]];
  const flags = flagsFor(count);
  for (let j = 0; j < count; j++) flags[j] = score[j] > thr ? 0 : 1;
  for (let q = 0; q < Math.min(minKeep, count); q++) flags[order[q]] = 1;
  keepFlagged(row, flags);
}

/** The first index of the row's max (NaN counts as the max, as in argMax), ties by lowest index. */
export function argMaxRow(x: TypedArray, base: number, n: number): number {
  let best = 0;
  let m = x[base];
  if (m !== m) return 0;
  for (let i = 1; i < n; i++) {
    const v = x[base + i];
    if (v !== v) return i;
    if (v > m) {
      m = v;
      best = i;
    }
  }
  return best;
}

/**
 * Softmax of one row in float64, in index order: out_i = exp(x_i − m) / Σ (Neumaier-compensated sum). Returns
 * false (out untouched) for a row that cannot be normalised: a NaN, a +∞, or no finite entry.
 */
export function probabilitiesRow(x: TypedArray, base: number, n: number, out: Float64Array): boolean {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[base + i];
    if (v !== v) return false;
    if (v > m) m = v;
  }
  if (!(m > -Infinity && m < Infinity)) return false;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = x[base + i];
    const ei = v === -Infinity ? 0 : Math.exp(v - m);
    out[i] = ei;
    const t = s + ei;
    c += s >= ei ? s - t + ei : ei - t + s;
    s = t;
  }
  const z = s + c;
  for (let i = 0; i < n; i++) out[i] /= z;
  return true;
}

/**
 * One multinomial draw from softmax(row) with the uniform u in [0, 1): the first index whose cumulative weight,
 * summed in index order in float64, exceeds u × the total. −1 for a row that cannot be normalised.
 */
export function sampleRow(x: TypedArray, base: number, n: number, u: number): number {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = x[base + i];
    if (v !== v) return -1;
    if (v > m) m = v;
  }
  if (!(m > -Infinity && m < Infinity)) return -1;
  let z = 0;
  for (let i = 0; i < n; i++) {
    const v = x[base + i];
    if (v !== -Infinity) z += Math.exp(v - m);
  }
  const target = u * z;
  let acc = 0;
  let last = -1;
  for (let i = 0; i < n; i++) {
    const v = x[base + i];
    if (v === -Infinity) continue;
    const ei = Math.exp(v - m);
    if (ei === 0) continue;
    acc += ei;
    last = i;
    if (acc > target) return i;
  }
  return last; // u × z rounded up to z: the last token of positive weight
}
