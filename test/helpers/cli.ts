import { PassThrough } from 'node:stream';
import { runCli } from '../../src/cli/main.js';

/** Runs the CLI in-process and returns its exit code and what it printed. */
export async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await runCli(argv, { stdout, stderr });
  return { code, out, err };
}

/** Runs the CLI and expects a usage error: exit code 2 and a message containing `message` on stderr. */
export async function expectUsageError(argv: string[], message: string | RegExp): Promise<void> {
  const { expect } = await import('vitest');
  const r = await cli(...argv);
  expect(r.code, r.err).toBe(2);
  if (typeof message === 'string') expect(r.err).toContain(message);
  else expect(r.err).toMatch(message);
}
