/**
 * train-lm → sample end to end on a small corpus written here: the held-out perplexity is printed, the model file
 * written, the same seed gives the same text, --explain shows every processor, --json parses, and bad arguments
 * are clear errors.
 */
import { mkdtempSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, expectUsageError } from '../helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'lk-lm-cli-'));
const corpus = join(dir, 'tiny');
const model = join(dir, 'lm.lkm');
const lines = ['the cat sat on the mat.', 'a dog ran to the log.', 'the sun is hot.', 'we eat at ten.'];
writeFileSync(corpus, Array.from({ length: 60 }, (_, i) => `${lines[i % lines.length]}\n%\n`).join(''));

describe('logitkit train-lm and sample', () => {
  let train: { code: number; out: string; err: string };
  beforeAll(async () => {
    train = await cli(
      'train-lm',
      '--corpus',
      corpus,
      '--context',
      '4',
      '--embedding-dim',
      '8',
      '--hidden',
      '32',
      '--epochs',
      '3',
      '--batch-size',
      '32',
      '--lr',
      '0.01',
      '--seed',
      '1',
      '--out',
      model,
    );
  });

  it('trains, prints the held-out perplexity and writes the model', () => {
    expect(train.code, train.err).toBe(0);
    expect(train.err).toMatch(/4 previous characters → embedding \d+×8 → dense 32 \(tanh\)/);
    expect(train.out + train.err).toMatch(/epoch 3\/3 \| loss [\d.]+/);
    expect(train.out).toMatch(
      /held-out perplexity [\d.]+ per character \(mean NLL [\d.]+ nats = [\d.]+ bits per character\) on \d+ characters of 6 held-out texts/,
    );
    expect(existsSync(model)).toBe(true);
  });

  it('samples reproducibly: the same seed gives the same text, another seed another', async () => {
    const args = ['sample', '--model', model, '--prompt', 'the ', '--length', '40', '--temperature', '0.8', '--top-p', '0.95', '--seed', '7'];
    const a = await cli(...args);
    const b = await cli(...args);
    expect(a.code, a.err).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out.startsWith('the ')).toBe(true);
    expect([...a.out.trimEnd()].length).toBeGreaterThanOrEqual(44 - 1); // 40 characters after the prompt (the last may be a newline)
    const c = await cli(...args.slice(0, -1), '8');
    expect(c.out).not.toBe(a.out);
    // Greedy decoding (temperature 0) needs no seed and repeats itself.
    const g = await cli('sample', '--model', model, '--prompt', 'the c', '--length', '10', '--temperature', '0');
    expect(g.out).toBe((await cli('sample', '--model', model, '--prompt', 'the c', '--length', '10', '--temperature', '0', '--seed', '99')).out);
  });

  it('--explain shows the distribution before and after every processor, and the chosen character', async () => {
    const r = await cli(
      'sample',
      '--model',
      model,
      '--prompt',
      'the ',
      '--length',
      '3',
      '--temperature',
      '0.7',
      '--top-k',
      '5',
      '--top-p',
      '0.9',
      '--min-p',
      '0.05',
      '--repetition-penalty',
      '1.3',
      '--seed',
      '3',
      '--explain',
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(
      /processors, in order: bannedTokens\(0, 1\) → repetitionPenalty\([a-z=]*1\.3\) → temperature\([a-z=]*0\.7\) → topK\([a-z=]*5\) → topP\([a-z=]*0\.9\) → minP\([a-z=]*0\.05\)/,
    );
    expect(r.out.match(/^step \d+: context /gm)).toHaveLength(3);
    expect(r.out).toMatch(/^ {2}model +kept \d+; top: ".+" 0\.\d{3}/m);
    expect(r.out).toMatch(/^ {2}topK\([a-z=]*5\) +kept [1-5]; top: .*\(removed \d+\)$/m);
    expect(r.out).toMatch(/^ {2}chose ".+" \(id \d+\): log-prob -?[\d.]+ after the processors, -[\d.]+ under the model$/m);
  });

  it('--json is one parsable object with the steps', async () => {
    const r = await cli('sample', '--model', model, '--prompt', 'a ', '--length', '5', '--top-k', '3', '--seed', '2', '--json', '--explain');
    expect(r.code, r.err).toBe(0);
    const j = JSON.parse(r.out);
    expect(j.text).toBe(j.prompt + j.generated);
    expect([...j.generated]).toHaveLength(5);
    expect(j.processors).toHaveLength(2);
    expect(j.processors[1]).toMatch(/^topK\([a-z=]*3\)$/);
    expect(j.steps).toHaveLength(5);
    const s = j.steps[0];
    expect(s.processors.map((p: { processor: string }) => p.processor)).toEqual(j.processors);
    expect(s.processors[1].kept).toBeLessThanOrEqual(3);
    const total = s.processors[1].top.reduce((a: number, t: { probability: number }) => a + t.probability, 0);
    expect(total).toBeCloseTo(1, 12); // renormalised over the kept set
    expect(s.logprob).toBeLessThanOrEqual(0);
  });

  it('info quotes a character vocabulary (spaces, newlines) instead of printing it raw', async () => {
    const r = await cli('info', '--model', model);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/Classes: "<pad>", "<unk>", .*" "/);
    expect(r.out).toContain('format version 6,');
  });

  it('bad arguments are clear errors', async () => {
    await expectUsageError(['train-lm'], 'option --corpus PATH[,PATH...] is required');
    await expectUsageError(['train-lm', '--corpus', corpus, '--context', '0'], 'option --context must be an integer ≥ 1');
    await expectUsageError(['train-lm', '--corpus', corpus, '--out', dir], `option --out '${dir}' is a directory`);
    const missing = await cli('train-lm', '--corpus', join(dir, 'nope'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/corpus path '.*nope' must be an existing file or directory/);
    await expectUsageError(['sample', '--model', model, '--top-p', '1.5'], 'option --top-p must be a number > 0 ≤ 1');
    await expectUsageError(['sample', '--model', model, '--temperature', '-1'], 'option --temperature must be a number ≥ 0');
    await expectUsageError(['sample', '--prompt', 'x'], 'sample: option --model FILE is required');
  });

  it('refuses a model that is not a language model', async () => {
    const plain = join(dir, 'plain.lkm');
    const t = await cli('train', '--data', 'mnist', '--limit', '100', '--epochs', '1', '--out', plain);
    expect(t.code, t.err).toBe(0);
    const r = await cli('sample', '--model', plain);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/is not a character language model \(train one with logitkit train-lm\)/);
  });
});
