import { describe, expect, it } from 'vitest';
import { argMax, calibration, layers, metrics, modelFromBytes, modelToBytes, nn, sequential, slice, tensor, type Model } from '../../src/index.js';
import { blobs } from '../helpers/train.js';
import { explode, rebuild } from '../helpers/model-files.js';

/** An over-fitted classifier of overlapping blobs: over-confident on held-out examples, as Guo et al. describe. */
let trained: ReturnType<typeof train> | null = null;
async function overconfident(): ReturnType<typeof train> {
  trained ??= train();
  const t = await trained;
  t.net.calibration = undefined;
  return t;
}
async function train(): Promise<{
  net: Model;
  val: { x: ReturnType<typeof slice>; y: ReturnType<typeof slice> };
  test: { x: ReturnType<typeof slice>; y: ReturnType<typeof slice> };
}> {
  const { x, y } = blobs(2400, 6, 4, 11, 1.6);
  const net = sequential(
    [layers.dense({ units: 64, activation: 'relu', inputShape: [6] }), layers.dense({ units: 64, activation: 'relu' }), layers.dense({ units: 4 })],
    { seed: 3 },
  );
  net.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  await net.fit(slice(x, 0, 400), slice(y, 0, 400), { epochs: 200, batchSize: 32, seed: 1, verbose: 0 });
  return { net, val: { x: slice(x, 400, 1000), y: slice(y, 400, 1000) }, test: { x: slice(x, 1400, 1000), y: slice(y, 1400, 1000) } };
}

describe('model.calibrate', () => {
  it('temperature scaling halves the held-out ECE or better, keeps every decision, and predictProba applies it', async () => {
    const { net, val, test } = await overconfident();
    const before = metrics.calibration(net.predictLogits(test.x), test.y);
    const classesBefore = net.predictClasses(test.x);
    const r = net.calibrate(val.x, val.y);
    expect(r.calibration.method).toBe('temperature');
    const T = (r.calibration as { temperature: number }).temperature;
    expect(T).toBeGreaterThan(1); // over-confident: the fitted temperature softens
    expect(r.nllAfter).toBeLessThan(r.nllBefore);
    expect(net.calibration).toEqual(r.calibration);
    // The same T as the library function on the same logits.
    expect(T).toBe(calibration.fitTemperature(net.predictLogits(val.x), val.y).temperature);
    const z = net.predictLogits(test.x);
    const afterReport = metrics.calibration(calibration.applyCalibration(z, r.calibration), test.y);
    expect(afterReport.ece).toBeLessThanOrEqual(before.ece / 2);
    expect(afterReport.accuracy).toBe(before.accuracy);
    expect(Array.from(net.predictClasses(test.x).values)).toEqual(Array.from(classesBefore.values));
    // predictProba = softmax(z / T); predict and predictLogits stay the raw logits.
    const p = net.predictProba(test.x);
    // In the model's dtype (float32): z / fround(T), correctly rounded.
    const want = nn.softmax(
      tensor(
        Array.from(z.values, (v) => Math.fround(v / Math.fround(T))),
        { shape: z.shape, dtype: z.dtype },
      ),
    );
    expect(Array.from(p.values)).toEqual(Array.from(want.values));
    expect(Array.from(net.predict(test.x).values)).toEqual(Array.from(z.values));
    expect(Array.from(argMax(p, -1).values)).toEqual(Array.from(classesBefore.values));
  });

  it('vector scaling: a scale and a bias per class, never a higher NLL than temperature scaling on the fitting data', async () => {
    const { net, val } = await overconfident();
    const t = net.calibrate(val.x, val.y);
    const v = net.calibrate(val.x, val.y, { method: 'vectorScaling' });
    expect(v.calibration.method).toBe('vectorScaling');
    const c = v.calibration as { scale: number[]; bias: number[] };
    expect(c.scale).toHaveLength(4);
    expect(c.bias).toHaveLength(4);
    expect(v.nllAfter).toBeLessThanOrEqual(t.nllAfter + 1e-12);
    const z = net.predictLogits(val.x);
    const f = Math.fround;
    const u = z.values.map((zv, i) => f(f(zv * f(c.scale[i % 4])) + f(c.bias[i % 4])));
    expect(Array.from(net.predictProba(val.x).values)).toEqual(Array.from(nn.softmax(tensor(Array.from(u), { shape: z.shape })).values));
  });

  it('is kept in the model file, and a hostile calibration in a file is refused before use', async () => {
    const { net, val } = await overconfident();
    net.calibrate(val.x, val.y);
    const bytes = modelToBytes(net);
    const loaded = modelFromBytes(bytes);
    expect(loaded.calibration).toEqual(net.calibration);
    expect(Array.from(loaded.predictProba(val.x).values)).toEqual(Array.from(net.predictProba(val.x).values));
    net.calibrate(val.x, val.y, { method: 'vectorScaling' });
    expect(modelFromBytes(modelToBytes(net)).calibration).toEqual(net.calibration);

    const { header, data } = explode(bytes);
    const hostile = (calibrationValue: unknown) => {
      const h = structuredClone(header);
      h.metadata = { ...(h.metadata ?? {}), calibration: calibrationValue };
      return () => modelFromBytes(rebuild(h, data));
    };
    expect(hostile({ method: 'temperature', temperature: -1 })).toThrow(/header\.metadata\.calibration\.temperature must be a number > 0, got -1/);
    expect(hostile({ method: 'temperature', temperature: 1, extra: 2 })).toThrow(/header\.metadata\.calibration has an unknown field "extra"/);
    expect(hostile({ method: 'platt' })).toThrow(/header\.metadata\.calibration\.method must be one of 'temperature', 'vectorScaling', got "platt"/);
    expect(hostile({ method: 'vectorScaling', scale: [1, 1], bias: [0, 0] })).toThrow(/calibration\.scale has 2 values for the model's 4 output classes/);
    expect(hostile({ method: 'vectorScaling', scale: [1, 1, 1, 'x'], bias: [0, 0, 0, 0] })).toThrow(/calibration\.scale\[3\] must be a finite number/);
    expect(hostile([1])).toThrow(/header\.metadata\.calibration must be an object/);
  });

  it('refuses what it cannot calibrate, naming the argument', async () => {
    const { net, val } = await overconfident();
    expect(() => net.calibrate(val.x, val.y, { method: 'isotonic' as 'temperature' })).toThrow(
      /calibrate: argument 'method' must be one of 'temperature', 'vectorScaling'/,
    );
    expect(() => net.calibrate(val.x, val.y, { bins: 3 } as object)).toThrow(/calibrate: unknown option 'bins'/);
    expect(() => net.calibrate(val.x, slice(val.y, 0, 10))).toThrow(/calibrate: argument 'y' must be 1000 class ids/);
    const binary = sequential([layers.dense({ units: 1, activation: 'sigmoid', inputShape: [6] })]);
    expect(() => (binary as Model).calibrate(val.x, val.y)).toThrow(/calibrate: argument 'model' must be a softmax classifier with at least 2 logits/);
    net.calibration = { method: 'temperature', temperature: 0 };
    expect(() => modelToBytes(net)).toThrow(/modelToBytes: argument 'model\.calibration\.temperature' must be a finite number > 0, got 0/);
  });
});
