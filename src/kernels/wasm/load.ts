import { kernelsRelaxedWasmBase64, kernelsWasmBase64 } from './binary.generated.js';
import type { KernelExports } from './exports.js';

// The smallest module using a SIMD128 instruction: (func (result v128) i32.const 0 i8x16.splat).
const SIMD_PROBE = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11]);

// (func (result v128) (f32x4.relaxed_madd (v128.const 0) (v128.const 0) (v128.const 0))).
const RELAXED_PROBE = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  61,
  1,
  59,
  0,
  253,
  12,
  ...new Array<number>(16).fill(0),
  253,
  12,
  ...new Array<number>(16).fill(0),
  253,
  12,
  ...new Array<number>(16).fill(0),
  253,
  133,
  2,
  11,
]);

function validates(bytes: Uint8Array<ArrayBuffer>): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(bytes);
  } catch {
    return false;
  }
}

/** True when this engine runs WebAssembly with SIMD128 (Node ≥ 16.4, current browsers). */
export function hasWasmSimd(): boolean {
  return validates(SIMD_PROBE);
}

/** True when it also has relaxed SIMD (fused multiply-add): Chrome ≥ 114, Firefox ≥ 120, Node ≥ 22. */
export function hasWasmRelaxedSimd(): boolean {
  return validates(RELAXED_PROBE);
}

/** Which build runs: 'relaxed-simd' where the engine has it, else 'simd', or null without SIMD. */
export type WasmFlavor = 'relaxed-simd' | 'simd';

export function bestWasmFlavor(): WasmFlavor | null {
  if (!hasWasmSimd()) return null;
  return hasWasmRelaxedSimd() ? 'relaxed-simd' : 'simd';
}

export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  // atob exists in browsers and in Node ≥ 16, so one decoder serves both.
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/**
 * Compiles and instantiates the kernel module in the given flavor (default: the best this engine runs), or gives
 * null where WebAssembly SIMD (or the asked flavor) is missing. Synchronous, so the kernel set can be chosen at the
 * first op: the module is ~38 KB, well under the 8 MB Chromium compiles synchronously on a page's main thread.
 */
export function instantiateKernels(flavor: WasmFlavor | null = bestWasmFlavor()): KernelExports | null {
  if (flavor === null || !hasWasmSimd() || (flavor === 'relaxed-simd' && !hasWasmRelaxedSimd())) return null;
  const module = new WebAssembly.Module(decodeBase64(flavor === 'relaxed-simd' ? kernelsRelaxedWasmBase64 : kernelsWasmBase64));
  return new WebAssembly.Instance(module, {}).exports as unknown as KernelExports;
}
