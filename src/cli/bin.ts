#!/usr/bin/env node
import { runCli } from './main.js';

// Output piped into a reader that stops early (| head) is not an error: stop quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2));
