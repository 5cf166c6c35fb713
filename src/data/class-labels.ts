import { dataError } from './errors.js';

/** Distinct labels a data source may hold (a column of continuous values is not a label column). */
export const MAX_CLASSES = 10_000;

/**
 * Turns label strings into class ids, for every reader (CSV, text tables, folders). Rows get a provisional id at
 * first appearance; `finish` renumbers them so the ids depend on the set of labels only, never on the order rows
 * came in: labels that are all small non-negative integers keep numeric order (0..K-1 keep their values; gaps, 1..K
 * or 10^8 are renumbered and recorded as classNames, so a label never sizes the output layer), other labels are
 * sorted as strings. Fixed `classNames` (a training file's, when reading its test file) map each label to its index.
 */
export class ClassLabels {
  private readonly keys = new Map<string, number>();
  private allIntegers = true;

  private readonly classNames?: readonly string[];

  /** `classNames` is the option of that name, checked here (a non-empty array of distinct strings). */
  constructor(
    private readonly op: string,
    classNames?: readonly string[],
  ) {
    if (
      classNames !== undefined &&
      (!Array.isArray(classNames) || classNames.length === 0 || new Set(classNames).size !== classNames.length || classNames.some((n) => typeof n !== 'string'))
    ) {
      throw dataError(op, "option 'classNames'", 'a non-empty array of distinct names', classNames);
    }
    this.classNames = classNames?.slice();
  }

  /** The provisional id of `label`; `where` names the cell in errors. */
  id(label: string, where: string): number {
    if (label === '') throw dataError(this.op, where, 'a label', 'an empty cell');
    const names = this.classNames;
    if (names !== undefined) {
      const id = names.indexOf(label);
      if (id < 0) throw dataError(this.op, where, `one of the classNames ${names.map((n) => `'${n}'`).join(', ')}`, `'${label}'`);
      return id;
    }
    let id = this.keys.get(label);
    if (id === undefined) {
      if (this.keys.size >= MAX_CLASSES) {
        throw dataError(
          this.op,
          where,
          `one of at most ${MAX_CLASSES} distinct labels (classes; is this the label column?)`,
          `'${label}', label number ${MAX_CLASSES + 1}`,
        );
      }
      id = this.keys.size;
      this.keys.set(label, id);
      if (!/^\d{1,9}$/.test(label)) this.allIntegers = false;
    }
    return id;
  }

  /** Renumbers `ids` (provisional ids, changed in place) to the final class ids; returns the classes. */
  finish(ids: Int32Array): { numClasses: number; classNames?: string[] } {
    if (this.classNames !== undefined) return { numClasses: this.classNames.length, classNames: this.classNames.slice() };
    let classNames: string[] | undefined;
    let table: Int32Array;
    if (this.allIntegers) {
      const values = [...new Set([...this.keys.keys()].map(Number))].sort((a, b) => a - b);
      const rank = new Map(values.map((v, id) => [v, id]));
      table = this.remapTable((key) => rank.get(Number(key))!);
      if (values.some((v, id) => v !== id)) classNames = values.map(String);
    } else {
      classNames = [...this.keys.keys()].sort();
      const rank = new Map(classNames.map((name, id) => [name, id]));
      table = this.remapTable((key) => rank.get(key)!);
    }
    for (let i = 0; i < ids.length; i++) ids[i] = table[ids[i]!]!;
    return { numClasses: this.keys.size, ...(classNames !== undefined ? { classNames } : {}) };
  }

  /** A table from first-appearance ids to final class ids. */
  private remapTable(idOf: (key: string) => number): Int32Array {
    const table = new Int32Array(this.keys.size);
    for (const [key, firstId] of this.keys) table[firstId] = idOf(key);
    return table;
  }
}
