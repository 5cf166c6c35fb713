import { optimizers, type Optimizer } from '../index.js';
import { architectureFromHidden, parseArchitecture, sameAsHidden, type Architecture } from './architecture.js';
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

/**
 * The network of `train`: --arch, else --hidden (default 128: the mlp preset). Both together are a usage error
 * unless they say the same thing (--arch mlp --hidden 128, --arch dense:64 --hidden 64).
 */
export function resolveArchitecture(arch: string | undefined, hidden: string | undefined): Architecture {
  if (arch === undefined) return architectureFromHidden(parseHidden(hidden));
  const a = parseArchitecture(arch);
  if (hidden !== undefined && !sameAsHidden(a, parseHidden(hidden)))
    throw new CliError(`options --arch '${arch}' and --hidden '${hidden}' give different networks: use one (--hidden W1,W2 is --arch dense:W1,dense:W2)`, 2);
  return a;
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
