import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = fileURLToPath(new URL('..', import.meta.url));
const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/**
 * The MNIST file keeps its name (assets/mnist-10k.idx.gz), one file for the page and its worker: the npm package
 * leaves this copy out and `logitkit playground` serves the package's assets/ file at that path (one copy shipped).
 */
const assetFileNames = (asset: { names?: string[] }) =>
  asset.names?.includes('mnist-10k.idx.gz') ? 'assets/[name][extname]' : 'assets/[name]-[hash][extname]';

/**
 * The playground page: a static site in dist/playground (relative URLs, so any static server works), which
 * bundles logitkit straight from ../src and ships the embedded MNIST file as a static asset. No CDN, no network.
 */
export default defineConfig({
  root: here,
  base: './',
  publicDir: false,
  clearScreen: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/playground', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // The 1.6 MB MNIST file must stay a file, never an inline data: URL.
    assetsInlineLimit: 0,
    // No source maps: they were 1.7 MB of the package; `vite` (dev server) serves the sources while developing.
    sourcemap: false,
    chunkSizeWarningLimit: 2000,
    rollupOptions: { output: { assetFileNames } },
  },
  worker: {
    format: 'es',
    rollupOptions: { output: { assetFileNames } },
  },
  // Cross-origin isolation (shared memory for the kernels' worker threads), as `logitkit playground` serves it.
  server: {
    host: '127.0.0.1',
    fs: { allow: [repo] },
    headers: ISOLATION,
  },
  preview: {
    host: '127.0.0.1',
    headers: ISOLATION,
  },
});
