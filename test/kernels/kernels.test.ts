import { describe } from 'vitest';
import { tsKernels } from '../../src/kernels/index.js';
import type { Kernels } from '../../src/kernels/types.js';
import { type WasmKernelOptions, createWasmKernels, hasWasmRelaxedSimd } from '../../src/kernels/wasm/index.js';
import { createNativeKernels, hasNativeKernels, type NativeKernelOptions } from '../../src/kernels/native/index.js';
import { kernelSpec } from './spec.js';

async function wasmKernels(options: WasmKernelOptions): Promise<Kernels> {
  const set = await createWasmKernels(options);
  if (!set) throw new Error(`WebAssembly ${options.flavor} is not available in this runtime`);
  return set;
}

// The names start every test name of the set's suite (short: vitest prints them on each line).
const sets: [string, () => Promise<Kernels>][] = [
  ['ts', async () => tsKernels],
  ['wasm-simd', () => wasmKernels({ flavor: 'simd' })],
  ['wasm-simd float32-sums', () => wasmKernels({ flavor: 'simd', matMulAccumulation: 'float32' })],
  ['wasm-simd 1-worker', () => wasmKernels({ flavor: 'simd', workers: 1 })],
];
// Node 20 has relaxed SIMD only behind --experimental-wasm-relaxed-simd; Node ≥ 22 and browsers have it.
if (hasWasmRelaxedSimd()) sets.push(['wasm-relaxed-simd', () => wasmKernels({ flavor: 'relaxed-simd' })]);

async function nativeKernels(options: NativeKernelOptions): Promise<Kernels> {
  const set = await createNativeKernels(options);
  if (!set) throw new Error('the native kernel module is not built (npm run build:native says why)');
  // scripts/test-native-isa.mjs loads an AVX2 or SSE build and names the set it expects.
  const expected = process.env.LOGITKIT_EXPECT_NATIVE_NAME;
  if (expected && set.name !== expected) throw new Error(`expected the native set ${expected}, loaded ${set.name}`);
  return set;
}

// The native set where it was built; CI (LOGITKIT_REQUIRE_NATIVE=1) requires it, so a broken build fails here.
if ((await hasNativeKernels()) || process.env.LOGITKIT_REQUIRE_NATIVE === '1') {
  sets.push(
    ['native', () => nativeKernels({})],
    ['native float32-sums', () => nativeKernels({ matMulAccumulation: 'float32' })],
    ['native 2-threads', () => nativeKernels({ threads: 2 })],
  );
} else {
  console.warn('kernels.test: the native kernel module is not built; its suite is skipped');
}

describe.each(sets)('%s kernels', (name, load) => kernelSpec(name, load));
