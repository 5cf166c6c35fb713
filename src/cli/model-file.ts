import { existsSync } from 'node:fs';
import type { Model } from '../index.js';
import { loadModel } from '../io/node.js';
import { CliError } from './io.js';

/** Loads a model file for a command, turning a missing path into a one-line usage error. */
export async function loadModelFile(path: string | undefined, command: string): Promise<Model> {
  if (path === undefined) throw new CliError(`${command}: option --model FILE is required`, 2);
  if (!existsSync(path)) throw new CliError(`${command}: model file '${path}' does not exist`);
  return loadModel(path);
}
