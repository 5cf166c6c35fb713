import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CliError } from './io.js';

/** The status of a path, or null when nothing is there. */
function statOrNull(path: string) {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

function writableDirectory(option: string, path: string, dir: string): void {
  const s = statOrNull(dir);
  if (!s?.isDirectory()) throw new CliError(`option --${option} '${path}': directory '${dir}' does not exist`, 2);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new CliError(`option --${option} '${path}': directory '${dir}' is not writable`, 2);
  }
}

/**
 * Checks, before an hour of training, that a run can write where it was told: a file's directory exists and is
 * writable and the path is not a directory; a directory (checkpoints) is one, or can be made under its nearest existing parent.
 */
export function checkOutputPath(option: string, path: string | undefined, kind: 'file' | 'directory'): void {
  if (path === undefined) return;
  if (path === '') throw new CliError(`option --${option} must be a path, got ''`, 2);
  const s = statOrNull(path);
  if (kind === 'file') {
    if (s?.isDirectory()) throw new CliError(`option --${option} '${path}' is a directory, expected a file path`, 2);
    writableDirectory(option, path, dirname(resolve(path)));
    return;
  }
  if (s && !s.isDirectory()) throw new CliError(`option --${option} '${path}' is a file, expected a directory`, 2);
  // Checkpoint directories are made with their parents: check the nearest one that exists.
  let dir = resolve(path);
  while (!statOrNull(dir) && dirname(dir) !== dir) dir = dirname(dir);
  writableDirectory(option, path, dir);
}
