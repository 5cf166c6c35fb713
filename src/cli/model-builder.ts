import { Adam, AdamW, SGD, type Optimizer } from '../index.js';
import { CliError, parseDecimal } from './io.js';

/** Parses --hidden: comma-separated layer widths ("128", "256,128"), or "" / "none" for a linear classifier. */
export function parseHidden(raw: string | undefined): number[] {
  if (raw === undefined) return [128];
  const s = raw.trim();
  if (s === '' || s === 'none') return [];
  return s.split(',').map((w) => {
    const v = parseDecimal(w);
    if (!Number.isInteger(v) || v < 1 || v > 65536) throw new CliError(`option --hidden must be comma-separated layer widths (integers 1..65536), got '${raw}'`, 2);
    return v;
  });
}

export function makeOptimizer(name: string, learningRate: number, momentum: number): Optimizer {
  switch (name) {
    case 'adam':
      return new Adam({ learningRate });
    case 'adamw':
      return new AdamW({ learningRate });
    case 'sgd':
      return new SGD({ learningRate, momentum });
    default:
      throw new CliError(`option --optimizer must be 'adam', 'adamw' or 'sgd', got '${name}'`, 2);
  }
}
