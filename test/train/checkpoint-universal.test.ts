import { describe, expect, it } from 'vitest';
// Only the universal entry: nothing here loads the Node file-system part of io/.
import { input, layers, model, tensor } from '../../src/index.js';

describe('checkpoint {dir} from the universal entry', () => {
  it("asks for 'logitkit/node' (or a store) instead of reaching for the file system", async () => {
    const x = input({ shape: [2] });
    const net = model({ inputs: x, outputs: layers.dense({ units: 2 }).apply(x), seed: 1 });
    net.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const xs = tensor([[0, 1], [1, 0]]);
    const ys = tensor([0, 1], { dtype: 'int32' });
    await expect(net.fit(xs, ys, { epochs: 1, checkpoint: { dir: '/tmp/never-written' } })).rejects.toThrow(
      /'checkpoint.dir' needs the file system: import 'logitkit\/node'/,
    );
  });
});
