import { describe, expect, it } from 'vitest';
import { explain, renderJson, renderMarkdown, renderText, tensor, type ExplainInput } from '../../src/index.js';

/** Bad input: a RangeError or TypeError naming explain and the argument, with what was expected and what came. */

const W = [
  [1, -1, 0.5],
  [0.8, 0.5, -0.3],
  [-0.5, 1.2, 1],
];
const f = [0.5, 0.8, 1.2];

function throwsOn(input: unknown, type: typeof RangeError | typeof TypeError, pattern: RegExp): void {
  expect(() => explain(input as ExplainInput)).toThrow(type);
  expect(() => explain(input as ExplainInput)).toThrow(pattern);
}

describe('explain: bad input', () => {
  it('empty or misshapen logits', () => {
    throwsOn(
      { logits: [] },
      RangeError,
      /^explain: argument 'logits' must be a non-empty vector \[classes\] or batch \[examples, classes\] of logits, got a float64 tensor of shape \[0\]/,
    );
    throwsOn({ logits: [[]] }, RangeError, /argument 'logits'.*shape \[1, 0\]/);
    throwsOn({ logits: 3 }, RangeError, /argument 'logits'.*shape \[\]/);
    throwsOn({ logits: [[[1]]] }, RangeError, /argument 'logits'.*shape \[1, 1, 1\]/);
    throwsOn({ logits: [1, 'a'] }, TypeError, /explain: argument 'logits' must be numbers, got .*'a'.* at \[1\]/);
    throwsOn({ logits: [[1, 2], [3]] }, RangeError, /explain: argument 'logits' must be a regular/);
  });

  it('no input, or both kinds', () => {
    throwsOn(null, TypeError, /explain: argument 'input' must be an object/);
    throwsOn({}, RangeError, /explain: argument 'input' must be an object with 'logits'/);
    throwsOn({ logits: [1, 2], weights: W, features: f }, RangeError, /argument 'input' must be either 'logits' or a dense layer/);
  });

  it('labels out of range, unknown names, wrong shapes', () => {
    throwsOn({ logits: [1, 2, 3], labels: 3 }, RangeError, /explain: argument 'labels' must be a class id \(an integer in \[0, 2\]\), got 3/);
    throwsOn({ logits: [1, 2, 3], labels: -1 }, RangeError, /argument 'labels'.*\[0, 2\].*got -1/);
    throwsOn({ logits: [1, 2, 3], labels: 1.5 }, RangeError, /argument 'labels'.*got 1\.5/);
    throwsOn(
      { logits: [1, 2, 3], labels: 'cat' },
      RangeError,
      /argument 'labels' must be a class id or a distribution \(class names need 'classNames'\), got 'cat'/,
    );
    throwsOn(
      { logits: [1, 2, 3], labels: 'cat', classNames: ['a', 'b', 'c'] },
      RangeError,
      /argument 'labels' must be one of the class names \['a', 'b', 'c'\], got 'cat'/,
    );
    throwsOn({ logits: [1, 2, 3], labels: [0, 1] }, RangeError, /argument 'labels' must be a distribution of 3 values \(one per class\), got 2 values/);
    throwsOn({ logits: [1, 2, 3], labels: [0.5, -0.5, 1] }, RangeError, /argument 'labels' must be a distribution of finite non-negative numbers, got -0\.5/);
    throwsOn(
      {
        logits: [
          [1, 2],
          [3, 4],
        ],
        labels: [0],
      },
      RangeError,
      /argument 'labels' must be one label per example \(2\), got 1 labels/,
    );
    throwsOn(
      {
        logits: [
          [1, 2],
          [3, 4],
        ],
        labels: [0, 2],
      },
      RangeError,
      /argument 'labels' must be a class id \(an integer in \[0, 1\]\) \(example 1\), got 2/,
    );
    throwsOn(
      {
        logits: [
          [1, 2],
          [3, 4],
        ],
        labels: 0,
      },
      TypeError,
      /argument 'labels' must be an array with one label per example/,
    );
    throwsOn(
      { logits: [1, 2], labels: tensor([0, 1, 1], { dtype: 'int32' }) },
      RangeError,
      /argument 'labels' must be an int32 tensor of class ids of shape \[\]/,
    );
  });

  it('W and f shapes that do not match', () => {
    throwsOn(
      { weights: W, features: [1, 2] },
      RangeError,
      /explain: argument 'features' must be 3 values per example \(weights a float64 tensor of shape \[3, 3\] is \[classes, features\] with 3 features; weightsLayout 'classesByFeatures'\), got a float64 tensor of shape \[2\]/,
    );
    throwsOn(
      { weights: [[1, 2]], features: [1, 2], weightsLayout: 'featuresByClasses' },
      RangeError,
      /argument 'features' must be 1 values per example.*\[features, classes\]/,
    );
    throwsOn({ weights: [1, 2, 3], features: f }, RangeError, /argument 'weights' must be a non-empty matrix \[classes, features\]/);
    throwsOn({ weights: W, features: [[[1]]] }, RangeError, /argument 'features' must be a vector/);
    throwsOn({ weights: W, bias: [1, 2], features: f }, RangeError, /explain: argument 'bias' must be a vector of 3 values \(one per class\)/);
    throwsOn(
      { weights: W, features: f, weightsLayout: 'rows' },
      RangeError,
      /argument 'weightsLayout' must be 'classesByFeatures' or 'featuresByClasses', got 'rows'/,
    );
    throwsOn({ weights: W }, TypeError, /argument 'features' must be a Tensor or a \(nested\) array of numbers, got undefined/);
  });

  it('temperature: finite and > 0', () => {
    for (const T of [0, -1, NaN, Infinity, -Infinity]) {
      throwsOn({ logits: [1, 2], temperature: T }, RangeError, /^explain: argument 'temperature' must be a finite number > 0, got/);
    }
    throwsOn({ logits: [1, 2], temperature: '2' }, TypeError, /argument 'temperature' must be a finite number > 0, got '2'/);
  });

  it('label smoothing, reduction, classNames, dtype', () => {
    throwsOn({ logits: [1, 2], labels: 0, labelSmoothing: 1.5 }, RangeError, /argument 'labelSmoothing' must be a finite number in \[0, 1\], got 1\.5/);
    throwsOn({ logits: [1, 2], labelSmoothing: 0.1 }, RangeError, /argument 'labelSmoothing' must be 0 when no 'labels' are given/);
    throwsOn({ logits: [1, 2], reduction: 'avg' }, RangeError, /argument 'reduction' must be 'none', 'sum', 'mean', 'sumByNonzeroWeights', got 'avg'/);
    throwsOn({ logits: [1, 2], classNames: ['a'] }, RangeError, /argument 'classNames' must be 2 names \(one per class\), got 1/);
    throwsOn({ logits: [1, 2], classNames: ['a', 'a'] }, RangeError, /argument 'classNames' must be distinct names, got 'a' twice/);
    throwsOn({ logits: [1, 2], classNames: [1, 2] }, TypeError, /argument 'classNames' must be an array of 2 strings/);
    throwsOn({ logits: [1, 2], dtype: 'int32' }, TypeError, /argument 'dtype' must be 'float32' or 'float64', got 'int32'/);
  });
});

describe('renderers: bad arguments', () => {
  const t = explain({ logits: [1, 2] });
  it('name the renderer and the argument', () => {
    expect(() => renderText(t, { digits: 0 })).toThrow(/^renderText: argument 'digits' must be an integer in \[1, 17\], got 0/);
    expect(() => renderMarkdown(t, { maxTerms: 0 })).toThrow(/^renderMarkdown: argument 'maxTerms' must be a positive integer, got 0/);
    expect(() => renderJson(t, { indent: -1 })).toThrow(/^renderJson: argument 'indent' must be an integer in \[0, 10\]/);
    expect(() => renderText({} as never)).toThrow(/^renderText: argument 'trace' must be a trace returned by explain\(\)/);
    expect(() => renderJson(null as never)).toThrow(TypeError);
  });
});
