import { Command, CommanderError } from 'commander';
import { COMMANDS } from './commands/index.js';
import { CliError, type CliIO } from './io.js';
import { packageVersion } from './version.js';

function buildProgram(io: CliIO): Command {
  const program = new Command('logitkit')
    .description('Build, train, explain and play with classifiers: logits → probabilities → loss → decision.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // Commander's own errors read like ours: 'logitkit: error: ...'.
      outputError: (s, write) => write(`logitkit: ${s}`),
    })
    .version(packageVersion(), '-V, --version', "print logitkit's version");
  for (const add of COMMANDS) add(program, io);
  return program;
}

/**
 * Runs the CLI with argv (without 'node' and the script). Returns the exit code: 0 success, 1 a failure the
 * user can fix (bad file, bad data), 2 a usage error. Never calls process.exit itself.
 */
export async function runCli(argv: string[], io: CliIO = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version output are not failures; commander already printed its own message.
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.help' || e.code === 'commander.version' ? 0 : 2;
    }
    if (e instanceof CliError) {
      io.stderr.write(`logitkit: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof RangeError || e instanceof TypeError || e instanceof Error) {
      io.stderr.write(`logitkit: error: ${e.message}\n`);
      if (process.env.LOGITKIT_DEBUG) io.stderr.write(`${e.stack}\n`);
      return 1;
    }
    io.stderr.write(`logitkit: error: ${String(e)}\n`);
    return 1;
  }
}
