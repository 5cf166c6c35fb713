/** One record of a delimited file: its cells and the line it starts on (1-based). */
export interface DelimitedRecord {
  cells: string[];
  line: number;
}

/**
 * Splits delimited text (CSV, TSV) into records by RFC 4180's rules, quoted fields included: a field in double quotes
 * may hold the delimiter, line breaks and doubled quotes (""). Lines end with \n, \r\n or \r; blank lines are
 * skipped; cells are kept as they are (no trimming: a text's spaces are data). `fail(expected, actual, line)` builds
 * the error for malformed input: a quote left open at the end, text after a closing quote, a field longer than
 * `maxField` characters.
 */
export function* delimitedRecords(
  text: string,
  delimiter: string,
  maxField: number,
  fail: (expected: string, actual: string, line: number) => Error,
): Generator<DelimitedRecord> {
  let i = 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const cells: string[] = [];
    for (;;) {
      let cell: string;
      if (text[i] === '"') {
        const open = line;
        let j = i + 1;
        const parts: string[] = [];
        for (;;) {
          const close = text.indexOf('"', j);
          if (close < 0) throw fail('a closed quoted field', `a quote opened on line ${open} still open at the end`, open);
          parts.push(text.slice(j, close));
          line += countLineBreaks(text, j, close);
          if (text[close + 1] === '"') {
            parts.push('"');
            j = close + 2;
          } else {
            i = close + 1;
            break;
          }
        }
        cell = parts.join('');
        if (i < n && !text.startsWith(delimiter, i) && text[i] !== '\n' && text[i] !== '\r')
          throw fail('a delimiter or a line end right after a closing quote', `'${text.slice(i, i + 10)}'`, line);
      } else {
        let j = i;
        while (j < n && text[j] !== '\n' && text[j] !== '\r' && !text.startsWith(delimiter, j)) j++;
        cell = text.slice(i, j);
        i = j;
      }
      if (cell.length > maxField) throw fail(`fields of at most ${maxField} characters`, `a field of ${cell.length}`, line);
      cells.push(cell);
      if (i < n && text.startsWith(delimiter, i)) {
        i += delimiter.length;
        continue;
      }
      break;
    }
    // The record ends at a line end or at the end of the text.
    if (text[i] === '\r') i += text[i + 1] === '\n' ? 2 : 1;
    else if (text[i] === '\n') i++;
    line++;
    if (!(cells.length === 1 && cells[0] === '')) yield { cells, line: start };
  }
}

function countLineBreaks(text: string, from: number, to: number): number {
  let count = 0;
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === 10 || (c === 13 && text.charCodeAt(k + 1) !== 10)) count++;
  }
  return count;
}
