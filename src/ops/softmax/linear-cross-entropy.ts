import { isTracked, record } from '../../autograd/tape.js';
import { allocate, allocateUnzeroed, type DType, type TypedArray } from '../../tensor/dtype.js';
import { argError, argTypeError } from '../../tensor/errors.js';
import { checkChoice, checkOptions } from '../../tensor/options.js';
import { Tensor } from '../../tensor/tensor.js';
import { kernels } from '../../kernels/index.js';
import { floatTensor, toTensor, type TensorInput } from '../convert.js';
import { div, mul } from '../arithmetic.js';
import { sum } from '../reduce.js';
import { checkIgnoreIndex } from './loss-reduction.js';

export type LinearCrossEntropyReduction = 'none' | 'sum' | 'mean';

export interface LinearCrossEntropyOptions {
  /** [V]: added to every row of logits (hidden·weightᵀ + bias). */
  bias?: TensorInput;
  /** Rows whose label equals this value add nothing and are not counted (default −100, PyTorch's). */
  ignoreIndex?: number;
  /** ε in [0, 1]: the target is (1 − ε)·onehot + ε/V (PyTorch's label_smoothing). Default 0. */
  labelSmoothing?: number;
  /** 'mean' (default) divides by the number of counted rows (0 if there are none); 'sum'; 'none' gives [N]. */
  reduction?: LinearCrossEntropyReduction;
  /** Rows of logits computed at once (default: about 8M logits, at least 64 rows; see docs/language-models.md). */
  chunkSize?: number;
}

/** The default chunk holds about this many logits (32 MB in float32)... */
const CHUNK_LOGITS = 1 << 23;
/** ...but at least this many rows: every chunk streams the whole weight matrix through two products. */
const MIN_CHUNK_ROWS = 64;
/** Rows of dWeight accumulated per product (vocabulary block), about this many elements. */
const DW_BLOCK = 1 << 20;

/** The default rows per chunk for a vocabulary of v classes. */
export function defaultChunkSize(v: number): number {
  return Math.max(MIN_CHUNK_ROWS, Math.floor(CHUNK_LOGITS / Math.max(1, v)));
}

/** The checked problem, with ignored rows already removed (`rows` maps each kept row to its original index). */
interface Problem {
  dtype: DType;
  n: number;
  d: number;
  v: number;
  h: TypedArray;
  w: TypedArray;
  b: TypedArray | null;
  ids: Int32Array;
  smoothing: number;
  chunk: number;
}

/** What one chunked pass writes: per-row losses, and gradients times `scale` (one number, or one per kept row). */
interface Pass {
  loss: TypedArray;
  scale: number | Float64Array;
  dH: TypedArray | null;
  dW: TypedArray | null;
  dB: TypedArray | null;
}

/**
 * The cross-entropy of the logits hidden·weightᵀ + bias with int32 labels, PyTorch's
 * `F.cross_entropy(hidden @ weight.T + bias, labels, ignore_index, label_smoothing, reduction)`, with its gradients
 * to hidden [N, D], weight [V, D] and bias [V], without ever holding the [N, V] logits: rows go through in chunks
 * (Liger Kernel's fused linear cross-entropy), each chunk's logits become its loss and, when a gradient is being
 * recorded, its logit gradient, turned at once into its rows of dHidden and its share of dWeight and dBias. Extra
 * memory is O(chunkSize·V). With reduction 'mean' or 'sum' the gradients are computed in the forward pass (the
 * same three products as the materialised path) and the backward pass only scales them; with 'none' the backward
 * pass recomputes each chunk's logits with the upstream gradient of each row.
 *
 * The gradients are constants times the upstream gradient: this op is first-order differentiable only (the fused
 * cross-entropy ops' precedent). In float32, dWeight and dBias are rounded once per chunk (each chunk's
 * contribution is a float64 sum rounded once), not once overall; dHidden and the loss are rounded once.
 */
export function linearCrossEntropy(hiddenIn: TensorInput, weightIn: TensorInput, labelsIn: TensorInput, options?: LinearCrossEntropyOptions): Tensor {
  const op = 'linearCrossEntropy';
  const o = checkOptions(op, options, ['bias', 'ignoreIndex', 'labelSmoothing', 'reduction', 'chunkSize']);
  const hidden = floatTensor(op, 'hidden', hiddenIn);
  if (hidden.rank !== 2 || hidden.shape[1] === 0) throw argError(op, 'hidden', 'a tensor of shape [N, D] with D ≥ 1', hidden);
  const [N, D] = hidden.shape;
  const weight = floatTensor(op, 'weight', weightIn);
  if (weight.dtype !== hidden.dtype) throw argTypeError(op, 'weight', `a ${hidden.dtype} tensor like 'hidden'`, weight);
  if (weight.rank !== 2 || weight.shape[1] !== D || weight.shape[0] === 0) {
    throw argError(op, 'weight', `a tensor of shape [V, ${D}] with V ≥ 1 (one row of D = ${D} weights per class)`, weight);
  }
  const V = weight.shape[0];
  const labels = toTensor(op, 'labels', labelsIn, 'int32');
  if (labels.dtype !== 'int32') throw argTypeError(op, 'labels', 'an int32 tensor of class ids', labels);
  if (labels.rank !== 1 || labels.size !== N) throw argError(op, 'labels', `a tensor of shape [${N}] (one class id per row of 'hidden')`, labels);
  let bias: Tensor | null = null;
  if (o.bias !== undefined) {
    bias = floatTensor(op, 'bias', o.bias);
    if (bias.dtype !== hidden.dtype) throw argTypeError(op, 'bias', `a ${hidden.dtype} tensor like 'hidden'`, bias);
    if (bias.rank !== 1 || bias.size !== V) throw argError(op, 'bias', `a tensor of shape [${V}] (one per row of 'weight')`, bias);
  }
  const ignore = checkIgnoreIndex(op, o.ignoreIndex) ?? -100;
  const smoothing = checkSmoothing(op, o.labelSmoothing);
  const reduction = o.reduction === undefined ? 'mean' : checkChoice(op, 'reduction', o.reduction, ['none', 'sum', 'mean'] as const);
  const chunkSize = checkChunkSize(op, o.chunkSize) ?? defaultChunkSize(V);

  // The kept rows (labels checked on the way); ignored rows are dropped before any product.
  const all = labels.values as Int32Array;
  const kept: number[] = [];
  for (let i = 0; i < N; i++) {
    const c = all[i];
    if (c === ignore) continue;
    if (c < 0 || c >= V) throw argError(op, 'labels', `integers in [0, ${V - 1}] (or the ignored value ${ignore})`, `${c} at index ${i}`);
    kept.push(i);
  }
  const n = kept.length;
  const compact = n < N;
  const rows = compact ? Int32Array.from(kept) : null;
  const p: Problem = {
    dtype: hidden.dtype,
    n,
    d: D,
    v: V,
    h: rows ? gatherRows(hidden.values, N, D, rows) : hidden.values,
    w: weight.values,
    b: bias?.values ?? null,
    ids: rows ? Int32Array.from(kept, (i) => all[i]) : all,
    smoothing,
    chunk: Math.max(1, Math.min(chunkSize, n)),
  };

  const parents = bias ? [hidden, weight, bias] : [hidden, weight];
  const tracked = parents.map(isTracked);
  const wantGrads = tracked.some((t) => t) && reduction !== 'none';
  const loss = allocate(p.dtype, n);
  const pass: Pass = {
    loss,
    scale: reduction === 'mean' && n > 0 ? 1 / n : 1,
    dH: wantGrads && tracked[0] ? allocateUnzeroed(p.dtype, n * D) : null,
    dW: wantGrads && tracked[1] ? allocateUnzeroed(p.dtype, V * D) : null,
    dB: wantGrads && tracked[2] ? allocateUnzeroed(p.dtype, V) : null,
  };
  run(p, pass);

  if (reduction === 'none') {
    const out = rows ? scatterRows(loss, N, 1, rows) : loss;
    const value = new Tensor(out, [N]);
    return record(value, op, parents, (dy, need) => {
      // The upstream gradient differs per row: recompute each chunk's logits with it (no [N, V] anywhere).
      const up = dy.values;
      const scale = Float64Array.from({ length: n }, (_, i) => up[rows ? rows[i] : i]);
      const back: Pass = {
        loss: allocate(p.dtype, n),
        scale,
        dH: need[0] ? allocateUnzeroed(p.dtype, n * D) : null,
        dW: need[1] ? allocateUnzeroed(p.dtype, V * D) : null,
        dB: need[2] ? allocateUnzeroed(p.dtype, V) : null,
      };
      run(p, back);
      return gradientTensors(back, N, D, V, rows);
    });
  }
  const total = sum(new Tensor(loss, [n]));
  const value = reduction === 'mean' && n > 0 ? div(total, n) : total;
  if (!wantGrads) return value;
  const grads = gradientTensors(pass, N, D, V, rows);
  return record(value, op, parents, (dy) => (dy.values[0] === 1 ? grads : grads.map((g) => g && mul(g, dy))));
}

function checkSmoothing(op: string, s: unknown): number {
  if (s === undefined) return 0;
  if (typeof s !== 'number') throw argTypeError(op, 'labelSmoothing', 'a number in [0, 1]', s);
  if (!(s >= 0 && s <= 1)) throw argError(op, 'labelSmoothing', 'a number in [0, 1]', s);
  return s;
}

function checkChunkSize(op: string, c: unknown): number | undefined {
  if (c === undefined) return undefined;
  if (typeof c !== 'number') throw argTypeError(op, 'chunkSize', 'a positive integer (rows per chunk)', c);
  if (!Number.isSafeInteger(c) || c < 1) throw argError(op, 'chunkSize', 'a positive integer (rows per chunk)', c);
  return c;
}

/** Rows `rows` of an [N, D] matrix, as a new [rows.length, D] array. */
function gatherRows(x: TypedArray, N: number, D: number, rows: Int32Array): TypedArray {
  const out = allocateUnzeroed(x instanceof Float32Array ? 'float32' : 'float64', rows.length * D);
  kernels().gather(x, 1, N, D, rows, out);
  return out;
}

/** The [rows.length, D] array x spread back to rows `rows` of a zero [N, D] array. */
function scatterRows(x: TypedArray, N: number, D: number, rows: Int32Array): TypedArray {
  const out = allocate(x instanceof Float32Array ? 'float32' : 'float64', N * D);
  kernels().scatterAdd(x, 1, N, D, rows, out);
  return out;
}

function gradientTensors(pass: Pass, N: number, D: number, V: number, rows: Int32Array | null): Array<Tensor | null> {
  const dH = pass.dH && new Tensor(rows ? scatterRows(pass.dH, N, D, rows) : pass.dH, [N, D]);
  const dW = pass.dW && new Tensor(pass.dW, [V, D]);
  const dB = pass.dB && new Tensor(pass.dB, [V]);
  return [dH, dW, dB];
}

/**
 * The chunked pass. One scratch buffer holds a chunk's logits; with gradients it has `sub` spare rows in front:
 * the cross-entropy kernel reads logits rows [j0, j1) at offset `sub` and writes their gradient to rows [j0, j1)
 * of the buffer, rows whose logits it has already read (j1 ≤ sub + j0), so the chunk's logit gradient ends up
 * contiguous at the start without a second [chunk, V] buffer and without relying on in-place kernels.
 */
function run(p: Problem, pass: Pass): void {
  const { n, d, v, chunk, dtype } = p;
  if (n === 0) {
    pass.dW?.fill(0);
    pass.dB?.fill(0);
    return;
  }
  const k = kernels();
  const grads = pass.dH !== null || pass.dW !== null || pass.dB !== null;
  const perRow = typeof pass.scale === 'number' ? null : pass.scale;
  const sub = grads || p.smoothing > 0 ? Math.max(1, Math.ceil(chunk / 8)) : chunk;
  const step = perRow ? 1 : sub;
  const zOffset = grads ? sub * v : 0;
  const buffer = allocateUnzeroed(dtype, zOffset + chunk * v);
  // Smoothed targets for `sub` rows: ε/V everywhere, (1 − ε) + ε/V at a row's label (set and reset per call),
  // each rounded to the dtype as the materialised path's oneHot·(1 − ε) + ε/V is.
  const smoothed = p.smoothing > 0 ? allocateUnzeroed(dtype, sub * v) : null;
  const round = dtype === 'float32' ? Math.fround : (x: number) => x;
  const off = round(p.smoothing / v);
  const on = round(round(1 - p.smoothing) + off);
  smoothed?.fill(off);
  // dWeight's share of a chunk, one vocabulary block at a time: the block of the logit gradient (copied
  // contiguous when the block is not the whole vocabulary) times the chunk's hidden rows, added to dWeight.
  const vb = Math.max(1, Math.min(v, Math.floor(DW_BLOCK / d)));
  const many = n > chunk;
  const block = pass.dW && vb < v ? allocateUnzeroed(dtype, chunk * vb) : null;
  const dwPart = pass.dW && many ? allocateUnzeroed(dtype, vb * d) : null;
  const dbPart = pass.dB && many ? allocateUnzeroed(dtype, v) : null;

  for (let r0 = 0; r0 < n; r0 += chunk) {
    const m = Math.min(chunk, n - r0);
    const first = r0 === 0;
    const hRows = p.h.subarray(r0 * d, (r0 + m) * d);
    const z = buffer.subarray(zOffset, zOffset + m * v);
    k.matMul(hRows, p.w, z, 1, m, d, v, false, true, 0, 0);
    if (p.b) k.binary('add', z, [m, v], p.b, [v], z, [m, v]);
    for (let j0 = 0; j0 < m; j0 += step) {
      const j1 = Math.min(m, j0 + step);
      const rowsHere = j1 - j0;
      const zj = buffer.subarray(zOffset + j0 * v, zOffset + j1 * v);
      const gj = grads ? buffer.subarray(j0 * v, j1 * v) : null;
      const lossJ = pass.loss.subarray(r0 + j0, r0 + j1);
      const scale = perRow ? perRow[r0 + j0] : (pass.scale as number);
      if (smoothed) {
        const q = smoothed.subarray(0, rowsHere * v);
        for (let j = 0; j < rowsHere; j++) q[j * v + p.ids[r0 + j0 + j]] = on;
        k.softmaxCrossEntropy(zj, q, rowsHere, v, 1, lossJ, gj, scale);
        for (let j = 0; j < rowsHere; j++) q[j * v + p.ids[r0 + j0 + j]] = off;
      } else {
        k.sparseSoftmaxCrossEntropy(zj, p.ids.subarray(r0 + j0, r0 + j1), rowsHere, v, lossJ, gj, scale);
      }
    }
    if (!grads) continue;
    const g = buffer.subarray(0, m * v);
    if (pass.dH) k.matMul(g, p.w, pass.dH.subarray(r0 * d, (r0 + m) * d), 1, m, v, d, false, false, 0, 0);
    if (pass.dB) {
      k.reduce('sum', g, 1, m, v, first ? pass.dB : dbPart!);
      if (!first) k.binary('add', pass.dB, [v], dbPart!, [v], pass.dB, [v]);
    }
    if (pass.dW) {
      for (let c0 = 0; c0 < v; c0 += vb) {
        const c1 = Math.min(v, c0 + vb);
        const width = c1 - c0;
        let gBlock: TypedArray = g;
        if (block) {
          gBlock = block.subarray(0, m * width);
          k.slice(g, [m, v], [0, c0], [m, width], gBlock);
        }
        const target = pass.dW.subarray(c0 * d, c1 * d);
        const out = first ? target : dwPart!.subarray(0, width * d);
        k.matMul(gBlock, hRows, out, 1, width, m, d, true, false, 0, 0);
        if (!first) k.binary('add', target, [width * d], out, [width * d], target, [width * d]);
      }
    }
  }
}
