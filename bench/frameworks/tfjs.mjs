// TensorFlow.js adapter: pure-JS 'cpu' backend and the 'wasm' backend (no tfjs-node).
// Every timed run ends with dataSync() on its outputs so the work is complete, and results are disposed.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { CNN, EPOCH } from '../lib/common.mjs';

const require = createRequire(import.meta.url);

function pkgVersion(name) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
  } catch {
    return null;
  }
}

export function versions() {
  return {
    tfjs: pkgVersion('@tensorflow/tfjs'),
    tfjsCore: pkgVersion('@tensorflow/tfjs-core'),
    tfjsBackendWasm: pkgVersion('@tensorflow/tfjs-backend-wasm'),
  };
}

/** Silences TF.js's "install tfjs-node" banner, which goes to console.warn/log. */
function quietly(fn) {
  const { log, warn, info } = console;
  console.log = console.warn = console.info = () => {};
  try {
    return fn();
  } finally {
    Object.assign(console, { log, warn, info });
  }
}

export async function load(backend) {
  const tf = quietly(() => require('@tensorflow/tfjs'));
  const notes = [];
  if (backend === 'wasm') {
    const wasmPkg = require('@tensorflow/tfjs-backend-wasm');
    // In Node the .wasm binaries are located with setWasmPaths: a plain directory path (with the trailing slash) works.
    const dir = path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
    wasmPkg.setWasmPaths(dir);
  }
  const ok = await quietly(() => tf.setBackend(backend));
  if (!ok) throw new Error(`tf.setBackend('${backend}') failed`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`backend is ${tf.getBackend()}, wanted ${backend}`);
  if (backend === 'wasm') {
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
    notes.push(`wasm SIMD ${simd ? 'on' : 'off'}, multithreading ${threads ? 'on' : 'off'}`);
  }
  return new TfjsAdapter(tf, backend, notes);
}

/**
 * TF.js 4.22's wasm backend has no Conv2DBackpropFilter kernel, so it cannot train a Conv2D ("Kernel
 * 'Conv2DBackpropFilter' not registered for backend 'wasm'"). For the CNN row we register one composed of the wasm
 * backend's own kernels: for stride 1, 'valid' padding, NHWC, dW[i, j, ci, co] = Σ x[n, i+h, j+w, ci]·dy[n, h, w, co]
 * is a convolution of x transposed to [Ci, H, W, N] with dy transposed to [OH, OW, N, Co] as the filter (XNNPACK's
 * Conv2D), transposed back to [kh, kw, Ci, Co]. Every other kernel of the step is TF.js's own.
 */
function registerWasmConvFilterGrad(tf) {
  if (tf.getKernel('Conv2DBackpropFilter', 'wasm')) return false;
  const transpose = tf.getKernel('Transpose', 'wasm').kernelFunc;
  const conv = tf.getKernel('Conv2D', 'wasm').kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs;
      const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs;
      const pair = (v) => (Array.isArray(v) ? v : [v ?? 1, v ?? 1]);
      const [s1, s2] = pair(strides);
      const [d1, d2] = pair(dilations);
      if (s1 !== 1 || s2 !== 1 || d1 !== 1 || d2 !== 1 || pad !== 'valid' || (dataFormat && dataFormat !== 'NHWC')) {
        throw new Error(`bench's wasm Conv2DBackpropFilter handles stride 1, dilation 1, 'valid', NHWC only (got ${JSON.stringify(attrs)})`);
      }
      const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
      const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
      const c = conv({
        inputs: { x: xT, filter: dyT },
        backend,
        attrs: { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode },
      });
      const out = transpose({ inputs: { x: c }, backend, attrs: { perm: [1, 2, 0, 3] } });
      for (const t of [xT, dyT, c]) backend.disposeData(t.dataId);
      return out;
    },
  });
  return true;
}

class TfjsAdapter {
  constructor(tf, backend, notes) {
    this.tf = tf;
    this.backend = backend;
    this.notes = notes;
  }

  info() {
    return { backend: this.tf.getBackend(), version: this.tf.version.tfjs ?? this.tf.version_core };
  }

  ce({ logits, ids, rows, cols }) {
    const tf = this.tf;
    const z = tf.tensor2d(logits, [rows, cols]);
    const onehot = tf.oneHot(tf.tensor1d(ids, 'int32'), cols).toFloat();
    const f = tf.valueAndGrad((x) => tf.losses.softmaxCrossEntropy(onehot, x));
    let last = null;
    return {
      run: () => {
        if (last) tf.dispose([last.value, last.grad]);
        last = f(z);
        last.value.dataSync();
        last.grad.dataSync();
      },
      result: () => ({ loss: last.value.dataSync()[0], grad: Float32Array.from(last.grad.dataSync()) }),
    };
  }

  softmax({ logits, rows, cols }) {
    const tf = this.tf;
    const x = tf.tensor2d(logits, [rows, cols]);
    let last = null;
    return {
      run: () => {
        if (last) last.dispose();
        last = tf.softmax(x);
        last.dataSync();
      },
      result: () => ({ out: Float32Array.from(last.dataSync()) }),
    };
  }

  matmul({ a, b, n }) {
    const tf = this.tf;
    const ta = tf.tensor2d(a, [n, n]);
    const tb = tf.tensor2d(b, [n, n]);
    let last = null;
    return {
      run: () => {
        if (last) last.dispose();
        last = tf.matMul(ta, tb);
        last.dataSync();
      },
      result: () => ({ out: Float32Array.from(last.dataSync()) }),
    };
  }

  /**
   * The idiomatic low-level loop (faster than tf.LayersModel.fit, which adds callbacks and async per batch):
   * variables, optimizer.minimize on the mean tf.losses.softmaxCrossEntropy, tf.tidy per step.
   */
  epoch({ trainX, trainY, testX, testY, w1, w2 }) {
    const tf = this.tf;
    const { inputs, hidden, classes, lr, beta1, beta2, epsilon } = EPOCH;
    this.notes.push(
      'epoch: tf.variable + tf.train.adam().minimize() loop, one-hot labels, tf.tidy per step, batches made with tf.tensor2d from Float32Array views',
    );
    // Batches are created per step from views of the JS arrays: slicing one big [60000, 784] tensor costs the wasm
    // backend ~120 ms per slice (it reads the whole tensor), which would measure the data path, not training.
    const onehot = new Float32Array(trainY.length * classes);
    trainY.forEach((c, i) => {
      onehot[i * classes + c] = 1;
    });
    const xt = tf.tensor2d(testX, [testY.length, inputs]);
    let vars = null;
    let opt = null;
    const reset = () => {
      if (vars) tf.dispose(vars);
      if (opt) opt.dispose();
      vars = [
        tf.variable(tf.tensor2d(w1, [inputs, hidden])),
        tf.variable(tf.zeros([hidden])),
        tf.variable(tf.tensor2d(w2, [hidden, classes])),
        tf.variable(tf.zeros([classes])),
      ];
      opt = tf.train.adam(lr, beta1, beta2, epsilon);
    };
    const forward = (xb) => {
      const [W1, B1, W2, B2] = vars;
      return tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xb, W1), B1)), W2), B2);
    };
    reset();
    return {
      reset,
      train: (examples) => {
        const losses = [];
        for (let i = 0; i < examples; i += EPOCH.batch) {
          const bs = Math.min(EPOCH.batch, examples - i);
          const loss = tf.tidy(() => {
            const xb = tf.tensor2d(trainX.subarray(i * inputs, (i + bs) * inputs), [bs, inputs]);
            const yb = tf.tensor2d(onehot.subarray(i * classes, (i + bs) * classes), [bs, classes]);
            return opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, forward(xb)), true, vars);
          });
          losses.push(loss.dataSync()[0]);
          loss.dispose();
        }
        return losses;
      },
      accuracy: () => {
        const pred = tf.tidy(() => forward(xt).argMax(-1).dataSync());
        let correct = 0;
        for (let i = 0; i < testY.length; i++) if (pred[i] === testY[i]) correct++;
        return correct / testY.length;
      },
    };
  }

  /**
   * The CNN with tf.layers (conv2d, maxPooling2d, flatten, dense, dropout) in a tf.sequential, trained by the same
   * low-level loop as the epoch row: optimizer.minimize on model.apply(x, {training: true}) (dropout on), the mean
   * tf.losses.softmaxCrossEntropy with one-hot labels, tf.tidy per step, batches from Float32Array views.
   */
  cnn({ trainX, trainY, k1, k2, w3, w4 }) {
    const tf = this.tf;
    const { height, width, channels, conv, pool, hidden, dropout, classes, lr, beta1, beta2, epsilon } = CNN;
    if (this.backend === 'wasm' && registerWasmConvFilterGrad(tf)) {
      this.notes.push("cnn: TF.js's wasm backend has no Conv2DBackpropFilter; the bench registers one made of its own Transpose + Conv2D (XNNPACK) kernels");
    }
    this.notes.push('cnn: tf.sequential of tf.layers + tf.train.adam().minimize() on model.apply(x, {training: true}), one-hot labels, tf.tidy per step');
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ filters: conv[0].filters, kernelSize: conv[0].kernel, activation: 'relu', inputShape: [height, width, channels] }),
        tf.layers.maxPooling2d({ poolSize: pool }),
        tf.layers.conv2d({ filters: conv[1].filters, kernelSize: conv[1].kernel, activation: 'relu' }),
        tf.layers.maxPooling2d({ poolSize: pool }),
        tf.layers.flatten(),
        tf.layers.dense({ units: hidden, activation: 'relu' }),
        tf.layers.dropout({ rate: dropout }),
        tf.layers.dense({ units: classes }),
      ],
    });
    const init = [k1, new Float32Array(conv[0].filters), k2, new Float32Array(conv[1].filters), w3, new Float32Array(hidden), w4, new Float32Array(classes)];
    const shapes = model.getWeights().map((w) => w.shape);
    const onehot = new Float32Array(trainY.length * classes);
    trainY.forEach((c, i) => {
      onehot[i * classes + c] = 1;
    });
    const pixels = height * width * channels;
    let opt = null;
    const reset = () => {
      tf.tidy(() => model.setWeights(init.map((w, i) => tf.tensor(w, shapes[i]))));
      if (opt) opt.dispose();
      opt = tf.train.adam(lr, beta1, beta2, epsilon);
    };
    reset();
    return {
      reset,
      train: (examples) => {
        const losses = [];
        for (let i = 0; i < examples; i += CNN.batch) {
          const bs = Math.min(CNN.batch, examples - i);
          const loss = tf.tidy(() => {
            const xb = tf.tensor4d(trainX.subarray(i * pixels, (i + bs) * pixels), [bs, height, width, channels]);
            const yb = tf.tensor2d(onehot.subarray(i * classes, (i + bs) * classes), [bs, classes]);
            return opt.minimize(() => tf.losses.softmaxCrossEntropy(yb, model.apply(xb, { training: true })), true);
          });
          losses.push(loss.dataSync()[0]);
          loss.dispose();
        }
        return losses;
      },
    };
  }
}
