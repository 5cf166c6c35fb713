import { Writable } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { input, layers, model, tensor, type Model } from '../../src/index.js';
import { progressLogger } from '../../src/train/progress-logger.js';

function net(): Model {
  const x = input({ shape: [2] });
  const m = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), seed: 1 });
  m.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}
const xs = tensor([
  [0, 1],
  [1, 0],
  [1, 1],
  [0, 0],
]);
const ys = tensor([0, 1, 1, 0], { dtype: 'int32' });

/** A stream that records what is written; `tty` makes it look like a terminal (cli-progress draws on it). */
function sink(tty: boolean): Writable & { text: string; isTTY?: boolean; columns?: number } {
  const w = new Writable({ write: (chunk, _enc, done) => ((w.text += String(chunk)), done()) }) as Writable & {
    text: string;
    isTTY?: boolean;
    columns?: number;
  };
  w.text = '';
  if (tty)
    Object.assign(w, {
      isTTY: true,
      columns: 120,
      cursorTo: (_x: number, _y?: number, cb?: () => void) => (cb?.(), true),
      clearLine: (_d: number, cb?: () => void) => (cb?.(), true),
      moveCursor: () => true,
    });
  return w;
}

async function run(verbose: 0 | 1 | 2 | 'auto' | undefined, out: ReturnType<typeof sink>): Promise<void> {
  const m = net();
  const logger = progressLogger('fit', verbose, out);
  await m.fit(xs, ys, { epochs: 2, batchSize: 2, validationSplit: 0.5, verbose: 0, callbacks: logger ? [logger] : [] });
}

describe("fit's verbose", () => {
  it("2: one Keras line per epoch with Keras's names", async () => {
    const out = sink(false);
    await run(2, out);
    const lines = out.text.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^Epoch 1\/2 - \d+\.\d\ds - loss: \d\.\d{4} - learning_rate: 0\.0100 - acc: \d\.\d{4} - val_loss: \d\.\d{4} - val_acc: \d\.\d{4}$/,
    );
    expect(lines[1]).toMatch(/^Epoch 2\/2 - /);
  });

  it('1 in a terminal draws a cli-progress bar, then the epoch line; without a terminal, plain lines', async () => {
    const tty = sink(true);
    await run(1, tty);
    expect(tty.text).toMatch(/Epoch 1\/2 \[[░█]+\] \d\/2/);
    expect(tty.text).toMatch(/Epoch 2\/2 - \d+\.\d\ds - loss: /);
    const piped = sink(false);
    await run(1, piped);
    expect(piped.text.trimEnd().split('\n')).toHaveLength(2);
    expect(piped.text).not.toMatch(/\[[░█]+\]/);
  });

  it("0 and 'auto' without a terminal print nothing; 'auto' in a terminal is 1", async () => {
    for (const v of [0, 'auto', undefined] as const) {
      const out = sink(false);
      await run(v, out);
      expect(out.text).toBe('');
    }
    const tty = sink(true);
    await run('auto', tty);
    expect(tty.text).toMatch(/\[[░█]+\]/);
  });

  it('without a Node stream (a browser), lines go to console.log', async () => {
    const spy = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const logger = progressLogger('fit', 2, null)!;
      await net().fit(xs, ys, { epochs: 1, verbose: 0, callbacks: logger });
      expect(spy.mock.calls.map((c) => c[0])).toEqual([expect.stringMatching(/^Epoch 1\/1 - .* - loss: /)]);
    } finally {
      spy.mockRestore();
    }
  });

  it('a bad verbose is a clear error', async () => {
    await expect(net().fit(xs, ys, { verbose: 3 as never })).rejects.toThrow(/fit: argument 'verbose' must be 0, 1, 2 or 'auto', got 3/);
    await expect(net().fit(xs, ys, { verbos: 1 } as never)).rejects.toThrow(/fit: unknown option 'verbos'/);
  });
});
