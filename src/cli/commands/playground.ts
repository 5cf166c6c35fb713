import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { defaultPlaygroundRoot, servePlayground } from '../../playground-server/serve.js';
import type { CliCommand } from '../command.js';
import { CliError, numberOption, writeLine, type CliIO } from '../io.js';

/** Serves the built playground on 127.0.0.1 until interrupted (or until `signal` aborts, for tests). */
export async function runPlayground(o: { port?: string; root?: string }, io: CliIO, signal?: AbortSignal): Promise<void> {
  const root = o.root ?? defaultPlaygroundRoot();
  if (!existsSync(join(root, 'index.html'))) {
    throw new CliError(`playground: no built page in '${root}' (run 'npm run build:playground' first)`);
  }
  const port = numberOption('port', o.port, 0, { integer: true, min: 0, max: 65535 });
  const server = await servePlayground({ port, host: '127.0.0.1', root });
  writeLine(io.stdout, `logitkit playground: ${server.url}  (127.0.0.1 only; Ctrl+C to stop)`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    if (signal) signal.addEventListener('abort', stop, { once: true });
    else {
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    }
  });
  await server.close();
}

export const playgroundCommand: CliCommand = (program, io) => {
  program
    .command('playground')
    .description('serve the browser playground on 127.0.0.1')
    .option('--port <port>', 'TCP port (default: a free one)')
    .option('--root <dir>', 'the built page (default: dist/playground)')
    .action(async (o) => runPlayground(o, io));
};
