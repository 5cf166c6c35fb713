// Runs the kernel spec suite (test/kernels) on builds of the native module for older instruction sets than this
// machine's: AVX-512 without VBMI2 (skylake-avx512), AVX2 + FMA (haswell: AMD Zen, Intel before AVX-512) and SSE4.2
// without FMA (x86-64-v2). The default build is -march=native, so on this machine these code paths (other register
// tiles, generic packing and zero tests) would otherwise never run. Each build goes to a temporary directory; the
// library loads it through LOGITKIT_NATIVE_MODULE. Skips (exit 0) on machines that are not x86-64.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const sources = join(root, 'src', 'kernels', 'native', 'cc');
const require = createRequire(import.meta.url);
if (process.arch !== 'x64') {
  console.log(`test-native-isa: skipped on ${process.arch} (the builds below are x86-64 targets)`);
  process.exit(0);
}
// AVX-512 without VBMI2 (Intel Skylake-SP to Cascade Lake) runs where this CPU has AVX-512: its list of live depths is
// appended bit by bit, not with the compress.
const cpuFlags = existsSync('/proc/cpuinfo') ? (readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1] ?? '').split(/\s+/) : [];
const hasSkylakeAvx512 = ['avx512f', 'avx512cd', 'avx512bw', 'avx512dq', 'avx512vl'].every((f) => cpuFlags.includes(f));
const targets = [...(hasSkylakeAvx512 ? [['skylake-avx512', 'native-avx512']] : []), ['haswell', 'native-avx2'], ['x86-64-v2', 'native-sse']];
const gyp = require.resolve('node-gyp/bin/node-gyp.js');
const prefix = dirname(dirname(process.execPath));
let failed = false;
for (const [march, expectedName] of targets) {
  const dir = mkdtempSync(join(tmpdir(), `logitkit-native-${march}-`));
  try {
    // The sources and binding.gyp, not this machine's build.
    cpSync(sources, dir, { recursive: true, filter: (from) => from !== join(sources, 'build') });
    const gypFile = readFileSync(join(sources, 'binding.gyp'), 'utf8');
    // The quoted compiler flag, not the comment above it that names it too.
    if (!gypFile.includes('"-march=native"')) throw new Error('src/kernels/native/cc/binding.gyp has no "-march=native" flag to replace');
    writeFileSync(join(dir, 'binding.gyp'), gypFile.replaceAll('"-march=native"', `"-march=${march}"`));
    const build = spawnSync(process.execPath, [gyp, 'rebuild', '--directory', dir, '--jobs', 'max', `--nodedir=${prefix}`], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (build.status !== 0) throw new Error(`node-gyp failed for -march=${march}`);
    const env = {
      ...process.env,
      LOGITKIT_NATIVE_MODULE: join(dir, 'build', 'Release', 'logitkit.node'),
      LOGITKIT_REQUIRE_NATIVE: '1',
      LOGITKIT_EXPECT_NATIVE_NAME: expectedName,
    };
    console.log(`test-native-isa: -march=${march} (${expectedName}): the kernel spec suite`);
    const test = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/kernels'], { cwd: root, env, stdio: 'inherit' });
    if (test.status !== 0) failed = true;
  } catch (e) {
    console.error(`test-native-isa: ${e.message}`);
    failed = true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
process.exit(failed ? 1 : 0);
