/**
 * The playground's "next token" panel in Debian's Chromium: logits typed and processors set with the number boxes
 * and the sliders; the tokens each processor removes, the kept counts and the final renormalised probabilities
 * against Hugging Face transformers' processors run in PyTorch float64 (fixtures/next-token.json, made by
 * fixtures/make_next_token.py); greedy's choice; seeded sampling that is reproducible (same seed, same token, also
 * after a reload) and draws only kept tokens, about as often as their probabilities say.
 */
import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatReadable } from '../../src/explain/index.js';
import { sampling, tensor } from '../../src/index.js';
import { HAS_CHROMIUM, SKIP_MESSAGE, artifact, openPage, openSession, type Session } from './browser.js';

if (!HAS_CHROMIUM) console.warn(SKIP_MESSAGE);

interface Step {
  name: string;
  on: boolean;
  logits: (number | null)[];
  probabilities: number[];
  kept: number;
  removed: number[];
}
interface Case {
  name: string;
  logits: number[];
  previous: number[];
  penalty: number;
  temperature: number;
  topK: number;
  topP: number;
  minP: number;
  inputProbabilities: number[];
  steps: Step[];
  probabilities: number[];
  greedy: number;
}

const FIXTURE = JSON.parse(readFileSync(new URL('./fixtures/next-token.json', import.meta.url), 'utf8')) as { cases: Case[] };
const CASES = FIXTURE.cases;
const byName = (name: string) => CASES.find((c) => c.name === name)!;
const V = 10;
const ORDER = ['repetition penalty', 'temperature', 'top-k', 'top-p', 'min-p'];

/** The page's short format (3 significant digits, the explain renderers' rule) with a typographic minus. */
const short3 = (v: number) => formatReadable(v, 3, 'float32').replace(/^-/, '−').replace('e-', 'e−');

/** The page computes in float32 (the library's default), the reference in float64: a few float32 ulps apart. */
function close(actual: number, expected: number): boolean {
  return Math.abs(actual - expected) <= 2e-6 * Math.abs(expected) + 1e-9;
}

interface Shown {
  kept: number[];
  /** Per step, the tokens whose cell says "removed by" this step. */
  removed: number[][];
  /** Per step, per token: the probability at that step (data-p), 0 for removed tokens. */
  stepP: number[][];
  finalP: number[];
  finalText: string[];
  inputP: number[];
  greedy: number;
  rowRemovedBy: string[];
}

describe.skipIf(!HAS_CHROMIUM)('next token panel in Chromium', () => {
  let session: Session;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    session = await openSession();
    page = await openPage(session, errors);
    await open();
  });

  afterAll(async () => {
    await session?.close();
    expect(errors).toEqual([]);
  });

  async function open(): Promise<void> {
    await page.goto(session.server.url);
    await page.waitForSelector('body[data-ready="true"]');
    await page.getByTestId('next-token-panel').scrollIntoViewIfNeeded();
  }

  /** Types the case's logits and settings; top-k and top-p by their sliders when `sliders` is set. */
  async function setCase(c: Case, sliders: boolean): Promise<void> {
    for (let i = 0; i < V; i++) await page.getByTestId(`nt-logit-${i}`).fill(String(c.logits[i]));
    for (let i = 0; i < V; i++) await page.getByTestId(`nt-previous-${i}`).setChecked(c.previous.includes(i));
    await page.getByTestId('nt-penalty').fill(String(c.penalty));
    await page.getByTestId('nt-temperature').fill(String(c.temperature));
    await page.getByTestId(sliders ? 'nt-top-k-slider' : 'nt-top-k').fill(String(c.topK));
    await page.getByTestId(sliders ? 'nt-top-p-slider' : 'nt-top-p').fill(String(c.topP));
    await page.getByTestId('nt-min-p').fill(String(c.minP));
  }

  function read(): Promise<Shown> {
    return page.evaluate(
      ({ V, S }) => {
        const q = (id: string) => document.querySelector(`[data-testid="${id}"]`)!;
        const steps = Array.from({ length: S }, (_, k) => k);
        const tokens = Array.from({ length: V }, (_, i) => i);
        return {
          kept: steps.map((k) => Number(q(`nt-kept-${k}`).getAttribute('data-value'))),
          removed: steps.map((k) => tokens.filter((i) => q(`nt-cell-${k}-${i}`).getAttribute('data-removed') === 'now')),
          stepP: steps.map((k) => tokens.map((i) => Number(q(`nt-cell-${k}-${i}`).getAttribute('data-p')))),
          finalP: tokens.map((i) => Number(q(`nt-p-${i}`).getAttribute('data-value'))),
          finalText: tokens.map((i) => (q(`nt-p-${i}`) as HTMLElement).innerText),
          inputP: tokens.map((i) => Number(q(`nt-input-p-${i}`).getAttribute('data-value'))),
          greedy: Number(q('nt-greedy').getAttribute('data-value')),
          rowRemovedBy: tokens.map((i) => q(`nt-row-${i}`).getAttribute('data-removed-by') ?? ''),
        };
      },
      { V, S: ORDER.length },
    );
  }

  function expectCase(shown: Shown, c: Case): void {
    const where = `case '${c.name}'`;
    expect(shown.kept, where).toEqual(c.steps.map((s) => s.kept));
    expect(shown.removed, where).toEqual(c.steps.map((s) => s.removed));
    c.inputProbabilities.forEach((p, i) => expect(close(shown.inputP[i], p), `${where}: softmax(z)[${i}] ${shown.inputP[i]} vs ${p}`).toBe(true));
    c.steps.forEach((s, k) =>
      s.probabilities.forEach((p, i) => expect(close(shown.stepP[k][i], p), `${where}: ${s.name} p[${i}] ${shown.stepP[k][i]} vs ${p}`).toBe(true)),
    );
    c.probabilities.forEach((p, i) => {
      if (p === 0) expect(shown.finalP[i], `${where}: removed token ${i}`).toBe(0);
      else expect(close(shown.finalP[i], p), `${where}: final p[${i}] ${shown.finalP[i]} vs ${p}`).toBe(true);
    });
    expect(shown.finalText, where).toEqual(shown.finalP.map(short3));
    expect(shown.greedy, where).toBe(c.greedy);
    const removedBy = Array.from({ length: V }, (_, i) => c.steps.find((s) => s.removed.includes(i))?.name ?? '');
    expect(shown.rowRemovedBy, where).toEqual(removedBy);
  }

  it('shows the processors in transformers’ order and the example with every processor at work', async () => {
    const heads = await page.evaluate(() =>
      Array.from({ length: 5 }, (_, k) => document.querySelector(`[data-testid="nt-step-head-${k}"]`)!.textContent ?? ''),
    );
    heads.forEach((t, k) => expect(t).toContain(`${k + 1} ${ORDER[k]}`));
    await expect(page.getByTestId('next-token-panel').innerText()).resolves.toContain('repetition penalty → temperature → top-k → top-p → min-p');
    await expect(page.getByTestId('next-token-prompt').innerText()).resolves.toBe('The new smartphone has amazing');
    const c = byName('default');
    expectCase(await read(), c);
    // Greedy's word fills the blank.
    await expect(page.getByTestId('next-token-blank').innerText()).resolves.toBe('features');
    await page.getByTestId('next-token-panel').screenshot({ path: artifact('16-next-token.png') });
  });

  it('matches transformers’ processors for typed logits, with the boxes and the sliders', async () => {
    for (const [n, c] of CASES.entries()) {
      await setCase(c, n % 2 === 1);
      expectCase(await read(), c);
    }
    // Reset brings back the example.
    await page.getByTestId('next-token-reset').click();
    expectCase(await read(), byName('default'));
  });

  it('moving the top-k and top-p sliders removes tokens step by step', async () => {
    const c = byName('top-k 4');
    await setCase(c, false);
    const kept: number[] = [];
    for (const k of [10, 8, 6, 4, 2, 1]) {
      await page.getByTestId('nt-top-k-slider').fill(String(k));
      expect(await page.getByTestId('nt-top-k').inputValue()).toBe(String(k));
      const shown = await read();
      kept.push(shown.kept[2]);
      // The logits are distinct: top-k keeps exactly the k largest, the first k tokens here.
      expect(shown.finalP.map((p) => p > 0)).toEqual(Array.from({ length: V }, (_, i) => i < k));
    }
    expect(kept).toEqual([10, 8, 6, 4, 2, 1]);
    await page.getByTestId('nt-top-k-slider').fill('0');
    const nucleus: number[] = [];
    for (const p of [1, 0.95, 0.8, 0.5, 0.01]) {
      await page.getByTestId('nt-top-p-slider').fill(String(p));
      nucleus.push((await read()).kept[3]);
    }
    // Fewer tokens as p falls; p = 0.01 keeps only the most probable one.
    expect(nucleus).toEqual([...nucleus].sort((a, b) => b - a));
    expect(nucleus[0]).toBe(10);
    expect(nucleus[nucleus.length - 1]).toBe(1);
    expect(nucleus[2]).toBe(byName('top-p 0.8').steps[3].kept);
  });

  it('random logits give a proper distribution; a bad logit is named and ignored', async () => {
    await page.getByTestId('next-token-reset').click();
    const before = await read();
    await page.getByTestId('next-token-random').click();
    const logits = await Promise.all(Array.from({ length: V }, (_, i) => page.getByTestId(`nt-logit-${i}`).inputValue()));
    expect(logits.map(Number)).not.toEqual(byName('default').logits);
    const shown = await read();
    expect(shown.inputP).not.toEqual(before.inputP);
    const sum = shown.finalP.reduce((a, b) => a + b, 0);
    expect(Math.abs(sum - 1)).toBeLessThan(1e-6);
    for (let k = 1; k < ORDER.length; k++) expect(shown.kept[k]).toBeLessThanOrEqual(shown.kept[k - 1]);
    expect(shown.finalP.filter((p) => p > 0).length).toBe(shown.kept[4]);

    await page.getByTestId('nt-logit-3').fill('abc');
    await expect(page.getByTestId('next-token-error').innerText()).resolves.toContain('abc');
    expect(await page.getByTestId('nt-logit-3').getAttribute('aria-invalid')).toBe('true');
    expect((await read()).finalP).toEqual(shown.finalP);
    await page.getByTestId('nt-logit-3').fill('1.5');
    expect(await page.getByTestId('next-token-error').isHidden()).toBe(true);
  });

  /** Draws with each seed through the page's Sample button; returns the token ids. */
  function drawMany(seeds: number[]): Promise<number[]> {
    return page.evaluate((seeds) => {
      const q = (id: string) => document.querySelector(`[data-testid="${id}"]`) as HTMLElement;
      const box = q('nt-seed') as HTMLInputElement;
      return seeds.map((s) => {
        box.value = String(s);
        box.dispatchEvent(new Event('input', { bubbles: true }));
        q('nt-sample').click();
        return Number(q('nt-sampled').getAttribute('data-value'));
      });
    }, seeds);
  }

  it('samples reproducibly with a seed, only kept tokens, about as often as their probabilities', async () => {
    const c = byName('T 2, top-k 7, top-p 0.75');
    await setCase(c, true);
    await page.getByTestId('nt-seed').fill('7');
    await page.getByTestId('nt-sample').click();
    const first = await page.getByTestId('nt-sampled').getAttribute('data-value');
    const word = await page.getByTestId('nt-sampled').innerText();
    await page.getByTestId('nt-sample').click();
    expect(await page.getByTestId('nt-sampled').getAttribute('data-value')).toBe(first);
    expect(await page.getByTestId('next-token-blank').innerText()).toBe(word);
    expect(await page.getByTestId('next-token-blank').getAttribute('data-how')).toBe('sampled');

    const seeds = Array.from({ length: 400 }, (_, i) => i);
    const draws = await drawMany(seeds);
    const kept = c.probabilities.map((p) => p > 0);
    draws.forEach((t, s) => expect(kept[t], `seed ${s} drew removed token ${t}`).toBe(true));
    // Frequencies within 4.5 standard deviations of the probabilities (the draws are fixed by the seeds).
    c.probabilities.forEach((p, i) => {
      const count = draws.filter((t) => t === i).length;
      const sd = Math.sqrt(seeds.length * p * (1 - p));
      expect(Math.abs(count - seeds.length * p), `token ${i}: ${count} of ${seeds.length}, p = ${p}`).toBeLessThanOrEqual(4.5 * sd + 1e-9);
    });
    expect(draws[7]).toBe(Number(first));
    // The page draws what the library draws in Node: sampling.sample of the processed logits, with the same seed.
    const specs: sampling.ProcessorSpec[] = [
      { type: 'temperature', temperature: c.temperature },
      { type: 'topK', k: c.topK },
      { type: 'topP', p: c.topP },
    ];
    const processed = sampling.pipeline(specs).apply(tensor([c.logits]));
    expect(draws.slice(0, 40)).toEqual(seeds.slice(0, 40).map((seed) => sampling.sample(processed, { seed }).values[0]));

    // The same seeds after a reload give the same tokens.
    await open();
    await setCase(c, false);
    expect(await drawMany(seeds.slice(0, 40))).toEqual(draws.slice(0, 40));
  });
});
