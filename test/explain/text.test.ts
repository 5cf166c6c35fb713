import { describe, expect, it } from 'vitest';
import { explainText } from '../../src/explain/text.js';
import { layers } from '../../src/layers/index.js';
import { sequential } from '../../src/train/sequential.js';
import { TextVectorization } from '../../src/text/text-vectorization.js';
import { Tensor } from '../../src/tensor/tensor.js';
import type { Model } from '../../src/train/model.js';

const CORPUS = [
  'The new smartphone has amazing features.',
  'The election results were announced today.',
  'A new film opens in theatres this weekend, amazing!',
  'The phone battery and the camera are new.',
  'Parliament votes on the new budget today.',
];

const TEXTS = [
  'The new smartphone has amazing features.',
  'new new new phone', // a repeated token
  'zebra quokka amazing', // out-of-vocabulary words
  '', // no tokens at all
  'the the election election camera budget votes today film opens phone amazing', // beyond outputSequenceLength 8
];

type Mode = 'int' | 'multiHot' | 'count' | 'tfIdf';

function vectorizer(mode: Mode, dtype: 'float32' | 'float64' = 'float64', ngrams?: number): TextVectorization {
  return new TextVectorization({
    outputMode: mode,
    ...(mode === 'int' ? { outputSequenceLength: 8 } : { dtype }),
    ...(ngrams ? { ngrams } : {}),
  }).adapt(CORPUS);
}

/** Sets every weight to seeded non-trivial values (biases too), so no term of the decomposition is zero by accident. */
function randomize(net: Model, seed: number): void {
  let s = seed;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  net.setWeights(
    net.weights.map((v) => {
      const n = v.size;
      const values = v.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
      for (let i = 0; i < n; i++) values[i] = next();
      return new Tensor(values, v.shape);
    }),
  );
}

function meanOfEmbeddings(o: { maskZero: boolean; dtype?: 'float32' | 'float64'; activation?: 'linear' | 'softmax'; dropout?: boolean }): Model {
  const v = vectorizer('int');
  const dtype = o.dtype ?? 'float64';
  const net = sequential(
    [
      v,
      layers.embedding({ inputDim: v.vocabularySize(), outputDim: 5, maskZero: o.maskZero, dtype }),
      ...(o.dropout ? [layers.dropout({ rate: 0.5 })] : []),
      layers.globalAveragePooling1d(),
      layers.dense({ units: 3, activation: o.activation ?? 'linear' }),
    ],
    { seed: 1 },
  );
  randomize(net, 7);
  return net;
}

function bag(mode: Mode, dtype: 'float32' | 'float64' = 'float64', ngrams?: number): Model {
  const v = vectorizer(mode, dtype, ngrams);
  const net = sequential([v, layers.dense({ units: 3 })], { seed: 2 });
  randomize(net, 11);
  return net;
}

/** |Σ contributions + bias − z| per class, from the explanation's own numbers and predictLogits. */
function gaps(net: Model, text: string, e = explainText(net, text)): number[] {
  const z = Array.from(net.predictLogits([text]).values as ArrayLike<number>);
  return z.map((zk, k) => Math.abs(e.tokens.reduce((s, t) => s + t.contributions[k], e.bias[k]) - zk));
}

describe('explainText: exact decompositions sum to predictLogits', () => {
  for (const maskZero of [true, false]) {
    for (const activation of ['linear', 'softmax'] as const) {
      it(`mean of embeddings → dense (${activation}), maskZero ${maskZero}, float64: within 1e-12`, () => {
        const net = meanOfEmbeddings({ maskZero, activation, dropout: maskZero });
        for (const text of TEXTS) {
          const e = explainText(net, text);
          expect(e.kind).toBe('exact');
          expect(e.dtype).toBe('float64');
          expect(Math.max(...gaps(net, text, e))).toBeLessThanOrEqual(1e-12);
          expect(e.residual).toBeLessThanOrEqual(1e-12);
        }
      });
    }
  }

  for (const mode of ['multiHot', 'count', 'tfIdf'] as const) {
    it(`bag of words (${mode}) → dense, float64, with bigrams: within 1e-12`, () => {
      const net = bag(mode, 'float64', 2);
      for (const text of TEXTS) {
        const e = explainText(net, text);
        expect(e.kind).toBe('exact');
        expect(Math.max(...gaps(net, text, e))).toBeLessThanOrEqual(1e-12);
      }
    });
  }

  it('float32 models agree within float32 rounding', () => {
    for (const net of [meanOfEmbeddings({ maskZero: true, dtype: 'float32' }), bag('tfIdf', 'float32')]) {
      for (const text of TEXTS) {
        const e = explainText(net, text);
        expect(e.dtype).toBe('float32');
        const scale = Math.max(1, ...e.logits.map(Math.abs));
        expect(Math.max(...gaps(net, text, e))).toBeLessThanOrEqual(1e-6 * scale);
      }
    }
  });
});

describe('explainText: the tokens', () => {
  it('lists the kept tokens in text order, counts the cut-off ones, and splits a repeated token equally', () => {
    const net = meanOfEmbeddings({ maskZero: true });
    const long = explainText(net, TEXTS[4]);
    expect(long.tokens.map((t) => t.token)).toEqual(['the', 'the', 'election', 'election', 'camera', 'budget', 'votes', 'today']);
    expect(long.tokens.map((t) => t.position)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(long.truncated).toBe(4);
    const rep = explainText(net, 'new new new phone');
    expect(rep.tokens[0].contributions).toEqual(rep.tokens[1].contributions);
    const unknown = explainText(net, 'zebra quokka amazing');
    expect(unknown.tokens.map((t) => t.id).slice(0, 2)).toEqual([1, 1]); // '[UNK]'
    const bagged = bag('multiHot');
    const b = explainText(bagged, 'new new phone');
    // multiHot: x_j = 1 once, so each of the two 'new' gets half of K_j.
    const K = bagged.weights[0].value.values as Float64Array;
    const j = b.tokens[0].id;
    expect(b.tokens[0].contributions[1]).toBe(K[j * 3 + 1] / 2);
  });

  it('an exact oracle: unit embeddings and the identity kernel give 1/n to the class of each token', () => {
    const v = new TextVectorization({ outputMode: 'int', outputSequenceLength: 6, vocabulary: ['good', 'bad', 'meh'] });
    const net = sequential(
      [
        v,
        layers.embedding({ inputDim: v.vocabularySize(), outputDim: 3, maskZero: true, dtype: 'float64' }),
        layers.globalAveragePooling1d(),
        layers.dense({ units: 3 }),
      ],
      { seed: 0 },
    );
    // Ids: 0 '', 1 '[UNK]', 2 good, 3 bad, 4 meh → rows e_good = (1,0,0), e_bad = (0,1,0), e_meh = (0,0,1), '[UNK]' = (1,1,1).
    const E = new Float64Array([9, 9, 9, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    const I = new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    net.setWeights([new Tensor(E, [5, 3]), new Tensor(I, [3, 3]), new Tensor(new Float64Array([0.5, -0.25, 0]), [3])]);
    const e = explainText(net, 'Good, good... bad! Whatever.');
    expect(e.tokens.map((t) => [t.token, ...t.contributions])).toEqual([
      ['good', 0.25, 0, 0],
      ['good', 0.25, 0, 0],
      ['bad', 0, 0.25, 0],
      ['whatever', 0.25, 0.25, 0.25],
    ]);
    expect(e.bias).toEqual([0.5, -0.25, 0]);
    expect(e.logits).toEqual([1.25, 0.25, 0.25]);
    expect(e.predicted).toBe(0);
    expect(e.residual).toBe(0);
  });

  it('no maskZero: the padding positions share goes with the bias', () => {
    const net = meanOfEmbeddings({ maskZero: false });
    const e = explainText(net, 'new phone');
    // weights: the embedding table [V, 5], the kernel [5, 3], the bias [3]; 'new phone' is 2 tokens and 6 padding positions.
    const [E, K, b] = net.weights.map((w) => w.value.values as Float64Array);
    for (let k = 0; k < 3; k++) {
      let pad = 0;
      for (let d = 0; d < 5; d++) pad += E[d] * K[d * 3 + k];
      expect(e.bias[k]).toBeCloseTo(b[k] + (6 / 8) * pad, 14);
    }
  });
});

describe('explainText: gradient × input', () => {
  it('equals the exact decomposition on a mean of embeddings → dense', () => {
    for (const maskZero of [true, false]) {
      const net = meanOfEmbeddings({ maskZero });
      for (const text of TEXTS) {
        const exact = explainText(net, text);
        const g = explainText(net, text, { method: 'gradientTimesInput' });
        expect(g.kind).toBe('gradientTimesInput');
        g.tokens.forEach((t, i) => t.contributions.forEach((c, k) => expect(Math.abs(c - exact.tokens[i].contributions[k])).toBeLessThanOrEqual(1e-12)));
        g.bias.forEach((c, k) => expect(Math.abs(c - exact.bias[k])).toBeLessThanOrEqual(1e-12));
      }
    }
  });

  it('deeper models: the kind says so, and Euler (relu layers without hidden biases are 1-homogeneous) makes them sum to z − b', () => {
    const v = vectorizer('int');
    const deep = sequential(
      [
        v,
        layers.embedding({ inputDim: v.vocabularySize(), outputDim: 4, maskZero: true, dtype: 'float64' }),
        layers.globalAveragePooling1d(),
        layers.dense({ units: 6, activation: 'relu', useBias: false }),
        layers.dense({ units: 3 }),
      ],
      { seed: 3 },
    );
    randomize(deep, 5);
    const bagDeep = sequential([vectorizer('count'), layers.dense({ units: 6, activation: 'relu', useBias: false }), layers.dense({ units: 3 })], { seed: 4 });
    randomize(bagDeep, 9);
    for (const net of [deep, bagDeep]) {
      for (const text of TEXTS.slice(0, 3)) {
        const e = explainText(net, text);
        expect(e.kind).toBe('gradientTimesInput');
        expect(e.method).toContain('not exact');
        expect(Math.max(...gaps(net, text, e))).toBeLessThanOrEqual(1e-12);
      }
    }
  });

  it('with hidden biases it leaves a residual, reported as such', () => {
    const net = sequential([vectorizer('count'), layers.dense({ units: 6, activation: 'tanh' }), layers.dense({ units: 3 })], { seed: 4 });
    randomize(net, 13);
    const e = explainText(net, TEXTS[0]);
    expect(e.kind).toBe('gradientTimesInput');
    expect(e.residual).toBeGreaterThan(1e-6);
    expect(e.residual).toBeCloseTo(Math.max(...gaps(net, TEXTS[0], e)), 14);
  });
});

describe('explainText: probabilities, decision, errors', () => {
  it('probabilities are softmax(z) (or the calibration applied), the decision argmax z', () => {
    const net = meanOfEmbeddings({ maskZero: true });
    const e = explainText(net, TEXTS[0]);
    const m = Math.max(...e.logits);
    const ex = e.logits.map((z) => Math.exp(z - m));
    const s = ex.reduce((a, b) => a + b, 0);
    e.probabilities.forEach((p, k) => expect(p).toBeCloseTo(ex[k] / s, 15));
    expect(e.probabilitiesOf).toBe('softmax(z)');
    expect(e.predicted).toBe(e.logits.indexOf(m));
    expect(e.classNames).toEqual(['0', '1', '2']);
    net.calibration = { method: 'temperature', temperature: 2 };
    const c = explainText(net, TEXTS[0], { classNames: ['news', 'entertainment', 'technology'] });
    const ex2 = e.logits.map((z) => Math.exp((z - m) / 2));
    const s2 = ex2.reduce((a, b) => a + b, 0);
    c.probabilities.forEach((p, k) => expect(p).toBeCloseTo(ex2[k] / s2, 15));
    expect(c.probabilitiesOf).toContain('T = 2');
    expect(c.classNames[c.predicted]).toBe(['news', 'entertainment', 'technology'][e.predicted]);
  });

  it('refuses a model without text input, a non-string text and unknown options', () => {
    const plain = sequential([layers.dense({ units: 2 })], { inputShape: [3], seed: 0 });
    expect(() => explainText(plain, 'hello')).toThrow(/explainText: argument 'model' must be a model that takes text/);
    const net = bag('count');
    expect(() => explainText(net, 3 as unknown as string)).toThrow(/explainText: argument 'text' must be a string/);
    expect(() => explainText(net, 'x', { foo: 1 } as never)).toThrow(/explainText.*foo/);
    expect(() => explainText(net, 'x', { method: 'lime' as never })).toThrow(/explainText.*method/);
    expect(() => explainText(net, 'x', { classNames: ['a'] })).toThrow(/explainText: argument 'options.classNames' must be 3 names/);
  });
});
