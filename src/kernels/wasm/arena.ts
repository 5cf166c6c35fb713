/**
 * Grow-only working memory inside the module's linear memory. A kernel call lays out its buffers
 * from the heap base (`reset`, then `take`), then `commit` grows the memory once if needed; nothing
 * is freed, so a warm kernel never allocates. Views are rebuilt only when growth replaced the buffer.
 */
export class Arena {
  private top = 0;
  private buffer: ArrayBuffer | null = null;
  private f32View = new Float32Array(0);
  private f64View = new Float64Array(0);
  private i32View = new Int32Array(0);

  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly base: number,
  ) {
    this.top = base;
  }

  reset(): void {
    this.top = this.base;
  }

  /** Reserves `bytes` aligned to 16 and returns its byte offset. */
  take(bytes: number): number {
    const at = (this.top + 15) & ~15;
    this.top = at + bytes;
    return at;
  }

  /**
   * Makes sure every reserved byte exists, growing the memory (and so replacing its buffer) if not.
   * False when the memory cannot grow that far (the 4 GiB wasm32 limit, or the engine's): the caller
   * then runs the fallback kernel.
   */
  commit(): boolean {
    const have = this.memory.buffer.byteLength;
    if (this.top <= have) return true;
    try {
      this.memory.grow(Math.ceil((this.top - have) / 65536));
      return true;
    } catch {
      return false;
    }
  }

  get f32(): Float32Array {
    this.refresh();
    return this.f32View;
  }

  get f64(): Float64Array {
    this.refresh();
    return this.f64View;
  }

  get i32(): Int32Array {
    this.refresh();
    return this.i32View;
  }

  private refresh(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.buffer) return;
    this.buffer = buffer;
    this.f32View = new Float32Array(buffer);
    this.f64View = new Float64Array(buffer);
    this.i32View = new Int32Array(buffer);
  }
}
