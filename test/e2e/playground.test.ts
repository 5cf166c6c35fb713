/**
 * The playground in Debian's Chromium: logits → probabilities (checked against nn.softmax in Node),
 * temperature, a short in-browser training with the stop button, and drawing a digit.
 * Screenshots go to artifacts/e2e/.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import {
  Adam,
  Dense,
  Tensor,
  calibration,
  data,
  div,
  explainPrediction,
  input,
  layers,
  metrics,
  model,
  modelFromBytes,
  modelToBytes,
  nn,
  tensor,
  type Model,
} from '../../src/index.js';
import { explain, formatReadable, renderJson, renderText } from '../../src/explain/index.js';
import { formatValue } from '../../src/tensor/format.js';
import { HAS_CHROMIUM, SKIP_MESSAGE, artifact, openPage, openSession, type Session } from './browser.js';

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

const EMBEDDED = fileURLToPath(new URL('../../assets/mnist-10k.idx.gz', import.meta.url));

/** The page's short format: the explain renderers' readable numbers (3 digits), with a typographic minus. */
const short3 = (v: number) => formatReadable(v, 3, 'float32').replace(/^-/, '−').replace('e-', 'e−');

describe.skipIf(!HAS_CHROMIUM)('playground in Chromium', () => {
  let session: Session;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openSession();
    page = await openPage(session, errors);
    await page.goto(session.server.url);
    await page.waitForSelector('body[data-ready="true"]');
  });

  afterAll(async () => {
    await session?.close();
  });

  const text = (id: string) => page.getByTestId(id).innerText();
  const value = async (id: string) => (await page.getByTestId(id).getAttribute('data-value')) ?? '';

  async function probabilities(n: number): Promise<{ shown: string[]; exact: string[] }> {
    const shown: string[] = [];
    const exact: string[] = [];
    for (let i = 0; i < n; i++) {
      shown.push(await text(`prob-${i}`));
      exact.push(await value(`prob-${i}`));
    }
    return { shown, exact };
  }

  it('shows softmax([2.0, 1.0, 0.1]) as the library computes it', async () => {
    await page.getByTestId('preset-huge').click();
    for (const [i, v] of ['2.0', '1.0', '0.1'].entries()) await page.getByTestId(`logit-input-${i}`).fill(v);
    await page.getByTestId('true-class-0').check();
    const expected = Array.from(nn.softmax(tensor([2.0, 1.0, 0.1])).values);
    const { shown, exact } = await probabilities(3);
    expect(shown).toEqual(expected.map(short3));
    expect(exact).toEqual(expected.map((p) => formatValue(p, 'float32')));
    // The seed's rounded numbers: 0.659, 0.242, 0.099.
    [0.659, 0.242, 0.099].forEach((p, i) => expect(Math.abs(Number(exact[i]) - p)).toBeLessThan(5e-4));
    // Loss −log p_0 and gradient softmax − onehot.
    const loss = Number(await value('loss'));
    expect(Math.abs(loss + Math.log(expected[0]))).toBeLessThan(1e-6);
    const grad0 = Number(await value('grad-0'));
    expect(Math.abs(grad0 - (expected[0] - 1))).toBeLessThan(1e-6);
    expect(await value('decision')).toBe('0');
    await expect(page.getByTestId('trace').innerText()).resolves.toContain('Cross-entropy');
    await expect(page.getByTestId('trace-checks').innerText()).resolves.toMatch(/^Cross-checks: 6\/6 agree/);
    await page.getByTestId('logits-panel').screenshot({ path: artifact('01-logits.png') });
    // The library's own renderings of the same trace, as the CLI prints them.
    const trace = explain({ logits: [2.0, 1.0, 0.1], labels: 0, classNames: ['A', 'B', 'C'], temperature: 1, dtype: 'float32' });
    await page.getByTestId('trace-renderings').locator('summary').click();
    // The page renders it on the details' toggle event, a task queued after the click returns.
    await page.waitForFunction(() => (document.querySelector('[data-testid="trace-rendering"]')?.textContent ?? '') !== '');
    expect(await page.getByTestId('trace-rendering').textContent()).toBe(renderText(trace));
    await page.getByTestId('trace-tab-json').click();
    expect(await page.getByTestId('trace-rendering').textContent()).toBe(renderJson(trace));
    await page.getByTestId('trace-tab-text').click();
    await page.getByTestId('trace-renderings').locator('summary').click();
  });

  it('changes the probabilities with the temperature', async () => {
    const before = await probabilities(3);
    await page.getByTestId('temperature-input').fill('2');
    const after = await probabilities(3);
    const expected = Array.from(nn.softmax(div(tensor([2.0, 1.0, 0.1]), 2)).values);
    expect(after.exact).toEqual(expected.map((p) => formatValue(p, 'float32')));
    expect(Number(after.exact[0])).toBeLessThan(Number(before.exact[0]));
    expect(Number(after.exact[2])).toBeGreaterThan(Number(before.exact[2]));
    // The slider moves T too (log scale): dragging it to the far left sharpens the distribution.
    await page.getByTestId('temperature-slider').fill('0');
    expect(await page.getByTestId('temperature-input').inputValue()).toBe('0.05');
    expect(Number(await value('prob-0'))).toBeGreaterThan(0.999);
    await page.getByTestId('temperature-input').fill('1');
    expect((await probabilities(3)).exact).toEqual(before.exact);
  });

  it('adds, renames and removes classes; a logit slider updates the bars', async () => {
    await page.getByTestId('add-class').click();
    await page.getByTestId('class-name-3').fill('sports');
    await page.getByTestId('logit-input-3').fill('3');
    expect(await page.getByTestId('decision').innerText()).toBe('sports');
    const p = await probabilities(4);
    const expected = Array.from(nn.softmax(tensor([2.0, 1.0, 0.1, 3])).values);
    expect(p.exact).toEqual(expected.map((v) => formatValue(v, 'float32')));
    await page.getByTestId('logit-slider-3').fill('-5');
    expect(await page.getByTestId('logit-input-3').inputValue()).toBe('-5');
    expect(await value('decision')).toBe('0');
    await page.getByTestId('remove-class-3').click();
    await expect(page.getByTestId('class-row-3').count()).resolves.toBe(0);
  });

  it('never shows a tiny loss as 0', async () => {
    await page.getByTestId('preset-tiny-loss').click();
    const expected = nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0], logits: tensor([[20, 0, 0]]) }).item();
    expect(await value('loss')).toBe(formatValue(expected, 'float32'));
    expect(await text('loss')).toBe('4.122e−9');
    await expect(page.getByTestId('trace-notes').locator('[data-kind="lossPrecision"]').innerText()).resolves.toMatch(/gives 0 because/);
    await page.getByTestId('logits-panel').screenshot({ path: artifact('02-tiny-loss.png') });
    await page.getByTestId('preset-mask').click();
    expect(await value('prob-1')).toBe('0');
    expect(await value('grad-1')).toBe('0');
  });

  /** Waits until the training step satisfies `done`; fails at once with the status if the worker reports an error. */
  async function waitForTraining(done: (step: number) => boolean): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const state = await page.getByTestId('train-panel').getAttribute('data-state');
      if (state === 'error') throw new Error(`training failed: ${await text('train-status')}`);
      if (done(Number(await value('train-step')))) return;
      if (Date.now() > deadline) throw new Error(`training did not progress: ${await text('train-status')}`);
      await page.waitForTimeout(100);
    }
  }

  it('says when a logit does not parse, and clears the message once it does', async () => {
    const error = page.getByTestId('logits-error');
    await page.getByTestId('logit-input-0').fill('2.o');
    await expect.poll(() => error.isVisible()).toBe(true);
    expect(await error.textContent()).toMatch(/logit of .*: '2\.o' is not a number/);
    await page.getByTestId('logit-input-0').fill('2.0');
    await expect.poll(() => error.isVisible()).toBe(false);
  });

  it('before training, the charts have axis titles and no ticks', async () => {
    for (const id of ['loss-chart', 'accuracy-chart']) {
      const chart = page.getByTestId(id);
      expect(await chart.locator('.tick').count()).toBe(0);
      expect(await chart.getByTestId('chart-empty').count()).toBe(1);
      const titles = await chart.locator('.axis-label').allTextContents();
      expect(titles).toContain('training step');
      expect(titles).toContain(id === 'loss-chart' ? 'loss (cross-entropy)' : 'accuracy');
    }
  });

  it('trains in the browser: the loss drops, the accuracy rises, the page stays responsive', async () => {
    const panel = page.getByTestId('train-panel');
    await page.getByTestId('train-steps').fill('300');
    await page.getByTestId('train-start').click();
    await waitForTraining((step) => step >= 20);
    // Responsive while training: an edit in the logits panel is reflected at once.
    await page.getByTestId('preset-seed-text').click();
    const t0 = Date.now();
    await page.getByTestId('logit-input-0').fill('5');
    expect(await value('decision')).toBe('0');
    expect(Date.now() - t0).toBeLessThan(2000);
    await panel.scrollIntoViewIfNeeded();
    await page.screenshot({ path: artifact('03-training.png') });
    await page.waitForFunction(() => document.querySelector('[data-testid="train-panel"]')?.getAttribute('data-state') !== 'running', null, {
      timeout: 150_000,
    });
    expect(await panel.getAttribute('data-state'), await text('train-status')).toBe('finished');
    const first = Number(await panel.getAttribute('data-first-loss'));
    const last = Number(await value('train-loss'));
    const testAcc = Number(await value('test-accuracy'));
    console.log(`e2e training: first batch loss ${first}, smoothed final loss ${last}, test accuracy ${testAcc}, ${await text('train-speed')}`);
    expect(last).toBeLessThan(first * 0.5);
    expect(testAcc).toBeGreaterThan(0.8);
    expect(await text('train-status')).toMatch(/^Finished after 300 steps/);
    // With data, the charts have their scales and no placeholder.
    expect(await page.getByTestId('loss-chart').locator('.tick').count()).toBeGreaterThan(2);
    expect(await page.getByTestId('loss-chart').getByTestId('chart-empty').count()).toBe(0);
    // The page is cross-origin isolated, so the training worker lends the wasm kernels Web Worker threads.
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(await text('train-kernels-used')).toBe(cores > 1 ? `WebAssembly SIMD, ${Math.min(4, cores)} threads` : 'WebAssembly SIMD');
    await page.screenshot({ path: artifact('04-trained.png') });
  });

  /** The reliability diagram's bars: their data attributes, as the library wrote them. */
  async function bars(): Promise<Array<{ count: number; accuracy: number; confidence: number }>> {
    return page.getByTestId('calibration-diagram').evaluate((el) =>
      Array.from(el.querySelectorAll('rect.bin')).map((r) => ({
        count: Number(r.getAttribute('data-count')),
        accuracy: Number(r.getAttribute('data-accuracy')),
        confidence: Number(r.getAttribute('data-confidence')),
      })),
    );
  }

  /** Waits until the diagram shows temperature `t` (exact text) on `split`. */
  async function diagramAt(t: string, split: string): Promise<void> {
    await page.waitForFunction(
      ([t, split]) => {
        const el = document.querySelector('[data-testid="calibration-diagram"]');
        return el?.getAttribute('data-temperature') === t && el.getAttribute('data-split') === split;
      },
      [t, split],
    );
  }

  const figure = async (name: string) => Number(await value(`calibration-${name}`));
  const close = (a: number, b: number) => expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));

  it("shows the trained model's calibration: the reliability diagram, the figures, the temperature slider and the fit", async () => {
    const started = Date.now();
    const panel = page.getByTestId('calibration-panel');
    await panel.waitFor({ state: 'visible' });
    await panel.scrollIntoViewIfNeeded();
    await diagramAt('1', 'all');
    // The test logits the worker computed once at the end of the run; the labels are the test split's.
    const exposed = await panel.evaluate((el) => {
      const d = (el as HTMLElement & { testLogits: { logits: Float32Array; labels: Int32Array; classes: number; step: number } }).testLogits;
      return { logits: Array.from(d.logits), labels: Array.from(d.labels), classes: d.classes, step: d.step };
    });
    const n = exposed.labels.length;
    expect(exposed.classes).toBe(10);
    expect(exposed.logits.length).toBe(n * 10);
    expect(exposed.step).toBe(300);
    const ds = data.decodeEmbeddedMnist(new Uint8Array(gunzipSync(readFileSync(EMBEDDED))));
    expect(exposed.labels).toEqual(Array.from(data.splitTrainTest(ds).test.labels));
    const z = Float64Array.from(exposed.logits);
    const rows = (from: number, to: number, t = 1) =>
      [
        new Tensor(
          z.slice(from * 10, to * 10).map((v) => v / t),
          [to - from, 10],
        ),
        new Tensor(Int32Array.from(exposed.labels.slice(from, to)), [to - from]),
      ] as const;
    const report = (from: number, to: number, t = 1) => metrics.calibration(...rows(from, to, t), { bins: 15 });

    // The diagram has bars, and the figures are the library's, recomputed in Node from the same logits.
    const all = report(0, n);
    const barsAtOne = await bars();
    expect(barsAtOne.length).toBeGreaterThan(2);
    expect(barsAtOne.reduce((s, b) => s + b.count, 0)).toBe(n);
    for (const name of ['ece', 'mce', 'nll', 'brier', 'accuracy'] as const) close(await figure(name), all[name]);
    const ece = await figure('ece');
    expect(ece).toBeGreaterThanOrEqual(0);
    expect(ece).toBeLessThanOrEqual(1);
    // ECE = Σ count/N · |accuracy − confidence| over the diagram's bars.
    close(
      ece,
      barsAtOne.reduce((s, b) => s + (b.count / n) * Math.abs(b.accuracy - b.confidence), 0),
    );
    expect(await page.getByTestId('calibration-diagram').locator('line.diagonal').count()).toBe(1);
    expect(await page.getByTestId('calibration-diagram').innerText()).toContain(`ECE ${(100 * all.ece).toFixed(2)} %`);
    // The accuracy is the test accuracy the training panel reported (the worker's evaluate, same model).
    expect(Math.abs(all.accuracy - Number(await value('test-accuracy')))).toBeLessThanOrEqual(0.001);
    await panel.screenshot({ path: artifact('09-calibration.png') });

    // The slider (log scale, 0.25 … 4) to T = 2: other probabilities, so another ECE and other bars; the same argmax.
    await page.getByTestId('calibration-slider').fill('750');
    await diagramAt('2', 'all');
    expect(await value('calibration-t')).toBe('2');
    expect(await text('calibration-t')).toBe('2');
    const atTwo = report(0, n, 2);
    close(await figure('ece'), atTwo.ece);
    close(await figure('nll'), atTwo.nll);
    expect(await figure('ece')).not.toBe(ece);
    expect(await bars()).not.toEqual(barsAtOne);
    expect(await figure('accuracy')).toBe(all.accuracy);
    close(await figure('ece-t1'), all.ece);

    // Fit T: on the first half of the test digits; the page then shows the other half at the fitted T.
    await page.getByTestId('calibration-fit').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="calibration-panel"]')?.hasAttribute('data-fitted-temperature'));
    const half = Math.floor(n / 2);
    const fit = calibration.fitTemperature(...rows(0, half));
    const fitted = Number(await panel.getAttribute('data-fitted-temperature'));
    expect(fitted).toBeGreaterThan(0);
    close(fitted, fit.temperature);
    const tText = await value('calibration-t');
    expect(Number(tText)).toBe(fitted);
    await diagramAt(tText, 'eval');
    const slider = Number(await page.getByTestId('calibration-slider').inputValue());
    expect(slider).toBe(Math.min(1000, Math.max(0, Math.round(((Math.log2(fitted) + 2) / 4) * 1000))));
    expect(await page.getByTestId('calibration-split').inputValue()).toBe('eval');
    expect(await text('calibration-fit-result')).toMatch(new RegExp(`^Fitted T = .* on the first ${half.toLocaleString('en-US')} test digits`));
    const evalAtOne = report(half, n);
    const evalAtFit = report(half, n, fitted);
    close(await figure('ece'), evalAtFit.ece);
    close(await figure('ece-t1'), evalAtOne.ece);
    expect(await figure('accuracy')).toBe(evalAtOne.accuracy);
    console.log(
      `e2e calibration: T = ${fitted} (NLL on the fitting half ${fit.nllBefore} → ${fit.nllAfter}); ` +
        `evaluation half ECE ${evalAtOne.ece} → ${evalAtFit.ece}, NLL ${evalAtOne.nll} → ${evalAtFit.nll}`,
    );
    if (fitted > 1) {
      // An over-confident model: the fitted T lowers the ECE on the digits the fit did not see.
      expect(await figure('ece')).toBeLessThan(await figure('ece-t1'));
    }
    // On the fitting half, the fitted T never has a larger NLL than T = 1 (it minimises it there).
    await page.getByTestId('calibration-split').selectOption('fit');
    await diagramAt(tText, 'fit');
    expect(await figure('nll')).toBeLessThanOrEqual(await figure('nll-t1'));
    close(await figure('nll'), fit.nllAfter);
    close(await figure('nll-t1'), fit.nllBefore);
    await page.getByTestId('calibration-split').selectOption('eval');
    await panel.screenshot({ path: artifact('10-calibration-fitted.png') });
    // T = 1 puts the slider back in the middle.
    await page.getByTestId('calibration-reset').click();
    await diagramAt('1', 'eval');
    expect(await page.getByTestId('calibration-slider').inputValue()).toBe('500');
    console.log(`e2e calibration: checked in ${Date.now() - started} ms`);
  });

  async function draw(points: Array<[number, number]>): Promise<void> {
    // The drawing panel is taller than the window (the CNN section under the drawing): bring the canvas itself into view.
    await page.getByTestId('draw-canvas').scrollIntoViewIfNeeded();
    const box = (await page.getByTestId('draw-canvas').boundingBox())!;
    const at = ([x, y]: [number, number]) => [box.x + (x / 280) * box.width, box.y + (y / 280) * box.height] as const;
    await page.mouse.move(...at(points[0]));
    await page.mouse.down();
    for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
    await page.mouse.up();
  }

  async function predictionAfterDrawing(): Promise<string> {
    // The page predicts once per animation frame: after two frames, the last stroke has been seen.
    await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
    await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]')?.getAttribute('data-value') ?? ''));
    return value('prediction');
  }

  it('predicts a drawn digit with the model trained in the page, updating as you draw', async () => {
    await page.getByTestId('draw-panel').scrollIntoViewIfNeeded();
    await page.getByTestId('draw-clear').click();
    expect(await value('prediction')).toBe('');
    // A "1": one vertical stroke.
    await draw([
      [140, 50],
      [138, 120],
      [136, 190],
      [135, 235],
    ]);
    const one = await predictionAfterDrawing();
    const probsOne = await Promise.all(Array.from({ length: 10 }, (_, d) => value(`digit-prob-${d}`)));
    await page.screenshot({ path: artifact('05-draw-one.png') });
    // A "0": one closed ring. The prediction changes with the drawing.
    await page.getByTestId('draw-clear').click();
    const ring: Array<[number, number]> = [];
    for (let k = 0; k <= 36; k++) {
      const a = (k / 36) * 2 * Math.PI;
      ring.push([140 + 60 * Math.sin(a), 140 - 85 * Math.cos(a)]);
    }
    await draw(ring);
    const zero = await predictionAfterDrawing();
    const probsZero = await Promise.all(Array.from({ length: 10 }, (_, d) => value(`digit-prob-${d}`)));
    await page.screenshot({ path: artifact('06-draw-zero.png') });
    console.log(`e2e drawing: stroke → ${one}, ring → ${zero}`);
    expect(probsZero).not.toEqual(probsOne);
    expect(zero).not.toBe(one);
    expect(one).toBe('1');
    expect(zero).toBe('0');
    // Test digits drawn onto the canvas (the keyboard path): the model gets most of them right. The page picks them
    // at random (seeded by the clock), and the canvas round trip costs accuracy, so 20 of them, not 5: with 5, a model
    // at 92 % test accuracy failed the bar of 3 once in CI (2/5).
    let right = 0;
    const shown = 20;
    for (let i = 0; i < shown; i++) {
      const before = Number(await page.getByTestId('prediction').getAttribute('data-updates'));
      await page.getByTestId('draw-example').click();
      await page.waitForFunction((n) => Number(document.querySelector('[data-testid="prediction"]')?.getAttribute('data-updates')) > n, before);
      const label = await page.getByTestId('draw-example-label').getAttribute('data-label');
      expect(label).toMatch(/^\d$/);
      if ((await value('prediction')) === label) right++;
    }
    console.log(`e2e test digits: ${right}/${shown} predicted right`);
    expect(right).toBeGreaterThanOrEqual(shown / 2);
    await page.getByTestId('draw-panel').screenshot({ path: artifact('08-test-digit.png') });
    await page.getByTestId('draw-clear').click();
    await draw(ring);
    await predictionAfterDrawing();
  });

  /** The page's current drawing as the model saw it, and the logits it shows (exact data-values). */
  async function pageInputAndLogits(): Promise<{ pixels: Float32Array; shown: string[] }> {
    const pixels = await page.getByTestId('draw-preview').evaluate((el) => Array.from((el as HTMLCanvasElement & { mnistPixels: Float32Array }).mnistPixels));
    const shown = await Promise.all(Array.from({ length: 10 }, (_, d) => value(`digit-logit-${d}`)));
    return { pixels: Float32Array.from(pixels), shown };
  }

  const nodeLogits = (m: Model, pixels: Float32Array) => Array.from(m.predictLogits(new Tensor(pixels, [1, 784])).values).map((v) => formatValue(v, 'float32'));

  it('downloads the trained model: a logitkit model file that predicts in Node exactly what the page shows', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('train-download').click()]);
    expect(download.suggestedFilename()).toMatch(/^mnist-mlp-step\d+\.lkm$/);
    const path = artifact('mnist-mlp.lkm');
    await download.saveAs(path);
    const trained = modelFromBytes(new Uint8Array(readFileSync(path)), { source: `file '${path}'` });
    // The test accuracy the page reported (worker, WebAssembly kernels) is the one Node measures (TypeScript
    // kernels) for the downloaded model, up to an argmax flipped by rounding.
    trained.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
    const ds = data.decodeEmbeddedMnist(new Uint8Array(gunzipSync(readFileSync(EMBEDDED))));
    const test = data.toTensors(data.splitTrainTest(ds).test);
    const nodeAcc = trained.evaluate(test.x, test.y, { batchSize: 1000 }).acc;
    expect(Math.abs(nodeAcc - Number(await value('test-accuracy')))).toBeLessThanOrEqual(0.002);
    const { pixels, shown } = await pageInputAndLogits();
    expect(nodeLogits(trained, pixels)).toEqual(shown);
    // "Why this digit?": the page's explainPrediction trace is the one Node computes for the same model and input.
    await page.getByTestId('why').locator(':scope > summary').click();
    await page.getByTestId('why-contributions').waitFor();
    const last = trained.outputLayer as Dense;
    const hidden = model({ inputs: trained.inputs[0], outputs: trained.outputs[0].node.inputs[0] });
    const trace = explainPrediction(
      { lastDense: { kernel: last.kernel.value, bias: last.bias?.value ?? null }, hidden: (t) => hidden.predict(t), logits: (t) => trained.predictLogits(t) },
      new Tensor(pixels, [784]),
      { classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'], dtype: 'float32', top: 6 },
    );
    expect(await page.getByTestId('why-text').textContent()).toBe(renderText(trace, { maxClasses: 10 }));
    await page.getByTestId('draw-panel').screenshot({ path: artifact('07-why-this-digit.png') });
    await page.getByTestId('why').locator(':scope > summary').click();
  });

  it('loads a model file with the file input (modelFromBytes) and predicts with it', async () => {
    // A different network, made in Node: untrained, seed 7.
    const x = input({ shape: [784] });
    const z = layers.dense({ units: 10 }).apply(layers.dense({ units: 32, activation: 'relu' }).apply(x));
    const other = model({ inputs: x, outputs: z, name: 'other', seed: 7 });
    other.compile({ optimizer: new Adam(), loss: 'sparseCategoricalCrossentropy' });
    const path = artifact('untrained-other.lkm');
    writeFileSync(path, modelToBytes(other));
    await page.getByTestId('model-file').setInputFiles(path);
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="model-source"]') instanceof HTMLSelectElement &&
        (document.querySelector('[data-testid="model-source"]') as HTMLSelectElement).value === 'file',
    );
    await page.waitForFunction(() => /^Model: /.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''));
    expect(await text('model-status')).toContain('untrained-other.lkm');
    await page.waitForFunction(() => document.querySelector('[data-testid="digit-logit-0"]')?.getAttribute('data-value') !== null);
    let got = await pageInputAndLogits();
    for (let i = 0; i < 50 && JSON.stringify(got.shown) !== JSON.stringify(nodeLogits(other, got.pixels)); i++) {
      await page.waitForTimeout(50);
      got = await pageInputAndLogits();
    }
    expect(got.shown).toEqual(nodeLogits(other, got.pixels));
    // A file that is not a model: a clear error, and the page keeps working.
    const bad = artifact('not-a-model.lkm');
    writeFileSync(bad, 'hello');
    await page.getByTestId('model-file').setInputFiles(bad);
    await page.waitForFunction(() => /^Could not load/.test(document.querySelector('[data-testid="model-status"]')?.textContent ?? ''));
    expect(await text('model-status')).toMatch(/^Could not load not-a-model\.lkm: /);
    await page.getByTestId('model-source').selectOption('page');
    await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]')?.getAttribute('data-value') ?? ''));
  });

  it('stops training with the stop button', async () => {
    await page.getByTestId('train-steps').fill('20000');
    await page.getByTestId('train-kernels').selectOption('ts');
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-stop').isEnabled()).resolves.toBe(true);
    await waitForTraining((step) => step >= 10);
    await page.getByTestId('train-stop').click();
    await page.waitForFunction(() => document.querySelector('[data-testid="train-panel"]')?.getAttribute('data-state') === 'stopped', null, {
      timeout: 30_000,
    });
    const stoppedAt = Number(await value('train-step'));
    expect(stoppedAt).toBeLessThan(20000);
    expect(await text('train-status')).toMatch(/^Stopped after \d+ steps/);
    await page.waitForTimeout(500);
    expect(Number(await value('train-step'))).toBe(stoppedAt);
    expect(await page.getByTestId('train-start').isEnabled()).toBe(true);
    expect(await text('train-kernels-used')).toBe('TypeScript');
    await page.getByTestId('train-steps').fill('300');
    await page.getByTestId('train-kernels').selectOption('wasm');
  });

  it('logged no errors and made no request outside the local server', () => {
    expect(errors).toEqual([]);
  });
});
