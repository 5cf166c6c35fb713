/**
 * Builds the playground once before the e2e files run (set E2E_SKIP_BUILD=1 to reuse dist/playground).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

export default async function setup(): Promise<void> {
  const out = fileURLToPath(new URL('../../dist/playground/index.html', import.meta.url));
  if (process.env.E2E_SKIP_BUILD === '1' && existsSync(out)) return;
  await build({ configFile: fileURLToPath(new URL('../../playground/vite.config.ts', import.meta.url)), logLevel: 'warn' });
}
