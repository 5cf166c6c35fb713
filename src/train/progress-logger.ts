import { argError } from '../tensor/errors.js';
import type { Callback, EpochLogs } from './callbacks.js';

/**
 * fit's `verbose` (Keras's): 0 silent; 1 a progress bar per epoch in a terminal; 2 one line per epoch.
 * 'auto' (the default) is 1 where stdout is a terminal (Node) and 0 everywhere else (pipes, CI, tests, servers,
 * browsers): an interactive run shows progress as Keras does, and a library never writes to a console nobody asked
 * it to. Without a terminal, 1 prints the lines of 2 (a bar needs a terminal); in a browser they go to console.log.
 */
export type Verbosity = 0 | 1 | 2 | 'auto';

/** Where progress goes: a Node stream (a terminal or not) or, in a browser, console.log. */
export interface ProgressOutput {
  write(text: string): void;
  isTTY?: boolean;
}

function defaultOutput(): ProgressOutput | null {
  const out = typeof process !== 'undefined' ? (process.stdout as ProgressOutput | undefined) : undefined;
  return out && typeof out.write === 'function' ? out : null;
}

/** Keras's epoch line: `Epoch 3/10 - 0.21s - loss: 0.3120 - acc: 0.9100 - val_loss: ...` (timings left out of the keys). */
export function formatEpochLine(epoch: number, epochs: number, logs: EpochLogs): string {
  const values = Object.entries(logs)
    .filter(([k]) => k !== 'seconds' && k !== 'samplesPerSecond')
    .map(([k, v]) => `${k}: ${formatLogValue(v)}`);
  return [`Epoch ${epoch + 1}/${epochs}`, `${logs.seconds.toFixed(2)}s`, ...values].join(' - ');
}

function formatLogValue(v: number): string {
  return Math.abs(v) >= 1e-4 || v === 0 || !Number.isFinite(v) ? v.toFixed(4) : v.toExponential(3);
}

/** The fit callback for `verbose`, or null for silence. `output` is for tests; fit uses stdout or console. */
export function progressLogger(op: string, verbose: unknown, output: ProgressOutput | null = defaultOutput()): Callback | null {
  if (verbose !== undefined && verbose !== 0 && verbose !== 1 && verbose !== 2 && verbose !== 'auto')
    throw argError(op, 'verbose', "0, 1, 2 or 'auto'", verbose);
  const level = verbose === undefined || verbose === 'auto' ? (output?.isTTY ? 1 : 0) : verbose;
  if (level === 0) return null;
  const writeLine = output ? (line: string) => output.write(`${line}\n`) : (line: string) => console.log(line);
  const bar = level === 1 && output?.isTTY ? terminalBar(output) : null;
  let epochs = 0;
  let total = 0;
  return {
    onTrainBegin: (logs) => {
      epochs = logs.epochs;
      total = logs.samplesPerEpoch;
    },
    onEpochBegin: bar ? (epoch) => bar.start(`Epoch ${epoch + 1}/${epochs}`, total) : undefined,
    onBatchEnd: bar ? (_b, logs) => bar.update(logs.samplesSeen, `loss: ${formatLogValue(logs.loss)}`) : undefined,
    onEpochEnd: async (epoch, logs) => {
      await bar?.stop();
      writeLine(formatEpochLine(epoch, epochs, logs));
    },
    onTrainEnd: async () => void (await bar?.stop()),
  };
}

interface TerminalBar {
  start(title: string, total: number): Promise<void>;
  update(seen: number, text: string): void;
  stop(): Promise<void>;
}

/**
 * A cli-progress bar. The package is Node's (it needs readline), so it is loaded on first use with a specifier
 * bundlers do not follow: browser bundles never carry it.
 */
function terminalBar(stream: ProgressOutput): TerminalBar {
  type Bar = { start(total: number, value: number, payload: object): void; update(value: number, payload: object): void; stop(): void };
  let bar: Bar | null = null;
  const name = 'cli-progress';
  const load = import(/* @vite-ignore */ name).then(
    (m) => (m.default ?? m) as { SingleBar: new (o: object, preset: object) => Bar; Presets: { shades_classic: object } },
  );
  return {
    async start(title, total) {
      const cp = await load;
      bar = new cp.SingleBar(
        { format: `${title} [{bar}] {value}/{total} - {text}`, stream, hideCursor: true, clearOnComplete: true },
        cp.Presets.shades_classic,
      );
      bar.start(total, 0, { text: '' });
    },
    update(seen, text) {
      bar?.update(seen, { text });
    },
    async stop() {
      bar?.stop();
      bar = null;
    },
  };
}
