import type { Command } from 'commander';
import type { CliIO } from './io.js';

/**
 * One CLI command: adds itself (options, help, action) to a fresh program, so tests can run many CLIs in one
 * process. Every command lives in its own file under commands/ and is listed once, in commands/index.ts.
 */
export type CliCommand = (program: Command, io: CliIO) => void;
