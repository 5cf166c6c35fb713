import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * DESIGN.md's layers of the code: cli/playground → train/data/io/explain → layers/optim → ops → autograd → kernels
 * → tensor; arrows only point down. A module may import its own folder, any folder of a lower row and, within one
 * row, its siblings (train ↔ io, layers ↔ optim today); never a higher row. The entry points (src/index.ts,
 * node.ts, mnist.ts) belong to the top row: only cli, demo and the playground server may import them.
 */
const ROW: Readonly<Record<string, number>> = {
  tensor: 0,
  kernels: 1,
  autograd: 2,
  ops: 3,
  sampling: 3,
  layers: 4,
  optim: 4,
  text: 4,
  train: 5,
  data: 5,
  io: 5,
  explain: 5,
  calibration: 5,
  lm: 5,
  cli: 6,
  'playground-server': 6,
  demo: 6,
};
const ENTRY_ROW = 6; // the top row, beside cli: it may import them, nothing below may
const src = fileURLToPath(new URL('../../src/', import.meta.url));

/** The folder directly under src/ a path belongs to ('' for the entry points at its root). */
function folderOf(path: string): string {
  const parts = relative(src, path).split('/');
  return parts.length > 1 ? parts[0]! : '';
}

function rowOf(folder: string): number {
  if (folder === '') return ENTRY_ROW;
  const row = ROW[folder];
  if (row === undefined) throw new Error(`layer-arrows: src/${folder}/ has no row; add it to ROW (and DESIGN.md)`);
  return row;
}

/** Relative specifiers of static imports, re-exports and dynamic import() calls. */
export function importsOf(code: string): string[] {
  return [...code.matchAll(/(?:\bfrom\s*|\bimport\s*\(?\s*)'(\.{1,2}\/[^']+)'/g)].map((m) => m[1]!);
}

/** 'file → target' for each import of `file` that points up a row. */
export function upwardImports(file: string, code: string): string[] {
  const from = folderOf(file);
  return importsOf(code)
    .filter((spec) => {
      const to = folderOf(resolve(dirname(file), spec));
      return to !== from && rowOf(to) > rowOf(from);
    })
    .map((spec) => `${relative(src, file)} → ${spec}`);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

describe('layer arrows (DESIGN.md)', () => {
  it('no module under src/ imports a higher row', () => {
    const violations = sources(src).flatMap((f) => upwardImports(f, readFileSync(f, 'utf8')));
    expect(violations).toEqual([]);
  });

  it('sees an upward import, a dynamic one and an entry point', () => {
    const file = join(src, 'ops', 'example.ts');
    const code =
      "import { x } from '../tensor/index.js';\nimport { fit } from '../train/model.js';\nconst m = await import('../io/node.js');\nexport * from '../index.js';";
    expect(upwardImports(file, code)).toEqual(['ops/example.ts → ../train/model.js', 'ops/example.ts → ../io/node.js', 'ops/example.ts → ../index.js']);
  });

  it('knows every folder of src/', () => {
    for (const f of sources(src)) expect(() => rowOf(folderOf(f))).not.toThrow();
  });
});
