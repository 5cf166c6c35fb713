import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice } from '../tensor/options.js';

/**
 * What earlyStopping, reduceLROnPlateau and modelCheckpoint share (Keras's MonitorCallback): a quantity in the
 * epoch logs, a direction, and when a new value counts as an improvement.
 */
export type MonitorMode = 'auto' | 'min' | 'max';

export interface Monitor {
  key: string;
  /** True when `value` beats `reference` by more than minDelta in the monitor's direction; any value beats null. */
  improves(value: number, reference: number | null): boolean;
  /** The value in an epoch's logs; a missing key is an error naming the keys there are. */
  read(logs: Record<string, number>): number;
}

/**
 * mode 'auto' infers the direction from the name, as Keras does: 'loss' (with or without 'val_') is minimized,
 * an accuracy ('acc', 'top5Acc', ...) maximized; any other name needs mode 'min' or 'max' (an error, not a guess).
 */
export function createMonitor(op: string, key: unknown, mode: unknown, minDelta: unknown): Monitor {
  if (typeof key !== 'string' || key === '') throw argTypeError(op, 'monitor', "a key of the epoch logs ('val_loss', 'loss', 'val_acc', ...)", key);
  const m = checkChoice(op, 'mode', mode ?? 'auto', ['auto', 'min', 'max'] as const);
  if (minDelta !== undefined && (typeof minDelta !== 'number' || !Number.isFinite(minDelta))) throw argError(op, 'minDelta', 'a finite number', minDelta);
  const delta = Math.abs((minDelta as number | undefined) ?? 0);
  const name = key.startsWith('val_') ? key.slice(4) : key;
  let max: boolean;
  if (m !== 'auto') max = m === 'max';
  else if (name === 'loss') max = false;
  else if (/acc/i.test(name)) max = true;
  else throw argError(op, 'mode', `'min' or 'max' for monitor '${key}' (mode 'auto' knows only losses and accuracies)`, m);
  return {
    key,
    improves: (value, reference) => reference === null || (max ? value - delta > reference : value + delta < reference),
    read(logs) {
      const value = logs[key];
      if (typeof value !== 'number') {
        const hint = key.startsWith('val_') ? ' (validation values need validationData or validationSplit)' : '';
        throw new Error(
          `${op}: monitor '${key}' is not in the epoch logs${hint}; they hold ${Object.keys(logs)
            .map((k) => `'${k}'`)
            .join(', ')}`,
        );
      }
      return value;
    },
  };
}
