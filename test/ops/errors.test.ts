/**
 * Bad input: one test per case. Each error must be the right class (TypeError for a wrong type, RangeError for a
 * wrong value or shape) and its message must name the op, the argument, what was expected and what came.
 */
import { describe, expect, it } from 'vitest';
import {
  add,
  broadcastTo,
  clipByValue,
  concat,
  gather,
  grad,
  grads,
  logit,
  logSumExp,
  losses,
  matMul,
  maximum,
  mul,
  nn,
  oneHot,
  reshape,
  slice,
  squeeze,
  stack,
  sum,
  tensor,
  topK,
  transpose,
  valueAndGrad,
  where,
  argMax,
  valueAndGrads,
  zeros,
  fill,
  range,
  div,
  pow,
} from '../../src/index.js';

/** Runs f, expects it to throw `cls`, and every pattern to occur in the message. */
function expectError(f: () => unknown, cls: typeof TypeError | typeof RangeError, ...patterns: Array<string | RegExp>): void {
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a throw').toBeInstanceOf(cls);
  const msg = (error as Error).message;
  for (const p of patterns) {
    if (typeof p === 'string') expect(msg).toContain(p);
    else expect(msg).toMatch(p);
  }
}

const f32 = (v: number[] | number[][]) => tensor(v, { dtype: 'float32' });
const f64 = (v: number[] | number[][]) => tensor(v, { dtype: 'float64' });
const i32 = (v: number[] | number[][]) => tensor(v, { dtype: 'int32' });

describe('shapes that do not broadcast', () => {
  it('add [1, 3] + [2]', () =>
    expectError(() => add(f32([[1, 2, 3]]), f32([1, 2])), RangeError, 'add:', "'a' [1, 3]", "'b' [2]", 'cannot be broadcast', '3 vs 2'));
  it('mul and maximum name themselves', () => {
    expectError(() => mul(f32([1, 2]), f32([1, 2, 3])), RangeError, 'mul:', '[2]', '[3]');
    expectError(() => maximum(f32([1, 2]), f32([1, 2, 3])), RangeError, 'maximum:', '[2]', '[3]');
  });
  it('where: condition against the branches', () => expectError(() => where(i32([1, 0]), f32([1, 2, 3]), 0), RangeError, 'where:', "'condition' [2]", '[3]'));
  it('broadcastTo a smaller shape', () => expectError(() => broadcastTo(f32([1, 2]), [3]), RangeError, 'broadcastTo:', "'x' [2]", '[3]'));
  it('loss weights not broadcastable to the per-example losses', () =>
    expectError(
      () =>
        losses.softmaxCrossEntropy(
          f32([
            [0, 1],
            [1, 0],
          ]),
          f32([
            [1, 2],
            [3, 4],
          ]),
          { weights: [1, 2, 3] },
        ),
      RangeError,
      'losses.softmaxCrossEntropy:',
      "'weights' [3]",
      '[2]',
    ));
  it('posWeight not broadcastable to the logits', () => {
    expectError(
      () => nn.weightedCrossEntropyWithLogits({ labels: f32([[0, 1]]), logits: f32([[1, 2]]), posWeight: [1, 2, 3] }),
      RangeError,
      'weightedCrossEntropyWithLogits:',
      "'posWeight' [3]",
      '[1, 2]',
    );
    expectError(
      () => losses.sigmoidCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), { posWeight: [1, 2, 3] }),
      RangeError,
      'losses.sigmoidCrossEntropy:',
      "'posWeight' [3]",
    );
  });
});

describe('labels of the wrong shape', () => {
  it('softmaxCrossEntropyWithLogits', () =>
    expectError(
      () => nn.softmaxCrossEntropyWithLogits({ labels: f32([[0, 1, 0]]), logits: f32([[1, 2]]) }),
      RangeError,
      'softmaxCrossEntropyWithLogits:',
      "'labels' [1, 3]",
      "'logits' [1, 2]",
      'cannot be broadcast',
    ));
  it('sparseSoftmaxCrossEntropyWithLogits', () =>
    expectError(
      () => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 1], logits: f32([[1, 2]]) }),
      RangeError,
      'sparseSoftmaxCrossEntropyWithLogits:',
      "'labels'",
      'shape [1]',
      'shape [2]',
    ));
  it('sigmoidCrossEntropyWithLogits', () =>
    expectError(
      () => nn.sigmoidCrossEntropyWithLogits({ labels: f32([0, 1, 1]), logits: f32([1, 2]) }),
      RangeError,
      'sigmoidCrossEntropyWithLogits:',
      "'labels'",
      '[2]',
      'shape [3]',
    ));
  it('losses.* name their own op and argument', () => {
    expectError(
      () => losses.softmaxCrossEntropy(f32([[0, 1, 0]]), f32([[1, 2]])),
      RangeError,
      'losses.softmaxCrossEntropy:',
      "'onehotLabels'",
      '[1, 2]',
      'shape [1, 3]',
    );
    expectError(
      () => losses.sparseSoftmaxCrossEntropy([0, 1], f32([[1, 2]])),
      RangeError,
      'losses.sparseSoftmaxCrossEntropy:',
      "'labels'",
      'shape [1]',
      'shape [2]',
    );
    expectError(
      () => losses.sigmoidCrossEntropy(f32([0, 1, 1]), f32([1, 2])),
      RangeError,
      'losses.sigmoidCrossEntropy:',
      "'multiClassLabels'",
      '[2]',
      'shape [3]',
    );
  });
});

describe('axis out of range', () => {
  it('softmax axis 1 of a vector', () => expectError(() => nn.softmax(f32([1, 2]), 1), RangeError, 'softmax:', "'axis'", '[-1, 0]', 'got 1'));
  it('logSoftmax axis −3 of a matrix', () => expectError(() => nn.logSoftmax(f32([[1, 2]]), -3), RangeError, 'logSoftmax:', "'axis'", '[-2, 1]', 'got -3'));
  it('softmaxCrossEntropyWithLogits axis', () =>
    expectError(
      () => nn.softmaxCrossEntropyWithLogits({ labels: f32([[1, 0]]), logits: f32([[1, 2]]), axis: 2 }),
      RangeError,
      'softmaxCrossEntropyWithLogits:',
      "'axis'",
      'got 2',
    ));
  it('sum / logSumExp / argMax axis, and a fractional axis', () => {
    expectError(() => sum(f32([[1, 2]]), 2), RangeError, 'sum:', "'axis'", '[-2, 1]', 'got 2');
    expectError(() => logSumExp(f32([[1, 2]]), [0, 5]), RangeError, 'logSumExp:', "'axis'", 'got');
    expectError(() => argMax(f32([1, 2]), 1), RangeError, 'argMax:', "'axis'", 'got 1');
    expectError(() => sum(f32([[1, 2]]), 0.5), RangeError, 'sum:', "'axis'", 'an integer', 'got 0.5');
  });
  it('a repeated axis', () => expectError(() => sum(f32([[1, 2]]), [1, -1]), RangeError, 'sum:', "'axis'", 'distinct'));
  it('gather / concat / stack axis', () => {
    expectError(() => gather(f32([1, 2]), [0], 1), RangeError, 'gather:', "'axis'", 'got 1');
    expectError(() => concat([f32([1]), f32([2])], 1), RangeError, 'concat:', "'axis'", 'got 1');
    expectError(() => stack([f32([1]), f32([2])], 3), RangeError, 'stack:', "'axis'", 'got 3');
  });
  it('a scalar has no axis', () => expectError(() => nn.softmax(tensor(1)), RangeError, 'softmax:', "'axis'", 'scalar'));
});

describe('class ids', () => {
  it('out of range (too large)', () =>
    expectError(
      () =>
        nn.sparseSoftmaxCrossEntropyWithLogits({
          labels: [0, 3],
          logits: f32([
            [1, 2, 3],
            [1, 2, 3],
          ]),
        }),
      RangeError,
      'sparseSoftmaxCrossEntropyWithLogits:',
      "'labels'",
      'integers in [0, 2]',
      '3 at flat index 1',
    ));
  it('out of range (negative)', () =>
    expectError(
      () => losses.sparseSoftmaxCrossEntropy([-1], f32([[1, 2, 3]])),
      RangeError,
      'losses.sparseSoftmaxCrossEntropy:',
      "'labels'",
      '[0, 2]',
      '-1 at flat index 0',
    ));
  it('out of range while another value is the ignored one', () =>
    expectError(
      () =>
        losses.sparseSoftmaxCrossEntropy(
          [-100, 7],
          f32([
            [1, 2, 3],
            [1, 2, 3],
          ]),
          { ignoreIndex: -100 },
        ),
      RangeError,
      "'labels'",
      'ignored value -100',
      '7 at flat index 1',
    ));
  it('not integers (a plain array)', () =>
    expectError(
      () => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [1.5], logits: f32([[1, 2, 3]]) }),
      RangeError,
      'sparseSoftmaxCrossEntropyWithLogits:',
      "'labels'",
      'integers',
      '1.5',
    ));
  it('gather and oneHot indices', () => {
    expectError(() => gather(f32([1, 2]), [2]), RangeError, 'gather:', "'indices'", '[0, 1]', '2 at flat index 0');
    expectError(() => oneHot([3], 3), RangeError, 'oneHot:', "'indices'", '[0, 2]', '3');
  });
});

describe('labels of the wrong dtype', () => {
  it('int32 labels to the soft CE', () =>
    expectError(
      () => nn.softmaxCrossEntropyWithLogits({ labels: i32([[0, 1]]), logits: f32([[1, 2]]) }),
      TypeError,
      'softmaxCrossEntropyWithLogits:',
      "'labels'",
      'float32',
      'sparse variant',
      'an int32 tensor',
    ));
  it('float labels to the sparse CE', () => {
    expectError(
      () => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: f32([1]), logits: f32([[1, 2, 3]]) }),
      TypeError,
      'sparseSoftmaxCrossEntropyWithLogits:',
      "'labels'",
      'int32',
      'a float32 tensor',
    );
    expectError(
      () => losses.sparseSoftmaxCrossEntropy(f64([1]), f32([[1, 2, 3]])),
      TypeError,
      'losses.sparseSoftmaxCrossEntropy:',
      "'labels'",
      'int32',
      'a float64 tensor',
    );
  });
  it('float32 labels with float64 logits', () => {
    expectError(() => nn.softmaxCrossEntropyWithLogits({ labels: f32([[0, 1]]), logits: f64([[1, 2]]) }), TypeError, "'labels'", 'float64', 'a float32 tensor');
    expectError(
      () => losses.softmaxCrossEntropy(f32([[0, 1]]), f64([[1, 2]])),
      TypeError,
      'losses.softmaxCrossEntropy:',
      "'onehotLabels'",
      'float64',
      'a float32 tensor',
    );
  });
  it('int32 logits', () => {
    expectError(() => nn.softmax(i32([1, 2])), TypeError, 'softmax:', "'logits'", 'float32 or float64', 'an int32 tensor');
    expectError(() => losses.softmaxCrossEntropy(f32([[0, 1]]), i32([[1, 2]])), TypeError, 'losses.softmaxCrossEntropy:', "'logits'", 'int32');
  });
});

describe('creation', () => {
  it('ragged nested arrays (short row)', () =>
    expectError(() => tensor([[1, 2], [3]]), RangeError, 'tensor:', "'values'", 'non-ragged', 'shape [2, 2]', 'length 1 at [1]'));
  it('ragged nested arrays (number where a row belongs)', () => expectError(() => tensor([[1, 2], 3] as never), RangeError, 'tensor:', "'values'", '3 at [1]'));
  it('ragged nested arrays (row where a number belongs)', () =>
    expectError(() => tensor([1, [2]] as never), RangeError, 'tensor:', "'values'", 'an array where a number belongs at [1]'));
  it('ragged input to an op names the op and argument', () => expectError(() => add([[1, 2], [3]], 1), RangeError, 'add:', "argument 'a'", 'non-ragged'));
  it('non-numbers', () => expectError(() => tensor(['a'] as never), TypeError, 'tensor:', "'values'", 'numbers', "'a' at [0]"));
  it('an unknown dtype', () => expectError(() => tensor([1], { dtype: 'float16' as never }), TypeError, 'tensor:', "'dtype'", "'float16'"));
  it('int32 values out of range or fractional', () => {
    expectError(() => tensor([2 ** 31], { dtype: 'int32' }), RangeError, 'tensor:', 'int32', '2147483648 at flat index 0');
    expectError(() => tensor([0, -(2 ** 31) - 1], { dtype: 'int32' }), RangeError, 'int32', '-2147483649 at flat index 1');
    expectError(() => tensor([0, 1.5], { dtype: 'int32' }), RangeError, 'int32', '1.5 at flat index 1');
    expectError(() => tensor(new Float64Array([NaN]), { dtype: 'int32' }), RangeError, 'int32', 'NaN');
  });
  it('a shape that does not fit the values', () =>
    expectError(() => tensor([1, 2, 3], { shape: [2, 2] }), RangeError, 'tensor:', "'shape'", '3 elements', '[2, 2]'));
  it('fill / zeros / range arguments', () => {
    expectError(() => zeros([2], 'float16' as never), TypeError, 'zeros:', "'dtype'", "'float16'");
    expectError(() => fill([2], 1.5, 'int32'), RangeError, 'fill:', "'value'", 'int32', 'got 1.5');
    expectError(() => range(0, Infinity), RangeError, 'range:', "'stop'", 'finite', 'got Infinity');
    expectError(() => range(0, 5, 0), RangeError, 'range:', "'step'", 'non-zero', 'got 0');
  });
  it('a shape with negative or fractional dimensions', () =>
    expectError(() => tensor([1, 2], { shape: [-1, -2] }), RangeError, 'tensor:', "'shape'", 'non-negative integers'));
});

describe('empty class axis', () => {
  const empty = () => tensor(new Float32Array(0), { shape: [2, 0] });
  it('softmax / logSoftmax', () => {
    expectError(() => nn.softmax(empty()), RangeError, 'softmax:', "'logits'", 'non-empty class axis', 'shape [2, 0]');
    expectError(() => nn.logSoftmax(empty()), RangeError, 'logSoftmax:', 'non-empty class axis');
  });
  it('cross-entropies', () => {
    expectError(
      () => nn.softmaxCrossEntropyWithLogits({ labels: empty(), logits: empty() }),
      RangeError,
      'softmaxCrossEntropyWithLogits:',
      'non-empty class axis',
    );
    expectError(
      () => nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [0, 0], logits: empty() }),
      RangeError,
      'sparseSoftmaxCrossEntropyWithLogits:',
      'non-empty class axis',
    );
    expectError(() => losses.softmaxCrossEntropy(empty(), empty()), RangeError, 'losses.softmaxCrossEntropy:', "'logits'", 'non-empty class axis');
    expectError(() => losses.sparseSoftmaxCrossEntropy([0, 0], empty()), RangeError, 'losses.sparseSoftmaxCrossEntropy:', "'logits'", 'non-empty class axis');
  });
  it('max / logSumExp over an empty axis', () => {
    expectError(() => logSumExp(empty(), 1), RangeError, 'logSumExp:', "'x'", 'non-empty');
  });
});

describe('options', () => {
  it('an unknown reduction', () =>
    expectError(
      () => losses.softmaxCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), { reduction: 'avg' as never }),
      RangeError,
      'losses.softmaxCrossEntropy:',
      "'reduction'",
      "'none', 'sum', 'mean', 'sumByNonzeroWeights'",
      "got 'avg'",
    ));
  it('options that are not an object', () =>
    expectError(
      () => losses.sigmoidCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), 'mean' as never),
      TypeError,
      'losses.sigmoidCrossEntropy:',
      "'options'",
      "'mean'",
    ));
  it('non-finite eps', () => {
    expectError(() => logit(f32([0.5]), NaN), RangeError, 'logit:', "'eps'", 'finite', 'got NaN');
    expectError(() => logit(f32([0.5]), Infinity), RangeError, 'logit:', "'eps'", 'got Infinity');
    expectError(() => logit(f32([0.5]), 0.7), RangeError, 'logit:', "'eps'", '[0, 0.5]', 'got 0.7');
    expectError(() => logit(f32([0.5]), '0.1' as never), TypeError, 'logit:', "'eps'", 'a number', "'0.1'");
  });
  it('bad labelSmoothing', () => {
    expectError(
      () => losses.softmaxCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), { labelSmoothing: 1.5 }),
      RangeError,
      'losses.softmaxCrossEntropy:',
      "'labelSmoothing'",
      '[0, 1]',
      'got 1.5',
    );
    expectError(() => losses.sparseSoftmaxCrossEntropy([0], f32([[1, 2]]), { labelSmoothing: -0.1 }), RangeError, "'labelSmoothing'", 'got -0.1');
    expectError(() => losses.sigmoidCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), { labelSmoothing: NaN }), RangeError, "'labelSmoothing'", 'got NaN');
    expectError(() => losses.sigmoidCrossEntropy(f32([[0, 1]]), f32([[1, 2]]), { labelSmoothing: '0.1' as never }), TypeError, "'labelSmoothing'", "'0.1'");
  });
  it('classWeights of the wrong length, or negative', () => {
    expectError(
      () => losses.sparseSoftmaxCrossEntropy([0], f32([[1, 2, 3]]), { classWeights: [1, 2] }),
      RangeError,
      'losses.sparseSoftmaxCrossEntropy:',
      "'classWeights'",
      'vector of 3 weights',
      'shape [2]',
    );
    expectError(
      () => losses.sparseSoftmaxCrossEntropy([0], f32([[1, 2, 3]]), { classWeights: [1, -2, 1] }),
      RangeError,
      "'classWeights'",
      'non-negative',
      '-2 at index 1',
    );
  });
  it('a fractional ignoreIndex', () =>
    expectError(() => losses.sparseSoftmaxCrossEntropy([0], f32([[1, 2]]), { ignoreIndex: 0.5 }), RangeError, "'ignoreIndex'", 'an integer', 'got 0.5'));
  it('clipByValue with high < low', () => expectError(() => clipByValue(f32([1]), 2, 1), RangeError, 'clipByValue:', "'high'", '≥ low (2)', 'got 1'));
  it('topK with k larger than the last dimension', () => expectError(() => topK(f32([1, 2]), 3), RangeError, 'topK:', "'k'", '[0, 2]', 'got 3'));
});

describe('layout', () => {
  it('matMul inner-dimension mismatch', () =>
    expectError(() => matMul(f32([[1, 2, 3]]), f32([[1, 2]])), RangeError, 'matMul:', "'a' [1, 3]", "'b' [1, 2]", '3 columns', '1 rows'));
  it('matMul inner-dimension mismatch with transposes', () =>
    expectError(() => matMul(f32([[1, 2, 3]]), f32([[1, 2]]), false, true), RangeError, 'matMul:', "'b' [1, 2] (transposed) has 2 rows"));
  it('matMul of a vector', () => expectError(() => matMul(f32([1, 2]), f32([[1], [2]])), RangeError, 'matMul:', "'a'", 'rank ≥ 2', 'shape [2]'));
  it('matMul batch dimensions that do not broadcast', () =>
    expectError(
      () => matMul(tensor(new Float32Array(12), { shape: [3, 2, 2] }), tensor(new Float32Array(8), { shape: [2, 2, 2] })),
      RangeError,
      'matMul:',
      'cannot be broadcast',
    ));
  it('reshape size mismatch', () => expectError(() => reshape(f32([1, 2, 3]), [2, 2]), RangeError, 'reshape:', "'shape'", '3 elements', 'got [2, 2]'));
  it('reshape with two −1', () => expectError(() => reshape(f32([1, 2, 3, 4]), [-1, -1]), RangeError, 'reshape:', 'at most one -1'));
  it('transpose with a non-permutation', () =>
    expectError(() => transpose(f32([[1, 2]]), [0, 0]), RangeError, 'transpose:', "'perm'", 'permutation', '[0, 0]'));
  it('slice beyond the end', () => expectError(() => slice(f32([1, 2, 3]), [2], [5]), RangeError, 'slice:', "'size'", '[3]', '[5]'));
  it('slice of a scalar with a number begin, and a size list of the wrong length', () => {
    expectError(() => slice(tensor(5), 0), RangeError, 'slice:', "'begin'", 'scalar', 'got 0');
    expectError(() => slice(f32([[1, 2]]), [0, 0], [1]), RangeError, 'slice:', "'size'", '2 sizes', 'got [1]');
  });
  it('squeeze of a non-1 axis', () => expectError(() => squeeze(f32([[1, 2]]), 1), RangeError, 'squeeze:', "'axis'", 'size 2'));
  it('concat of mismatched shapes and of mixed dtypes', () => {
    expectError(() => concat([f32([[1, 2]]), f32([[1, 2, 3]])], 0), RangeError, 'concat:', "'tensors[1]'", '[*, 2]', 'shape [1, 3]');
    expectError(() => concat([f32([1]), f64([2])]), TypeError, 'concat:', "'tensors[1]'", 'float32', 'a float64 tensor');
  });
  it('stack of mismatched shapes', () => expectError(() => stack([f32([1, 2]), f32([1])]), RangeError, 'stack:', "'tensors[1]'", 'shape [2]'));
});

describe('float32 and float64 do not mix silently', () => {
  it('add', () => expectError(() => add(f32([1]), f64([1])), TypeError, 'add:', "'a' (float32)", "'b' (float64)", 'cast'));
  it('where', () => expectError(() => where(i32([1]), f32([1]), f64([2])), TypeError, 'where:', 'float32', 'float64'));
  it('matMul', () => expectError(() => matMul(f32([[1]]), f64([[1]])), TypeError, 'matMul:', "'b'", 'float32', 'a float64 tensor'));
  it('weightedCrossEntropyWithLogits posWeight', () =>
    expectError(
      () => nn.weightedCrossEntropyWithLogits({ labels: f64([0]), logits: f64([1]), posWeight: f32([2]) }),
      TypeError,
      "'posWeight'",
      'float64',
      'a float32 tensor',
    ));
});

describe('autograd arguments', () => {
  it('grad of an int32 input', () => expectError(() => grad((x) => x)(i32([1])), TypeError, 'grad:', "'x'", 'float32 or float64', 'an int32 tensor'));
  it('grads of an int32 input names its position', () =>
    expectError(() => grads((a, b) => add(a, b))([f32([1]), i32([1])]), TypeError, 'grads:', "'xs[1]'", 'an int32 tensor'));
  it('valueAndGrad of a non-tensor', () => expectError(() => valueAndGrad((x) => x)(5 as never), TypeError, 'valueAndGrad:', "'x'", 'a Tensor', 'got 5'));
  it('dy of the wrong shape', () =>
    expectError(() => grad((x) => mul(x, 2))(f32([1, 2]), f32([1])), RangeError, 'grad:', "'dy'", 'output shape [2]', 'shape [1]'));
  it('f that does not return a tensor', () => expectError(() => grad(() => 5 as never)(f32([1])), TypeError, 'grad:', "'f'", 'returning a Tensor', 'got 5'));
  it('a non-function f', () => {
    expectError(() => grad(5 as never), TypeError, 'grad:', "'f'", 'a function', 'got 5');
    expectError(() => valueAndGrads('f' as never), TypeError, 'valueAndGrads:', "'f'", "got 'f'");
  });
  it('grads with a non-array', () => expectError(() => grads((a) => a)(f32([1]) as never), TypeError, 'grads:', "'xs'", 'an array'));
});

describe('integer arithmetic without an int32 result', () => {
  it('int32 division by zero', () => {
    expectError(() => div(i32([7, 8]), i32([2, 0])), RangeError, 'div:', "'b'", 'non-zero divisors', 'got 0 at flat index 1');
    expect(div(i32([7, -7]), i32([2, 2])).toArray()).toEqual([3, -4]); // floor division
  });
  it('int32 to a negative power', () => {
    expectError(() => pow(i32([2]), i32([-1])), RangeError, 'pow:', "'b'", 'non-negative exponents', 'got -1');
    expect(pow(i32([2, 3]), i32([3, 0])).toArray()).toEqual([8, 1]);
  });
});
