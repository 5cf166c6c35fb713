import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// Only the universal entry: nothing here loads the Node file-system part of io/.
import { input, layers, model, tensor, type CheckpointStore, type TrainingState } from '../../src/index.js';

function tiny() {
  const x = input({ shape: [2] });
  const net = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), seed: 1 });
  net.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
  return {
    net,
    xs: tensor([
      [0, 1],
      [1, 0],
    ]),
    ys: tensor([0, 1], { dtype: 'int32' }),
  };
}

describe('checkpoint storage is a parameter (no store wired in by importing logitkit/node)', () => {
  it("refuses {dir} with the way to say it: {store: directoryCheckpoint(dir)} from 'logitkit/node'", async () => {
    const { net, xs, ys } = tiny();
    const options = { epochs: 1, checkpoint: { dir: '/tmp/never-written' } } as unknown as Parameters<typeof net.fit>[2];
    await expect(net.fit(xs, ys, options)).rejects.toThrow(
      /fit: option 'checkpoint.dir' is not supported: pass \{store: directoryCheckpoint\(dir\)\}.*'logitkit\/node'/,
    );
  });

  it('rejects unknown checkpoint options and stores without load/save', async () => {
    const { net, xs, ys } = tiny();
    const store: CheckpointStore = { location: 'memory', load: async () => null, save: async () => {} };
    const bad = { epochs: 1, checkpoint: { store, resum: true } } as unknown as Parameters<typeof net.fit>[2];
    await expect(net.fit(xs, ys, bad)).rejects.toThrow(/fit: unknown option 'resum' in 'checkpoint'/);
    const noSave = { epochs: 1, checkpoint: { store: { location: 'x', load: async () => null } } } as unknown as Parameters<typeof net.fit>[2];
    await expect(net.fit(xs, ys, noSave)).rejects.toThrow(/checkpoint.store' must be a CheckpointStore/);
  });

  it('saves through the store it is given, after every epoch', async () => {
    const { net, xs, ys } = tiny();
    const saved: TrainingState[] = [];
    const store: CheckpointStore = { location: 'memory', load: async () => null, save: async (_m, s) => void saved.push(s) };
    await net.fit(xs, ys, { epochs: 3, checkpoint: { store } });
    expect(saved.map((s) => s.epoch)).toEqual([1, 2, 3]);
  });

  it('the Node io module registers nothing when imported (no side effect wires a default store)', () => {
    const source = readFileSync(new URL('../../src/io/node.ts', import.meta.url), 'utf8');
    expect(source).not.toMatch(/register\w*\(/);
  });
});
