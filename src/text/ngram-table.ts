/**
 * Word n-grams as paths of integer ids, so that counting and looking them up never builds an n-gram's string.
 * Each distinct word gets an id (WordIds); an n-gram is a node reached from the root by its words, one step per
 * word, and NgramTable maps (parent node, word id) → node in one open-addressing hash table. Words never contain a
 * space (the tokenizer splits on them), so an n-gram's string, its words joined by one space, names exactly one path.
 */

const ROOT = -1;
const EMPTY = -1;

/** Interns word strings as ids 0, 1, 2, ... in order of first sight. */
export class WordIds {
  readonly words: string[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of `word`, adding it if new. */
  intern(word: string): number {
    let id = this.ids.get(word);
    if (id === undefined) {
      id = this.words.length;
      this.ids.set(word, id);
      this.words.push(word);
    }
    return id;
  }

  /** The id of `word`, or -1 if it was never interned. */
  get(word: string): number {
    return this.ids.get(word) ?? -1;
  }

  /** The ids of `words`, interning new ones. */
  internAll(words: readonly string[]): Int32Array {
    const out = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) out[i] = this.intern(words[i]!);
    return out;
  }
}

/** A growable Int32Array. */
class IntList {
  data: Int32Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Int32Array(Math.max(16, capacity));
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const grown = new Int32Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.length++] = v;
  }
}

/** The trie of n-grams: node ids 0, 1, 2, ... each with its parent node (ROOT for a word) and its last word. */
export class NgramTable {
  readonly parents = new IntList(1024);
  readonly lastWords = new IntList(1024);
  private slots = new Int32Array(2048).fill(EMPTY);

  get size(): number {
    return this.parents.length;
  }

  private slotOf(parent: number, word: number): number {
    const mask = this.slots.length - 1;
    let s = (Math.imul(parent + 1, 0x9e3779b1) ^ Math.imul(word, 0x85ebca77)) >>> 0;
    s = (s ^ (s >>> 15)) & mask;
    for (;;) {
      const node = this.slots[s]!;
      if (node === EMPTY || (this.parents.data[node] === parent && this.lastWords.data[node] === word)) return s;
      s = (s + 1) & mask;
    }
  }

  /** The node one word below `parent` (ROOT = -1 for the first word), or -1 if absent. */
  find(parent: number, word: number): number {
    return this.slots[this.slotOf(parent, word)]!;
  }

  /** As find, adding the node if absent. */
  findOrAdd(parent: number, word: number): number {
    const s = this.slotOf(parent, word);
    const found = this.slots[s]!;
    if (found !== EMPTY) return found;
    const node = this.size;
    this.parents.push(parent);
    this.lastWords.push(word);
    this.slots[s] = node;
    if (2 * this.size > this.slots.length) this.rehash();
    return node;
  }

  private rehash(): void {
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    for (let node = 0; node < this.size; node++) this.slots[this.slotOf(this.parents.data[node]!, this.lastWords.data[node]!)] = node;
  }

  /** The node of the n-gram words[at .. at + n), or -1 if a word is unknown (id < 0) or the path is absent. */
  findPath(words: Int32Array, at: number, n: number): number {
    let node = ROOT;
    for (let k = 0; k < n; k++) {
      const w = words[at + k]!;
      if (w < 0) return -1;
      node = this.find(node, w);
      if (node < 0) return -1;
    }
    return node;
  }

  /** As findPath, adding the missing nodes. */
  addPath(words: Int32Array, at: number, n: number): number {
    let node = ROOT;
    for (let k = 0; k < n; k++) node = this.findOrAdd(node, words[at + k]!);
    return node;
  }

  /** The n-gram's string: its words joined by one space. */
  text(node: number, words: readonly string[]): string {
    const parts: string[] = [];
    for (let v = node; v !== ROOT; v = this.parents.data[v]!) parts.push(words[this.lastWords.data[v]!]!);
    return parts.reverse().join(' ');
  }
}

/** A vocabulary's tokens as an NgramTable, for looking up a text's n-grams by word ids. */
export class NgramLookup {
  private readonly wordIds = new WordIds();
  private readonly table = new NgramTable();
  /** The vocabulary id of each node (the out-of-vocabulary id for a node that is only a longer n-gram's prefix). */
  private readonly ids = new IntList(1024);

  private readonly oovId: number;

  /** tokens[firstId..] become ids firstId..; anything else is oovId. */
  constructor(tokens: readonly string[], firstId: number, oovId: number) {
    this.oovId = oovId;
    for (let id = firstId; id < tokens.length; id++) {
      const path = this.wordIds.internAll(tokens[id]!.split(' '));
      const node = this.table.addPath(path, 0, path.length);
      while (this.ids.length < this.table.size) this.ids.push(oovId);
      this.ids.data[node] = id;
    }
  }

  /** Word ids for a text's words in this vocabulary's numbering (-1 for a word in no token). */
  wordIdsOf(words: readonly string[]): Int32Array {
    const out = new Int32Array(words.length);
    for (let i = 0; i < words.length; i++) out[i] = this.wordIds.get(words[i]!);
    return out;
  }

  /** Calls visit(id) for each token of the text (unigrams, then each n-gram size in order), as tokenize lists them. */
  forEachId(words: Int32Array, sizes: readonly number[], visit: (id: number) => void): void {
    for (const n of sizes) {
      for (let i = 0; i + n <= words.length; i++) {
        const node = this.table.findPath(words, i, n);
        visit(node < 0 ? this.oovId : this.ids.data[node]!);
      }
    }
  }
}
