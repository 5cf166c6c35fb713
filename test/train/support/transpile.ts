import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

/**
 * Compiles the TypeScript sources reachable from `entries` (relative imports followed) to plain ESM in
 * `outDir`, file by file with TypeScript's transpileModule (no type check, like vitest's own transform).
 * Lets a test spawn a real `node` child process on the current sources without `npm run build`.
 * Returns the output path of each entry.
 */
export function transpileClosure(root: string, entries: string[], outDir: string): string[] {
  const todo = entries.map((e) => resolve(root, e));
  const done = new Set<string>();
  while (todo.length) {
    const file = todo.pop()!;
    if (done.has(file)) continue;
    done.add(file);
    const source = readFileSync(file, 'utf8');
    for (const m of source.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)'(\.{1,2}\/[^']+)'/g)) {
      const spec = m[1];
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!done.has(target)) todo.push(target);
    }
    const out = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, useDefineForClassFields: true },
      fileName: file,
    }).outputText;
    const dest = join(outDir, relative(root, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(dest), { recursive: true });
    writeFileSync(dest, out);
  }
  return entries.map((e) => join(outDir, e).replace(/\.ts$/, '.js'));
}
