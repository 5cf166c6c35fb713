import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { callbacks, input, layers, model, optimizers, type Callback, type EpochLogs, type Model, type ModelStore } from '../../src/index.js';
import { loadModel, modelFile } from '../../src/node.js';
import { blobs } from '../helpers/train.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-callbacks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function net(learningRate: number | ((step: number) => number) = 0.1): Model {
  const x = input({ shape: [4] });
  const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(x), seed: 3 });
  m.compile({ optimizer: optimizers.sgd({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

/**
 * Drives a callback through epochs with scripted logs, as fit would, and returns the epochs after which it set
 * stopTraining. `each` runs after every epoch (to change the weights, read the learning rate...).
 */
async function drive(cb: Callback, m: Model, values: number[], key = 'val_loss', each?: (epoch: number) => void): Promise<number[]> {
  const stops: number[] = [];
  cb.setModel?.(m);
  await cb.onTrainBegin?.({ epochs: values.length, initialEpoch: 0, samplesPerEpoch: 1, batchSize: 1, stepsPerEpoch: 1, validationSamples: 1 });
  for (let e = 0; e < values.length; e++) {
    m.stopTraining = false;
    const logs = { loss: 1, seconds: 0, samplesPerSecond: 0, learning_rate: 0, [key]: values[e] } as EpochLogs;
    await cb.onEpochEnd?.(e, logs);
    each?.(e);
    if (m.stopTraining) stops.push(e);
  }
  await cb.onTrainEnd?.({ epochsCompleted: values.length, stopped: stops.length > 0 });
  return stops;
}

// Expected outcomes follow Keras 3's early_stopping.py / reduce_lr_on_plateau.py rules, worked by hand below.
describe('callbacks.earlyStopping (Keras 3 rules)', () => {
  it('patience counts epochs without improvement; minDelta is the margin an improvement needs', async () => {
    // best 1.0 at e0; e1 0.95 improves; e2 0.949 is within minDelta 0.01: wait 1; e3: wait 2 ≥ patience 2 → stop at 3;
    // e4 0.5 improves again (fit would have stopped; the callback alone does not stop).
    expect(await drive(callbacks.earlyStopping({ patience: 2, minDelta: 0.01 }), net(), [1.0, 0.95, 0.949, 0.96, 0.5])).toEqual([3]);
    // Without minDelta 0.949 is an improvement: e3 (wait 1) and e4 (0.5 improves) do not stop.
    expect(await drive(callbacks.earlyStopping({ patience: 2 }), net(), [1.0, 0.95, 0.949, 0.96, 0.5])).toEqual([]);
  });

  it("mode 'auto' maximizes accuracies, minimizes losses; other names need a mode", async () => {
    expect(await drive(callbacks.earlyStopping({ monitor: 'val_acc' }), net(), [0.5, 0.6, 0.55], 'val_acc')).toEqual([2]);
    expect(await drive(callbacks.earlyStopping({ monitor: 'val_acc', mode: 'min' }), net(), [0.5, 0.6, 0.55], 'val_acc')).toEqual([1, 2]);
    expect(() => callbacks.earlyStopping({ monitor: 'f1' })).toThrow(/callbacks.earlyStopping: argument 'mode' must be 'min' or 'max' for monitor 'f1'/);
  });

  it('never stops at epoch 0, and with patience 0 stops at the first epoch that does not improve', async () => {
    expect(await drive(callbacks.earlyStopping(), net(), [1, 1, 1])).toEqual([1, 2]);
  });

  it('baseline: improving on the best but not on the baseline does not reset the wait', async () => {
    // baseline 0.5: 0.9 and 0.8 improve on the best but not on 0.5, so wait is not reset (1, 2); e2 0.85 does not
    // improve: wait 3 ≥ 2 → stop. Without the baseline, wait is 1 at e2: no stop.
    expect(await drive(callbacks.earlyStopping({ patience: 2, baseline: 0.5 }), net(), [0.9, 0.8, 0.85])).toEqual([2]);
    expect(await drive(callbacks.earlyStopping({ patience: 2 }), net(), [0.9, 0.8, 0.85])).toEqual([]);
  });

  it('startFromEpoch: epochs before it are not monitored', async () => {
    expect(await drive(callbacks.earlyStopping({ startFromEpoch: 2 }), net(), [1, 2, 3, 4])).toEqual([3]);
  });

  it('restoreBestWeights puts back the weights of the best epoch at the end', async () => {
    const m = net();
    const snapshots: number[][] = [];
    const bump = (e: number) => {
      // Each epoch leaves different weights; remember them.
      const w = m.getWeights();
      w[1].values[0] = e + 10;
      m.setWeights(w);
      snapshots.push(Array.from(m.getWeights()[1].values));
    };
    const cb = callbacks.earlyStopping({ patience: 5, restoreBestWeights: true });
    // Weights are read at onEpochEnd, before bump: the best epoch (1, loss 0.2) holds what epoch 0's bump left.
    await drive(cb, m, [0.5, 0.2, 0.3, 0.4], 'val_loss', bump);
    expect(cb.bestEpoch).toBe(1);
    expect(Array.from(m.getWeights()[1].values)).toEqual(snapshots[0]);
  });

  it('a missing monitor key and unknown options are clear errors', async () => {
    const m = net();
    const { x, y } = blobs(12, 4, 3);
    await expect(m.fit(x, y, { epochs: 2, callbacks: callbacks.earlyStopping() })).rejects.toThrow(
      /callbacks.earlyStopping: monitor 'val_loss' is not in the epoch logs \(validation values need validationData or validationSplit\); they hold 'loss', 'seconds'/,
    );
    expect(() => callbacks.earlyStopping({ patient: 3 } as never)).toThrow(/unknown option 'patient'/);
    expect(() => callbacks.earlyStopping({ patience: -1 })).toThrow(/'patience' must be an integer ≥ 0/);
  });

  it('stops a real fit, which records only the epochs it ran', async () => {
    const m = net(0); // learning rate 0: the loss never improves
    const { x, y } = blobs(12, 4, 3);
    const h = await m.fit(x, y, { epochs: 10, validationSplit: 0.25, callbacks: callbacks.earlyStopping({ patience: 2 }) });
    // e0 sets the best; e1 and e2 equal it: wait 2 ≥ 2 at e2.
    expect(h.epoch).toEqual([0, 1, 2]);
  });
});

describe('callbacks.reduceLROnPlateau (Keras 3 rules)', () => {
  it('multiplies the learning rate by factor after patience epochs, then waits cooldown epochs, never below minLr', async () => {
    const m = net(1);
    const lrs: number[] = [];
    const cb = callbacks.reduceLROnPlateau({ patience: 1, factor: 0.5, cooldown: 2, minLr: 0.3 });
    await drive(cb, m, [1, 1, 1, 1, 1, 1], 'val_loss', () => lrs.push(m.optimizer!.learningRate as number));
    // e0 best; e1 wait 1 → 0.5, cooldown counter 2; e2 counter → 1 (in cooldown: no wait); e3 counter → 0, wait 1 →
    // max(0.25, 0.3) = 0.3; from then on 0.3 is not above minLr: unchanged. (Keras's cooldown 1 pauses no epoch:
    // the counter reaches 0 in the very epoch it is checked.)
    expect(lrs).toEqual([1, 0.5, 0.5, 0.3, 0.3, 0.3]);
  });

  it('changes the rate fit uses', async () => {
    const m = net(0.2);
    const { x, y } = blobs(12, 4, 3);
    const h = await m.fit(x, y, { epochs: 4, callbacks: callbacks.reduceLROnPlateau({ monitor: 'loss', patience: 0, factor: 0.5, minDelta: 1e9 }) });
    // minDelta 1e9: epoch 0 improves on the start (+∞), no later one does, so epochs 1 and 2 each halve the rate for the next.
    expect(h.history.learning_rate).toEqual([0.2, 0.2, 0.1, 0.05]);
  });

  it('with a learning-rate schedule it is an error, as in Keras', async () => {
    const m = net((step) => 0.1 / (1 + step));
    const { x, y } = blobs(12, 4, 3);
    await expect(m.fit(x, y, { epochs: 1, callbacks: callbacks.reduceLROnPlateau({ monitor: 'loss' }) })).rejects.toThrow(
      /callbacks.reduceLROnPlateau: the optimizer's learningRate is a schedule/,
    );
    expect(() => callbacks.reduceLROnPlateau({ factor: 1 })).toThrow(/'factor' must be a number in \(0, 1\)/);
  });
});

describe('callbacks.modelCheckpoint', () => {
  it('saveBestOnly saves only improving epochs, through the store it is given', async () => {
    const saved: number[] = [];
    const store: ModelStore = { location: 'memory', save: async (_m, { epoch }) => void saved.push(epoch) };
    await drive(callbacks.modelCheckpoint({ store, saveBestOnly: true }), net(), [0.5, 0.6, 0.4, 0.4, 0.1]);
    expect(saved).toEqual([0, 2, 4]);
    saved.length = 0;
    await drive(callbacks.modelCheckpoint({ store, saveBestOnly: true, initialValueThreshold: 0.45 }), net(), [0.5, 0.6, 0.4]);
    expect(saved).toEqual([2]);
    saved.length = 0;
    await drive(callbacks.modelCheckpoint({ store }), net(), [0.5, 0.6]);
    expect(saved).toEqual([0, 1]);
  });

  it('modelFile writes loadable files atomically, {epoch} naming the epoch (1-based)', async () => {
    const m = net();
    const { x, y } = blobs(12, 4, 3);
    await m.fit(x, y, { epochs: 2, callbacks: callbacks.modelCheckpoint({ store: modelFile(join(dir, 'm-{epoch}.lkm')) }) });
    const second = await loadModel(join(dir, 'm-2.lkm'));
    second.getWeights().forEach((w, i) => expect(Array.from(w.values)).toEqual(Array.from(m.getWeights()[i].values)));
    await expect(loadModel(join(dir, 'm-1.lkm'))).resolves.toBeDefined();
    expect(() => callbacks.modelCheckpoint({} as never)).toThrow(/'store' must be a ModelStore/);
  });
});
