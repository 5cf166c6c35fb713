import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Every ```ts block of the README and the docs below is a runnable snippet: it must run against the library as
 * written (imports of 'logitkit' and 'logitkit/node' point at the sources). ```js and ```sh blocks are illustrations.
 */
const DOCS = [
  'README.md',
  'docs/training.md',
  'docs/explain.md',
  'docs/calibration.md',
  'docs/contrastive.md',
  'docs/images.md',
  'docs/text.md',
  'docs/sampling.md',
  'docs/language-models.md',
];
const entry = pathToFileURL(resolve(__dirname, '../src/index.ts')).href;
const nodeEntry = pathToFileURL(resolve(__dirname, '../src/node.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'logitkit-snippets-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

for (const doc of DOCS) {
  const text = readFileSync(resolve(__dirname, '..', doc), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
  describe(`${doc} snippets`, () => {
    it('has snippets', () => expect(blocks.length).toBeGreaterThan(0));
    blocks.forEach((code, i) => {
      it(`snippet ${i + 1} runs`, async () => {
        const source = code
          .replaceAll("from 'logitkit/node'", `from '${nodeEntry}'`)
          .replaceAll("from 'logitkit'", `from '${entry}'`)
          .replaceAll('console.log(', 'void (');
        const file = join(dir, `${doc.replace(/\W/g, '_')}-${i + 1}.ts`);
        writeFileSync(file, `${source}\nexport const ran = true;\n`);
        const mod = await import(/* @vite-ignore */ file);
        expect(mod.ran).toBe(true);
      });
    });
  });
}
