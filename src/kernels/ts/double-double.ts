/*
 * Error-free transformations on float64 and an exponential accurate far beyond double precision, for the
 * slow path of logSumExp (softmax.ts, logSumExpStrided). Nothing here is on a hot path.
 *
 * - twoSum / twoProd: a + b and a·b as an exact unevaluated sum hi + lo of two doubles. JavaScript has no FMA,
 *   so twoProd splits its operands with Veltkamp's constant 2^27 + 1 (Dekker 1971); exact unless a product
 *   overflows or underflows.
 * - Expansion: an exact sum of any number of doubles (Shewchuk 1997: grow-expansion with zero elimination,
 *   compress), truncated only to its largest 16 components (relative error below 2^-800) when it grows long.
 * - addExp(acc, xh, xl): adds exp(xh + xl) (or expm1) to an Expansion with a relative error below 2^-118 (the
 *   unit tests against mpmath measure 2^-121 at worst). Double-double alone (~2^-104) is not enough for logSumExp
 *   near 0: rows like [-0.5, -1.2, log(1 - e^-0.5 - e^-1.2)] need each exponential to about 2^-110.
 *   Method: x = k·ln2 + j/64 + t with the reduction done exactly in an Expansion (ln 2 in three parts, k·LN2_1 and
 *   k·LN2_2 exact), |t| ≤ 2^-7 kept as a triple-double; e^t − 1 = t + t²/2 + t³·H(t) with t² exact (twoProd) and
 *   H a double-double Horner polynomial; exp(j/64) from a triple-double table (mpmath); scaling by 2^k is exact.
 *
 * Constants come from test/ops/softmax/numerics/double-double-oracle.py --constants (mpmath at 400 bits).
 */

// ---------------------------------------------------------------------------------------------------------
// Error-free transformations

const SPLITTER = 134217729; // 2^27 + 1

/** out[o] + out[o + 1] = a + b exactly, out[o] = fl(a + b) (Knuth's TwoSum, any magnitudes). */
export function twoSum(a: number, b: number, out: Float64Array, o = 0): void {
  const s = a + b;
  const bb = s - a;
  out[o] = s;
  out[o + 1] = a - (s - bb) + (b - bb);
}

/** out[o] + out[o + 1] = a·b exactly, out[o] = fl(a·b) (Dekker's TwoProduct with Veltkamp splitting, no FMA). */
export function twoProd(a: number, b: number, out: Float64Array, o = 0): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  out[o] = p;
  out[o + 1] = ah * bh - p + ah * bl + al * bh + al * bl;
}

// Inline variants for this file: results in prodHi/prodLo.
let prodHi = 0;
let prodLo = 0;
function prod(a: number, b: number): void {
  const p = a * b;
  let c = SPLITTER * a;
  const ah = c - (c - a);
  const al = a - ah;
  c = SPLITTER * b;
  const bh = c - (c - b);
  const bl = b - bh;
  prodHi = p;
  prodLo = ah * bh - p + ah * bl + al * bh + al * bl;
}

/**
 * (a − b·s)/(1 + s) rounded once: numerator and denominator as double-doubles, then one Newton correction of the
 * quotient (relative error about 2^-104 before the final rounding). The soft-label cross-entropy's gradient at
 * the row max; computing it in plain doubles rounds the numerator, the denominator and the quotient.
 */
export function differenceOverOnePlus(a: number, b: number, s: number): number {
  prod(b, s);
  const nh = a - prodHi;
  const bb = nh - a;
  const nl = a - (nh - bb) + (-prodHi - bb) - prodLo;
  const th = 1 + s;
  const tb = th - 1;
  const tl = 1 - (th - tb) + (s - tb);
  const q = nh / th;
  prod(q, th);
  const r = q + (nh - prodHi - prodLo + nl - q * tl) / th;
  // Splitting overflows for |b·s| or |q| beyond ~1e300 (labels no one trains with): then the plain formula.
  return Number.isFinite(r) ? r : (a - b * s) / (1 + s);
}

// ---------------------------------------------------------------------------------------------------------
// Expansions

/**
 * An exact sum of doubles: components c[0..length) are nonoverlapping, in increasing magnitude, and their exact
 * sum is the value (Shewchuk, "Adaptive precision floating-point arithmetic", 1997). Finite values only.
 */
export class Expansion {
  readonly c: Float64Array;
  length = 0;

  /** capacity ≥ 24; past capacity − 4 components the expansion is compressed to its largest 16. */
  constructor(capacity = 40) {
    this.c = new Float64Array(Math.max(capacity, 24));
  }

  reset(): void {
    this.length = 0;
  }

  /** value += b, exactly (grow-expansion with zero elimination). */
  add(b: number): void {
    if (b === 0) return;
    const c = this.c;
    const n = this.length;
    let q = b;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const e = c[i];
      const s = q + e;
      const bb = s - q;
      const err = q - (s - bb) + (e - bb);
      q = s;
      if (err !== 0) c[k++] = err;
    }
    if (q !== 0) c[k++] = q;
    this.length = k;
    if (k > c.length - 4) this.compress(16);
  }

  /** value += a·b, exactly. */
  addProduct(a: number, b: number): void {
    prod(a, b);
    const hi = prodHi;
    this.add(prodLo);
    this.add(hi);
  }

  /**
   * Renormalizes in place (Shewchuk's COMPRESS): afterwards the components are nonadjacent, the largest one is the
   * value to within one of its ulps, and each component is below an ulp of the next. Keeps the `keep` largest.
   */
  compress(keep = this.c.length): void {
    const c = this.c;
    const m = this.length;
    if (m < 2) return;
    let bottom = m - 1;
    let Q = c[m - 1];
    for (let i = m - 2; i >= 0; i--) {
      const e = c[i];
      const s = Q + e;
      const q = e - (s - Q);
      if (q !== 0) {
        c[bottom--] = s;
        Q = q;
      } else {
        Q = s;
      }
    }
    c[bottom] = Q;
    let top = 0;
    for (let i = bottom + 1; i < m; i++) {
      const g = c[i];
      const s = g + Q;
      const q = Q - (s - g);
      if (q !== 0) c[top++] = q;
      Q = s;
    }
    if (Q !== 0) c[top++] = Q;
    if (top > keep) {
      c.copyWithin(0, top - keep, top);
      top = keep;
    }
    this.length = top;
  }

  /** Compresses and writes the value as a double-double: out[o] = the value rounded (within one ulp), out[o + 1] the rest. */
  toDoubleDouble(out: Float64Array, o = 0): void {
    this.compress();
    const c = this.c;
    const n = this.length;
    const hi = n > 0 ? c[n - 1] : 0;
    const lo = n > 1 ? c[n - 2] + (n > 2 ? c[n - 3] : 0) : 0;
    const s = hi + lo;
    out[o] = s;
    out[o + 1] = lo - (s - hi);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The exponential

const INV_LN2 = 1.4426950408889634;
// ln 2 = LN2_1 + LN2_2 + LN2_3 + O(2^-138); LN2_1 and LN2_2 have 42 significant bits, so k·LN2_1 and
// k·LN2_2 are exact for |k| < 2^11.
const LN2_1 = 0.6931471805598903;
const LN2_2 = 5.4979230187085024e-14;
const LN2_3 = -1.3124698417785255e-27;
// 1/n! as double-doubles (n = 3..8) and doubles (n = 9..13).
const F3_HI = 0.16666666666666666;
const F3_LO = 9.25185853854297e-18;
const F4_HI = 0.041666666666666664;
const F4_LO = 2.3129646346357427e-18;
const F5_HI = 0.008333333333333333;
const F5_LO = 1.1564823173178714e-19;
const F6_HI = 0.001388888888888889;
const F6_LO = -5.300543954373577e-20;
const F7_HI = 0.0001984126984126984;
const F7_LO = 1.7209558293420705e-22;
const F8_HI = 2.48015873015873e-5;
const F8_LO = 2.1511947866775882e-23;
const F9 = 2.7557319223985893e-6;
const F10 = 2.755731922398589e-7;
const F11 = 2.505210838544172e-8;
const F12 = 2.08767569878681e-9;
const F13 = 1.6059043836821613e-10;
/** exp(j/64) for j = -23..23 as triple-doubles [hi, mid, lo] (relative error below 2^-155). */
export const EXP_J64: readonly number[] = [
  0.6981125100681258,
  4.379112262891346e-17,
  -2.5364274968568583e-33, // -23
  0.7091061824373984,
  -1.2868055655346304e-17,
  1.778083344207694e-34, // -22
  0.7202729799554398,
  -3.7374088280484695e-17,
  -2.1806014761367952e-33, // -21
  0.7316156289466418,
  8.35576468031604e-18,
  6.78055137751981e-34, // -20
  0.7431368986687583,
  -9.001102395673582e-19,
  2.0316501636821804e-35, // -19
  0.7548396019890073,
  -9.844076038651084e-18,
  4.47652772211289e-34, // -18
  0.76672659607082,
  2.5682592802096574e-17,
  1.417815420595323e-33, // -17
  0.7788007830714049,
  -1.0231869534531498e-17,
  1.8335765467182516e-34, // -16
  0.791065110850296,
  5.426586044764942e-17,
  -2.4572146116974982e-33, // -15
  0.8035225736890608,
  -3.661886830920417e-17,
  -1.2166976048255993e-33, // -14
  0.8161762130223398,
  6.554697808700811e-18,
  -2.977141164523471e-34, // -13
  0.8290291181804004,
  -2.7604408719539223e-17,
  -3.15882249464708e-34, // -12
  0.8420844271433824,
  -3.8967887440685524e-17,
  2.3339289786994307e-33, // -11
  0.8553453273074225,
  1.7204900005057594e-17,
  1.0513555263060361e-33, // -10
  0.8688150562628432,
  6.146598011714697e-19,
  -3.825933770578155e-35, // -9
  0.8824969025845955,
  -5.224526916735663e-17,
  -5.21370711531301e-34, // -8
  0.8963942066351505,
  -4.7460497709066285e-17,
  2.7559393452686574e-34, // -7
  0.9105103613800342,
  -3.325048324577564e-17,
  -1.422484707811548e-33, // -6
  0.9248488132162048,
  1.0614261758612887e-17,
  1.3496354248340027e-34, // -5
  0.9394130628134758,
  -2.152447043447057e-17,
  -7.000344186939158e-34, // -4
  0.9542066659691884,
  -3.392457164103672e-17,
  1.2555577262884802e-33, // -3
  0.9692332344763441,
  -4.801151707083219e-17,
  -2.3871678416867618e-33, // -2
  0.9844964370054085,
  -4.7493026566356186e-17,
  2.0862764119863726e-33, // -1
  1.0,
  0.0,
  0.0, // 0
  1.0157477085866857,
  2.0530467874932267e-17,
  -3.0448408725961768e-34, // 1
  1.0317434074991028,
  -8.944417741043132e-17,
  2.4252054925794773e-33, // 2
  1.0479910020166328,
  -5.327900898877614e-17,
  1.8045303343583143e-33, // 3
  1.0644944589178593,
  1.0872888143211957e-16,
  1.860718593568251e-33, // 4
  1.0812578074490395,
  6.013904942011385e-17,
  5.46335212016475e-33, // 5
  1.0982851403078258,
  9.070644949793751e-17,
  -4.09548724934699e-33, // 6
  1.1155806146424807,
  5.298211318168963e-17,
  1.157623672104835e-33, // 7
  1.1331484530668263,
  -5.370737708558031e-18,
  -8.632104155326338e-35, // 8
  1.1509929446911764,
  3.7613173622701076e-17,
  2.704685570576179e-33, // 9
  1.1691184461695043,
  6.945488167320411e-17,
  -4.669698459118414e-34, // 10
  1.1875293827631006,
  6.415816207759217e-19,
  -3.026043088660038e-35, // 11
  1.2062302494209807,
  3.9295715071105525e-17,
  8.811653612357677e-34, // 12
  1.2252256118773075,
  8.279379001181868e-17,
  1.4364108971496471e-33, // 13
  1.2445201077660952,
  -7.440512295261056e-17,
  3.339412946744742e-33, // 14
  1.2641184477534664,
  -1.541497933603795e-17,
  7.523631408330599e-34, // 15
  1.2840254166877414,
  8.968972781793724e-17,
  -3.22512255058912e-34, // 16
  1.3042458747676378,
  1.7093578107981658e-17,
  1.2760937158674665e-33, // 17
  1.3247847587288655,
  9.422682377542367e-17,
  6.10753590706556e-33, // 18
  1.3456470830494105,
  3.415854209639032e-17,
  -3.135233509017301e-34, // 19
  1.3668379411737963,
  5.1449446596411544e-17,
  7.732008519561758e-34, // 20
  1.3883625067566268,
  6.691963657219203e-17,
  -7.41678701074641e-34, // 21
  1.4102260349257107,
  -4.1758810273684196e-17,
  1.4047178753790298e-33, // 22
  1.4324338635650782,
  -6.53862212642198e-17,
  -2.8862636811273896e-33, // 23
];
const FACT_HI = [F3_HI, F4_HI, F5_HI, F6_HI, F7_HI];
const FACT_LO = [F3_LO, F4_LO, F5_LO, F6_LO, F7_LO];

const dv = new DataView(new ArrayBuffer(8));
/** 2^k for integer k in [−1022, 1023], built from its bits. */
function pow2(k: number): number {
  dv.setUint32(0, (k + 1023) << 20);
  dv.setUint32(4, 0);
  return dv.getFloat64(0);
}

const red = new Expansion(24); // the reduced argument t
const qx = new Expansion(24); // e^t − 1

/**
 * acc += exp(xh + xl), or exp(xh + xl) − 1 if `minusOne` (then the relative error is that of expm1: the −1 cancels
 * exactly against the leading 1 of e^t when k = j = 0). For xh + xl < 709; below −745.2 the exponential adds nothing
 * (it is under half the smallest subnormal). Relative error below 2^-118 of the added value while it is a normal
 * number (results below 2^-900 or so lose their low components to underflow).
 */
export function addExp(acc: Expansion, xh: number, xl: number, minusOne: boolean): void {
  if (minusOne) acc.add(-1);
  if (!(xh > -745.2)) return;
  // x = k·ln2 + j/64 + t, with t computed exactly but for k·LN2_3's rounding (below 2^-126).
  const k = Math.round(xh * INV_LN2);
  red.reset();
  red.add(xl);
  red.add(xh);
  if (k !== 0) {
    red.add(-k * LN2_1);
    red.add(-k * LN2_2);
    red.add(-k * LN2_3);
    red.compress();
  }
  const rc = red.c;
  const j = red.length > 0 ? Math.round(rc[red.length - 1] * 64) : 0;
  if (j !== 0) red.add(-j / 64);
  red.compress();
  const n = red.length;
  const t1 = n > 0 ? rc[n - 1] : 0;
  const t2 = n > 1 ? rc[n - 2] : 0;
  const t3 = n > 2 ? rc[n - 3] : 0;

  // q = e^t − 1 = t + P(t1) + (e^{t1} − 1)·τ + τ²/2 + O(τ²·t1), τ = t2 + t3 (|τ| ≤ 2^-59), P(t1) = t1²/2 + t1³·H(t1).
  prod(t1, t1);
  const s1 = prodHi;
  const s2 = prodLo;
  // t1³ as a double-double (c1, c2)
  prod(s1, t1);
  const c1 = prodHi;
  const c2 = prodLo + s2 * t1;
  // H(t1) = Σ_{n=3}^{13} t1^(n−3)/n!: the tail n ≥ 9 in double (its terms are below 2^-57 of H), the rest double-double.
  const tail = F9 + t1 * (F10 + t1 * (F11 + t1 * (F12 + t1 * F13)));
  const p8 = t1 * tail;
  let hh = F8_HI + p8;
  let hl = F8_HI - hh + p8 + F8_LO; // |F8| > |p8|: FastTwoSum
  for (let i = 4; i >= 0; i--) {
    // (hh, hl) = F[n] + t1·(hh, hl) for n = 7..3
    prod(hh, t1);
    const p1 = prodHi;
    const p2 = prodLo + hl * t1;
    const fh = FACT_HI[i];
    const s = fh + p1;
    const bb = s - fh;
    const e = fh - (s - bb) + (p1 - bb) + FACT_LO[i] + p2;
    hh = s + e;
    hl = e - (hh - s);
  }
  // Q = t1³·H
  prod(c1, hh);
  const Q1 = prodHi;
  const Q2 = prodLo + c1 * hl + c2 * hh;
  qx.reset();
  qx.add(t1);
  qx.add(t2);
  qx.add(t3);
  qx.add(s1 * 0.5);
  qx.add(s2 * 0.5);
  qx.add(Q1);
  qx.add(Q2);
  qx.addProduct(t1, t2);
  // (e^{t1} − 1)·τ = t1·t2 (exact above) + t1·t3 + (t1²/2 + t1³·H)·τ; all below 2^-74, so one rounding each is enough.
  qx.add(t1 * t3 + (0.5 * s1 + c1 * hh) * (t2 + t3) + 0.5 * t2 * t2);
  qx.compress();
  const qc = qx.c;
  const m = qx.length;
  const q1 = m > 0 ? qc[m - 1] : 0;
  const q2 = m > 1 ? qc[m - 2] : 0;
  const q3 = m > 2 ? qc[m - 3] : 0;

  // exp(x) = 2^k · E_j · (1 + q), E_j = exp(j/64) = e1 + e2 + e3. Scaling by 2^k is exact (two steps below 2^-1022).
  const sa = k < -1022 ? pow2(k + 600) : pow2(k);
  const sb = k < -1022 ? pow2(-600) : 1;
  if (j === 0) {
    acc.add(q3 * sa * sb);
    acc.add(q2 * sa * sb);
    acc.add(q1 * sa * sb);
    acc.add(sa * sb);
    return;
  }
  const o = (j + 23) * 3;
  const e1 = EXP_J64[o];
  const e2 = EXP_J64[o + 1];
  const e3 = EXP_J64[o + 2];
  acc.add((e1 * q3 + e2 * q2 + e3 * q1) * sa * sb);
  prod(e1, q2);
  acc.add(prodLo * sa * sb);
  acc.add(prodHi * sa * sb);
  prod(e2, q1);
  acc.add(prodLo * sa * sb);
  acc.add(prodHi * sa * sb);
  prod(e1, q1);
  acc.add(prodLo * sa * sb);
  acc.add(prodHi * sa * sb);
  acc.add(e3 * sa * sb);
  acc.add(e2 * sa * sb);
  acc.add(e1 * sa * sb);
}
