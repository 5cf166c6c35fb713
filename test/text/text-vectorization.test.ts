import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { input, layers, model, modelFromBytes, modelToBytes, sequential, tensor } from '../../src/index.js';
import { TextVectorization, type TextOutputMode } from '../../src/text/text-vectorization.js';
import { assembleFile } from '../../src/io/container.js';

interface Case {
  outputMode: TextOutputMode;
  maxTokens: number | null;
  outputSequenceLength?: number;
  vocabulary: string[];
  output: number[][];
  idf?: number[];
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/text-vectorization.json', import.meta.url), 'utf8')) as {
  corpus: string[];
  queries: string[];
  cases: Case[];
};

function vectorizer(c: Case): TextVectorization {
  return new TextVectorization({
    outputMode: c.outputMode,
    ...(c.maxTokens === null ? {} : { maxTokens: c.maxTokens }),
    ...(c.outputSequenceLength === undefined ? {} : { outputSequenceLength: c.outputSequenceLength }),
    ...(c.outputMode === 'int' ? {} : { dtype: 'float64' as const }),
  }).adapt(fixture.corpus);
}

describe('textVectorization against Keras’s rules (NumPy reference, scripts/fixtures/text_vectorization_reference.py)', () => {
  for (const c of fixture.cases) {
    it(`${c.outputMode}, maxTokens ${c.maxTokens}: vocabulary, output${c.idf ? ' and idf' : ''}`, () => {
      const v = vectorizer(c);
      expect(v.getVocabulary()).toEqual(c.vocabulary);
      expect(v.vocabularySize()).toBe(c.vocabulary.length);
      const out = v.apply(fixture.queries);
      expect(out.shape).toEqual([fixture.queries.length, c.outputMode === 'int' ? c.outputSequenceLength! : c.vocabulary.length]);
      expect(out.dtype).toBe(c.outputMode === 'int' ? 'int32' : 'float64');
      const got = out.toArray() as number[][];
      if (c.outputMode !== 'tfIdf') expect(got).toEqual(c.output);
      else
        got.forEach((row, i) =>
          row.forEach((x, j) => expect(Math.abs(x - c.output[i]![j]!), `row ${i} column ${j}`).toBeLessThanOrEqual(1e-15 * Math.max(1, Math.abs(x)))),
        );
      if (c.idf) Array.from(v.idfWeights()!).forEach((w, j) => expect(w).toBeCloseTo(c.idf![j]!, 15));
    });
  }

  it('analyze lists the tokens with their ids and marks those cut off in int mode', () => {
    const v = new TextVectorization({ outputSequenceLength: 2, maxTokens: 5 }).adapt(fixture.corpus);
    const vocab = v.getVocabulary();
    expect(v.analyze('The cat flew')).toEqual([
      { token: 'the', id: vocab.indexOf('the'), kept: true },
      { token: 'cat', id: vocab.indexOf('cat'), kept: true },
      { token: 'flew', id: 1, kept: false },
    ]);
    const bag = new TextVectorization({ outputMode: 'count' }).adapt(fixture.corpus);
    expect(bag.analyze('flew')).toEqual([{ token: 'flew', id: 0, kept: true }]);
  });

  it('uses logitkit’s tokenizer (NFKC, lower case, CJK characters alone) and n-grams', () => {
    const v = new TextVectorization({ outputSequenceLength: 8, ngrams: 2 }).adapt(['ＡＢＣ 数据 x']);
    expect(v.analyze('abc 数据').map((t) => t.token)).toEqual(['abc', '数', '据', 'abc 数', '数 据']);
  });

  it('a fixed vocabulary needs no adapt', () => {
    const v = new TextVectorization({ outputMode: 'multiHot', vocabulary: ['good', 'bad'] });
    expect(v.getVocabulary()).toEqual(['[UNK]', 'good', 'bad']);
    expect(v.apply(['good good ugly']).toArray()).toEqual([[1, 1, 0]]);
  });

  it('rejects bad settings and inputs with the argument named', () => {
    expect(() => new TextVectorization({ outputMode: 'int' })).toThrow(/outputSequenceLength/);
    expect(() => new TextVectorization({ outputMode: 'count', outputSequenceLength: 4 })).toThrow(/outputSequenceLength/);
    expect(() => new TextVectorization({ outputMode: 'tfidf' as TextOutputMode })).toThrow(/outputMode.*'tfIdf'/);
    expect(() => new TextVectorization({ outputSequenceLength: 4, maxToken: 3 } as never)).toThrow(/maxToken/);
    expect(() => new TextVectorization({ outputSequenceLength: 4, maxTokens: 1 })).toThrow(/maxTokens/);
    expect(() => new TextVectorization({ outputMode: 'tfIdf', vocabulary: ['a'] })).toThrow(/vocabulary.*adapt/);
    expect(() => new TextVectorization({ outputSequenceLength: 4, dtype: 'float64' })).toThrow(/dtype/);
    const v = new TextVectorization({ outputSequenceLength: 4 });
    expect(() => v.apply(['a'])).toThrow(/adapt\(texts\) first/);
    v.adapt(['a b']);
    expect(() => v.apply(['a', 3 as unknown as string])).toThrow(/texts\[1\]/);
    expect(() => v.adapt('a b' as unknown as string[])).toThrow(/texts/);
  });
});

describe('models that take raw strings', () => {
  const texts = ['great phone, amazing screen', 'the match ended in a draw', 'new laptop chip is fast', 'the team won the final', 'amazing battery and screen'];
  const labels = [0, 1, 0, 1, 0];

  it('sequential([textVectorization, ...]) fits and predicts on strings, and a saved file predicts the same from strings', async () => {
    const v = layers.textVectorization({ outputMode: 'tfIdf', dtype: 'float64' }).adapt(texts);
    const m = sequential([v, layers.dense({ units: 2 })], { seed: 3 });
    m.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const before = m.evaluate(texts, labels).loss!;
    await m.fit(texts, labels, { epochs: 30, batchSize: 5, verbose: 0 });
    expect(m.evaluate(texts, labels).loss).toBeLessThan(before);
    expect(m.textVectorization).toBe(v);
    expect(m.inputShape).toEqual([v.vocabularySize()]);
    const query = ['an amazing screen', 'who won the match'];
    const logits = m.predict(query);
    // The same rows vectorized by hand give the same logits.
    expect(m.predict(v.apply(query)).toArray()).toEqual(logits.toArray());
    const back = modelFromBytes(modelToBytes(m));
    expect(back.textVectorization?.getConfig()).toEqual(v.getConfig());
    expect(back.predict(query).toArray()).toEqual(logits.toArray());
    expect(back.className).toBe('Sequential');
  });

  it('input({textVectorization}) starts a functional model of token ids', () => {
    const v = layers.textVectorization({ outputSequenceLength: 6 }).adapt(texts);
    const x = input({ textVectorization: v });
    expect(x.shape).toEqual([null, 6]);
    expect(x.dtype).toBe('int32');
    const e = layers.flatten().apply(layers.embedding({ inputDim: v.vocabularySize(), outputDim: 3 }).apply(x));
    const m = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(e), seed: 1 });
    const z = m.predict(['great screen']);
    expect(z.shape).toEqual([1, 2]);
    const back = modelFromBytes(modelToBytes(m));
    expect(back.predict(['great screen']).toArray()).toEqual(z.toArray());
    expect(back.predict(tensor([Array.from(v.apply(['great screen']).values)])).toArray()).toEqual(z.toArray());
  });

  it('strings for a model without a vectorizer, an unadapted vectorizer, misplaced vectorizers: clear errors', () => {
    const plain = sequential([layers.dense({ units: 2, inputShape: [3] })]);
    expect(() => plain.predict(['text'])).toThrow(/predict: .*x.*textVectorization/);
    const unadapted = sequential([layers.textVectorization({ outputMode: 'count' }), layers.dense({ units: 2 })]);
    expect(() => unadapted.predict(['text'])).toThrow(/adapt\(texts\)/);
    expect(() => sequential([layers.dense({ units: 2 }), layers.textVectorization({ outputMode: 'count' })])).toThrow(/first element only/);
    expect(() => input({ textVectorization: layers.textVectorization({ outputMode: 'count' }) })).toThrow(/adapted/);
  });

  it('a file whose saved vectorizer disagrees with its input, or whose vocabulary is malformed, is refused', () => {
    const v = layers.textVectorization({ outputMode: 'multiHot' }).adapt(texts);
    const bytes = modelToBytes(sequential([v, layers.dense({ units: 2 })], { seed: 0 }));
    const edit = (f: (cfg: Record<string, unknown>) => void) => {
      const view = new DataView(bytes.buffer, bytes.byteOffset);
      const len = view.getUint32(12, true);
      const header = JSON.parse(new TextDecoder().decode(bytes.subarray(24, 24 + len)));
      f(header.model.layers[0].config);
      return header;
    };
    const cases: Array<[(cfg: Record<string, unknown>) => void, RegExp]> = [
      [(c) => ((c.textVectorization as Record<string, unknown>).vocabulary = { tokens: ['', '[UNK]'], documentCounts: [0], documents: 1 }), /documentCounts/],
      [(c) => ((c.textVectorization as Record<string, unknown>).outputMode = 'bag'), /outputMode/],
      [(c) => (c.shape = [3]), /shape/],
    ];
    for (const [f, pattern] of cases) {
      const header = edit(f);
      const bad = rebuildWithHeader(bytes, header);
      expect(() => modelFromBytes(bad)).toThrow(pattern);
    }
  });
});

/** The file with its header replaced (the container redone around the same weights). */
function rebuildWithHeader(bytes: Uint8Array, header: { formatVersion: number }): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  return assembleFile(new TextEncoder().encode(JSON.stringify(header)), bytes.subarray(Math.ceil((24 + length) / 8) * 8), { version: header.formatVersion });
}
