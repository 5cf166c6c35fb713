#!/usr/bin/env node
/**
 * Measures what logitkit costs a browser bundle: Vite (production build, es2022, minified) of scripts/size/tiny.ts
 * (only nn.softmax), scripts/size/full.ts (the whole universal API) and scripts/size/mnist.ts (the embedded digits
 * through logitkit/mnist), with `logitkit` and `logitkit/mnist` resolved to src/index.ts and src/mnist.ts. Prints bytes and gzipped bytes of the JavaScript and lists every emitted asset.
 * The README's sizes come from `npm run size`; test/packaging/bundle.test.ts uses bundleEntry().
 */
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
export const ENTRIES = { tiny: 'scripts/size/tiny.ts', full: 'scripts/size/full.ts', mnist: 'scripts/size/mnist.ts' };

/** Builds one entry in memory; returns its chunks (JavaScript) and assets (every other emitted file). */
export async function bundleEntry(name) {
  const output = await build({
    root,
    configFile: false,
    logLevel: 'silent',
    resolve: {
      alias: [
        { find: /^logitkit$/, replacement: `${root}src/index.ts` },
        { find: /^logitkit\/mnist$/, replacement: `${root}src/mnist.ts` },
      ],
    },
    build: {
      write: false,
      target: 'es2022',
      assetsInlineLimit: 0,
      reportCompressedSize: false,
      rollupOptions: { input: { [name]: `${root}${ENTRIES[name]}` } },
    },
  });
  const files = (Array.isArray(output) ? output : [output]).flatMap((o) => o.output);
  const bytes = (f) => (f.type === 'chunk' ? Buffer.from(f.code) : Buffer.from(f.source));
  return {
    chunks: files.filter((f) => f.type === 'chunk').map((f) => ({ fileName: f.fileName, bytes: bytes(f) })),
    assets: files.filter((f) => f.type === 'asset').map((f) => ({ fileName: f.fileName, bytes: bytes(f) })),
  };
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KiB`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const name of Object.keys(ENTRIES)) {
    const { chunks, assets } = await bundleEntry(name);
    const js = Buffer.concat(chunks.map((c) => c.bytes));
    const assetBytes = assets.reduce((s, a) => s + a.bytes.length, 0);
    console.log(`${name}: JavaScript ${kb(js.length)} (${kb(gzipSync(js).length)} gzipped) in ${chunks.length} chunk(s); assets ${kb(assetBytes)}`);
    for (const a of assets) console.log(`  asset ${a.fileName} ${kb(a.bytes.length)}`);
  }
}
