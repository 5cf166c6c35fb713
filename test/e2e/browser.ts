/** Shared e2e helpers: Chromium detection and launch, the page server, screenshots. */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { servePlayground, type PlaygroundServer } from '../../src/playground-server/serve.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = existsSync(CHROMIUM);
export const SKIP_MESSAGE = `e2e: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;

export const ROOT = fileURLToPath(new URL('../../dist/playground', import.meta.url));
export const ARTIFACTS = fileURLToPath(new URL('../../artifacts/e2e', import.meta.url));

export interface Session {
  server: PlaygroundServer;
  browser: Browser;
  context: BrowserContext;
  close(): Promise<void>;
}

/** A new page of the session whose uncaught errors and console errors are pushed to `errors` (tests expect none). */
export async function openPage(session: Session, errors: string[]): Promise<Page> {
  const page = await session.context.newPage();
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return page;
}

/** Starts the server and a headless Chromium (playwright gives every launch a fresh temporary profile). */
export async function openSession(): Promise<Session> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const server = await servePlayground({ port: 0, host: '127.0.0.1', root: ROOT });
  let browser: Browser | null;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
  } catch (e) {
    await server.close();
    throw e;
  }
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  // Offline: any request that is not to our server fails the test loudly.
  const origin = new URL(server.url).origin;
  const outside: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) return route.continue();
    outside.push(url);
    return route.abort();
  });
  const b = browser;
  return {
    server,
    browser: b,
    context,
    async close() {
      await context.close().catch(() => {});
      await b.close().catch(() => {});
      await server.close().catch(() => {});
      if (outside.length) throw new Error(`e2e: the page tried to reach the network: ${outside.join(', ')}`);
    },
  };
}

export function artifact(name: string): string {
  return join(ARTIFACTS, name);
}
