#!/usr/bin/env node
// Builds the native kernel module (src/kernels/native/cc/, N-API, C++) with node-gyp for the machine it runs on: from `npm run build`
// in this repository, and as the package's install script where logitkit is installed as a dependency.
// The native set is an accelerator for Node: where it cannot be built (no C++ compiler, no Node headers) the
// library runs the WebAssembly kernels, so a failed build prints why and exits 0, unless
// LOGITKIT_REQUIRE_NATIVE=1 (CI), where it fails. The module lands in src/kernels/native/cc/build/Release/logitkit.node
// (where src/kernels/native/addon.ts looks, from src/ and from dist/).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const required = process.env.LOGITKIT_REQUIRE_NATIVE === '1';
const require = createRequire(import.meta.url);

/** What a build depends on besides its sources: this Node and this CPU. */
function stampText() {
  let flags = '';
  try {
    flags = /^flags\s*:(.*)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? '';
  } catch {
    // not Linux: the model name below stands in
  }
  return `${process.version}\n${cpus()[0]?.model ?? ''}\n${flags}\n`;
}

// Up to date: the module is newer than every source (and was built by this Node: the ABI is in the stamp's name).
const gypDir = join(root, 'src', 'kernels', 'native', 'cc');
const buildDir = join(gypDir, 'build');
const moduleFile = join(buildDir, 'Release', 'logitkit.node');
const sources = readdirSync(gypDir)
  .filter((f) => f !== 'build')
  .map((f) => join(gypDir, f));
if (existsSync(moduleFile) && process.env.LOGITKIT_REBUILD_NATIVE !== '1') {
  const built = statSync(moduleFile).mtimeMs;
  // The stamp names the Node ABI and holds the CPU it was built on (-march=native): another CPU rebuilds.
  const stamp = join(buildDir, `node-abi-${process.versions.modules}`);
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === stampText() && sources.every((f) => statSync(f).mtimeMs < built)) {
    console.log('native kernels: src/kernels/native/cc/build/Release/logitkit.node is up to date');
    process.exit(0);
  }
}

// Node's own headers, where the Node installation ships them (e.g. /usr/include/node), so no download is needed.
const args = ['rebuild', '--directory', gypDir, '--jobs', 'max'];
const prefix = dirname(dirname(process.execPath));
if (existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);

// node-gyp from devDependencies in this repository; when logitkit is installed as a dependency, the copy npm
// bundles (npm passes its path to install scripts).
let gyp;
try {
  gyp = require.resolve('node-gyp/bin/node-gyp.js');
} catch {
  gyp = process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp) ? process.env.npm_config_node_gyp : null;
}
const result = gyp
  ? spawnSync(process.execPath, [gyp, ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
  : { status: 1, stdout: '', stderr: 'node-gyp is not installed' };
if (result.status === 0) {
  writeFileSync(join(buildDir, `node-abi-${process.versions.modules}`), stampText());
  console.log('native kernels: built src/kernels/native/cc/build/Release/logitkit.node');
} else {
  // No stale module may stay behind to be loaded: what the message says is what runs.
  rmSync(buildDir, { recursive: true, force: true });
  const output = `${result.stdout ?? ''}\n${result.stderr ?? ''}\n${result.error ?? ''}`.split('\n');
  const compiler = output.filter((line) => /error|fatal/i.test(line) && !line.startsWith('gyp ')).slice(0, 8);
  const why = (compiler.length > 0 ? compiler : output.filter((l) => l.trim()).slice(-8)).join('\n');
  console.warn(`native kernels: not built, the WebAssembly kernels will run instead.\n${why}`);
  if (required) process.exit(1);
}
