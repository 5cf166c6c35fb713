/*
 * The matrix products alone, built against an imported shared memory so several threads (workers)
 * can each run a block of one product on the same data. No static data: every scratch buffer
 * (packing panels, edge tile) comes from the caller, one set per thread.
 */
export { matMulF32, KC_F32, MC_F32, NC_F32, EDGE_F32 } from './matmul-f32';
export { matMulF64, matMulF32Wide, KC_F64, MC_F64, NC_F64, EDGE_F64 } from './matmul-f64';

/** First byte after static data (none here): the JS arena of the shared memory starts at or after it. */
export function heapBase(): usize {
  return __heap_base;
}
