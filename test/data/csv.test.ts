import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CSV_LIMITS, parseCsvDataset } from '../../src/data/index.js';
import { memoryNow } from '../helpers/model-files.js';
import { loadCsvDataset } from '../../src/data/node.js';

const tmp = mkdtempSync(join(tmpdir(), 'logitkit-csv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function writeCsv(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}

describe('parseCsvDataset', () => {
  it('reads numbers with integer labels in the last column, no header', () => {
    const ds = parseCsvDataset('1,2,0\n3.5,-4e-1,2\n\n');
    expect(ds.count).toBe(2);
    expect(ds.featureShape).toEqual([2]);
    expect(Array.from(ds.images)).toEqual([1, 2, 3.5, -0.4].map(Math.fround));
    // Labels 0 and 2 become dense ids 0 and 1, recorded as class names.
    expect(Array.from(ds.labels)).toEqual([0, 1]);
    expect(ds.numClasses).toBe(2);
    expect(ds.classNames).toEqual(['0', '2']);
    const dense = parseCsvDataset('1,2,1\n3,4,0\n');
    expect([Array.from(dense.labels), dense.numClasses, dense.classNames]).toEqual([[1, 0], 2, undefined]);
    expect(ds.imageShape).toBeUndefined();
  });

  it('detects a header and maps string labels to sorted class ids', () => {
    const ds = parseCsvDataset('sepal,petal,species\r\n5.1,1.4,setosa\r\n6.3,6.0,virginica\r\n5.9,4.2,"versicolor"\r\n5.0,1.5,setosa\r\n');
    expect(ds.count).toBe(4);
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(Array.from(ds.labels)).toEqual([0, 2, 1, 0]);
    expect(ds.numClasses).toBe(3);
  });

  it('takes the label column by name or index, and quoted cells', () => {
    const text = 'label,x,y\ncat,1,2\ndog,"3",4\n';
    const byName = parseCsvDataset(text, { labelColumn: 'label' });
    const byIndex = parseCsvDataset(text, { labelColumn: 0 });
    for (const ds of [byName, byIndex]) {
      expect(Array.from(ds.images)).toEqual([1, 2, 3, 4]);
      expect(ds.classNames).toEqual(['cat', 'dog']);
    }
    expect(parseCsvDataset('a;b\n1;0\n', { delimiter: ';' }).count).toBe(1);
  });

  it('uses given classNames so a test file shares the training ids', () => {
    const ds = parseCsvDataset('1,b\n2,a\n', { classNames: ['b', 'a'] });
    expect(Array.from(ds.labels)).toEqual([0, 1]);
    expect(() => parseCsvDataset('1,b\n2,c\n', { classNames: ['b', 'a'] })).toThrow(
      "parseCsvDataset: argument 'text' line 2, column 2 must be one of the classNames 'b', 'a', got 'c'",
    );
  });

  it.each([
    ['a ragged row', 'x,y,label\n1,2,0\n3,1\n', "parseCsvDataset: argument 'text' line 3 must be 3 columns like the header (line 1), got 2 columns"],
    ['a non-numeric cell', 'x,y,label\n1,2,0\n3,abc,1\n', "argument 'text' line 3, column 2 ('y') must be a finite number, got 'abc'"],
    ['an empty cell', '1,2,0\n,2,1\n', "argument 'text' line 2, column 1 must be a finite number, got an empty cell"],
    ['NaN', '1,2,0\nNaN,2,1\n', "line 2, column 1 must be a finite number, got 'NaN'"],
    ['Infinity', '1,2,0\n1,-Infinity,1\n', "line 2, column 2 must be a finite number, got '-Infinity'"],
    ['hex', '1,2,0\n0x10,2,1\n', "must be a finite number, got '0x10'"],
    ['an empty label', '1,2,0\n1,2,\n', 'line 2, column 3 must be a label, got an empty cell'],
    ['an unclosed quote', '1,2,0\n1,"2,1\n', 'line 2 must be a closed quoted field, got a quote still open at the end of the line'],
    ['no data rows', 'x,label\n\n', "argument 'text' must be CSV with at least one data row, got none"],
    ['a missing label column name', 'x,y\n1,2\n', "line 1 (header) must be a column named 'z', got columns 'x', 'y'"],
  ])('rejects %s with file, line and column', (_, text, message) => {
    const options = message.includes("named 'z'") ? { labelColumn: 'z' } : {};
    expect(() => parseCsvDataset(text, options)).toThrow(RangeError);
    expect(() => parseCsvDataset(text, options)).toThrow(message);
  });
});

describe('loadCsvDataset', () => {
  it('streams a file and matches the in-memory parser', async () => {
    const rows = ['f1,f2,f3,label'];
    for (let i = 0; i < 5000; i++) rows.push(`${i},${i / 7},${-i},${['ant', 'bee', 'cow'][i % 3]}`);
    const text = rows.join('\n') + '\n';
    const ds = await loadCsvDataset(writeCsv('big.csv', text));
    expect(ds.count).toBe(5000);
    expect(ds.featureShape).toEqual([3]);
    expect(ds.classNames).toEqual(['ant', 'bee', 'cow']);
    expect(ds.images[3 * 4999 + 1]).toBe(Math.fround(4999 / 7));
    const inMemory = parseCsvDataset(text);
    expect(ds.images).toEqual(inMemory.images);
    expect(ds.labels).toEqual(inMemory.labels);
  });

  it('names the file in errors', async () => {
    const path = writeCsv('bad.csv', '1,2,0\n1,2,3,0\n');
    await expect(loadCsvDataset(path)).rejects.toThrow(`loadCsvDataset: file '${path}' line 2 must be 3 columns like the first row (line 1), got 4 columns`);
    await expect(loadCsvDataset(join(tmp, 'missing.csv'))).rejects.toThrow(
      `loadCsvDataset: file '${join(tmp, 'missing.csv')}' must be a readable file, got ENOENT`,
    );
  });
});

describe('hostile CSV (D3)', () => {
  it('a value that overflows float32 is an error naming line and column, not Infinity', () => {
    expect(() => parseCsvDataset('x,y,label\n1,2,0\n1,3.5e38,1\n')).toThrow(
      "parseCsvDataset: argument 'text' line 3, column 2 ('y') must be a number within float32 range (magnitude at most 3.4028234663852886e+38), got '3.5e38'",
    );
    expect(parseCsvDataset('3.4028235e38,-3.4028235e38,0\n').images[0]).toBe(3.4028234663852886e38);
  });

  it('integer labels map to dense ids, whatever their values', () => {
    const ds = parseCsvDataset('1,100000000\n2,7\n3,100000000\n4,0\n');
    expect(ds.numClasses).toBe(3);
    expect(Array.from(ds.labels)).toEqual([2, 1, 2, 0]);
    expect(ds.classNames).toEqual(['0', '7', '100000000']);
  });

  it('more distinct labels than the class limit is an error at the first one too many', () => {
    const rows = Array.from({ length: CSV_LIMITS.classes + 1 }, (_, i) => `${i},${i / 3}`);
    expect(() => parseCsvDataset(rows.join('\n'))).toThrow(
      `line ${CSV_LIMITS.classes + 1}, column 2 must be one of at most 10000 distinct labels (classes; is this the label column?), got '${CSV_LIMITS.classes / 3}', label number 10001`,
    );
  });

  it('lone CR, CRLF and LF end lines the same way in both parsers, also across chunk boundaries', async () => {
    const text = 'a,b,label\r1,2,x\r\n3,4,y\n5,6,x\r';
    const inMemory = parseCsvDataset(text);
    expect(inMemory.count).toBe(3);
    expect(Array.from(inMemory.images)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await loadCsvDataset(writeCsv('cr.csv', text))).toEqual(inMemory);
    for (let cut = 0; cut <= text.length; cut++) {
      const { CsvDatasetBuilder } = await import('../../src/data/index.js');
      const b = new CsvDatasetBuilder('chunks');
      b.addText(text.slice(0, cut));
      b.addText(text.slice(cut));
      expect(b.finish()).toEqual(inMemory);
    }
  });

  it('an endless line is refused at the line budget, from text and from a device, with bounded memory', async () => {
    const long = '1,'.repeat(CSV_LIMITS.lineLength) + '0';
    expect(() => parseCsvDataset(`x,label\n${long}\n`)).toThrow(
      `parseCsvDataset: argument 'text' line 2 must be a line of at most ${CSV_LIMITS.lineLength} characters, got a longer line`,
    );
    const before = memoryNow();
    await expect(loadCsvDataset('/dev/zero')).rejects.toThrow(
      `loadCsvDataset: file '/dev/zero' line 1 must be a line of at most ${CSV_LIMITS.lineLength} characters`,
    );
    expect(memoryNow() - before).toBeLessThan(64 * 2 ** 20);
  });

  it('a directory is not a file; unknown options are refused', async () => {
    await expect(loadCsvDataset(tmp)).rejects.toThrow(`loadCsvDataset: file '${tmp}' must be a file, got a directory`);
    expect(() => parseCsvDataset('1,0\n', { labelcolumn: 0 } as never)).toThrow(/labelcolumn/);
  });
});
