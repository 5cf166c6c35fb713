import { argError, argTypeError } from './errors.js';

/**
 * A typed registry: one static list of definitions (layers, optimizers, losses, metrics), each under a unique
 * name. Lists are written out in one place (no registration by import side effects), so what a model file,
 * a checkpoint or the CLI may name is exactly what the list holds.
 */
export class Registry<E extends { readonly name: string }> {
  private readonly byName = new Map<string, E>();

  constructor(
    /** What the entries are, for messages: 'layer class', 'optimizer', 'loss', 'metric'. */
    readonly kind: string,
    readonly entries: readonly E[],
  ) {
    for (const e of entries) {
      if (this.byName.has(e.name)) throw new Error(`Registry of ${kind}s: the name '${e.name}' is defined twice`);
      this.byName.set(e.name, e);
    }
  }

  /** The names in list order (for CLI choices and messages). */
  names(): string[] {
    return this.entries.map((e) => e.name);
  }

  has(name: unknown): boolean {
    return typeof name === 'string' && this.byName.has(name);
  }

  /** The definition named `name`; a clear error naming the choices for anything else. */
  get(op: string, arg: string, name: unknown): E {
    const e = typeof name === 'string' ? this.byName.get(name) : undefined;
    if (e) return e;
    const choices = `a ${this.kind} name: one of ${this.names()
      .map((n) => `'${n}'`)
      .join(', ')}`;
    throw typeof name === 'string' ? argError(op, arg, choices, name) : argTypeError(op, arg, choices, name);
  }
}
