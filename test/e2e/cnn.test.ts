/**
 * The playground's CNN view in Debian's Chromium: a CNN model file made in Node, drawn on, shows its first
 * convolution's feature maps and the saliency of the winning logit exactly as Node computes them (model.layerOutputs,
 * grad); the CLI's `--arch cnn` network loads; files that are not a 28×28×1 digit model are refused with a clear
 * message; and the small CNN trains in the page's worker. Screenshots go to artifacts/e2e/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { Adam, Conv2D, Tensor, data, grad, input, layers, model, modelFromBytes, modelToBytes, reshape, slice, type Model } from '../../src/index.js';
import { smallCnn } from '../../playground/src/worker/small-cnn.js';
import { HAS_CHROMIUM, SKIP_MESSAGE, artifact, openPage, openSession, type Session } from './browser.js';
import { SEVEN, drawStroke, modelInput, waitForPrediction } from './draw.js';

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

const EMBEDDED = fileURLToPath(new URL('../../assets/mnist-10k.idx.gz', import.meta.url));

/** The embedded digits' fixed split, as images [n, 28, 28, 1]. */
function mnistImages() {
  const ds = data.decodeEmbeddedMnist(new Uint8Array(gunzipSync(readFileSync(EMBEDDED))));
  const split = data.splitTrainTest(ds);
  const t = (s: data.Dataset) => {
    const { x, y } = data.toTensors(s);
    return { x: reshape(x, [s.count, 28, 28, 1]), y };
  };
  return { train: t(split.train), test: t(split.test) };
}

/** The page's small CNN, trained in Node for 30 steps of 32 digits (seeded: the same file every run). */
async function trainedSmallCnn(train: { x: Tensor; y: Tensor }): Promise<Model> {
  const net = smallCnn(10, 0.003, 3);
  await net.fit(slice(train.x, 0, 960), slice(train.y, 0, 960), { epochs: 1, batchSize: 32, seed: 3 });
  return net;
}

/** The network `logitkit train --arch cnn` builds (its 'cnn' preset), untrained. */
function cliShapedCnn(): Model {
  const x = input({ shape: [28, 28, 1] });
  let h = layers.conv2d({ filters: 32, kernelSize: 3, activation: 'relu' }).apply(x);
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  h = layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }).apply(h);
  h = layers.maxPooling2d({ poolSize: 2 }).apply(h);
  h = layers.flatten().apply(h);
  h = layers.dense({ units: 128, activation: 'relu' }).apply(h);
  h = layers.dropout({ rate: 0.3 }).apply(h);
  return model({ inputs: x, outputs: layers.dense({ units: 10 }).apply(h), name: 'cnn', seed: 5 });
}

function mlp(): Model {
  const x = input({ shape: [784] });
  return model({ inputs: x, outputs: layers.dense({ units: 10 }).apply(layers.dense({ units: 32, activation: 'relu' }).apply(x)), name: 'mlp', seed: 7 });
}

/** A CNN for 32×32 colour images: a fine model file, but not for 28×28 digits. */
function rgbCnn(): Model {
  const x = input({ shape: [32, 32, 3] });
  const h = layers.flatten().apply(layers.maxPooling2d({ poolSize: 2 }).apply(layers.conv2d({ filters: 4, kernelSize: 3, activation: 'relu' }).apply(x)));
  return model({ inputs: x, outputs: layers.dense({ units: 10 }).apply(h), name: 'rgb', seed: 9 });
}

/** |a − b| ≤ tol · max(1, max |b|), elementwise (the page and Node may run different kernel sets). */
function expectClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  expect(a.length, what).toBe(b.length);
  let scale = 1;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  let worst = 0;
  for (let i = 0; i < b.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  expect(worst, `${what}: largest difference ${worst}`).toBeLessThanOrEqual(tol * scale);
}

const DIGITS = Array.from({ length: 10 }, (_, d) => d);

describe.skipIf(!HAS_CHROMIUM)('playground CNN view in Chromium', () => {
  let session: Session;
  let page: Page;
  const errors: string[] = [];
  const files: Record<'cnn' | 'cli' | 'mlp' | 'rgb' | 'corrupt' | 'text', string> = {
    cnn: artifact('cnn-small.lkm'),
    cli: artifact('cnn-cli-preset.lkm'),
    mlp: artifact('cnn-test-mlp.lkm'),
    rgb: artifact('rgb-cnn.lkm'),
    corrupt: artifact('corrupt-cnn.lkm'),
    text: artifact('not-a-model.txt.lkm'),
  };
  let mnist: ReturnType<typeof mnistImages>;

  beforeAll(async () => {
    session = await openSession();
    page = await openPage(session, errors);
    await page.goto(session.server.url);
    await page.waitForSelector('body[data-ready="true"]');
    mnist = mnistImages();
    const cnnBytes = modelToBytes(await trainedSmallCnn(mnist.train));
    writeFileSync(files.cnn, cnnBytes);
    writeFileSync(files.cli, modelToBytes(cliShapedCnn()));
    writeFileSync(files.mlp, modelToBytes(mlp()));
    writeFileSync(files.rgb, modelToBytes(rgbCnn()));
    writeFileSync(files.corrupt, cnnBytes.subarray(0, Math.floor(cnnBytes.length / 2)));
    writeFileSync(files.text, 'hello, I am not a model\n');
  });

  afterAll(async () => {
    await session?.close();
  });

  const text = (id: string) => page.getByTestId(id).innerText();
  const value = async (id: string) => (await page.getByTestId(id).getAttribute('data-value')) ?? '';

  /** Chooses a file with the file input; resolves once the page says it loaded it (or could not). */
  async function chooseFile(path: string): Promise<string> {
    await page.getByTestId('model-file').setInputFiles(path);
    await page.waitForFunction(() => /^(Model: |Could not load)/.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''));
    return text('model-status');
  }

  /** Waits until the CNN section shows the drawing the prediction shows (it may lag by a throttled update). */
  async function cnnShown(): Promise<void> {
    await waitForPrediction(page);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="cnn-panel"]')?.getAttribute('data-seq') ===
        document.querySelector('[data-testid="prediction"]')?.getAttribute('data-updates'),
    );
  }

  /** The feature-map canvases: size, the values they show, and how many distinct colours they hold. */
  async function featureMaps(): Promise<Array<{ width: number; height: number; values: number[]; colours: number }>> {
    return page.getByTestId('cnn-feature-maps').evaluate((el) =>
      Array.from(el.querySelectorAll('canvas')).map((c) => {
        const img = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
        const colours = new Set<number>();
        for (let i = 0; i < img.length; i += 4) colours.add((img[i] << 16) | (img[i + 1] << 8) | img[i + 2]);
        return { width: c.width, height: c.height, values: Array.from((c as HTMLCanvasElement & { values: Float32Array }).values), colours: colours.size };
      }),
    );
  }

  async function saliency(): Promise<{ values: number[]; colours: number; classId: string }> {
    return page.getByTestId('saliency').evaluate((c) => {
      const canvas = c as HTMLCanvasElement & { values?: Float32Array };
      const img = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const colours = new Set<number>();
      for (let i = 0; i < img.length; i += 4) colours.add((img[i] << 16) | (img[i + 1] << 8) | img[i + 2]);
      return { values: Array.from(canvas.values ?? []), colours: colours.size, classId: canvas.getAttribute('data-class') ?? '' };
    });
  }

  /** The logits and probabilities the page shows (exact data-values). */
  async function shown(): Promise<{ logits: number[]; probs: number[] }> {
    const logits = await Promise.all(DIGITS.map(async (d) => Number(await value(`digit-logit-${d}`))));
    const probs = await Promise.all(DIGITS.map(async (d) => Number(await value(`digit-prob-${d}`))));
    return { logits, probs };
  }

  const argmax = (v: readonly number[]) => v.reduce((best, x, i) => (x > v[best] ? i : best), 0);

  /** ∂z_k/∂x in Node, by the library's autograd (the one-hot seed e_k). */
  function nodeSaliency(net: Model, x: Tensor, k: number): Float32Array {
    const seed = new Tensor(new Float32Array(10), [1, 10]);
    seed.values[k] = 1;
    return grad((t) => net.forward([t]).outputs[0])(x, seed).values as Float32Array;
  }

  it('before any model, the CNN section offers to train the small CNN', async () => {
    const panel = page.getByTestId('cnn-panel');
    expect(await panel.getAttribute('data-state')).toBe('no-model');
    expect(await text('cnn-status')).toMatch(/^No model yet: train the small CNN/);
    expect(await page.getByTestId('cnn-train').isVisible()).toBe(true);
    expect(await page.getByTestId('cnn-feature-maps').locator('canvas').count()).toBe(0);
  });

  it("a CNN file made in Node: the drawn digit's feature maps and saliency are Node's, the probabilities sum to 1 and the decision is their argmax", async () => {
    const status = await chooseFile(files.cnn);
    expect(status).toBe('Model: cnn-small.lkm.');
    await page.getByTestId('draw-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('draw-clear').click();
    await drawStroke(page, SEVEN);
    await cnnShown();
    const net = modelFromBytes(new Uint8Array(readFileSync(files.cnn)), { source: files.cnn });
    const conv = net.layers.find((l): l is Conv2D => l instanceof Conv2D)!;
    expect(conv.filters).toBe(8);
    const pixels = await modelInput(page);
    const x = new Tensor(pixels, [1, 28, 28, 1]);

    // The logits are Node's; the probabilities are a distribution; the decision is their argmax.
    const { logits, probs } = await shown();
    expectClose(logits, Array.from(net.predictLogits(x).values), 1e-5, 'logits');
    const total = probs.reduce((a, b) => a + b, 0);
    expect(Math.abs(total - 1)).toBeLessThan(1e-5);
    for (const p of probs) expect(p).toBeGreaterThanOrEqual(0);
    const decision = await value('prediction');
    expect(decision).toBe(String(argmax(probs)));
    expect(decision).toBe(String(argmax(logits)));
    expect(await page.getByTestId(`digit-bar-${decision}`).getAttribute('class')).toContain('decision');

    // The first convolution's maps: one canvas per filter, 26×26, showing Node's layerOutputs.
    const section = page.getByTestId('cnn-feature-maps');
    expect(await section.getAttribute('data-layer')).toBe(conv.name);
    expect(await section.getAttribute('data-filters')).toBe('8');
    expect(await page.getByTestId('cnn-panel').getAttribute('data-state')).toBe('shown');
    const maps = await featureMaps();
    expect(maps.length).toBe(8);
    const out = net.layerOutputs([x], [conv.name])[0];
    expect(out.shape).toEqual([1, 26, 26, 8]);
    let nonBlank = 0;
    maps.forEach((m, k) => {
      expect([m.width, m.height]).toEqual([26, 26]);
      const expected = Array.from({ length: 26 * 26 }, (_, i) => out.values[i * 8 + k]);
      expectClose(m.values, expected, 1e-5, `feature map ${k}`);
      // A map whose values vary is drawn with more than one colour (relu maps: black 0 to white max).
      const varies = Math.max(...expected) > Math.min(...expected);
      if (varies) expect(m.colours, `feature map ${k}`).toBeGreaterThan(1);
      if (m.colours > 1) nonBlank++;
    });
    console.log(`e2e CNN: drawn 7 → ${decision}; ${nonBlank}/8 feature maps non-blank`);
    expect(nonBlank).toBeGreaterThanOrEqual(6);

    // The saliency: ∂z_k/∂pixel for the winning logit k, as Node's grad gives it, painted over the digit.
    const s = await saliency();
    expect(s.classId).toBe(decision);
    expect(s.values.length).toBe(784);
    expect(s.colours).toBeGreaterThan(10);
    expectClose(s.values, Array.from(nodeSaliency(net, x, Number(decision))), 1e-5, 'saliency');
    expect(s.values.some((v) => v !== 0)).toBe(true);
    await page.getByTestId('draw-panel').screenshot({ path: artifact('11-cnn-feature-maps.png') });

    // One scale for all maps: the same values, repainted against the largest of them.
    await page.getByTestId('cnn-scale').selectOption('shared');
    await page.waitForFunction(() => /one scale for all maps/.test(document.querySelector('[data-testid="cnn-maps-caption"]')?.textContent ?? ''));
    expectClose((await featureMaps())[0].values, maps[0].values, 0, 'feature map 0, shared scale');
    await page.getByTestId('cnn-scale').selectOption('map');
  });

  it('a CNN shaped like `logitkit train --arch cnn` (28×28×1, 32 filters) loads and shows its 32 feature maps', async () => {
    expect(await chooseFile(files.cli)).toBe('Model: cnn-cli-preset.lkm.');
    await cnnShown();
    const net = modelFromBytes(new Uint8Array(readFileSync(files.cli)), { source: files.cli });
    const x = new Tensor(await modelInput(page), [1, 28, 28, 1]);
    expectClose((await shown()).logits, Array.from(net.predictLogits(x).values), 1e-5, 'logits');
    expect(await page.getByTestId('cnn-feature-maps').getAttribute('data-filters')).toBe('32');
    const maps = await featureMaps();
    expect(maps.length).toBe(32);
    for (const m of maps) expect([m.width, m.height]).toEqual([26, 26]);
    expect(maps.filter((m) => m.colours > 1).length).toBeGreaterThan(16);
    expect(await text('cnn-maps-caption')).toMatch(/^conv2d_\d+: 32 filters 3×3, valid, relu: 32 maps of 26×26/);
    expect((await saliency()).colours).toBeGreaterThan(10);
  });

  it('says clearly when a file is not a CNN on 28×28×1 digits, or not a model file', async () => {
    // An MLP: a fine model for the digits, with no convolution, so no feature maps (its saliency still shows).
    expect(await chooseFile(files.mlp)).toBe('Model: cnn-test-mlp.lkm.');
    await cnnShown();
    const panel = page.getByTestId('cnn-panel');
    expect(await panel.getAttribute('data-state')).toBe('no-conv');
    expect(await text('cnn-status')).toMatch(/^This model has no convolution layer \(its layers: Input, Dense, Dense\), so it has no feature maps/);
    expect(await page.getByTestId('cnn-feature-maps').locator('canvas').count()).toBe(0);
    expect((await saliency()).colours).toBeGreaterThan(10);
    await page.getByTestId('draw-panel').screenshot({ path: artifact('12-cnn-mlp-file.png') });

    // A CNN for 32×32 colour images: refused, with the shapes the panel takes.
    expect(await chooseFile(files.rgb)).toMatch(
      /^Could not load rgb-cnn\.lkm: the model takes inputs of shape \[32, 32, 3\], not one 28×28 grayscale image: the drawing panel feeds \[784\] \(an MLP\), \[28, 28\], or \[28, 28, 1\] \(a CNN/,
    );
    expect(await page.getByTestId('model-status').getAttribute('role')).toBe('alert');
    // No model now: the prediction and the CNN section are cleared, not left showing the previous model.
    await page.waitForFunction(() => document.querySelector('[data-testid="cnn-panel"]')?.getAttribute('data-state') === 'no-model');
    expect(await value('prediction')).toBe('');
    expect(await page.getByTestId('cnn-feature-maps').locator('canvas').count()).toBe(0);

    // A truncated CNN file and a text file: the loader's own message.
    expect(await chooseFile(files.corrupt)).toMatch(/^Could not load corrupt-cnn\.lkm: modelFromBytes: .* is not a valid logitkit model file: /);
    expect(await chooseFile(files.text)).toMatch(/^Could not load not-a-model\.txt\.lkm: modelFromBytes: .* is not a valid logitkit model file: /);
    await page.getByTestId('draw-panel').screenshot({ path: artifact('13-cnn-refused.png') });

    // A good file after the errors works again.
    expect(await chooseFile(files.cnn)).toBe('Model: cnn-small.lkm.');
    await cnnShown();
    expect((await featureMaps()).length).toBe(8);
  });

  it('trains the small CNN in the worker with progress; the drawing panel shows its maps; its download predicts in Node as on the page', async () => {
    // Choosing the CNN sets its defaults.
    await page.getByTestId('train-arch').selectOption('cnn');
    expect(await page.getByTestId('train-steps').inputValue()).toBe('200');
    expect(await page.getByTestId('train-batch').inputValue()).toBe('32');
    expect(await page.getByTestId('train-lr').inputValue()).toBe('0.003');
    expect(await text('train-arch-about')).toMatch(/^A small CNN, input 28×28×1 → conv 8 filters 3×3/);
    await page.getByTestId('train-steps').fill('40');
    // The CNN section's button: the drawing panel switches to the page's model and the run starts.
    const started = Date.now();
    await page.getByTestId('cnn-train').click();
    expect(await page.getByTestId('model-source').inputValue()).toBe('page');
    const trainPanel = page.getByTestId('train-panel');
    expect(await trainPanel.getAttribute('data-arch')).toBe('cnn');
    const seen = new Set<number>();
    for (;;) {
      const state = await trainPanel.getAttribute('data-state');
      if (state === 'error') throw new Error(`training failed: ${await text('train-status')}`);
      const step = Number(await value('train-step'));
      if (step > 0) seen.add(step);
      if (state !== 'running') break;
      if (Date.now() - started > 150_000) throw new Error(`training did not finish: ${await text('train-status')}`);
      await page.waitForTimeout(100);
    }
    const seconds = (Date.now() - started) / 1000;
    expect(await trainPanel.getAttribute('data-state'), await text('train-status')).toBe('finished');
    expect(await text('train-status')).toMatch(/^Finished after 40 steps in .* s; test accuracy .*% on all 2,000 test digits\.$/);
    const accuracy = Number(await value('test-accuracy'));
    expect(await page.getByTestId('test-accuracy').getAttribute('data-count')).toBe('2000');
    console.log(
      `e2e CNN training: 40 steps in ${seconds} s (${await text('train-speed')}, ${await text('train-kernels-used')}), test accuracy ${accuracy}; steps seen ${[...seen].sort((a, b) => a - b).join(', ')}`,
    );
    expect(seen.size).toBeGreaterThan(1);
    expect(accuracy).toBeGreaterThan(0.5);
    // The accuracy chart has the evaluations during the run (steps 10, 20, 30, on the first 500 test digits) and
    // the final one on all of them (step 40).
    expect(await page.getByTestId('accuracy-chart').locator('circle.s-test').count()).toBe(4);
    await page.getByTestId('calibration-panel').waitFor({ state: 'visible' });
    await trainPanel.screenshot({ path: artifact('14-cnn-trained.png') });

    // The drawing panel predicts with the page's CNN.
    await page.waitForFunction(() =>
      /^Model: the small CNN trained in this page \(step 40\)\.$/.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''),
    );
    await page.getByTestId('draw-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('draw-clear').click();
    await drawStroke(page, SEVEN);
    await cnnShown();
    expect(await page.getByTestId('cnn-feature-maps').getAttribute('data-filters')).toBe('8');
    expect((await featureMaps()).filter((m) => m.colours > 1).length).toBeGreaterThanOrEqual(4);
    expect((await saliency()).colours).toBeGreaterThan(10);
    await page.getByTestId('draw-panel').screenshot({ path: artifact('15-cnn-page-model.png') });

    // The download is a CNN model file: in Node it has the page's logits and the test accuracy the worker reported.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-download').click()]);
    expect(download.suggestedFilename()).toBe('mnist-cnn-step40.lkm');
    const path = artifact('mnist-cnn.lkm');
    await download.saveAs(path);
    const trained = modelFromBytes(new Uint8Array(readFileSync(path)), { source: path });
    expect(trained.inputShape).toEqual([28, 28, 1]);
    expect(trained.layers.filter((l) => l instanceof Conv2D).length).toBe(2);
    const x = new Tensor(await modelInput(page), [1, 28, 28, 1]);
    expectClose((await shown()).logits, Array.from(trained.predictLogits(x).values), 1e-5, 'logits of the downloaded CNN');
    trained.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const nodeAcc = trained.evaluate(mnist.test.x, mnist.test.y, { batchSize: 1000 }).acc;
    expect(Math.abs(nodeAcc - accuracy)).toBeLessThanOrEqual(0.002);
  });

  it('logged no errors and made no request outside the local server', () => {
    expect(errors).toEqual([]);
  });
});
