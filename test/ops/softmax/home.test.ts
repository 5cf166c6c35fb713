/** The softmax family has one home, src/ops/softmax: the public names are those modules' functions. */
import { describe, expect, it } from 'vitest';
import { logSumExp, nn } from '../../../src/index.js';
import { logSumExp as homeLogSumExp } from '../../../src/ops/softmax/log-sum-exp.js';
import * as reduce from '../../../src/ops/reduce.js';

describe('softmax family home', () => {
  it('logSumExp lives in ops/softmax; the top-level name and nn.reduceLogSumExp are that function', () => {
    expect(logSumExp).toBe(homeLogSumExp);
    expect(nn.reduceLogSumExp).toBe(homeLogSumExp);
    expect('logSumExp' in reduce).toBe(false);
  });
});
