// logitkit adapter: the public API from dist/index.js (build first: npm run build).
// Kernel sets: 'default' (what the library picks), 'ts' (TypeScript reference), 'wasm' (WebAssembly, when built),
// 'native' (C++ built at install, Node only), each with '-2t' (two threads) and '-f32' (float32 matMul sums).
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CNN, EPOCH, ROOT } from '../lib/common.mjs';

// BENCH_LOGITKIT_DIST: another build of the library (e.g. tsc --outDir /tmp/lk-dist) instead of dist/.
const DIST = process.env.BENCH_LOGITKIT_DIST ? path.resolve(process.env.BENCH_LOGITKIT_DIST) : path.join(ROOT, 'dist');

/** A module of the build under test, by its path under dist/. */
export async function importDist(rel) {
  return import(pathToFileURL(path.join(DIST, rel)).href);
}

/** Candidate modules that may expose the WebAssembly kernel set, in order. */
const WASM_MODULES = ['index.js', 'kernels/index.js', 'kernels/wasm/index.js'];
const WASM_FACTORIES = ['createWasmKernels', 'loadWasmKernels', 'wasmKernels'];
const WASM_USERS = ['useWasmKernels'];

/** Finds how to switch to the WebAssembly kernels without knowing the final API name. */
export async function findWasmKernels() {
  for (const rel of WASM_MODULES) {
    if (!fs.existsSync(path.join(DIST, rel))) continue;
    let mod;
    try {
      mod = await importDist(rel);
    } catch {
      continue;
    }
    for (const name of WASM_FACTORIES) {
      if (mod[name] !== undefined) return { module: `dist/${rel}`, name, kind: 'factory', value: mod[name] };
    }
    for (const name of WASM_USERS) {
      if (typeof mod[name] === 'function') return { module: `dist/${rel}`, name, kind: 'use', value: mod[name] };
    }
  }
  return null;
}

/** The training API (src/train: sequential + compile + fit, optimizers.adam) when dist/index.js exports it. */
export async function findTrainApi() {
  const lk = await importDist('index.js');
  const ok = typeof lk.sequential === 'function' && typeof lk.layers?.dense === 'function' && typeof lk.optimizers?.adam === 'function';
  return ok ? { sequential: lk.sequential, dense: lk.layers.dense, adam: lk.optimizers.adam } : null;
}

/** The image layers the CNN row needs (Keras names), or why they are not there. */
export const CNN_LAYERS = ['conv2d', 'maxPooling2d', 'flatten', 'dense', 'dropout'];
export async function findCnnApi() {
  const lk = await importDist('index.js');
  const missing = CNN_LAYERS.filter((name) => typeof lk.layers?.[name] !== 'function');
  if (typeof lk.sequential !== 'function') missing.unshift('sequential');
  if (missing.length)
    return {
      ok: false,
      reason: `${path.relative(ROOT, DIST) || DIST}/index.js has no ${missing.map((m) => (m === 'sequential' ? m : `layers.${m}`)).join(', ')} (the image layers have not landed, or the build is stale)`,
    };
  return { ok: true, sequential: lk.sequential, layers: lk.layers };
}

export async function probe() {
  if (!fs.existsSync(path.join(DIST, 'index.js'))) return { available: false, reason: 'dist/index.js missing (run npm run build)' };
  const lk = await importDist('index.js');
  const wasm = await findWasmKernels();
  const train = await findTrainApi();
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  return {
    available: true,
    version: pkg.version,
    defaultKernels: lk.kernels().name,
    wasm: wasm ? `${wasm.module} ${wasm.name}` : null,
    native: typeof lk.hasNativeKernels === 'function' && (await lk.hasNativeKernels()) ? 'dist/index.js createNativeKernels' : null,
    trainApi: train ? 'sequential + compile + fit (dist/index.js)' : null,
    cnnApi: await findCnnApi().then((c) => (c.ok ? 'sequential + layers.conv2d/maxPooling2d/flatten/dense/dropout + compile + fit' : { missing: c.reason })),
  };
}

export async function load(kernelSet) {
  const lk = await importDist('index.js');
  const notes = [];
  if (kernelSet === 'ts') {
    lk.setKernels(lk.tsKernels);
  } else if (/^native(-2t)?(-f32)?$/.test(kernelSet)) {
    const options = {
      ...(kernelSet.includes('-2t') ? { threads: 2 } : {}),
      ...(kernelSet.endsWith('-f32') ? { matMulAccumulation: 'float32' } : {}),
    };
    const k = await lk.createNativeKernels(options);
    if (!k) throw new Error('the native kernel module is not built (npm run build:native says why)');
    lk.setKernels(k);
    notes.push(`kernels '${k.name}' via dist/index.js createNativeKernels(${JSON.stringify(options)})`);
  } else if (/^wasm(-2t)?(-f32)?$/.test(kernelSet)) {
    const found = await findWasmKernels();
    if (!found) throw new Error('no WebAssembly kernel set found in dist/ (not built yet?)');
    // '-2t': one worker thread besides the calling thread (createWasmKernels({workers: 1})), like torch's 2 threads.
    // '-f32': float32 matMul sums, the precision of TF.js and PyTorch (the default sums in float64).
    const options = {
      ...(kernelSet.includes('-2t') ? { workers: 1 } : {}),
      ...(kernelSet.endsWith('-f32') ? { matMulAccumulation: 'float32' } : {}),
    };
    if (found.kind === 'factory') {
      const k = typeof found.value === 'function' ? await found.value(options) : found.value;
      // A factory may return the kernel set, or install it itself and return nothing.
      if (k && typeof k === 'object' && typeof k.softmax === 'function') lk.setKernels(k);
    } else {
      await found.value(options);
    }
    if (lk.kernels().name === 'ts') throw new Error(`${found.module} ${found.name} did not switch the kernel set`);
    notes.push(`kernels '${lk.kernels().name}' via ${found.module} ${found.name}(${JSON.stringify(options)})`);
  }
  return new LogitkitAdapter(lk, notes);
}

class LogitkitAdapter {
  constructor(lk, notes) {
    this.lk = lk;
    this.notes = notes;
  }

  info() {
    return { kernels: this.lk.kernels().name };
  }

  ce({ logits, ids, rows, cols }) {
    const lk = this.lk;
    const z = lk.tensor(logits, { shape: [rows, cols] });
    const onehot = lk.oneHot(lk.tensor(ids, { shape: [rows] }), cols);
    // The public path a user takes: mean cross-entropy (tf.losses.softmaxCrossEntropy semantics) and its gradient.
    const f = lk.valueAndGrad((x) => lk.losses.softmaxCrossEntropy(onehot, x));
    let last = null;
    return {
      run: () => {
        last = f(z);
      },
      result: () => ({ loss: last.value.item(), grad: Float32Array.from(last.grad.values) }),
    };
  }

  softmax({ logits, rows, cols }) {
    const lk = this.lk;
    const x = lk.tensor(logits, { shape: [rows, cols] });
    let last = null;
    return {
      run: () => {
        last = lk.nn.softmax(x);
      },
      result: () => ({ out: Float32Array.from(last.values) }),
    };
  }

  matmul({ a, b, n }) {
    const lk = this.lk;
    const ta = lk.tensor(a, { shape: [n, n] });
    const tb = lk.tensor(b, { shape: [n, n] });
    let last = null;
    return {
      run: () => {
        last = lk.matMul(ta, tb);
      },
      result: () => ({ out: Float32Array.from(last.values) }),
    };
  }

  async epoch(data, { api = 'auto' } = {}) {
    const train = api === 'ops' ? null : await findTrainApi();
    if (train) return this.epochFromFit(data, train);
    if (api === 'fit') throw new Error('the training API (sequential/compile/fit) is not in dist/index.js');
    return this.epochFromOps(data);
  }

  /**
   * The Keras-style path a user takes: sequential([dense relu, dense]) + compile(adam, sparse CE from logits) +
   * fit(x, y, {epochs: 1, batchSize: 128, shuffle: false}). Per-batch losses come from an onBatchEnd callback
   * (its running mean, undone back to the batch's own loss), as a progress display would read them.
   */
  epochFromFit({ trainX, trainY, testX, testY, w1, w2 }, train) {
    const lk = this.lk;
    const { inputs, hidden, classes, batch, lr, beta1, beta2, epsilon } = EPOCH;
    this.notes.push('epoch: sequential + compile + fit (src/train), shuffle off, onBatchEnd callback for the losses');
    const model = train.sequential([train.dense({ units: hidden, activation: 'relu', inputShape: [inputs] }), train.dense({ units: classes })]);
    const init = [lk.tensor(w1, { shape: [inputs, hidden] }), lk.zeros([hidden]), lk.tensor(w2, { shape: [hidden, classes] }), lk.zeros([classes])];
    const shapes = model.weights.map((v) => v.shape.join('x')).join(', ');
    if (shapes !== `${inputs}x${hidden}, ${hidden}, ${hidden}x${classes}, ${classes}`) throw new Error(`unexpected weight shapes ${shapes}`);
    const reset = () => {
      model.setWeights(init);
      model.compile({ optimizer: train.adam({ learningRate: lr, beta1, beta2, epsilon }), loss: 'sparseCategoricalCrossentropy' });
    };
    reset();
    return {
      reset,
      train: async (examples) => {
        const x = new lk.Tensor(trainX.subarray(0, examples * inputs), [examples, inputs]);
        const y = new lk.Tensor(trainY.subarray(0, examples), [examples]);
        const losses = [];
        let prevSum = 0;
        await model.fit(x, y, {
          epochs: 1,
          batchSize: batch,
          shuffle: false,
          callbacks: {
            onBatchEnd: (_b, logs) => {
              const sum = logs.loss * logs.samplesSeen;
              losses.push((sum - prevSum) / logs.size);
              prevSum = sum;
            },
          },
        });
        return losses;
      },
      accuracy: () => {
        const pred = model.predictClasses(new lk.Tensor(testX, [testY.length, inputs])).values;
        let correct = 0;
        for (let i = 0; i < testY.length; i++) if (pred[i] === testY[i]) correct++;
        return correct / testY.length;
      },
    };
  }

  /**
   * The CNN through the public API, as a user writes it: sequential([layers.conv2d, layers.maxPooling2d, ...]) +
   * compile(adam, sparse CE from logits) + fit(x [n, 28, 28, 1], y, {epochs: 1, batchSize: 128, shuffle: false}), from
   * the shared initial weights (Keras layouts: HWIO kernels). Returns {skipped, reason} while the layers are missing.
   */
  async cnn({ trainX, trainY, k1, k2, w3, w4 }) {
    const api = await findCnnApi();
    if (!api.ok) return { skipped: true, reason: api.reason };
    const lk = this.lk;
    const L = api.layers;
    const { height, width, channels, conv, pool, hidden, dropout, classes, batch, lr, beta1, beta2, epsilon } = CNN;
    this.notes.push('cnn: sequential + layers.conv2d/maxPooling2d/flatten/dense/dropout + compile + fit, shuffle off, onBatchEnd callback for the losses');
    const model = api.sequential([
      L.conv2d({ filters: conv[0].filters, kernelSize: conv[0].kernel, activation: 'relu', inputShape: [height, width, channels] }),
      L.maxPooling2d({ poolSize: pool }),
      L.conv2d({ filters: conv[1].filters, kernelSize: conv[1].kernel, activation: 'relu' }),
      L.maxPooling2d({ poolSize: pool }),
      L.flatten(),
      L.dense({ units: hidden, activation: 'relu' }),
      L.dropout({ rate: dropout }),
      L.dense({ units: classes }),
    ]);
    const flat = w3.length / hidden;
    const shapes = [
      [conv[0].kernel, conv[0].kernel, channels, conv[0].filters],
      [conv[0].filters],
      [conv[1].kernel, conv[1].kernel, conv[0].filters, conv[1].filters],
      [conv[1].filters],
      [flat, hidden],
      [hidden],
      [hidden, classes],
      [classes],
    ];
    const got = model.weights.map((v) => v.shape.join('x')).join(', ');
    const want = shapes.map((s) => s.join('x')).join(', ');
    if (got !== want) throw new Error(`unexpected CNN weight shapes ${got} (wanted ${want})`);
    const init = [k1, null, k2, null, w3, null, w4, null].map((w, i) => (w ? lk.tensor(w, { shape: shapes[i] }) : lk.zeros(shapes[i])));
    const reset = () => {
      model.setWeights(init);
      model.compile({ optimizer: lk.optimizers.adam({ learningRate: lr, beta1, beta2, epsilon }), loss: 'sparseCategoricalCrossentropy' });
    };
    reset();
    const pixels = height * width * channels;
    return {
      reset,
      train: async (examples) => {
        const x = new lk.Tensor(trainX.subarray(0, examples * pixels), [examples, height, width, channels]);
        const y = new lk.Tensor(trainY.subarray(0, examples), [examples]);
        const losses = [];
        let prevSum = 0;
        await model.fit(x, y, {
          epochs: 1,
          batchSize: batch,
          shuffle: false,
          callbacks: {
            onBatchEnd: (_b, logs) => {
              const sum = logs.loss * logs.samplesSeen;
              losses.push((sum - prevSum) / logs.size);
              prevSum = sum;
            },
          },
        });
        return losses;
      },
    };
  }

  /**
   * One epoch written with the public ops + valueAndGrads and an Adam update hand-written here in bench/
   * (until src/train's model + fit lands). Same math as the peers: dense → relu → dense, mean sparse
   * cross-entropy with logits, Adam (lr 1e-3, β 0.9/0.999, ε 1e-7) with bias correction.
   */
  epochFromOps({ trainX, trainY, testX, testY, w1, w2 }) {
    const lk = this.lk;
    this.notes.push('epoch: logitkit ops + valueAndGrads with an Adam hand-written in bench/ (not the training API)');
    const { inputs, hidden, classes } = EPOCH;
    const shapes = [[inputs, hidden], [hidden], [hidden, classes], [classes]];
    const init = [w1, new Float32Array(hidden), w2, new Float32Array(classes)];
    let params;
    let m;
    let v;
    let t;
    const reset = () => {
      params = init.map((x, i) => lk.tensor(Float32Array.from(x), { shape: shapes[i] }));
      m = init.map((x) => new Float32Array(x.length));
      v = init.map((x) => new Float32Array(x.length));
      t = 0;
    };
    let xb = null;
    let yb = null;
    const forward = (x, W1, B1, W2, B2) => lk.add(lk.matMul(lk.nn.relu(lk.add(lk.matMul(x, W1), B1)), W2), B2);
    const vg = lk.valueAndGrads((W1, B1, W2, B2) => lk.losses.sparseSoftmaxCrossEntropy(yb, forward(xb, W1, B1, W2, B2)));
    const { lr, beta1, beta2, epsilon } = EPOCH;
    const adam = (grads) => {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let p = 0; p < params.length; p++) {
        const w = params[p].values;
        const g = grads[p].values;
        const mp = m[p];
        const vp = v[p];
        for (let i = 0; i < w.length; i++) {
          const gi = g[i];
          const mi = beta1 * mp[i] + (1 - beta1) * gi;
          const vi = beta2 * vp[i] + (1 - beta2) * gi * gi;
          mp[i] = mi;
          vp[i] = vi;
          w[i] -= (lr * (mi / c1)) / (Math.sqrt(vi / c2) + epsilon);
        }
      }
    };
    reset();
    return {
      reset,
      train: (examples) => {
        const losses = [];
        for (let i = 0; i < examples; i += EPOCH.batch) {
          const bs = Math.min(EPOCH.batch, examples - i);
          xb = new lk.Tensor(trainX.subarray(i * inputs, (i + bs) * inputs), [bs, inputs]);
          yb = new lk.Tensor(trainY.subarray(i, i + bs), [bs]);
          const { value, grads } = vg(params);
          adam(grads);
          losses.push(value.item());
        }
        return losses;
      },
      accuracy: () => {
        const n = testY.length;
        const logits = forward(new lk.Tensor(testX, [n, inputs]), ...params);
        const pred = lk.argMax(logits, -1).values;
        let correct = 0;
        for (let i = 0; i < n; i++) if (pred[i] === testY[i]) correct++;
        return correct / n;
      },
    };
  }
}
