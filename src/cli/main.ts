import { Command, CommanderError } from 'commander';
import { addExplainOptions, runExplainLogits } from './commands/explain.js';
import { runPlayground } from './commands/playground.js';
import { CliError, type CliIO } from './io.js';
import { registrars } from './registry.js';
import './commands/index.js';

function buildProgram(io: CliIO): Command {
  const program = new Command('logitkit')
    .description('Build, train, explain and play with classifiers: logits → probabilities → loss → decision.')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });
  for (const r of registrars) r(program, io);
  addExplainOptions(
    program
      .command('explain')
      .description('explain logits step by step (logitkit explain 2.0 1.0 0.1 --classes news,entertainment,technology)')
      .argument('[logits...]', 'the logits, as separate numbers or comma-separated')
      .allowUnknownOption(false),
  ).action(async (logits: string[], o) => {
    if (o.model !== undefined) {
      const { runExplainModel } = await import('./commands/explain-model.js');
      await runExplainModel(o, io);
    } else {
      runExplainLogits(logits, o, io);
    }
  })
    .option('--model <file>', "explain a trained model's prediction for one sample (with --data and --index)")
    .option('--data <source>', "the sample's data source (default 'mnist': the embedded test split)", 'mnist')
    .option('--index <n>', 'which test example', '0')
    .option('--top <k>', 'how many hidden units to list by contribution', '5');
  program
    .command('playground')
    .description('serve the browser playground on 127.0.0.1')
    .option('--port <port>', 'TCP port (default: a free one)')
    .option('--root <dir>', 'the built page (default: dist/playground)')
    .action(async (o) => runPlayground(o, io));
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
