/*
 * The kernels that worker threads share, built against an imported shared memory: matrix products
 * (split into row or column blocks, the convolutions' among them) and the softmax family (split into
 * row chunks). Each thread passes its own scratch (packing panels, edge tile, exp row). The static
 * data (exp tables, clamp limits) is written by every instance at the same addresses with the same
 * bytes, before any work.
 */
export { matMulF32, KC_F32, MC_F32, NC_F32, EDGE_F32 } from './matmul-f32';
export { matMulF64, matMulF32Wide, KC_F64, MC_F64, NC_F64, EDGE_F64 } from './matmul-f64';
export { softmaxF32, logSoftmaxF32, softmaxCrossEntropyF32, sparseSoftmaxCrossEntropyF32 } from './softmax-f32';
export { softmaxF64, logSoftmaxF64, softmaxCrossEntropyF64, sparseSoftmaxCrossEntropyF64 } from './softmax-f64';
// The convolutions' patch copies, run by the calling thread on the shared memory around the threads' products.
export { im2colF32, im2colF64, col2imF32, col2imF64, accumulateF32, accumulateF64, demoteF64, allFiniteF32, allFiniteF64 } from './conv';

/** First byte after static data: the JS arena of the shared memory starts here. */
export function heapBase(): usize {
  return __heap_base;
}
