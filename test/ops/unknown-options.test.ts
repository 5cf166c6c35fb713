/**
 * Issue 11 B1: every options object (and every nn.* argument object) of the ops layer, the tensor layer and
 * explain rejects a name it does not know with a TypeError naming it; a silently ignored option is a wrong answer.
 */
import { describe, expect, it } from 'vitest';
import * as lk from '../../src/index.js';
import { explain, explainPrediction, losses, nn, renderJson, renderMarkdown, renderText, tensor } from '../../src/index.js';

const logits = tensor([
  [2, 1, 0.1],
  [0.5, 1.5, 0.1],
]);
const soft = tensor([
  [1, 0, 0],
  [0, 1, 0],
]);
const ids = tensor([0, 1], { dtype: 'int32' });
const trace = explain({ logits: [2, 1, 0.1] });
const model = {
  lastDense: {
    kernel: tensor([
      [1, 0, 0],
      [0, 1, 0],
    ]),
    bias: null,
  },
  hidden: (x: lk.Tensor) => x,
};

/** [the public name, a call that passes the option `key` next to valid arguments]. */
const TAKES_OPTIONS: Array<[string, (key: Record<string, unknown>) => unknown]> = [
  ['tensor', (k) => tensor([1, 2], { dtype: 'float32', ...k })],
  ['conv2d', (k) => lk.conv2d(lk.zeros([1, 3, 3, 1]), lk.zeros([2, 2, 1, 1]), { strides: 1, ...k })],
  ['maxPool', (k) => lk.maxPool(lk.zeros([1, 2, 2, 1]), { poolSize: 2, ...k })],
  ['avgPool', (k) => lk.avgPool(lk.zeros([1, 2, 2, 1]), { poolSize: 2, ...k })],
  ['losses.softmaxCrossEntropy', (k) => losses.softmaxCrossEntropy(soft, logits, { reduction: 'sum', ...k })],
  ['losses.sparseSoftmaxCrossEntropy', (k) => losses.sparseSoftmaxCrossEntropy(ids, logits, { ignoreIndex: -1, ...k })],
  ['losses.sigmoidCrossEntropy', (k) => losses.sigmoidCrossEntropy(soft, logits, { posWeight: 2, ...k })],
  ['losses.nll', (k) => losses.nll(logits, ids, { reduction: 'sum', ...k })],
  ['nn.softmaxCrossEntropyWithLogits', (k) => nn.softmaxCrossEntropyWithLogits({ labels: soft, logits, axis: -1, ...k })],
  ['nn.sparseSoftmaxCrossEntropyWithLogits', (k) => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: ids, logits, ...k })],
  ['nn.sigmoidCrossEntropyWithLogits', (k) => nn.sigmoidCrossEntropyWithLogits({ labels: soft, logits, ...k })],
  ['nn.weightedCrossEntropyWithLogits', (k) => nn.weightedCrossEntropyWithLogits({ labels: soft, logits, posWeight: 2, ...k })],
  ['explain', (k) => explain({ logits: [2, 1, 0.1], labels: 0, ...k })],
  [
    'explain (dense form)',
    (k) =>
      explain({
        weights: [
          [1, 0],
          [0, 1],
        ],
        features: [1, 2],
        ...k,
      }),
  ],
  ['explainPrediction', (k) => explainPrediction(model, [1, 2], { top: 1, ...k })],
  ['renderText', (k) => renderText(trace, { digits: 4, ...k })],
  ['renderMarkdown', (k) => renderMarkdown(trace, { digits: 4, ...k })],
  ['renderJson', (k) => renderJson(trace, { indent: 0, ...k })],
];

/** The misspellings and peers' names users actually pass. */
const UNKNOWN = ['classWeight', 'ignore_index', 'Reduction', 'axes'];

describe('options objects reject names they do not know', () => {
  it.each(TAKES_OPTIONS)('%s', (name, call) => {
    expect(() => call({})).not.toThrow();
    for (const key of UNKNOWN) {
      const op = name.replace(/ \(.*\)$/, '').replace(/^nn\./, '');
      expect(() => call({ [key]: 1 }), `${name} {${key}}`).toThrow(TypeError);
      expect(() => call({ [key]: 1 })).toThrow(new RegExp(`^${op.replace('.', '\\.')}: unknown option '${key}'`));
    }
  });

  it('the table names public functions', () => {
    for (const [name] of TAKES_OPTIONS) {
      const path = name.replace(/ \(.*\)$/, '').split('.');
      const fn = path.reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], lk);
      expect(typeof fn, name).toBe('function');
    }
  });

  it('the reported bugs: classWeights on the soft-label loss is known, ignoreIndex on the sigmoid loss is not', () => {
    expect(() => losses.sigmoidCrossEntropy(soft, logits, { ignoreIndex: -100 } as never)).toThrow(
      "losses.sigmoidCrossEntropy: unknown option 'ignoreIndex' in 'options'",
    );
    expect(() => nn.softmaxCrossEntropyWithLogits({ labels: soft, logits, dim: 0 } as never)).toThrow(
      "softmaxCrossEntropyWithLogits: unknown option 'dim' in 'args'",
    );
  });
});
