import cliProgress from 'cli-progress';
import { duration } from './duration.js';

/** What a training run reports, epoch by epoch and batch by batch. */
export interface EpochLogs {
  loss: number;
  acc?: number;
  val_loss?: number;
  val_acc?: number;
  seconds: number;
  samplesPerSecond: number;
}

export interface ProgressSink {
  trainBegin(info: { epochs: number; samplesPerEpoch: number; initialEpoch?: number }): void;
  epochBegin(epoch: number): void;
  batchEnd(epoch: number, samplesSeen: number, logs: { loss: number; acc?: number; samplesPerSecond: number }): void;
  epochEnd(epoch: number, logs: EpochLogs): void;
  trainEnd(): void;
}

export type ProgressMode = 'bar' | 'plain' | 'json' | 'silent';

/** A progress bar on a terminal, plain lines when output is piped, JSON lines with --json. */
export function chooseProgressMode(json: boolean, stream: NodeJS.WriteStream = process.stderr): ProgressMode {
  if (json) return 'json';
  return stream.isTTY ? 'bar' : 'plain';
}

const fmt = (v: number | undefined, digits = 4): string => (v === undefined ? '-' : v.toFixed(digits));

function epochLine(epoch: number, epochs: number, logs: EpochLogs): string {
  const parts = [`epoch ${epoch + 1}/${epochs}`, `loss ${fmt(logs.loss)}`];
  if (logs.acc !== undefined) parts.push(`acc ${fmt(logs.acc)}`);
  if (logs.val_loss !== undefined) parts.push(`val_loss ${fmt(logs.val_loss)}`);
  if (logs.val_acc !== undefined) parts.push(`val_acc ${fmt(logs.val_acc)}`);
  parts.push(duration(logs.seconds), `${Math.round(logs.samplesPerSecond)} samples/s`);
  return parts.join(' | ');
}

export function createProgress(mode: ProgressMode, out: NodeJS.WritableStream = process.stdout, err: NodeJS.WriteStream = process.stderr): ProgressSink {
  let epochs = 0;
  let total = 0;
  let bar: cliProgress.SingleBar | null = null;
  return {
    trainBegin(info) {
      epochs = info.epochs;
      total = info.samplesPerEpoch;
      if (mode === 'json') out.write(`${JSON.stringify({ event: 'trainBegin', ...info })}\n`);
    },
    epochBegin(epoch) {
      if (mode !== 'bar') return;
      bar = new cliProgress.SingleBar(
        {
          format: `epoch ${epoch + 1}/${epochs} [{bar}] {value}/{total} | loss {loss} | acc {acc} | {rate} samples/s | ETA {eta_formatted}`,
          stream: err,
          hideCursor: true,
          clearOnComplete: true,
          etaBuffer: 50,
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0, { loss: '-', acc: '-', rate: '-' });
    },
    batchEnd(_epoch, seen, logs) {
      if (bar) bar.update(seen, { loss: fmt(logs.loss), acc: fmt(logs.acc), rate: Math.round(logs.samplesPerSecond) });
    },
    epochEnd(epoch, logs) {
      if (bar) {
        bar.stop();
        bar = null;
      }
      if (mode === 'json') out.write(`${JSON.stringify({ event: 'epochEnd', epoch: epoch + 1, ...logs })}\n`);
      else if (mode !== 'silent') err.write(`${epochLine(epoch, epochs, logs)}\n`);
    },
    trainEnd() {
      if (bar) bar.stop();
      if (mode === 'json') out.write(`${JSON.stringify({ event: 'trainEnd' })}\n`);
    },
  };
}
