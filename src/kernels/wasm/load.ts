import { kernelsWasmBase64 } from './binary.generated.js';
import type { KernelExports } from './exports.js';

// The smallest module using a SIMD128 instruction: (func (result v128) i32.const 0 i8x16.splat).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 8, 1, 6, 0, 65, 0, 253, 15, 11,
]);

/** True when this engine runs WebAssembly with SIMD128 (Node ≥ 16.4, current browsers). */
export function hasWasmSimd(): boolean {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  // atob exists in browsers and in Node ≥ 16, so one decoder serves both.
  const chars = atob(text);
  const bytes = new Uint8Array(chars.length);
  for (let i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/** Compiles and instantiates the kernel module, or gives null where WebAssembly SIMD is missing. */
export async function instantiateKernels(): Promise<KernelExports | null> {
  if (!hasWasmSimd()) return null;
  const module = await WebAssembly.compile(decodeBase64(kernelsWasmBase64));
  const instance = await WebAssembly.instantiate(module, {});
  return instance.exports as unknown as KernelExports;
}
