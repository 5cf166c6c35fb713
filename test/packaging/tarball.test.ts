import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** What `npm pack` would publish (the files list of package.json applied to the built tree). */
function packedFiles(): string[] {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: new URL('../..', import.meta.url), encoding: 'utf8' });
  return (JSON.parse(out) as Array<{ files: Array<{ path: string }> }>)[0].files.map((f) => f.path);
}

describe('the npm tarball (after npm ci, which builds dist/)', () => {
  it('ships the MNIST digits once, no source maps, a LICENSE and the built playground', () => {
    const files = packedFiles();
    expect(files.filter((f) => f.includes('mnist-10k'))).toEqual(['assets/mnist-10k.idx.gz']);
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    expect(files).toContain('LICENSE');
    expect(files).toContain('dist/playground/index.html');
    expect(files).toContain('dist/mnist.js');
  });
});
