import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCsvDataset } from '../../src/data/index.js';
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
    expect(Array.from(ds.labels)).toEqual([0, 2]);
    expect(ds.numClasses).toBe(3);
    expect(ds.classNames).toBeUndefined();
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
    ['an empty label', '1,2,0\n1,2,\n', "line 2, column 3 must be a label, got an empty cell"],
    ['an unclosed quote', '1,2,0\n1,"2,1\n', "line 2 must be a closed quoted field, got a quote still open at the end of the line"],
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
    await expect(loadCsvDataset(join(tmp, 'missing.csv'))).rejects.toThrow(`loadCsvDataset: file '${join(tmp, 'missing.csv')}' must be a readable file, got ENOENT`);
  });
});
