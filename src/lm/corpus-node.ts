import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { dataError } from '../data/errors.js';
import { readUtf8File } from '../data/node-files.js';
import { parseFortunes } from './corpus.js';

/** Every size a corpus read is checked against, before and while reading. */
export const CORPUS_LIMITS = Object.freeze({ fileBytes: 64 * 1024 * 1024, totalBytes: 256 * 1024 * 1024, files: 10_000 });

export interface Corpus {
  /** The texts, file by file in the order given (a directory's files by name). */
  texts: string[];
  /** The files read and how many texts each gave. */
  files: Array<{ path: string; texts: number; bytes: number }>;
}

/** A directory's corpus files: regular files, not hidden, not fortune indexes (.dat) or their UTF-8 links (.u8). */
async function filesOf(dir: string): Promise<string[]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => !e.name.startsWith('.') && !e.name.endsWith('.dat') && !e.name.endsWith('.u8'))
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => e.name)
    .sort();
  const files: string[] = [];
  for (const n of names) if ((await stat(join(dir, n))).isFile()) files.push(join(dir, n));
  return files;
}

/**
 * Reads texts from files in the fortune format (a line holding only '%' ends each text; a file without one is a
 * single text) or from directories of them (not recursive: Debian's offensive fortunes in `off/` are left out).
 * Each file is read within `CORPUS_LIMITS.fileBytes` (pipes and devices as bounded streams) and all of them
 * within `totalBytes`; bytes must be UTF-8. Errors name the file.
 */
export async function readCorpus(paths: readonly string[], op = 'readCorpus'): Promise<Corpus> {
  if (!Array.isArray(paths) || paths.length === 0 || paths.some((p) => typeof p !== 'string' || p === '')) {
    throw dataError(op, 'the corpus', 'one or more file or directory paths', JSON.stringify(paths));
  }
  const files: string[] = [];
  for (const p of paths) {
    let info;
    try {
      info = await stat(p);
    } catch (e) {
      throw dataError(op, `corpus path '${p}'`, 'an existing file or directory', (e as NodeJS.ErrnoException).code ?? String(e));
    }
    if (info.isDirectory()) {
      const inside = await filesOf(p);
      if (inside.length === 0) throw dataError(op, `corpus directory '${p}'`, 'a directory holding text files', 'no files (.dat and .u8 files are skipped)');
      files.push(...inside);
    } else files.push(p);
    if (files.length > CORPUS_LIMITS.files) throw dataError(op, 'the corpus', `at most ${CORPUS_LIMITS.files} files`, `more (${files.length})`);
  }
  const corpus: Corpus = { texts: [], files: [] };
  let total = 0;
  for (const path of files) {
    const source = `corpus file '${path}'`;
    const budget = Math.min(CORPUS_LIMITS.fileBytes, CORPUS_LIMITS.totalBytes - total);
    const { text, bytes } = await readUtf8File(path, budget, (expected, actual) =>
      dataError(op, source, `${expected}${budget < CORPUS_LIMITS.fileBytes ? ` (the corpus budget is ${CORPUS_LIMITS.totalBytes} bytes in all)` : ''}`, actual),
    );
    total += bytes;
    const texts = parseFortunes(text.replace(/^\uFEFF/, ''));
    corpus.texts.push(...texts);
    corpus.files.push({ path, texts: texts.length, bytes });
  }
  if (corpus.texts.length === 0) throw dataError(op, 'the corpus', 'at least one non-empty text', `${files.length} empty files`);
  return corpus;
}
