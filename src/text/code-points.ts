/**
 * Code-point order (UTF-8 byte order, as TensorFlow sorts strings), unlike JavaScript's UTF-16 `<`: the two differ
 * only where a surrogate (a code point ≥ U+10000) meets a code unit in U+E000–U+FFFF, which it must follow.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const sx = x >= 0xd800 && x <= 0xdfff;
    const sy = y >= 0xd800 && y <= 0xdfff;
    if (sx !== sy && (sx ? y : x) >= 0xe000) return sx ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
