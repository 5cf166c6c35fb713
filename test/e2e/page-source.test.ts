/**
 * The page is browser code: no Node built-ins, no Node-only entry (src/node.ts, src/data/node.ts, src/io/node.ts),
 * no network URLs. Static checks of playground/src and of the built bundle; no browser needed.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../playground/src', import.meta.url));
const DIST = fileURLToPath(new URL('../../dist/playground', import.meta.url));

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p, ext) : ext.test(name) ? [p] : [];
  });
}

describe('playground sources', () => {
  it('import no Node built-ins and no Node-only library entry', () => {
    for (const file of files(SRC, /\.ts$/)) {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/(?:from|import)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
      for (const spec of imports) {
        expect(spec, file).not.toMatch(/^node:/);
        expect(spec, file).not.toMatch(/(^|\/)(node)(\.js)?$/);
        expect(spec, file).not.toMatch(/^(fs|path|os|crypto|http|zlib|url|child_process)$/);
      }
    }
  });

  it('the built page loads nothing from the network', () => {
    const built = files(DIST, /\.(html|js|css)$/);
    expect(built.length).toBeGreaterThan(2);
    for (const file of built) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/(src|href)\s*=\s*["']https?:\/\//);
      expect(text, file).not.toMatch(/@import\s+url\(\s*["']?https?:/);
    }
  });
});
