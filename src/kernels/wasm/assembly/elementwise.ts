/*
 * Element-wise training work: add, sub, mul (same shape, scalar, or a bias row repeated over rows),
 * and relu with its step. For float32 operands a single f32x4 operation equals the reference's
 * float64 operation rounded to float32 (double rounding is harmless for +, −, × when 53 ≥ 2·24 + 2).
 */

export const OP_ADD = 0;
export const OP_SUB = 1;
export const OP_MUL = 2;

// @ts-ignore: decorator
@inline function apply32(op: i32, a: v128, b: v128): v128 {
  return op == OP_ADD ? f32x4.add(a, b) : op == OP_SUB ? f32x4.sub(a, b) : f32x4.mul(a, b);
}

// @ts-ignore: decorator
@inline function apply64(op: i32, a: v128, b: v128): v128 {
  return op == OP_ADD ? f64x2.add(a, b) : op == OP_SUB ? f64x2.sub(a, b) : f64x2.mul(a, b);
}

// @ts-ignore: decorator
@inline function scalar(op: i32, a: f64, b: f64): f64 {
  return op == OP_ADD ? a + b : op == OP_SUB ? a - b : a * b;
}

/**
 * out[r·c + j] = a[r·c + j] op b[(r·c + j) & bMask-style index]: bLen = c for a row repeated over
 * `rows` (bias), bLen = rows·c for the same shape; `bScalar` repeats b[0]; `swap` computes b op a.
 */
// @ts-ignore: decorator
@inline function binaryLoop32(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, bRow: bool, swap: bool): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * c) << 2);
    const br = bRow ? b : b + (<usize>(r * c) << 2);
    const or = out + (<usize>(r * c) << 2);
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const x = v128.load(ar + (<usize>j << 2));
      const y = v128.load(br + (<usize>j << 2));
      v128.store(or + (<usize>j << 2), swap ? apply32(op, y, x) : apply32(op, x, y));
    }
    for (; j < c; j++) {
      const x = <f64>load<f32>(ar + (<usize>j << 2));
      const y = <f64>load<f32>(br + (<usize>j << 2));
      store<f32>(or + (<usize>j << 2), <f32>(swap ? scalar(op, y, x) : scalar(op, x, y)));
    }
  }
}

// @ts-ignore: decorator
@inline function binaryLoop64(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, bRow: bool, swap: bool): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * c) << 3);
    const br = bRow ? b : b + (<usize>(r * c) << 3);
    const or = out + (<usize>(r * c) << 3);
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const x = v128.load(ar + (<usize>j << 3));
      const y = v128.load(br + (<usize>j << 3));
      v128.store(or + (<usize>j << 3), swap ? apply64(op, y, x) : apply64(op, x, y));
    }
    if (j < c) {
      const x = load<f64>(ar + (<usize>j << 3));
      const y = load<f64>(br + (<usize>j << 3));
      store<f64>(or + (<usize>j << 3), swap ? scalar(op, y, x) : scalar(op, x, y));
    }
  }
}

/**
 * Binary op over `rows` rows of length c. b is either the same shape (bRow false) or one row of
 * length c repeated (bRow true; a scalar is a row of length c filled by the caller). swap gives b op a.
 */
export function binaryF32(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, bRow: bool, swap: bool): void {
  // Constant op and flags inside each call so every loop body is a single straight instruction.
  if (op == OP_ADD) {
    if (bRow) binaryLoop32(OP_ADD, a, b, out, rows, c, true, false);
    else binaryLoop32(OP_ADD, a, b, out, rows, c, false, false);
  } else if (op == OP_SUB) {
    if (bRow) {
      if (swap) binaryLoop32(OP_SUB, a, b, out, rows, c, true, true);
      else binaryLoop32(OP_SUB, a, b, out, rows, c, true, false);
    } else binaryLoop32(OP_SUB, a, b, out, rows, c, false, false);
  } else {
    if (bRow) binaryLoop32(OP_MUL, a, b, out, rows, c, true, false);
    else binaryLoop32(OP_MUL, a, b, out, rows, c, false, false);
  }
}

export function binaryF64(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, bRow: bool, swap: bool): void {
  if (op == OP_ADD) {
    if (bRow) binaryLoop64(OP_ADD, a, b, out, rows, c, true, false);
    else binaryLoop64(OP_ADD, a, b, out, rows, c, false, false);
  } else if (op == OP_SUB) {
    if (bRow) {
      if (swap) binaryLoop64(OP_SUB, a, b, out, rows, c, true, true);
      else binaryLoop64(OP_SUB, a, b, out, rows, c, true, false);
    } else binaryLoop64(OP_SUB, a, b, out, rows, c, false, false);
  } else {
    if (bRow) binaryLoop64(OP_MUL, a, b, out, rows, c, true, false);
    else binaryLoop64(OP_MUL, a, b, out, rows, c, false, false);
  }
}

/** relu of 4 float32 lanes, NaN kept: v > 0 ? v : NaN ? NaN : 0. */
@inline function reluLanesF32(v: v128): v128 {
  return v128.and(v, v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v)));
}

/** relu's step on 4 float32 lanes, NaN kept: v > 0 ? 1 : NaN ? NaN : 0. */
@inline function stepLanesF32(v: v128): v128 {
  const pos = f32x4.gt(v, f32x4.splat(0));
  return v128.and(v128.bitselect(f32x4.splat(1), v, pos), v128.or(pos, f32x4.ne(v, v)));
}

@inline function reluLanesF64(v: v128): v128 {
  return v128.and(v, v128.or(f64x2.gt(v, f64x2.splat(0)), f64x2.ne(v, v)));
}

@inline function stepLanesF64(v: v128): v128 {
  const pos = f64x2.gt(v, f64x2.splat(0));
  return v128.and(v128.bitselect(f64x2.splat(1), v, pos), v128.or(pos, f64x2.ne(v, v)));
}

/** The scalar tails' relu and step (the lanes' rules on one value). */
@inline function reluOf<T>(v: T): T {
  return v > 0 ? v : v != v ? v : <T>0;
}

/**
 * relu's step of one value: 1 above zero, NaN for NaN, else 0 (the pool gradients' relu in conv.ts and
 * conv-pooled.ts too), chosen on its bits: TurboFan branches on a float select, and these values are random.
 */
@inline export function stepOf<T>(v: T): T {
  if (sizeof<T>() == 4) {
    return <T>reinterpret<f32>(select<i32>(0x3f800000, select<i32>(reinterpret<i32>(<f32>v), 0, v != v), v > 0));
  }
  return <T>reinterpret<f64>(select<i64>(0x3ff0000000000000, select<i64>(reinterpret<i64>(<f64>v), 0, v != v), v > 0));
}

/** relu (step = false) or its step (step = true), NaN kept: x > 0 ? x (or 1) : NaN ? NaN : 0. */
export function reluF32(x: usize, out: usize, n: i32, step: bool): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const v = v128.load(x + (<usize>i << 2));
    v128.store(out + (<usize>i << 2), step ? stepLanesF32(v) : reluLanesF32(v));
  }
  for (; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), step ? stepOf<f32>(v) : reluOf<f32>(v));
  }
}

export function reluF64(x: usize, out: usize, n: i32, step: bool): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    v128.store(out + (<usize>i << 3), step ? stepLanesF64(v) : reluLanesF64(v));
  }
  if (i < n) {
    const v = load<f64>(x + (<usize>i << 3));
    store<f64>(out + (<usize>i << 3), step ? stepOf<f64>(v) : reluOf<f64>(v));
  }
}

/** out = relu(x + bias) over rows of c, bias repeated along the rows: the sum rounded, then relu (NaN kept). */
export function biasReluF32(x: usize, bias: usize, out: usize, rows: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * <usize>c;
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const v = f32x4.add(v128.load(x + ((row + <usize>j) << 2)), v128.load(bias + (<usize>j << 2)));
      v128.store(out + ((row + <usize>j) << 2), reluLanesF32(v));
    }
    for (; j < c; j++) {
      store<f32>(out + ((row + <usize>j) << 2), reluOf<f32>(load<f32>(x + ((row + <usize>j) << 2)) + load<f32>(bias + (<usize>j << 2))));
    }
  }
}

export function biasReluF64(x: usize, bias: usize, out: usize, rows: i32, c: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = <usize>r * <usize>c;
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const v = f64x2.add(v128.load(x + ((row + <usize>j) << 3)), v128.load(bias + (<usize>j << 3)));
      v128.store(out + ((row + <usize>j) << 3), reluLanesF64(v));
    }
    if (j < c) {
      store<f64>(out + ((row + <usize>j) << 3), reluOf<f64>(load<f64>(x + ((row + <usize>j) << 3)) + load<f64>(bias + (<usize>j << 3))));
    }
  }
}

/** out = dy · step(y): y > 0 → 1, NaN → NaN, else 0 (one multiplication, as mul(dy, step(y)) does). */
export function reluGradF32(dy: usize, y: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    v128.store(out + (<usize>i << 2), f32x4.mul(v128.load(dy + (<usize>i << 2)), stepLanesF32(v128.load(y + (<usize>i << 2)))));
  }
  for (; i < n; i++) {
    store<f32>(out + (<usize>i << 2), load<f32>(dy + (<usize>i << 2)) * stepOf<f32>(load<f32>(y + (<usize>i << 2))));
  }
}

export function reluGradF64(dy: usize, y: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) {
    v128.store(out + (<usize>i << 3), f64x2.mul(v128.load(dy + (<usize>i << 3)), stepLanesF64(v128.load(y + (<usize>i << 3)))));
  }
  if (i < n) {
    store<f64>(out + (<usize>i << 3), load<f64>(dy + (<usize>i << 3)) * stepOf<f64>(load<f64>(y + (<usize>i << 3))));
  }
}

/** out[r·c + j] = a[r·c + j] op b[r] (swap: b[r] op a[…]): a value per row, as in a gradient dy·dLogits. */
// @ts-ignore: decorator
@inline function perRowLoop32(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, swap: bool): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * c) << 2);
    const or = out + (<usize>(r * c) << 2);
    const s = load<f32>(b + (<usize>r << 2));
    const y = f32x4.splat(s);
    let j = 0;
    for (; j + 4 <= c; j += 4) {
      const x = v128.load(ar + (<usize>j << 2));
      v128.store(or + (<usize>j << 2), swap ? apply32(op, y, x) : apply32(op, x, y));
    }
    for (; j < c; j++) {
      const x = <f64>load<f32>(ar + (<usize>j << 2));
      store<f32>(or + (<usize>j << 2), <f32>(swap ? scalar(op, <f64>s, x) : scalar(op, x, <f64>s)));
    }
  }
}

// @ts-ignore: decorator
@inline function perRowLoop64(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, swap: bool): void {
  for (let r = 0; r < rows; r++) {
    const ar = a + (<usize>(r * c) << 3);
    const or = out + (<usize>(r * c) << 3);
    const s = load<f64>(b + (<usize>r << 3));
    const y = f64x2.splat(s);
    let j = 0;
    for (; j + 2 <= c; j += 2) {
      const x = v128.load(ar + (<usize>j << 3));
      v128.store(or + (<usize>j << 3), swap ? apply64(op, y, x) : apply64(op, x, y));
    }
    if (j < c) {
      const x = load<f64>(ar + (<usize>j << 3));
      store<f64>(or + (<usize>j << 3), swap ? scalar(op, s, x) : scalar(op, x, s));
    }
  }
}

/** Binary op of `rows` rows of length c against one value per row (b), swap giving b op a. */
export function binaryPerRowF32(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, swap: bool): void {
  if (op == OP_ADD) perRowLoop32(OP_ADD, a, b, out, rows, c, false);
  else if (op == OP_MUL) perRowLoop32(OP_MUL, a, b, out, rows, c, false);
  else if (swap) perRowLoop32(OP_SUB, a, b, out, rows, c, true);
  else perRowLoop32(OP_SUB, a, b, out, rows, c, false);
}

export function binaryPerRowF64(op: i32, a: usize, b: usize, out: usize, rows: i32, c: i32, swap: bool): void {
  if (op == OP_ADD) perRowLoop64(OP_ADD, a, b, out, rows, c, false);
  else if (op == OP_MUL) perRowLoop64(OP_MUL, a, b, out, rows, c, false);
  else if (swap) perRowLoop64(OP_SUB, a, b, out, rows, c, true);
  else perRowLoop64(OP_SUB, a, b, out, rows, c, false);
}
