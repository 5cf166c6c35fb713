import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// Every ```ts block of the README is a runnable snippet: it must run against the library as written.
const readme = readFileSync(resolve(__dirname, '../README.md'), 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
const entry = pathToFileURL(resolve(__dirname, '../src/index.ts')).href;
const nodeEntry = pathToFileURL(resolve(__dirname, '../src/node.ts')).href;
const dir = mkdtempSync(join(tmpdir(), 'logitkit-readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('README snippets', () => {
  it('has snippets', () => {
    expect(blocks.length).toBeGreaterThan(0);
  });
  blocks.forEach((code, i) => {
    it(`snippet ${i + 1} runs`, async () => {
      const source = code.replaceAll("from 'logitkit/node'", `from '${nodeEntry}'`).replaceAll("from 'logitkit'", `from '${entry}'`);
      const file = join(dir, `snippet-${i + 1}.ts`);
      writeFileSync(file, `${source}\nexport const ran = true;\n`);
      const mod = await import(/* @vite-ignore */ file);
      expect(mod.ran).toBe(true);
    });
  });
});
