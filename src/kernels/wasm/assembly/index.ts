/* The WebAssembly kernel module: every export takes byte offsets into its memory, managed from JS. */
export { softmaxF32, logSoftmaxF32, softmaxCrossEntropyF32, sparseSoftmaxCrossEntropyF32 } from './softmax-f32';
export { softmaxF64, logSoftmaxF64, softmaxCrossEntropyF64, sparseSoftmaxCrossEntropyF64 } from './softmax-f64';

/** First byte after static data: the JS arena starts here. */
export function heapBase(): usize {
  return __heap_base;
}
export { matMulF32, KC_F32, MC_F32, NC_F32, EDGE_F32 } from './matmul-f32';
export { matMulF64, matMulF32Wide, KC_F64, MC_F64, NC_F64, EDGE_F64 } from './matmul-f64';
export { binaryF32, binaryF64, binaryPerRowF32, binaryPerRowF64, reluF32, reluF64, biasReluF32, biasReluF64, reluGradF32, reluGradF64 } from './elementwise';
export { sumColumnsF32, sumColumnsF64, finishColumns, sumRowsF32, sumRowsF64 } from './reduce';
export { adamSetup, adamF32, adamF64 } from './adam';
export { im2colF32, im2colF64, col2imF32, col2imF64, accumulateF32, accumulateF64, demoteF64, allFiniteF32, allFiniteF64, anyNaNF32, anyNaNF64 } from './conv';
export { maskAtMaximaF32, maskAtMaximaF64 } from './conv';
export { maxPoolF32, maxPoolF64, maxPoolBackpropF32, maxPoolBackpropF64, maxPoolScatterOnceF32, maxPoolScatterOnceF64, avgPoolF32, avgPoolF64, avgPoolBackpropF32, avgPoolBackpropF64 } from './conv';
export { padF32, padF32Wide, padF64, packFilterF32, packFilterF32Wide, packFilterF64, pixelOffsets, directF32, directF32Wide, directF64 } from './conv';
export { tapOffsets, gradDirectF32, gradDirectF64, gradNineF32Wide, gradNineF64 } from './conv';
export { compressRows, compressColumns, packTransposedBlocks, rowsTimesBlocks, columnsTimesTaps, transposeSums } from './conv-sparse';
export { pooledNineF32, pooledNineF64, POOLED_NINE_SLOTS } from './conv-pooled';
export { FUSED_MULTIPLY_ADD } from './lanes';
