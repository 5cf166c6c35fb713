/**
 * A small static file server for the built playground (dist/playground), bound to 127.0.0.1 only.
 * Node-only: the CLI (`logitkit playground`) uses it; the page itself never imports it.
 *
 * Safety: only GET and HEAD; paths are decoded, normalized and resolved inside `root` (also after following
 * symlinks), so `..`, encoded `%2e%2e`, backslashes and NUL bytes cannot reach other files; the Host header must
 * name the loopback address (a guard against DNS rebinding); every response says `nosniff`.
 */
import { createReadStream, existsSync } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ServePlaygroundOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Only '127.0.0.1' is accepted: the playground is never served beyond this machine. */
  host?: '127.0.0.1';
  /** The directory holding the built page (index.html, assets/). Default: defaultPlaygroundRoot(). */
  root?: string;
}

export interface PlaygroundServer {
  /** e.g. http://127.0.0.1:5173/ */
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Content types by extension; anything else is served as application/octet-stream. */
export const MIME_TYPES: Readonly<Record<string, string>> = Object.freeze({
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.wasm': 'application/wasm',
  // Served as the gzip file it is (no Content-Encoding): the page gunzips it with DecompressionStream.
  '.gz': 'application/gzip',
  '.woff2': 'font/woff2',
});

/**
 * Where the built page lives: dist/playground next to this module's dist/playground-server. When running from
 * src/ (tests, tsx), falls back to <package root>/dist/playground.
 */
export function defaultPlaygroundRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const sibling = resolve(here, '..', 'playground');
  if (existsSync(join(sibling, 'index.html'))) return sibling;
  return resolve(here, '..', '..', 'dist', 'playground');
}

/**
 * The page fetches the embedded MNIST digits at this path (Vite emits them unhashed, see playground/vite.config.ts).
 * The npm package leaves that copy out of dist/playground and ships the file once, in assets/ (logitkit/mnist's
 * file), so when root lacks it the server answers with the package's copy.
 */
export const PLAYGROUND_MNIST_PATH = '/assets/mnist-10k.idx.gz';
const PACKAGE_MNIST_FILE = fileURLToPath(new URL('../../assets/mnist-10k.idx.gz', import.meta.url));

function serverError(message: string): Error {
  return new Error(`servePlayground: ${message}`);
}

/** Starts the server; resolves once it listens. */
export async function servePlayground(options: ServePlaygroundOptions = {}): Promise<PlaygroundServer> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1') {
    throw new RangeError(`servePlayground: argument 'host' must be '127.0.0.1' (the playground is local only), got ${JSON.stringify(host)}`);
  }
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`servePlayground: argument 'port' must be an integer in [0, 65535], got ${String(port)}`);
  }
  const rootPath = resolve(options.root ?? defaultPlaygroundRoot());
  let root: string;
  try {
    root = await realpath(rootPath);
    if (!(await stat(root)).isDirectory()) throw new Error('not a directory');
  } catch {
    throw serverError(`root '${rootPath}' is not a directory (build the page first: npm run build:playground)`);
  }
  if (!existsSync(join(root, 'index.html'))) {
    throw serverError(`root '${root}' has no index.html (build the page first: npm run build:playground)`);
  }

  const server = createServer((req, res) => {
    handle(root, req, res, actualPort).catch(() => {
      if (!res.headersSent) send(res, 500, 'Internal Server Error');
      else res.destroy();
    });
  });
  let actualPort = port;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok();
    });
  });
  actualPort = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${actualPort}/`,
    port: actualPort,
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'X-Content-Type-Options': 'nosniff',
    ...extra,
  });
  res.end(text);
}

/** True when the Host header names this server on the loopback address (or is absent, as with HTTP/1.0). */
function hostAllowed(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return true;
  const h = hostHeader.toLowerCase();
  return h === `127.0.0.1:${port}` || h === `localhost:${port}` || h === '127.0.0.1' || h === 'localhost';
}

/** Maps a request path to a file inside root, or null when it would leave root or is malformed. */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const target = resolve(root, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded));
  const rel = relative(root, target);
  if (rel === '') return target;
  if (rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return target;
}

async function handle(root: string, req: IncomingMessage, res: ServerResponse, port: number): Promise<void> {
  if (!hostAllowed(req.headers.host, port)) return send(res, 403, 'Forbidden: unexpected Host header');
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'Method Not Allowed', { Allow: 'GET, HEAD' });
  const rawPath = (req.url ?? '/').split('?')[0].split('#')[0];
  if (!rawPath.startsWith('/')) return send(res, 400, 'Bad Request');
  let file = resolveInside(root, rawPath);
  if (file === null) return send(res, 403, 'Forbidden');
  let info;
  try {
    info = await stat(file);
    if (info.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file);
    }
    // Follow symlinks and check again that the real file is inside root.
    const real = await realpath(file);
    const rel = relative(root, real);
    if (rel.startsWith('..') || isAbsolute(rel)) return send(res, 403, 'Forbidden');
  } catch {
    // The one file served from outside root: the package's MNIST digits, which an installed package ships once.
    if (rawPath !== PLAYGROUND_MNIST_PATH) return send(res, 404, 'Not Found');
    file = PACKAGE_MNIST_FILE;
    info = await stat(file).catch(() => null);
    if (info === null) return send(res, 404, 'Not Found');
  }
  if (!info.isFile()) return send(res, 404, 'Not Found');
  const type = MIME_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  res.writeHead(200, {
    'Content-Type': type,
    'Content-Length': info.size,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    'Cross-Origin-Resource-Policy': 'same-origin',
    // Cross-origin isolation: the page may share memory with its workers (the kernels' worker threads).
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Embedder-Policy': 'require-corp',
    'Referrer-Policy': 'no-referrer',
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(file);
    stream.on('error', fail);
    res.on('close', () => {
      stream.destroy();
      ok();
    });
    stream.pipe(res);
  });
}
