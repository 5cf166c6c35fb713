/**
 * servePlayground: MIME types, index.html for directories, no directory traversal, loopback only.
 * Needs no browser; runs with the e2e suite because it owns the built page's server.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { PLAYGROUND_MNIST_PATH, resolveInside, servePlayground, type PlaygroundServer } from '../../src/playground-server/serve.js';

let dir: string;
let root: string;
let server: PlaygroundServer;

/** A raw GET (fetch would normalize `..` and refuse custom Host headers). */
function get(
  path: string,
  options: { method?: string; host?: string } = {},
): Promise<{ status: number; type: string; body: string; headers: Record<string, unknown> }> {
  const { port } = server;
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { host: options.host ?? `127.0.0.1:${port}` } }, (res) => {
      let body = '';
      res.setEncoding('latin1');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), body, headers: res.headers }));
    });
    req.on('error', fail);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'logitkit-serve-'));
  root = join(dir, 'site');
  mkdirSync(join(root, 'assets'), { recursive: true });
  mkdirSync(join(root, 'sub'));
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>ok</title>');
  writeFileSync(join(root, 'sub', 'index.html'), 'sub index');
  writeFileSync(join(root, 'assets', 'app.js'), 'export {}');
  writeFileSync(join(root, 'assets', 'style.css'), 'body{}');
  writeFileSync(join(root, 'assets', 'data.idx.gz'), Buffer.from([0x1f, 0x8b, 8, 0]));
  writeFileSync(join(root, 'assets', 'k.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(join(root, 'assets', 'a b.txt'), 'spaced');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  server = await servePlayground({ port: 0, host: '127.0.0.1', root });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('servePlayground', () => {
  it("serves the package's MNIST file at the page's path when the built page lacks it (the npm package ships it once)", async () => {
    const r = await get(PLAYGROUND_MNIST_PATH);
    expect(r.status).toBe(200);
    expect(r.type).toBe('application/gzip');
    expect(Buffer.from(r.body, 'latin1').equals(readFileSync(new URL('../../assets/mnist-10k.idx.gz', import.meta.url)))).toBe(true);
    expect((await get('/assets/mnist-10k.idx')).status).toBe(404);
  });

  it('listens on 127.0.0.1 and serves index.html at /', async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const r = await get('/');
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/html; charset=utf-8');
    expect(r.body).toContain('<title>ok</title>');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(r.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect((await get('/sub/')).body).toBe('sub index');
    expect((await get('/index.html?x=1#y')).status).toBe(200);
  });

  it('sends the right MIME types', async () => {
    expect((await get('/assets/app.js')).type).toBe('text/javascript; charset=utf-8');
    expect((await get('/assets/style.css')).type).toBe('text/css; charset=utf-8');
    expect((await get('/assets/k.wasm')).type).toBe('application/wasm');
    const gz = await get('/assets/data.idx.gz');
    expect(gz.type).toBe('application/gzip');
    expect(gz.headers['content-encoding']).toBeUndefined();
    expect((await get('/assets/a%20b.txt')).body).toBe('spaced');
  });

  it('answers HEAD without a body and refuses other methods', async () => {
    const head = await get('/assets/app.js', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe('9');
    const post = await get('/', { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('never leaves the root', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00',
      '/link.txt',
      '/%zz',
    ]) {
      const r = await get(path);
      expect([400, 403, 404], path).toContain(r.status);
      expect(r.body, path).not.toContain('secret');
    }
    expect((await get('/missing.js')).status).toBe(404);
    expect(resolveInside(root, '/../x')).toBeNull();
    expect(resolveInside(root, '/assets/app.js')).toBe(join(root, 'assets', 'app.js'));
  });

  it('refuses foreign Host headers (DNS rebinding) and any host but 127.0.0.1', async () => {
    expect((await get('/', { host: 'evil.example:80' })).status).toBe(403);
    expect((await get('/', { host: `localhost:${server.port}` })).status).toBe(200);
    await expect(servePlayground({ host: '0.0.0.0' as '127.0.0.1', root })).rejects.toThrow(/127\.0\.0\.1/);
    await expect(servePlayground({ port: -1, root })).rejects.toThrow(RangeError);
    await expect(servePlayground({ root: join(dir, 'nope') })).rejects.toThrow(/build the page first/);
  });
});
