import { readdir } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { checkOptions } from '../tensor/options.js';
import { ClassLabels } from './class-labels.js';
import { dataError, dataTypeError, fileSource } from './errors.js';
import { readUtf8File } from './node-files.js';
import { parseTextTable, TEXT_LIMITS, type TextDataset, type TextTableFormat, type TextTableOptions } from './text-table.js';

const EXTENSION_FORMATS: Readonly<Record<string, TextTableFormat>> = { '.csv': 'csv', '.tsv': 'tsv', '.jsonl': 'jsonl', '.ndjson': 'jsonl' };

/** A file's UTF-8 text; errors (too big, unreadable, not UTF-8) name the file. */
function readUtf8(op: string, path: string, maxBytes: number): Promise<{ text: string; bytes: number }> {
  const source = fileSource(path);
  return readUtf8File(path, maxBytes, (expected, actual) => dataError(op, source, expected, actual));
}

/**
 * Reads a table of labelled texts (Node): CSV, TSV or JSON Lines, the format from `options.format` or else the file's
 * extension (.csv, .tsv, .jsonl, .ndjson). At most TEXT_LIMITS.fileBytes are read.
 */
export async function loadTextTable(path: string, options: TextTableOptions = {}): Promise<TextDataset> {
  const op = 'loadTextTable';
  checkOptions(op, options, ['format', 'textColumn', 'labelColumn', 'header', 'classNames']);
  const format = options.format ?? EXTENSION_FORMATS[extname(path).toLowerCase()];
  if (format === undefined) throw dataError(op, "option 'format'", `'csv', 'tsv' or 'jsonl' (the file's extension '${extname(path)}' does not say)`, 'none');
  const { text } = await readUtf8(op, path, TEXT_LIMITS.fileBytes);
  return parseTextTable(text, { ...options, format }, fileSource(path));
}

export interface TextDirectoryOptions {
  /** Fixes the class order (the folder names, in the training set's order). Default: the folders, sorted. */
  classNames?: string[];
  /** File extensions to read (default ['.txt']); others are skipped. */
  extensions?: string[];
}

/**
 * Reads a folder-per-class layout, as Keras's `text_dataset_from_directory` does: each sub-folder of `dir` is a class
 * (classes in sorted name order, Keras's alphanumeric order), each file in it (with a listed extension) one text.
 * Files are read in sorted order; files and folders starting with '.' are skipped. All files together must fit
 * TEXT_LIMITS.fileBytes.
 */
export async function loadTextDirectory(dir: string, options: TextDirectoryOptions = {}): Promise<TextDataset> {
  const op = 'loadTextDirectory';
  const o = checkOptions(op, options, ['classNames', 'extensions']);
  const extensions = o.extensions ?? ['.txt'];
  if (!Array.isArray(extensions) || extensions.length === 0 || extensions.some((e) => typeof e !== 'string' || !e.startsWith('.')))
    throw dataTypeError(op, "option 'extensions'", "a non-empty list of extensions such as '.txt'", extensions);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    throw dataError(op, `folder '${dir}'`, 'a readable folder', (e as Error).message);
  }
  const folders = entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name);
  folders.sort();
  const classNames = o.classNames ?? folders;
  const labels = new ClassLabels(op, classNames);
  if (folders.length === 0) throw dataError(op, `folder '${dir}'`, 'one sub-folder per class', 'no sub-folders');
  const texts: string[] = [];
  const ids: number[] = [];
  let budget = TEXT_LIMITS.fileBytes;
  for (const folder of folders) {
    const id = labels.id(folder, `folder '${join(dir, folder)}'`);
    const files = (await readdir(join(dir, folder), { withFileTypes: true }))
      .filter((e) => e.isFile() && !e.name.startsWith('.') && extensions.includes(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    for (const file of files) {
      if (texts.length >= TEXT_LIMITS.records) throw dataError(op, `folder '${dir}'`, `at most ${TEXT_LIMITS.records} files`, 'more');
      const { text, bytes } = await readUtf8(op, join(dir, folder, file), budget);
      budget -= bytes;
      texts.push(text);
      ids.push(id);
    }
  }
  if (texts.length === 0) throw dataError(op, `folder '${dir}'`, `files with the extensions ${extensions.join(', ')} in its class folders`, 'none');
  const labelIds = Int32Array.from(ids);
  return { texts, labels: labelIds, count: texts.length, ...labels.finish(labelIds), classNames: classNames.slice() };
}
