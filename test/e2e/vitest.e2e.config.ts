import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Browser end-to-end tests of the playground (npm run test:e2e): builds the page, serves it with
 * servePlayground on a free 127.0.0.1 port and drives Debian's Chromium with playwright-core.
 * Not part of `npm test` (the default config excludes test/e2e/**).
 */
export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  test: {
    include: ['test/e2e/**/*.test.ts'],
    globalSetup: ['test/e2e/global-setup.ts'],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // One browser at a time: the machine has 2 cores.
    fileParallelism: false,
    maxWorkers: 1,
  },
});
