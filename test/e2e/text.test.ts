/**
 * The playground's text tab in Debian's Chromium: a model trained in the page on the example sentences classifies
 * seed 002's sentence and the examples of each class; the tokens' shares of each logit, read off the page, add up
 * with the bias to the logits (1e-12, float64), the probabilities are softmax(z) recomputed here in plain float64 and
 * the decision is argmax z; the token colours follow the sign of the share of the winning logit; a text model file
 * made in Node loads and gives Node's logits bit for bit; files that are not text models are refused clearly.
 */
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainText, input, layers, model, modelToBytes, optimizers, tensor, textClassifier } from '../../src/index.js';
import { SEED_SENTENCE, TEXT_EXAMPLES } from '../../playground/src/text-corpus.js';
import { HAS_CHROMIUM, SKIP_MESSAGE, artifact, openPage, openSession, type Session } from './browser.js';

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

interface Shown {
  tokens: { token: string; contributions: number[]; cls: string }[];
  shares: number[];
  bias: number[];
  logits: number[];
  p: number[];
  decision: string;
  decided: number;
  residual: number;
}

/** softmax in float64, written here (max-shifted), independent of the library. */
function softmax(z: number[]): number[] {
  const m = Math.max(...z);
  const e = z.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

describe.skipIf(!HAS_CHROMIUM)('text tab in Chromium', () => {
  let session: Session;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openSession();
    page = await openPage(session, errors);
    await page.goto(session.server.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByTestId('text-panel').scrollIntoViewIfNeeded();
  });

  afterAll(async () => {
    await session?.close();
    expect(errors).toEqual([]);
  });

  async function waitState(state: string): Promise<string> {
    await page.waitForFunction((s) => document.querySelector('[data-testid="text-status"]')?.getAttribute('data-state') === s, state, { timeout: 60_000 });
    return (await page.getByTestId('text-status').textContent()) ?? '';
  }

  function read(): Promise<Shown> {
    return page.evaluate(() => {
      const q = (id: string) => document.querySelector(`[data-testid="${id}"]`);
      const num = (id: string) => Number(q(id)!.getAttribute('data-value'));
      const tokens = [...document.querySelectorAll('[data-testid^="text-token-"]')].map((el) => ({
        token: el.getAttribute('data-token')!,
        contributions: JSON.parse(el.getAttribute('data-contributions')!) as number[],
        cls: el.classList.contains('pos') ? 'pos' : 'neg',
      }));
      const K = document.querySelectorAll('[data-testid^="text-row-"]').length;
      const col = (name: string) => Array.from({ length: K }, (_, j) => num(`text-${name}-${j}`));
      return {
        tokens,
        shares: col('shares'),
        bias: col('bias'),
        logits: col('logit'),
        p: col('p'),
        decision: q('text-decision')!.textContent ?? '',
        decided: num('text-decision'),
        residual: num('text-residual'),
      };
    });
  }

  /** What every explanation on the page must satisfy, whatever the model. */
  function expectConsistent(s: Shown, exactTo: number): void {
    expect(s.logits.length).toBeGreaterThan(1);
    s.logits.forEach((z, j) => {
      const sum = s.tokens.reduce((a, t) => a + t.contributions[j]!, 0);
      expect(Math.abs(sum - s.shares[j]!)).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(sum)));
      expect(Math.abs(sum + s.bias[j]! - z), `class ${j}: Σ shares + b vs z`).toBeLessThanOrEqual(exactTo);
    });
    softmax(s.logits).forEach((p, j) => expect(Math.abs(p - s.p[j]!)).toBeLessThanOrEqual(1e-12));
    expect(s.decided).toBe(s.logits.indexOf(Math.max(...s.logits)));
    for (const t of s.tokens) expect(t.cls).toBe(t.contributions[s.decided]! >= 0 ? 'pos' : 'neg');
  }

  it('starts without a model, then trains a TF-IDF model in the page that puts seed 002 in technology', async () => {
    expect(await waitState('empty')).toMatch(/No model yet/);
    expect(await page.getByTestId('text-input').inputValue()).toBe(SEED_SENTENCE);
    await page.getByTestId('text-train').click();
    expect(await waitState('ready')).toMatch(/^Trained here: tfidf/);
    const s = await read();
    expectConsistent(s, 1e-12);
    expect(s.decision).toBe('technology');
    // The bag's tokens: the words, then the word pairs (ngrams 2), as the tokenizer gives them.
    expect(s.tokens.slice(0, 6).map((t) => t.token)).toEqual(['the', 'new', 'smartphone', 'has', 'amazing', 'features']);
    expect(s.tokens.slice(6).map((t) => t.token)).toEqual(['the new', 'new smartphone', 'smartphone has', 'has amazing', 'amazing features']);
    await page.getByTestId('text-panel').screenshot({ path: artifact('text-01-seed.png') });
  });

  it('classifies the example sentences of each class, and updates as one types', async () => {
    const expected = ['news', 'entertainment', 'technology'];
    for (let i = 1; i <= 3; i++) {
      await page.getByTestId(`text-example-${i}`).click();
      expect(await page.getByTestId('text-input').inputValue()).toBe(TEXT_EXAMPLES[i]);
      const s = await read();
      expectConsistent(s, 1e-12);
      expect(s.decision, TEXT_EXAMPLES[i]).toBe(expected[i - 1]);
    }
    await page.getByTestId('text-input').fill('Parliament');
    let s = await read();
    expect(s.tokens.map((t) => t.token)).toEqual(['parliament']);
    expect(s.decision).toBe('news');
    await page.getByTestId('text-input').fill('!!! ...');
    s = await read();
    expect(s.tokens).toEqual([]);
    expect(await page.getByTestId('text-tokens').textContent()).toMatch(/No tokens/);
    expectConsistent(s, 1e-12); // no tokens: z = b exactly
  });

  it('trains the mean-of-embeddings model too, also exact', async () => {
    await page.getByTestId('text-arch').selectOption('embedding');
    await page.getByTestId('text-example-0').click();
    await page.getByTestId('text-train').click();
    expect(await waitState('ready')).toMatch(/^Trained here: embedding/);
    const s = await read();
    expectConsistent(s, 1e-12);
    expect(s.tokens.map((t) => t.token)).toEqual(['the', 'new', 'smartphone', 'has', 'amazing', 'features']);
    expect(s.decision).toBe('technology');
  });

  it("loads a text model file made in Node and shows Node's logits and shares exactly", async () => {
    const texts = ['cats purr and nap', 'a cat and a kitten', 'dogs bark at night', 'the dog fetched a ball', 'birds sing at dawn', 'a bird built a nest'];
    const net = textClassifier(texts, 3, { arch: 'tfidf', ngrams: 1, seed: 5 });
    net.classNames = ['cat', 'dog', 'bird'];
    net.compile({ optimizer: optimizers.adam({ learningRate: 0.1 }), loss: 'sparseCategoricalCrossentropy' });
    await net.fit(texts, tensor([0, 0, 1, 1, 2, 2], { dtype: 'int32' }), { epochs: 30, batchSize: 6, seed: 5 });
    const path = artifact('text-pets.lkm');
    writeFileSync(path, modelToBytes(net));
    await page.getByTestId('text-model-file').setInputFiles(path);
    expect(await waitState('ready')).toMatch(/^Loaded text-pets\.lkm: tfIdf input, .* classes cat, dog, bird\.$/);
    const sentence = 'The dog and the cat at dawn';
    await page.getByTestId('text-input').fill(sentence);
    const s = await read();
    const node = explainText(net, sentence);
    expect(s.logits).toEqual(Array.from(net.predictLogits([sentence]).values));
    expect(s.tokens.map((t) => [t.token, ...t.contributions])).toEqual(node.tokens.map((t) => [t.token, ...t.contributions]));
    expect(s.decision).toBe(node.classNames[node.predicted]);
    expectConsistent(s, 1e-5); // a float32 model: exact to float32 rounding
  });

  it('refuses files that are not text models, saying why, and keeps the last model', async () => {
    const bad = artifact('text-not-a-model.lkm');
    writeFileSync(bad, 'hello');
    await page.getByTestId('text-model-file').setInputFiles(bad);
    expect(await waitState('error')).toMatch(/^Could not load text-not-a-model\.lkm: /);
    const x = input({ shape: [4] });
    const dense = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x) });
    const numeric = artifact('text-numeric.lkm');
    writeFileSync(numeric, modelToBytes(dense));
    await page.getByTestId('text-model-file').setInputFiles(numeric);
    expect(await waitState('error')).toMatch(/not a text model/);
    // The loaded pets model still answers.
    await page.getByTestId('text-input').fill('a kitten');
    expect((await read()).decision).toBe('cat');
  });
});
