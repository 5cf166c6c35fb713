/**
 * Learning-rate schedules with Keras's formulas (keras.optimizers.schedules; values at points worked by hand),
 * serialized by the optimizer registry and saved in checkpoints: a resumed run continues the schedule bit for
 * bit. Every optimizer of the registry round-trips through its saved config.
 */
import { describe, expect, it } from 'vitest';
import {
  checkpointFromBytes,
  checkpointToBytes,
  input,
  layers,
  model,
  optimizers,
  type CheckpointStore,
  type Model,
  type TrainingState,
} from '../../src/index.js';
import { bitsEqual, blobs } from '../helpers/train.js';

const { exponentialDecay, cosineDecay, piecewiseConstantDecay, OPTIMIZERS, optimizerFromConfig } = optimizers;

describe('schedules (Keras semantics, step = updates so far)', () => {
  it('exponentialDecay: lr · rate^(step / decaySteps), floored with staircase', () => {
    const s = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5 });
    expect(s(0)).toBe(0.1);
    expect(s(10)).toBe(0.05);
    expect(s(5)).toBeCloseTo(0.1 / Math.SQRT2, 16);
    const st = exponentialDecay({ initialLearningRate: 0.1, decaySteps: 10, decayRate: 0.5, staircase: true });
    expect([st(9), st(19), st(20)]).toEqual([0.1, 0.05, 0.025]);
  });

  it('cosineDecay: from lr to alpha·lr over decaySteps, then constant; with a linear warmup to warmupTarget first', () => {
    const s = cosineDecay({ initialLearningRate: 0.1, decaySteps: 10 });
    expect(s(0)).toBe(0.1);
    expect(s(5)).toBeCloseTo(0.05, 16);
    expect(s(10)).toBe(0);
    expect(s(25)).toBe(0);
    const a = cosineDecay({ initialLearningRate: 0.1, decaySteps: 10, alpha: 0.1 });
    expect(a(5)).toBeCloseTo(0.055, 16);
    expect(a(10)).toBeCloseTo(0.01, 16);
    const w = cosineDecay({ initialLearningRate: 0, decaySteps: 10, warmupTarget: 0.2, warmupSteps: 4 });
    expect(w(0)).toBe(0);
    expect(w(2)).toBeCloseTo(0.1, 16);
    expect(w(4)).toBe(0.2);
    expect(w(9)).toBeCloseTo(0.1, 16);
    expect(w(14)).toBe(0);
    expect(w(100)).toBe(0);
  });

  it('piecewiseConstantDecay: values[i] for boundaries[i-1] < step ≤ boundaries[i]', () => {
    const s = piecewiseConstantDecay({ boundaries: [3, 6], values: [1, 0.5, 0.1] });
    expect([0, 3, 4, 6, 7, 100].map((k) => s(k))).toEqual([1, 1, 0.5, 0.5, 0.1, 0.1]);
  });

  it('rejects bad and unknown options, naming them', () => {
    expect(() => cosineDecay({ initialLearningRate: 0.1, decaySteps: 0 })).toThrow(/decaySteps/);
    expect(() => exponentialDecay({ initialLearningRate: 0.1, decaySteps: 5, decayRate: 0.5, stairs: true } as never)).toThrow(/unknown option 'stairs'/);
    expect(() => piecewiseConstantDecay({ boundaries: [3, 2], values: [1, 2, 3] })).toThrow(/boundaries/);
    expect(() => piecewiseConstantDecay({ boundaries: [3], values: [1] })).toThrow(/values/);
  });
});

function memoryStore(): CheckpointStore & { bytes: Uint8Array | null } {
  return {
    location: 'memory',
    bytes: null,
    async load(m: Model) {
      return this.bytes ? checkpointFromBytes(this.bytes, { expect: m }).state : null;
    },
    async save(m: Model, state: TrainingState) {
      this.bytes = checkpointToBytes(m, state);
    },
  };
}

function net(lr: unknown): Model {
  const x = input({ shape: [5] });
  const h = layers.dense({ units: 8, activation: 'relu' }).apply(x);
  const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed: 3 });
  m.compile({ optimizer: optimizers.sgd({ learningRate: lr as number, momentum: 0.9 }), loss: 'sparseCategoricalCrossentropy' });
  return m;
}

describe('schedules in checkpoints', () => {
  const data = blobs(40, 5, 3, 4);
  const schedule = () => cosineDecay({ initialLearningRate: 0, decaySteps: 12, warmupTarget: 0.1, warmupSteps: 5 });
  const fitOptions = { epochs: 4, batchSize: 8, seed: 2 };

  it('a resumed run continues the schedule where it stopped, bit for bit', async () => {
    const reference = net(schedule());
    const rates: number[] = [];
    await reference.fit(data.x, data.y, { ...fitOptions, callbacks: { onBatchEnd: (_b, l) => void rates.push(l.learning_rate) } });
    expect(new Set(rates).size).toBeGreaterThan(10); // the rate really changes during the run

    const store = memoryStore();
    const first = net(schedule());
    await first.fit(data.x, data.y, { ...fitOptions, checkpoint: { store }, callbacks: { onEpochEnd: (e) => void (e === 1 && (first.stopTraining = true)) } });
    const { state } = checkpointFromBytes(store.bytes!);
    expect(state.optimizer.config.learningRate).toEqual({
      name: 'cosineDecay',
      config: { initialLearningRate: 0, decaySteps: 12, alpha: 0, warmupTarget: 0.1, warmupSteps: 5 },
    });

    const resumed = net(schedule());
    await resumed.fit(data.x, data.y, { ...fitOptions, checkpoint: { store, resume: true } });
    resumed.getWeights().forEach((t, i) => expect(bitsEqual(t, reference.getWeights()[i])).toBe(true));

    // The optimizer rebuilt from the checkpoint's config has the same schedule.
    const rebuilt = optimizerFromConfig('test', state.optimizer);
    expect(rebuilt.getConfig()).toEqual(state.optimizer.config);

    // Resuming with another schedule would not reproduce the run.
    const other = net(cosineDecay({ initialLearningRate: 0, decaySteps: 20, warmupTarget: 0.1, warmupSteps: 5 }));
    await expect(other.fit(data.x, data.y, { ...fitOptions, checkpoint: { store, resume: true } })).rejects.toThrow(/same optimizer settings.*decaySteps/);
  });
});

describe('optimizer registry', () => {
  const examples: Record<string, Record<string, unknown>> = {
    sgd: { learningRate: piecewiseConstantDecay({ boundaries: [2], values: [0.1, 0.01] }), momentum: 0.5, nesterov: true, weightDecay: 0.01 },
    adam: {
      learningRate: exponentialDecay({ initialLearningRate: 0.01, decaySteps: 3, decayRate: 0.9 }),
      beta1: 0.8,
      beta2: 0.99,
      epsilon: 1e-7,
      weightDecay: 0.1,
    },
    adamw: { learningRate: 0.003, beta1: 0.85, weightDecay: 0.05 },
  };

  it('every optimizer round-trips through its saved config, and rejects unknown options', () => {
    for (const name of OPTIMIZERS.names()) {
      expect(examples[name], `a round-trip example for '${name}'`).toBeDefined();
      const def = OPTIMIZERS.get('test', 'name', name);
      const o = def.create(examples[name]);
      const again = optimizerFromConfig('test', { type: o.type, config: JSON.parse(JSON.stringify(o.getConfig())) });
      expect(again.getConfig()).toEqual(o.getConfig());
      expect(Object.keys(o.getConfig()).sort()).toEqual([...def.options].sort());
      expect(() => def.create({ learningRte: 0.1 })).toThrow(/unknown option 'learningRte'/);
    }
    expect(OPTIMIZERS.names()).toEqual(['sgd', 'adam', 'adamw']);
  });
});
