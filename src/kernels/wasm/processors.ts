/**
 * Logical processors this thread may use: the browser's navigator.hardwareConcurrency, Node's os.availableParallelism()
 * (which respects CPU affinity), else 1. More threads than processors only wait on each other.
 */
export function availableProcessors(): number {
  const fromBrowser = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  if (typeof fromBrowser === 'number' && fromBrowser >= 1) return Math.floor(fromBrowser);
  const builtin = typeof process !== 'undefined' ? (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule : undefined;
  const os = typeof builtin === 'function' ? (builtin('node:os') as typeof import('node:os') | undefined) : undefined;
  return Math.max(1, os?.availableParallelism?.() ?? 1);
}
