/**
 * The deepest nesting of arrays and objects in JSON text, counted without parsing, so a header nested thousands
 * of levels deep is refused before JSON.parse or any recursive walk can overflow the stack. Brackets inside
 * strings do not count; malformed text is left for JSON.parse to report.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return max;
}
