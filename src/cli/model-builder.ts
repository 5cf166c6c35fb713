import { optimizers, type Optimizer } from '../index.js';
import { CliError, parseDecimal } from './io.js';

/** Parses --hidden: comma-separated layer widths ("128", "256,128"), or "" / "none" for a linear classifier. */
export function parseHidden(raw: string | undefined): number[] {
  if (raw === undefined) return [128];
  const s = raw.trim();
  if (s === '' || s === 'none') return [];
  return s.split(',').map((w) => {
    const v = parseDecimal(w);
    if (!Number.isInteger(v) || v < 1 || v > 65536)
      throw new CliError(`option --hidden must be comma-separated layer widths (integers 1..65536), got '${raw}'`, 2);
    return v;
  });
}

/** The --optimizer choices: the optimizer registry's names, so a new optimizer reaches the CLI with no edit here. */
export const OPTIMIZER_CHOICES = optimizers.OPTIMIZERS.names();

/** The learning rate an optimizer takes when --lr is not given: its own default (0.01 for sgd, 1e-3 for adam). */
export function defaultLearningRate(name: string): number {
  const lr = optimizerDefinition(name).create().getConfig().learningRate;
  if (typeof lr !== 'number') throw new Error(`optimizer '${name}' has no numeric default learning rate`);
  return lr;
}

/** Builds --optimizer from its registry definition; --momentum is refused by an optimizer that has none. */
export function makeOptimizer(name: string, learningRate: number, momentum: number): Optimizer {
  const def = optimizerDefinition(name);
  const config: Record<string, unknown> = { learningRate };
  if (momentum !== 0) {
    if (!def.options.includes('momentum'))
      throw new CliError(
        `option --momentum applies to an optimizer with momentum (${OPTIMIZER_CHOICES.filter((n) => optimizerDefinition(n).options.includes('momentum')).join(', ')}), not '${name}'`,
        2,
      );
    config.momentum = momentum;
  }
  return def.create(config);
}

function optimizerDefinition(name: string) {
  if (!optimizers.OPTIMIZERS.has(name))
    throw new CliError(`option --optimizer must be one of ${OPTIMIZER_CHOICES.map((n) => `'${n}'`).join(', ')}, got '${name}'`, 2);
  return optimizers.OPTIMIZERS.get('logitkit train', 'optimizer', name);
}
