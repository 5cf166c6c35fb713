/**
 * Labelled texts end to end through the CLI, on a small corpus written here (a CSV with quoted fields, commas and
 * newlines inside texts, a BOM): train → predict --text → explain --text → evaluate → info, the folder-per-class
 * layout, the embedding preset, and clear errors for text options on numeric models and vice versa.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { explainText, softmax, tensor } from '../../src/index.js';
import { loadModel } from '../../src/io/node.js';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-text-cli-'));
const csv = join(dir, 'news.csv');
const modelPath = join(dir, 'news.lkm');
const words: Record<string, string[]> = {
  news: ['election', 'government', 'minister', 'parliament', 'vote', 'president', 'policy', 'summit'],
  entertainment: ['film', 'singer', 'album', 'concert', 'actor', 'movie', 'festival', 'show'],
  technology: ['phone', 'chip', 'software', 'features', 'smartphone', 'laptop', 'battery', 'screen'],
};
const rows: string[] = [];
Object.entries(words).forEach(([label, ws], c) => {
  for (let i = 0; i < 30; i++) {
    const a = ws[i % ws.length];
    const b = ws[(i * 3 + c) % ws.length];
    // Quoted fields with a comma, a doubled quote and a newline inside, as spreadsheets write them.
    const text = i % 5 === 0 ? `"The ${a}, said ""critics"",\nmet the ${b}"` : `the new ${a} and the ${b} today`;
    rows.push(`${text},${label}`);
  }
});
writeFileSync(csv, '\uFEFFtext,label\n' + rows.join('\n') + '\n');

const sentence = 'The new smartphone has amazing features.';

describe('logitkit train / predict / explain / evaluate on labelled texts', () => {
  let train: { code: number; out: string; err: string };
  beforeAll(async () => {
    train = await cli(
      'train',
      '--data',
      `csv:${csv}`,
      '--text-column',
      'text',
      '--label-column',
      'label',
      '--epochs',
      '30',
      '--lr',
      '0.05',
      '--seed',
      '3',
      '--out',
      modelPath,
    );
  }, 120_000);

  it('train reads the CSV (quoted newlines, BOM), names the classes, saves them and the vocabulary', async () => {
    expect(train.code, train.err).toBe(0);
    // Label names sorted (code point order), as the CSV reader does for every kind of data.
    expect(train.err).toContain('classes: entertainment, news, technology');
    expect(train.err).toMatch(/tfIdf bag of [\d,]+ columns \(1, 2-grams\) → 3 \(logits\)/);
    expect(train.out).toMatch(/test accuracy (\d+\.\d+) %/);
    expect(Number(/test accuracy (\d+\.\d+) %/.exec(train.out)![1])).toBeGreaterThan(80);
    expect(train.out).toContain('(classes entertainment, news, technology)');
    const m = await loadModel(modelPath);
    expect(m.classNames).toEqual(['entertainment', 'news', 'technology']);
    expect(m.textVectorization?.outputMode).toBe('tfIdf');
    expect(m.dataSplit?.source).toBe(`csv:${csv}`);
  });

  it('predict --text prints logits → probabilities → decision with the class names, equal to the library’s', async () => {
    const r = await cli('predict', '--model', modelPath, '--text', sentence, '--text', 'a vote in parliament');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`"${sentence}": predicted technology`);
    expect(r.out).toContain('"a vote in parliament": predicted news');
    expect(r.out).toContain('decision: technology (argmax z)');
    const json = await cli('predict', '--model', modelPath, '--text', sentence, '--json');
    const line = JSON.parse(json.out.trim()) as { text: string; predictedName: string; top: Array<{ name: string; logit: number; probability: number }> };
    const m = await loadModel(modelPath);
    const z = m.predictLogits([sentence]).toArray() as number[][];
    const p = softmax(tensor(z)).toArray() as number[][];
    expect(line.predictedName).toBe('technology');
    for (const t of line.top) {
      const k = m.classNames!.indexOf(t.name);
      expect(t.logit).toBe(z[0]![k]);
      expect(t.probability).toBeCloseTo(p[0]![k]!, 12);
    }
  });

  it('explain --text lists each token’s contribution to each logit, the bias and the exact sum', async () => {
    const r = await cli('explain', '--model', modelPath, '--text', sentence);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/token\s+z\[entertainment\]\s+z\[news\]\s+z\[technology\]/);
    expect(r.out).toMatch(/\bsmartphone\b/);
    expect(r.out).toMatch(/bias b/);
    expect(r.out).toContain('Cross-check: Σ contributions + b = z');
    expect(r.out).toContain('Decision: technology');
    const json = await cli('explain', '--model', modelPath, '--text', sentence, '--json');
    const e = JSON.parse(json.out.trim()) as ReturnType<typeof explainText>;
    const m = await loadModel(modelPath);
    expect(e.logits).toEqual(Array.from(m.predictLogits([sentence]).values, Number));
    e.logits.forEach((z, k) => expect(Math.abs(e.tokens.reduce((s, t) => s + t.contributions[k]!, e.bias[k]!) - z)).toBeLessThan(1e-5));
    const example = await cli('explain', '--model', modelPath, '--index', '2');
    expect(example.code, example.err).toBe(0);
    expect(example.out).toMatch(/Test example 2 of CSV .* \(true class \w+\):/);
  });

  it('evaluate and info read the model’s own data and vectorizer', async () => {
    const r = await cli('evaluate', '--model', modelPath);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/accuracy/i);
    expect(r.out).toContain('technology');
    const info = await cli('info', '--model', modelPath);
    expect(info.out).toMatch(/Text input: raw strings → a tfIdf bag of [\d,]+ columns/);
    expect(info.out).toContain('Classes: entertainment, news, technology');
  });

  it('the folder-per-class layout and the embedding preset', async () => {
    const root = join(dir, 'folders');
    for (const [label, ws] of Object.entries(words)) {
      mkdirSync(join(root, label), { recursive: true });
      ws.forEach((w, i) => writeFileSync(join(root, label, `${i}.txt`), `a story about the ${w} and the ${ws[(i + 1) % ws.length]}`));
    }
    const out = join(dir, 'emb.lkm');
    const r = await cli(
      'train',
      '--data',
      `dir:${root}`,
      '--arch',
      'embedding',
      '--epochs',
      '60',
      '--lr',
      '0.05',
      '--batch-size',
      '8',
      '--validation-split',
      '0',
      '--out',
      out,
    );
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/token ids \[256\] of [\d,]+ → Embedding → GlobalAveragePooling1D → 3 \(logits\)/);
    const p = await cli('predict', '--model', out, '--text', 'the new laptop battery');
    expect(p.out).toContain('predicted technology');
    const e = await cli('explain', '--model', out, '--text', 'the new laptop battery', '--json');
    expect((JSON.parse(e.out) as { kind: string }).kind).toBe('exact');
  });

  it('text options on a numeric model, numeric options on a text model, and bad columns are usage errors', async () => {
    await expectUsageError(['predict', '--model', modelPath, '--values', '1,2,3'], /option --values gives numeric features, but the model .* takes text/);
    await expectUsageError(['train', '--data', 'mnist', '--text-column', 'text'], /option --text-column reads labelled texts/);
    const badColumn = await cli('train', '--data', `csv:${csv}`, '--text-column', 'body', '--label-column', 'label');
    expect(badColumn.code).toBe(1);
    expect(badColumn.err).toMatch(/line 1 \(header\) must be a column named 'body' \(option --text-column\), got columns 'text', 'label'/);
    await expectUsageError(['train', '--data', `csv:${csv}`, '--text-column', 'text', '--arch', 'cnn'], /option --arch 'cnn'/);
    await expectUsageError(['explain', '--text', 'hello'], /option --text needs --model FILE/);
  });
});
