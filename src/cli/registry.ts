import type { Command } from 'commander';
import type { CliIO } from './io.js';

/** A command module adds itself to a fresh program (so tests can run many CLIs in one process). */
export type CommandRegistrar = (program: Command, io: CliIO) => void;

export const registrars: CommandRegistrar[] = [];

export function registerCommand(r: CommandRegistrar): void {
  registrars.push(r);
}
