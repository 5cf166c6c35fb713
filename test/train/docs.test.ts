import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Every ```ts block of docs/training.md runs against the library as written (```js blocks are illustrations).
const doc = readFileSync(resolve(__dirname, '../../docs/training.md'), 'utf8');
const blocks = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const entry = pathToFileURL(resolve(__dirname, '../../src/index.ts')).href;
const nodeEntry = pathToFileURL(resolve(__dirname, '../../src/node.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'logitkit-training-doc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('docs/training.md snippets', () => {
  it('has snippets', () => expect(blocks.length).toBeGreaterThan(0));
  blocks.forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      const source = code.replaceAll("from 'logitkit/node'", `from '${nodeEntry}'`).replaceAll("from 'logitkit'", `from '${entry}'`).replaceAll('console.log(', 'void (');
      const file = join(dir, `snippet-${i + 1}.ts`);
      writeFileSync(file, `${source}\nexport const ran = true;\n`);
      const mod = await import(/* @vite-ignore */ file);
      expect(mod.ran).toBe(true);
    });
  });
});
