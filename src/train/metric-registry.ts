import { argError, argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { Registry } from '../tensor/registry.js';
import type { LossKind } from '../ops/softmax/compile-losses.js';
import { accuracy, binaryAccuracy, categoricalAccuracy, topKAccuracy, type Metric, type MetricFn } from './metrics.js';

/** A compile metric by name: its options (checked), its logs key and its function (which may follow the loss). */
export interface MetricDefinition {
  readonly name: string;
  /** Other names accepted for it ('acc' for 'accuracy'). */
  readonly aliases?: readonly string[];
  /** The options {name, ...} may carry besides its name. */
  readonly options: readonly string[];
  create(op: string, options: Record<string, unknown>, lossKind: LossKind): Metric;
}

const accuracyMetric: MetricDefinition = {
  name: 'accuracy',
  aliases: ['acc'],
  options: [],
  // Follows the loss: argmax for the categorical losses, logit > 0 for binary, read from the shapes for a custom loss.
  create: (_op, _o, kind) => ({
    name: 'acc',
    fn: kind === 'binary' ? binaryAccuracy : kind === 'custom' ? accuracy : categoricalAccuracy,
    builtIn: true,
    config: { name: 'accuracy' },
  }),
};
const categoricalAccuracyMetric: MetricDefinition = {
  name: 'categoricalAccuracy',
  options: [],
  create: () => ({ name: 'categoricalAcc', fn: categoricalAccuracy, builtIn: true, config: { name: 'categoricalAccuracy' } }),
};
const binaryAccuracyMetric: MetricDefinition = {
  name: 'binaryAccuracy',
  options: [],
  create: () => ({ name: 'binaryAcc', fn: binaryAccuracy, builtIn: true, config: { name: 'binaryAccuracy' } }),
};
const topKAccuracyMetric: MetricDefinition = {
  name: 'topKAccuracy',
  options: ['k'],
  create: (op, o) => {
    const k = o.k ?? 5;
    if (!Number.isInteger(k) || (k as number) < 1 || (k as number) > 65_536) throw argError(op, 'k', 'an integer in [1, 65536]', k);
    return { name: `top${k}Acc`, fn: topKAccuracy(k as number), builtIn: true, config: { name: 'topKAccuracy', k } };
  },
};

/** The compile metrics (add one: its definition above and one line here). */
export const METRICS = new Registry<MetricDefinition>('metric', [accuracyMetric, categoricalAccuracyMetric, binaryAccuracyMetric, topKAccuracyMetric]);

export type MetricName = 'accuracy' | 'acc' | 'categoricalAccuracy' | 'binaryAccuracy' | 'topKAccuracy';
export type MetricSpec = MetricName | { name: MetricName; k?: number } | Metric | MetricFn;

function definitionOf(op: string, arg: string, name: unknown): MetricDefinition {
  return METRICS.entries.find((d) => d.aliases?.includes(name as string)) ?? METRICS.get(op, arg, name);
}

/** Resolves compile's metrics: names or {name, options} from the registry, functions, or {name, fn}. */
export function resolveMetrics(op: string, specs: unknown, kind: LossKind): Metric[] {
  if (specs === undefined) return [];
  const list = Array.isArray(specs) ? specs : [specs];
  const out: Metric[] = list.map((s, i) => {
    const arg = `metrics[${i}]`;
    if (typeof s === 'string') return definitionOf(op, arg, s).create(op, {}, kind);
    if (typeof s === 'function') return { name: s.name || `metric${i}`, fn: s as MetricFn };
    if (s !== null && typeof s === 'object' && typeof (s as Metric).name === 'string' && typeof (s as Metric).fn === 'function') return s as Metric;
    if (s !== null && typeof s === 'object' && typeof (s as { name?: unknown }).name === 'string') {
      const def = definitionOf(op, `${arg}.name`, (s as { name: string }).name);
      const { name: _n, ...options } = checkOptions(op, s as Record<string, unknown>, ['name', ...def.options], arg);
      return def.create(op, options, kind);
    }
    throw argTypeError(
      op,
      arg,
      `a metric name (${METRICS.names()
        .map((n) => `'${n}'`)
        .join(', ')}), {name, ...options}, a function (labels, logits) => number or {name, fn}`,
      s,
    );
  });
  const names = new Set<string>();
  for (const m of out) {
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(m.name) || m.name === 'loss' || names.has(m.name)) {
      throw argError(op, 'metrics', 'metrics with distinct identifier names other than loss', m.name);
    }
    names.add(m.name);
  }
  return out;
}
