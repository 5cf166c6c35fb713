// Writes the benchmark inputs once (artifacts/bench-inputs/) so every framework, in every process,
// reads exactly the same bytes: logits and labels, matMul operands, the network's initial weights and
// the epoch's dataset. Also computes float64 references for the correctness checks.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { CE_COLS, CE_ROWS, CNN, EPOCH, INPUTS_DIR, MM_N, ROOT, cnnFlops, gaussian, readRaw, rng, writeRaw } from './common.mjs';

// BENCH_FASHION_DIR overrides the location (an empty or missing directory forces the embedded-MNIST fallback).
export const FASHION_DIR = process.env.BENCH_FASHION_DIR ?? '/usr/share/datasets/fashion-mnist';
export const EMBEDDED_MNIST = path.join(ROOT, 'assets', 'mnist-10k.idx.gz');
const INPUTS_VERSION = 4;

/** Parses one IDX array starting at `offset`; returns its dims, data view and the byte length used. */
export function parseIdxAt(bytes, offset = 0) {
  if (bytes[offset] !== 0 || bytes[offset + 1] !== 0 || bytes[offset + 2] !== 0x08) {
    throw new Error(`IDX: expected an unsigned-byte IDX array at byte ${offset}`);
  }
  const ndims = bytes[offset + 3];
  const dv = new DataView(bytes.buffer, bytes.byteOffset + offset);
  const dims = [];
  for (let i = 0; i < ndims; i++) dims.push(dv.getUint32(4 + 4 * i, false));
  const start = offset + 4 + 4 * ndims;
  const size = dims.reduce((a, b) => a * b, 1);
  if (start + size > bytes.length) throw new Error('IDX: truncated data');
  return { dims, data: bytes.subarray(start, start + size), byteLength: 4 + 4 * ndims + size };
}

function gunzipFile(p) {
  return new Uint8Array(zlib.gunzipSync(fs.readFileSync(p)));
}

/**
 * The epoch's dataset: Fashion-MNIST (Debian's dataset-fashion-mnist) when installed, else the MNIST subset
 * embedded in logitkit (10,000 digits, ordered by class, so shuffled here with a fixed seed).
 */
const FASHION_FILES = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];

export function loadEpochDataset() {
  const files = FASHION_FILES;
  if (files.every((f) => fs.existsSync(path.join(FASHION_DIR, f)))) {
    const [xi, yi, xt, yt] = files.map((f) => parseIdxAt(gunzipFile(path.join(FASHION_DIR, f))));
    return {
      source: `Fashion-MNIST (${FASHION_DIR})`,
      fashion: true,
      train: { x: xi.data, y: yi.data, n: xi.dims[0] },
      test: { x: xt.data, y: yt.data, n: xt.dims[0] },
    };
  }
  const bytes = gunzipFile(EMBEDDED_MNIST);
  const images = parseIdxAt(bytes, 0);
  const labels = parseIdxAt(bytes, images.byteLength);
  const n = images.dims[0];
  const order = Array.from({ length: n }, (_, i) => i);
  const rand = rng(7);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const x = new Uint8Array(n * 784);
  const y = new Uint8Array(n);
  order.forEach((src, dst) => {
    x.set(images.data.subarray(src * 784, (src + 1) * 784), dst * 784);
    y[dst] = labels.data[src];
  });
  return {
    source: `embedded MNIST subset (${n} digits, assets/mnist-10k.idx.gz): Fashion-MNIST not found at ${FASHION_DIR}`,
    fashion: false,
    // No separate test split ships with the embedded subset: accuracy is measured on the training digits.
    train: { x, y, n },
    test: { x, y, n },
  };
}

/** Creates artifacts/bench-inputs/ unless an up-to-date copy is there; returns its meta.json. */
export function ensureInputs(log = console.log) {
  const metaPath = path.join(INPUTS_DIR, 'meta.json');
  const fashionNow = FASHION_FILES.every((f) => fs.existsSync(path.join(FASHION_DIR, f)));
  if (fs.existsSync(metaPath)) {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
    if (meta.version === INPUTS_VERSION && meta.epoch.fashion === fashionNow) return meta;
  }
  log('Writing benchmark inputs to artifacts/bench-inputs/ ...');
  const rand = rng(20240611);
  // Logits with a realistic spread (std 3) and one-hot labels given as class ids.
  const logits = new Float32Array(CE_ROWS * CE_COLS);
  for (let i = 0; i < logits.length; i++) logits[i] = 3 * gaussian(rand);
  const ids = new Int32Array(CE_ROWS);
  for (let i = 0; i < CE_ROWS; i++) ids[i] = Math.floor(rand() * CE_COLS);
  const a = new Float32Array(MM_N * MM_N);
  const b = new Float32Array(MM_N * MM_N);
  for (let i = 0; i < a.length; i++) a[i] = gaussian(rand);
  for (let i = 0; i < b.length; i++) b[i] = gaussian(rand);
  // Glorot-uniform weights, zero biases: the same starting point for every framework.
  const glorot = (fanIn, fanOut) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(fanIn * fanOut);
    for (let i = 0; i < w.length; i++) w[i] = (2 * rand() - 1) * limit;
    return w;
  };
  const w1 = glorot(EPOCH.inputs, EPOCH.hidden);
  const w2 = glorot(EPOCH.hidden, EPOCH.classes);
  writeRaw(INPUTS_DIR, 'ce_logits.f32', logits);
  writeRaw(INPUTS_DIR, 'ce_ids.i32', ids);
  writeRaw(INPUTS_DIR, 'mm_a.f32', a);
  writeRaw(INPUTS_DIR, 'mm_b.f32', b);
  writeRaw(INPUTS_DIR, 'w1.f32', w1);
  writeRaw(INPUTS_DIR, 'w2.f32', w2);
  // The CNN's initial weights in Keras's layouts (conv kernels HWIO, dense [in, out], flatten in (h, w, c) order):
  // Glorot uniform with Keras's fans (receptive field × channels), zero biases; their own stream, so the inputs
  // above stay what they were.
  const cnnRand = rng(20241206);
  const glorotK = (shape, fanIn, fanOut) => {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    const w = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < w.length; i++) w[i] = (2 * cnnRand() - 1) * limit;
    return w;
  };
  const [c1, c2] = CNN.conv;
  const k = c1.kernel * c1.kernel;
  const cnnShapes = {
    k1: [c1.kernel, c1.kernel, CNN.channels, c1.filters],
    k2: [c2.kernel, c2.kernel, c1.filters, c2.filters],
    w3: [cnnFlops(CNN).flatten, CNN.hidden],
    w4: [CNN.hidden, CNN.classes],
  };
  writeRaw(INPUTS_DIR, 'cnn_k1.f32', glorotK(cnnShapes.k1, k * CNN.channels, k * c1.filters));
  writeRaw(INPUTS_DIR, 'cnn_k2.f32', glorotK(cnnShapes.k2, k * c1.filters, k * c2.filters));
  writeRaw(INPUTS_DIR, 'cnn_w3.f32', glorotK(cnnShapes.w3, cnnShapes.w3[0], CNN.hidden));
  writeRaw(INPUTS_DIR, 'cnn_w4.f32', glorotK(cnnShapes.w4, CNN.hidden, CNN.classes));
  const ds = loadEpochDataset();
  writeRaw(INPUTS_DIR, 'train_x.u8', ds.train.x);
  writeRaw(INPUTS_DIR, 'train_y.u8', ds.train.y);
  writeRaw(INPUTS_DIR, 'test_x.u8', ds.test.x);
  writeRaw(INPUTS_DIR, 'test_y.u8', ds.test.y);
  const meta = {
    version: INPUTS_VERSION,
    ce: { rows: CE_ROWS, cols: CE_COLS, logits: 'ce_logits.f32', ids: 'ce_ids.i32', logitsStd: 3 },
    matmul: { n: MM_N, a: 'mm_a.f32', b: 'mm_b.f32' },
    epoch: {
      ...EPOCH,
      source: ds.source,
      fashion: ds.fashion,
      trainN: ds.train.n,
      testN: ds.test.n,
      w1: 'w1.f32',
      w2: 'w2.f32',
      trainX: 'train_x.u8',
      trainY: 'train_y.u8',
      testX: 'test_x.u8',
      testY: 'test_y.u8',
      batches: Math.ceil(ds.train.n / EPOCH.batch),
    },
    // The CNN trains on the epoch's images (trainX above, [N, 28, 28, 1] row-major = the same bytes as [N, 784]).
    cnn: {
      ...CNN,
      shapes: cnnShapes,
      k1: 'cnn_k1.f32',
      k2: 'cnn_k2.f32',
      w3: 'cnn_w3.f32',
      w4: 'cnn_w4.f32',
    },
  };
  fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return meta;
}

/** float64 references for the correctness checks. */
export function references(meta) {
  const { rows, cols } = meta.ce;
  const z = readRaw(meta.ce.logits, Float32Array);
  const ids = readRaw(meta.ce.ids, Int32Array);
  const softmax = new Float64Array(rows * cols);
  const grad = new Float64Array(rows * cols);
  let lossSum = 0;
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let max = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, z[o + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(z[o + j] - max);
    for (let j = 0; j < cols; j++) {
      const p = Math.exp(z[o + j] - max) / s;
      softmax[o + j] = p;
      grad[o + j] = (p - (j === ids[r] ? 1 : 0)) / rows;
    }
    lossSum += max + Math.log(s) - z[o + ids[r]];
  }
  const n = meta.matmul.n;
  const a = readRaw(meta.matmul.a, Float32Array);
  const b = readRaw(meta.matmul.b, Float32Array);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      const bo = k * n;
      const co = i * n;
      for (let j = 0; j < n; j++) c[co + j] += aik * b[bo + j];
    }
  }
  return { ceLoss: lossSum / rows, ceGrad: grad, softmax, matmul: c };
}

/** max |x − ref|, and the same relative to max |ref|. */
export function compareArrays(x, ref) {
  if (!x || x.length !== ref.length) return { ok: false, error: `length ${x ? x.length : 'missing'} vs ${ref.length}` };
  let maxAbs = 0;
  let refMax = 0;
  for (let i = 0; i < ref.length; i++) {
    const d = Math.abs(x[i] - ref[i]);
    if (!(d <= maxAbs)) maxAbs = Number.isNaN(d) ? Infinity : d;
    refMax = Math.max(refMax, Math.abs(ref[i]));
  }
  return { maxAbs, maxRel: maxAbs / refMax };
}
