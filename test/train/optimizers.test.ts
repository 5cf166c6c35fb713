import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Adam, AdamW, SGD, Tensor, Variable, tensor, type Optimizer } from '../../src/index.js';

interface Fixture {
  p0: number[][];
  grads: number[][][];
  cases: Array<{ type: 'sgd' | 'adam' | 'adamw'; config: Record<string, number | boolean>; trajectory: number[][][] }>;
}
const fixture: Fixture = JSON.parse(readFileSync(new URL('./fixtures/optimizers.json', import.meta.url), 'utf8'));

function make(type: string, config: Record<string, number | boolean>): Optimizer {
  if (type === 'sgd') return new SGD(config);
  if (type === 'adam') return new Adam(config);
  return new AdamW(config);
}

const flat = (a: number[][]) => a.flat();

describe('optimizers against PyTorch (float64 trajectories, 6 steps)', () => {
  for (const c of fixture.cases) {
    it(`${c.type} ${JSON.stringify(c.config)}`, () => {
      const v = new Variable('w', tensor(fixture.p0, { dtype: 'float64' }));
      const opt = make(c.type, c.config);
      c.trajectory.forEach((want, step) => {
        opt.applyGradients([v], [tensor(fixture.grads[step], { dtype: 'float64' })]);
        const got = Array.from(v.value.values);
        flat(want).forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(w))));
      });
      expect(opt.step).toBe(6);
    });
  }

  it('float32 parameters follow the float64 trajectory to float32 precision', () => {
    const c = fixture.cases.find((x) => x.type === 'adam')!;
    const v = new Variable('w', tensor(fixture.p0, { dtype: 'float32' }));
    const opt = make(c.type, c.config);
    fixture.grads.forEach((g) => opt.applyGradients([v], [tensor(g, { dtype: 'float32' })]));
    expect(v.dtype).toBe('float32');
    flat(c.trajectory[5]).forEach((w, i) => expect(v.value.values[i]).toBeCloseTo(w, 5));
  });
});

describe('optimizer mechanics', () => {
  it('a hand-computed SGD step: p − lr·g', () => {
    const v = new Variable('w', tensor([1, 2], { dtype: 'float64' }));
    new SGD({ learningRate: 0.5 }).applyGradients([v], [tensor([0.2, -4], { dtype: 'float64' })]);
    expect(Array.from(v.value.values)).toEqual([0.9, 4]);
  });

  it('a hand-computed first Adam step moves each weight by lr·sign(g)', () => {
    const v = new Variable('w', tensor([1, 2, 3], { dtype: 'float64' }));
    new Adam({ learningRate: 0.1, epsilon: 0 }).applyGradients([v], [tensor([3, -0.001, 7], { dtype: 'float64' })]);
    const got = Array.from(v.value.values);
    [0.9, 2.1, 2.9].forEach((w, i) => expect(got[i]).toBeCloseTo(w, 12));
  });

  it('updates the variable in place, never a tensor it was given or a snapshot taken from it', () => {
    const given = tensor([1, 2]);
    const v = new Variable('w', given);
    const storage = v.value.values;
    const snapshot = new Tensor(v.value.data(), v.shape);
    new Adam().applyGradients([v], [tensor([1, 1])]);
    expect(v.value.values).toBe(storage);
    expect(Array.from(v.value.values)).not.toEqual([1, 2]);
    expect(Array.from(given.values)).toEqual([1, 2]);
    expect(Array.from(snapshot.values)).toEqual([1, 2]);
    const assigned = tensor([5, 6]);
    v.assign(assigned);
    new Adam().applyGradients([v], [tensor([1, 1])]);
    expect(Array.from(assigned.values)).toEqual([5, 6]);
    expect(v.value.values).toBe(storage);
  });

  it('calls a learning-rate schedule with (step, epoch)', () => {
    const calls: Array<[number, number]> = [];
    const v = new Variable('w', tensor([0], { dtype: 'float64' }));
    const opt = new SGD({ learningRate: (step, epoch) => (calls.push([step, epoch]), 0.1 / (1 + step)) });
    opt.applyGradients([v], [tensor([1], { dtype: 'float64' })]);
    opt.epoch = 3;
    opt.applyGradients([v], [tensor([1], { dtype: 'float64' })]);
    expect(calls).toEqual([
      [0, 0],
      [1, 3],
    ]);
    expect(v.value.values[0]).toBeCloseTo(-0.15, 15);
    expect(opt.lastLearningRate).toBe(0.05);
    expect(opt.getConfig().learningRate).toBeNull();
  });

  it('rejects a schedule that returns a bad learning rate', () => {
    const v = new Variable('w', tensor([0]));
    const opt = new SGD({ learningRate: () => Number.NaN });
    expect(() => opt.applyGradients([v], [tensor([1])])).toThrow(/learningRate/);
  });

  it('getState / setState continue exactly where an optimizer stopped', () => {
    const grads = fixture.grads.map((g) => tensor(g, { dtype: 'float64' }));
    const a = new Variable('w', tensor(fixture.p0, { dtype: 'float64' }));
    const optA = new AdamW({ learningRate: 0.01 });
    grads.forEach((g) => optA.applyGradients([a], [g]));

    const b = new Variable('w', tensor(fixture.p0, { dtype: 'float64' }));
    const optB = new AdamW({ learningRate: 0.01 });
    grads.slice(0, 3).forEach((g) => optB.applyGradients([b], [g]));
    const state = optB.getState();
    const p3 = new Tensor(b.value.data(), b.shape); // a snapshot: b is updated in place below
    // The saved state is a copy: later updates do not change it.
    optB.applyGradients([b], [grads[3]]);
    const resumed = new Variable('w', p3);
    const optC = new AdamW({ learningRate: 0.01 });
    optC.setState(state);
    grads.slice(3).forEach((g) => optC.applyGradients([resumed], [g]));
    expect(Array.from(resumed.value.values)).toEqual(Array.from(a.value.values));
    expect(optC.step).toBe(6);
    expect(state.step).toBe(3);
    expect(state.slots.map((s) => s.slot).sort()).toEqual(['m', 'v']);
  });

  it('validates arguments with clear errors', () => {
    expect(() => new SGD({ momentum: 1.5 })).toThrow(/momentum/);
    expect(() => new SGD({ nesterov: true })).toThrow(/Nesterov needs momentum/);
    expect(() => new Adam({ learningRate: -1 })).toThrow(/learningRate/);
    const v = new Variable('w', tensor([1, 2]));
    expect(() => new Adam().applyGradients([v], [tensor([1, 2, 3])])).toThrow(/grads\[0\]/);
    expect(() => new Adam().setState(new SGD().getState())).toThrow(/'adam'/);
  });
});
