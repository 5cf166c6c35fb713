import type { TypedArray } from '../../tensor/dtype.js';

/** The functions of the native module (cc/*.cc). Arrays are read and written in place, no copies. */
export interface NativeAddon {
  /** The vector instructions the module was compiled for: 'avx512', 'avx2' or 'sse'. */
  isa(): string;
  /** Processors OpenMP sees. */
  processors(): number;
  matMul(
    a: TypedArray,
    b: TypedArray,
    out: TypedArray,
    batch: number,
    m: number,
    k: number,
    n: number,
    transposeA: boolean,
    transposeB: boolean,
    aBatchStride: number,
    bBatchStride: number,
    float32Sums: boolean,
    threads: number,
  ): void;
  /** out = a op b (op 0 add, 1 sub, 2 mul; swap: b op a), a and out rows × cols, b by `broadcast` (elementwise.ts). */
  binary(op: number, a: TypedArray, b: TypedArray, out: TypedArray, rows: number, cols: number, broadcast: number, swap: boolean): void;
  relu(x: TypedArray, out: TypedArray, step: boolean): void;
  biasRelu(x: TypedArray, bias: TypedArray, out: TypedArray): void;
  reluGrad(dy: TypedArray, y: TypedArray, out: TypedArray): void;
  sum(x: TypedArray, outer: number, n: number, inner: number, out: TypedArray): void;
  adamUpdate(
    p: TypedArray,
    g: TypedArray,
    m: TypedArray,
    v: TypedArray,
    out: TypedArray,
    beta1: number,
    beta2: number,
    epsilon: number,
    stepSize: number,
    invBc2Sqrt: number,
    keep: number,
    l2: number,
    threads: number,
  ): void;
  /** Contiguous rows of n; x and out both Float32Array or both Float64Array (cc/softmax.cc). */
  softmax(x: TypedArray, out: TypedArray, rows: number, n: number, threads: number): void;
  logSoftmax(x: TypedArray, out: TypedArray, rows: number, n: number, threads: number): void;
  softmaxCrossEntropy(
    logits: TypedArray,
    labels: TypedArray,
    loss: TypedArray,
    dLogits: TypedArray | null,
    rows: number,
    n: number,
    gradScale: number,
    threads: number,
  ): void;
  sparseSoftmaxCrossEntropy(
    logits: TypedArray,
    ids: Int32Array,
    loss: TypedArray,
    dLogits: TypedArray | null,
    rows: number,
    n: number,
    gradScale: number,
    threads: number,
  ): void;
  /**
   * The convolution kernels and pools (cc/conv.cc): float arrays of one type with the lengths the geometry gives;
   * `geometry` holds Conv2dGeometry's 15 numbers in its order (conv.ts).
   */
  conv2d(x: TypedArray, filter: TypedArray, out: TypedArray, geometry: Int32Array, float32Sums: boolean, threads: number): void;
  conv2dBackpropInput(dy: TypedArray, filter: TypedArray, dx: TypedArray, geometry: Int32Array, float32Sums: boolean, threads: number): void;
  conv2dBackpropFilter(x: TypedArray, dy: TypedArray, dFilter: TypedArray, geometry: Int32Array, float32Sums: boolean, threads: number): void;
  maxPool(x: TypedArray, out: TypedArray, argMax: Int32Array | null, geometry: Int32Array, threads: number): void;
  maxPoolBackprop(dy: TypedArray, argMax: Int32Array, dx: TypedArray, geometry: Int32Array): void;
  avgPool(x: TypedArray, out: TypedArray, geometry: Int32Array, threads: number): void;
  avgPoolBackprop(dy: TypedArray, dx: TypedArray, geometry: Int32Array, threads: number): void;
}

/**
 * Where scripts/build-native.mjs puts the module (beside its sources, which the package ships), through the package
 * root: the same path from src/kernels/native/ (vitest) and dist/kernels/native/ (the built library). A variable, not a
 * literal in `new URL(…, import.meta.url)`, which browser bundlers would copy into their output as an asset.
 */
const MODULE_PATH = '../../../src/kernels/native/cc/build/Release/logitkit.node';

let loaded: NativeAddon | null | undefined;
let loadError: string | null = null;

/** Why the module did not load (null when it did, or before the first try): for error messages. */
export function nativeLoadError(): string | null {
  return loadError;
}

/**
 * The native module, or null outside Node or where it was not built (no compiler at install time). Synchronous, so
 * the kernel set can be chosen at the first op: Node's module API comes through process.getBuiltinModule (Node ≥ 20.16),
 * which browser bundlers leave alone, unlike an import of 'node:module'.
 */
export function loadNativeAddon(): NativeAddon | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  const node = typeof process !== 'undefined' ? process : undefined;
  if (!node?.versions?.node) {
    loadError = 'native kernels run only in Node';
    return null;
  }
  const builtin = (node as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  if (typeof builtin !== 'function') {
    loadError = `Node ${node.version} has no process.getBuiltinModule (Node ≥ 20.16 loads the native kernels)`;
    return null;
  }
  // LOGITKIT_NATIVE_MODULE: another build of the module, for testing (scripts/test-native-isa.mjs runs the kernel
  // spec on AVX2 and SSE builds, the code paths of machines without AVX-512).
  const override = node.env?.LOGITKIT_NATIVE_MODULE;
  const url = override ? new URL(`file://${override}`) : new URL(MODULE_PATH, import.meta.url);
  if (url.protocol !== 'file:') {
    loadError = `the library is not loaded from files (${url.protocol})`;
    return null;
  }
  try {
    const { createRequire } = builtin('node:module') as typeof import('node:module');
    const { fileURLToPath } = builtin('node:url') as typeof import('node:url');
    loaded = createRequire(import.meta.url)(fileURLToPath(url)) as NativeAddon;
  } catch (e) {
    const code = (e as { code?: string }).code;
    loadError = code === 'MODULE_NOT_FOUND' ? 'the module is not built (npm run build:native says why)' : String((e as Error).message ?? e);
  }
  return loaded;
}
