import { expect, it } from 'vitest';
import * as sampling from '../../src/sampling/index.js';
import { tensor } from '../../src/tensor/tensor.js';

// The example at the top of docs/sampling.md, through the module paths.
it('docs/sampling.md example runs and keeps what it says', () => {
  const logits = tensor([[2.0, 1.0, 0.5, -1.0, 3.0, 0.0]]);
  const steps = sampling.pipeline([
    { type: 'repetitionPenalty', penalty: 1.2 },
    { type: 'temperature', temperature: 0.8 },
    { type: 'topK', k: 50 },
    { type: 'topP', p: 0.9 },
    { type: 'minP', p: 0.05 },
  ]);
  const processed = steps.apply(logits, { previousTokens: [[4, 4, 1]] });
  const next = sampling.sample(processed, { seed: 42 });
  expect(next.shape).toEqual([1]);
  expect(processed.values[next.values[0]]).toBeGreaterThan(-Infinity);
  const { logprobs, indices } = sampling.topLogprobs(logits, 3);
  expect(Array.from(indices.values)).toEqual([4, 0, 1]);
  expect(logprobs.dtype).toBe('float64');
  const trace = steps.trace(logits, { previousTokens: [4, 4, 1] });
  expect(trace.steps.map((s) => s.processor)).toEqual(['repetitionPenalty(1.2)', 'temperature(0.8)', 'topK(k=50)', 'topP(p=0.9)', 'minP(p=0.05)']);
  expect(Array.from(trace.steps[trace.steps.length - 1].logits)).toEqual(Array.from(processed.values));
});
