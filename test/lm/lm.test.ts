/**
 * The character language model's pieces: fortune parsing, the seeded split, the vocabulary, the context windows,
 * the model (a few steps lower the loss), the perplexity (against exp(mean NLL) computed here from the logits in
 * plain JS) and the model file round trip of the vocabulary and the context length.
 */
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { modelFromBytes, modelToBytes, tensor } from '../../src/index.js';
import { charCount, limitChars, normalizeText, parseFortunes, splitTexts } from '../../src/lm/corpus.js';
import { readCorpus } from '../../src/lm/corpus-node.js';
import { characterModel } from '../../src/lm/model.js';
import { modelPerplexity } from '../../src/lm/perplexity.js';
import { trainCharacterModel } from '../../src/lm/train.js';
import { buildCharVocabulary, CharVocabulary } from '../../src/lm/vocabulary.js';
import { contextWindows, lastContext } from '../../src/lm/windows.js';

const FORTUNES = 'A cat sat.\n%\nThe dog ran\nfast.\n%\n%\nCafe\u0301 au lait.\n%\nA cat ran.\n';

describe('corpus', () => {
  it("splits fortune files at lines holding only '%', normalizes to NFC and drops overstriking", () => {
    expect(parseFortunes(FORTUNES)).toEqual(['A cat sat.', 'The dog ran\nfast.', 'Café au lait.', 'A cat ran.']);
    expect(parseFortunes('no separator\r\nat all\n')).toEqual(['no separator\nat all']);
    expect(parseFortunes('50% off\n%\n')).toEqual(['50% off']);
    expect(normalizeText('_\bb_\bo_\bl_\bd and B\bBold')).toBe('bold and Bold');
    // How the fortunes underline: underscores, backspaces, then the word (wisdom, kids, work, ...).
    expect(normalizeText('Well, ____\b\b\b\bSOMEbody\r\n\bx *__\b\bUN*lucky')).toBe('Well, SOMEbody\nx *UN*lucky');
    expect(charCount('Café 😀')).toBe(6);
    expect(limitChars(['abc', 'de', 'fgh'], 4)).toEqual(['abc', 'd']);
  });

  it('splits by text with a seed: disjoint, complete, reproducible, never empty', () => {
    const texts = Array.from({ length: 50 }, (_, i) => `text ${i}`);
    const a = splitTexts(texts, 0.2, 7);
    expect(a.heldOut.length).toBe(10);
    expect([...a.train, ...a.heldOut].sort()).toEqual([...texts].sort());
    expect(splitTexts(texts, 0.2, 7)).toEqual(a);
    expect(splitTexts(texts, 0.2, 8).heldOut).not.toEqual(a.heldOut);
    expect(splitTexts(['a', 'b'], 0.01, 0).heldOut.length).toBe(1);
    expect(() => splitTexts(['a'], 0.1, 0)).toThrow(/splitTexts: argument 'texts' must be at least 2 texts/);
    expect(() => splitTexts(['a', 'b'], 1, 0)).toThrow(/heldOutFraction' must be a number in \(0, 1\)/);
  });

  it('reads files and directories (skipping .dat and .u8) with errors that name the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-corpus-'));
    writeFileSync(join(dir, 'b'), 'two\n%\nthree\n%\n');
    writeFileSync(join(dir, 'a'), 'one\n%\n');
    writeFileSync(join(dir, 'a.dat'), Uint8Array.of(0, 1, 2, 255));
    writeFileSync(join(dir, 'a.u8'), 'not read\n%\n');
    mkdirSync(join(dir, 'off'));
    writeFileSync(join(dir, 'off', 'x'), 'offensive\n%\n');
    const c = await readCorpus([dir]);
    expect(c.texts).toEqual(['one', 'two', 'three']);
    expect(c.files.map((f) => f.path)).toEqual([join(dir, 'a'), join(dir, 'b')]);
    await expect(readCorpus([join(dir, 'missing')])).rejects.toThrow(/readCorpus: corpus path '.*missing' must be an existing file or directory, got ENOENT/);
    await expect(readCorpus([join(dir, 'a.dat')])).rejects.toThrow(/corpus file '.*a\.dat' must be UTF-8 text/);
    await expect(readCorpus([])).rejects.toThrow(/one or more file or directory paths/);
  });
});

describe('vocabulary and windows', () => {
  it('keeps characters seen minCount times, in code point order, after <pad> and <unk>', () => {
    const v = buildCharVocabulary(['banana', 'bandana', 'd é'], { minCount: 2 });
    expect(v.tokens).toEqual(['<pad>', '<unk>', 'a', 'b', 'd', 'n']);
    expect(Array.from(v.encode('bad é!'))).toEqual([3, 2, 4, 1, 1, 1]);
    expect(v.decode([3, 2, 0, 1, 5])).toBe('ba\uFFFDn');
    // The order depends on the set of characters, not on the order of the texts.
    expect(buildCharVocabulary(['d é', 'bandana', 'banana'], { minCount: 2 }).tokens).toEqual(v.tokens);
    expect(buildCharVocabulary(['ab'], { minCount: 1 }).tokens).toEqual(['<pad>', '<unk>', 'a', 'b']);
    expect(buildCharVocabulary(['aaab'], { minCount: 1, maxSize: 1 }).tokens).toEqual(['<pad>', '<unk>', 'a']);
    // A decomposed é is the same code point as the precomposed one (NFC).
    expect(buildCharVocabulary(['e\u0301e\u0301'], { minCount: 2 }).tokens).toEqual(['<pad>', '<unk>', 'é']);
    expect(() => buildCharVocabulary(['abc'], { minCount: 2 })).toThrow(/at least one character seen 2 times/);
    expect(() => buildCharVocabulary(['abc'], { minCnt: 2 } as never)).toThrow(/unknown option 'minCnt'/);
    expect(() => new CharVocabulary(['<pad>', '<unk>', 'ab'])).toThrow(/one character/);
  });

  it('makes one window per character, padded before each text starts', () => {
    const w = contextWindows([Int32Array.of(5, 6, 7), Int32Array.of(8)], 2, 0);
    expect(w.x.dtype).toBe('int32');
    expect(w.x.toArray()).toEqual([
      [0, 0],
      [0, 5],
      [5, 6],
      [0, 0],
    ]);
    expect(w.y.toArray()).toEqual([5, 6, 7, 8]);
    expect(Array.from(lastContext([4, 5, 6], 2, 0))).toEqual([5, 6]);
    expect(Array.from(lastContext([4], 3, 0))).toEqual([0, 0, 4]);
  });
});

describe('the character model', () => {
  const texts = Array.from({ length: 40 }, (_, i) => (i % 2 ? 'the cat sat on the mat.' : 'a dog ran to the log.'));

  it('is embedding → flatten → dense tanh → dense logits over the vocabulary, and its file keeps the vocabulary', () => {
    const v = buildCharVocabulary(texts);
    const m = characterModel(v, { contextLength: 4, embeddingDim: 3, hidden: 8, seed: 1 });
    expect(m.layers.map((l) => l.className)).toEqual(['Input', 'Embedding', 'Flatten', 'Dense', 'Dense']);
    expect(m.inputDType).toBe('int32');
    expect(m.inputShape).toEqual([4]);
    expect(m.outputShape).toEqual([null, v.size]);
    expect(m.countParams()).toBe(v.size * 3 + (12 * 8 + 8) + (8 * v.size + v.size));
    const back = modelFromBytes(modelToBytes(m));
    expect(back.classNames).toEqual(v.tokens);
    expect(back.languageModel).toEqual({ tokenizer: 'characters', contextLength: 4, paddingId: 0, unknownId: 1 });
    const x = tensor([[0, 0, 2, 3]], { dtype: 'int32' });
    expect(back.predict(x).toArray()).toEqual(m.predict(x).toArray());
  });

  it('a few epochs lower the held-out loss; the perplexity is exp(mean NLL) of the held-out characters', async () => {
    const r = await trainCharacterModel(texts, { contextLength: 4, embeddingDim: 8, hidden: 32, epochs: 4, batchSize: 16, learningRate: 0.01, seed: 3 });
    const h = r.history.history;
    expect(h.loss.at(-1)!).toBeLessThan(h.loss[0] * 0.6);
    expect(h.val_loss.at(-1)!).toBeLessThan(h.val_loss[0]);
    expect(r.heldOutTexts).toBe(4);
    expect(r.trainTexts).toBe(36);
    // Independently: the held-out windows rebuilt here, the logits' log-softmax in plain float64 JS.
    const split = splitTexts(texts, 0.1, 3);
    const ids = split.heldOut.map((t) => Array.from(r.vocabulary.encode(t)));
    let nll = 0;
    let n = 0;
    for (const text of ids) {
      for (let t = 0; t < text.length; t++) {
        const ctx = [0, 0, 0, 0, ...text.slice(0, t)].slice(-4);
        const z = Array.from(r.model.predictLogits(tensor([ctx], { dtype: 'int32' })).values);
        const max = Math.max(...z);
        const lse = max + Math.log(z.reduce((s, v) => s + Math.exp(v - max), 0));
        nll += lse - z[text[t]];
        n++;
      }
    }
    expect(r.heldOut.tokens).toBe(n);
    expect(r.heldOut.nll).toBeCloseTo(nll / n, 6);
    expect(r.heldOut.perplexity).toBeCloseTo(Math.exp(nll / n), 5);
    expect(r.heldOut.bitsPerChar).toBeCloseTo(nll / n / Math.LN2, 6);
    // The perplexity of a uniform guess over the vocabulary is the vocabulary size; training beats it by far.
    expect(r.heldOut.perplexity).toBeLessThan(r.vocabulary.size / 3);
    // evaluate's mean sparse cross-entropy is the same number (float32 logits, float64 sums).
    const w = contextWindows(
      split.heldOut.map((t) => r.vocabulary.encode(t)),
      4,
      0,
    );
    expect(modelPerplexity(r.model, w.x, w.y, 7).nll).toBeCloseTo(r.heldOut.nll, 10);
  });

  it('the same seed trains the same model', async () => {
    const opts = { contextLength: 3, embeddingDim: 4, hidden: 8, epochs: 1, batchSize: 32, seed: 5 };
    const a = await trainCharacterModel(texts, opts);
    const b = await trainCharacterModel(texts, opts);
    expect(b.model.getWeights().map((t) => Array.from(t.values))).toEqual(a.model.getWeights().map((t) => Array.from(t.values)));
  });
});
