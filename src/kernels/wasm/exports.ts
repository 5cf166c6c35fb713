type MatMul = (
  a: number,
  b: number,
  c: number,
  m: number,
  k: number,
  n: number,
  ars: number,
  aps: number,
  brs: number,
  bps: number,
  ldc: number,
  packA: number,
  packB: number,
  edge: number,
) => void;

/** The matrix products (assembly/matmul-*.ts), in the kernel module and alone in the threads module. */
export interface MatMulExports {
  heapBase(): number;
  /** Packing block sizes and edge-tile size (elements). */
  readonly KC_F32: WebAssembly.Global;
  readonly MC_F32: WebAssembly.Global;
  readonly NC_F32: WebAssembly.Global;
  readonly EDGE_F32: WebAssembly.Global;
  readonly KC_F64: WebAssembly.Global;
  readonly MC_F64: WebAssembly.Global;
  readonly NC_F64: WebAssembly.Global;
  readonly EDGE_F64: WebAssembly.Global;
  matMulF32: MatMul;
  matMulF32Wide: MatMul;
  matMulF64: MatMul;
}

/** The softmax family (assembly/softmax-*.ts), in the kernel module and in the threads module. */
export interface SoftmaxExports {
  softmaxF32(x: number, out: number, rows: number, n: number, e: number): void;
  softmaxF64(x: number, out: number, rows: number, n: number, e: number): void;
  logSoftmaxF32(x: number, out: number, rows: number, n: number): void;
  logSoftmaxF64(x: number, out: number, rows: number, n: number): void;
  /** The cross-entropies take gScale: the byte offset of the float64 that multiplies dx. */
  softmaxCrossEntropyF32(x: number, y: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  softmaxCrossEntropyF64(x: number, y: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  sparseSoftmaxCrossEntropyF32(x: number, ids: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
  sparseSoftmaxCrossEntropyF64(x: number, ids: number, rows: number, n: number, loss: number, dx: number, e: number, gScale: number): void;
}

/** What the threads module (assembly/threads.ts) exports. */
export interface ThreadExports extends MatMulExports, SoftmaxExports {}

/** The functions the kernel module exports; pointers are byte offsets into `memory`. */
export interface KernelExports extends MatMulExports, SoftmaxExports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;

  binaryF32(op: number, a: number, b: number, out: number, rows: number, c: number, bRow: boolean, swap: boolean): void;
  binaryF64(op: number, a: number, b: number, out: number, rows: number, c: number, bRow: boolean, swap: boolean): void;
  binaryPerRowF32(op: number, a: number, b: number, out: number, rows: number, c: number, swap: boolean): void;
  binaryPerRowF64(op: number, a: number, b: number, out: number, rows: number, c: number, swap: boolean): void;
  reluF32(x: number, out: number, n: number, step: boolean): void;
  reluF64(x: number, out: number, n: number, step: boolean): void;

  sumColumnsF32(x: number, rows: number, inner: number, s: number, c: number): void;
  sumColumnsF64(x: number, rows: number, inner: number, s: number, c: number): void;
  finishColumns(s: number, c: number, inner: number, out: number, f32: boolean): void;
  sumRowsF32(x: number, rows: number, n: number, out: number): void;
  sumRowsF64(x: number, rows: number, n: number, out: number): void;

  adamSetup(beta1: number, beta2: number, c1: number, c2: number, epsilon: number, stepSize: number, invBc2Sqrt: number, keep: number, l2: number): void;
  adamF32(p: number, g: number, m: number, v: number, n: number): void;
  adamF64(p: number, g: number, m: number, v: number, n: number): void;
}
