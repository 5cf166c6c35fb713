import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadTextDirectory, loadTextTable } from '../../src/data/load-text.js';
import { parseTextTable } from '../../src/data/text-table.js';
const tables = JSON.parse(readFileSync(new URL('./fixtures/text-tables.json', import.meta.url), 'utf8')) as Record<string, Case>;

type Case = { text: string; delimiter: string; rows: string[][] };

describe('parseTextTable: CSV and TSV as Python’s csv module reads them', () => {
  it.each(Object.entries(tables as Record<string, Case>))('%s', (_, { text, delimiter, rows }) => {
    const [header, ...records] = rows;
    const textAt = header!.indexOf('text');
    const labelAt = header!.indexOf('label');
    const ds = parseTextTable(text, { format: delimiter === '\t' ? 'tsv' : 'csv' });
    expect(ds.texts).toEqual(records.map((r) => r[textAt]));
    const names = records.map((r) => r[labelAt]!.trim());
    expect(ds.classNames).toEqual([...new Set(names)].sort());
    expect(Array.from(ds.labels).map((id) => ds.classNames![id])).toEqual(names);
    expect(ds.count).toBe(records.length);
  });
});

describe('parseTextTable', () => {
  it('reads JSON Lines with string or integer labels, and columns by index without a header', () => {
    const ds = parseTextTable('{"text":"a","label":1}\n\n{"text":"b","label":0,"x":null}\r\n', { format: 'jsonl' });
    expect(ds.texts).toEqual(['a', 'b']);
    expect(Array.from(ds.labels)).toEqual([1, 0]);
    expect(ds.classNames).toBeUndefined();
    const byIndex = parseTextTable('pos,great film\nneg,"dull, long"\n', { header: false, textColumn: 1, labelColumn: 0 });
    expect(byIndex.texts).toEqual(['great film', 'dull, long']);
    expect(byIndex.classNames).toEqual(['neg', 'pos']);
    expect(Array.from(byIndex.labels)).toEqual([1, 0]);
  });

  it('keeps a training file’s class ids with classNames', () => {
    const ds = parseTextTable('text,label\nx,b\n', { classNames: ['a', 'b'] });
    expect(Array.from(ds.labels)).toEqual([1]);
    expect(ds.numClasses).toBe(2);
    expect(() => parseTextTable('text,label\nx,c\n', { classNames: ['a', 'b'] })).toThrow(/line 2, column 2 \('label'\).*one of the classNames 'a', 'b'.*'c'/);
  });

  it('names the line and the column of bad records', () => {
    expect(() => parseTextTable('text,label\n"open,a\nb,c\n')).toThrow(
      /parseTextTable: argument 'text' line 2 must be a closed quoted field, got a quote opened on line 2/,
    );
    expect(() => parseTextTable('text,label\n"a"x,b\n')).toThrow(/line 2 must be a delimiter or a line end right after a closing quote/);
    expect(() => parseTextTable('text,label\na,b\n"multi\nline",b,extra\n')).toThrow(/line 3 must be 2 fields, as the header has, got 3/);
    expect(() => parseTextTable('text,label\na,\n')).toThrow(/line 2, column 2 \('label'\) must be a label, got an empty cell/);
    expect(() => parseTextTable('body,label\na,b\n')).toThrow(
      /line 1 \(header\) must be a column named 'text' \(option 'textColumn'\), got columns 'body', 'label'/,
    );
    expect(() => parseTextTable('{"text":"a","label":"x"}\n{"text":"a",\n', { format: 'jsonl' })).toThrow(/line 2 must be a JSON object, got invalid JSON/);
    expect(() => parseTextTable('{"text":3,"label":"x"}\n', { format: 'jsonl' })).toThrow(/line 1, key 'text' must be a string, got 3/);
    expect(() => parseTextTable('{"text":"a","label":-1}\n', { format: 'jsonl' })).toThrow(/key 'label' must be a label/);
    expect(() => parseTextTable('text,label\n')).toThrow(/at least one labelled text/);
    expect(() => parseTextTable('a', { format: 'xml' as 'csv' })).toThrow(/options\.format/);
    expect(() => parseTextTable('a', { delimiter: ';' } as never)).toThrow(/unknown option 'delimiter'/);
    expect(() => parseTextTable('text,label\na,b\n', { textColumn: 'label' })).toThrow(/two different columns/);
  });
});

describe('loadTextTable and loadTextDirectory (Node)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'logitkit-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('infers the format from the extension and refuses invalid UTF-8 by file name', async () => {
    writeFileSync(join(dir, 'a.tsv'), '\ufefftext\tlabel\nhello\tx\n');
    expect((await loadTextTable(join(dir, 'a.tsv'))).texts).toEqual(['hello']);
    writeFileSync(join(dir, 'b.jsonl'), Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d, 0x0a]));
    await expect(loadTextTable(join(dir, 'b.jsonl'))).rejects.toThrow(/loadTextTable: file '.*b\.jsonl' must be UTF-8 text/);
    await expect(loadTextTable(join(dir, 'c.txt'))).rejects.toThrow(/option 'format'/);
  });

  it('reads one folder per class, classes and files in sorted order, hidden entries skipped', async () => {
    const root = join(dir, 'corpus');
    for (const [cls, files] of Object.entries({
      spam: { '2.txt': 'win money', '1.txt': 'cheap pills' },
      ham: { 'a.txt': 'lunch?', '.hidden.txt': 'x', 'b.md': 'skip' },
    })) {
      mkdirSync(join(root, cls), { recursive: true });
      for (const [name, body] of Object.entries(files)) writeFileSync(join(root, cls, name), body);
    }
    mkdirSync(join(root, '.git'));
    const ds = await loadTextDirectory(root);
    expect(ds.classNames).toEqual(['ham', 'spam']);
    expect(ds.texts).toEqual(['lunch?', 'cheap pills', 'win money']);
    expect(Array.from(ds.labels)).toEqual([0, 1, 1]);
    const reordered = await loadTextDirectory(root, { classNames: ['spam', 'ham'] });
    expect(Array.from(reordered.labels)).toEqual([1, 0, 0]);
    await expect(loadTextDirectory(root, { classNames: ['spam'] })).rejects.toThrow(/folder '.*ham' must be one of the classNames 'spam'/);
    await expect(loadTextDirectory(join(dir, 'missing'))).rejects.toThrow(/loadTextDirectory: folder '.*missing' must be a readable folder/);
  });
});
