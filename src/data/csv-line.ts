/**
 * Splits one CSV line into trimmed cells. Supports RFC 4180 quoting ("a, b" and "" for a quote) within a line;
 * a quoted field that runs past the end of the line is an error (multi-line fields are not supported).
 */
export function splitCsvLine(line: string, delimiter: string, fail: (expected: string, actual: string) => Error): string[] {
  if (!line.includes('"')) return line.split(delimiter).map((cell) => cell.trim());
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    while (line[i] === ' ' || line[i] === '\t') i++;
    let cell = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw fail('a closed quoted field', 'a quote still open at the end of the line');
        cell += line.slice(i, close);
        if (line[close + 1] === '"') {
          cell += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      const next = line.indexOf(delimiter, i);
      const rest = (next < 0 ? line.slice(i) : line.slice(i, next)).trim();
      if (rest !== '') throw fail('a delimiter right after a closing quote', `'${rest}'`);
      i = next < 0 ? line.length : next;
    } else {
      const next = line.indexOf(delimiter, i);
      cell = (next < 0 ? line.slice(i) : line.slice(i, next)).trim();
      i = next < 0 ? line.length : next;
    }
    cells.push(cell);
    if (i >= line.length) return cells;
    i += delimiter.length;
  }
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A strict decimal number: no empty cells, NaN, Infinity, hex or stray text (unlike Number()). */
export function parseNumberCell(cell: string): number | undefined {
  if (!NUMBER.test(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}
