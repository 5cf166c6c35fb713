// A training run in its own process, for the kill -9 test (test/train/checkpoint.test.ts).
// argv: libDir checkpointDir outFile epochs batchDelayMs
import { pathToFileURL } from 'node:url';
import { join } from 'node:path';

const [libDir, checkpointDir, outFile, epochsArg, delayArg] = process.argv.slice(2);
const lib = (p) => import(pathToFileURL(join(libDir, p)).href);
const { Random } = await lib('src/tensor/index.js');
const { Tensor } = await lib('src/tensor/tensor.js');
const { input, layers } = await lib('src/layers/index.js');
const { model } = await lib('src/train/index.js');
const { Adam } = await lib('src/optim/index.js');
const { modelToBytes } = await lib('src/io/index.js');
const { writeFileAtomic, directoryCheckpoint } = await lib('src/io/node.js');

// Deterministic data: 3 Gaussian blobs in 6 dimensions.
const rng = new Random(99);
const n = 192;
const d = 6;
const centres = Array.from({ length: 3 }, () => Array.from({ length: d }, () => rng.uniform(-1, 1)));
const xs = new Float32Array(n * d);
const ys = new Int32Array(n);
for (let i = 0; i < n; i++) {
  ys[i] = i % 3;
  for (let j = 0; j < d; j++) xs[i * d + j] = centres[i % 3][j] + rng.normal(0, 0.8);
}
const x = input({ shape: [d] });
const h = layers.dense({ units: 16, activation: 'relu' }).apply(x);
const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed: 2024 });
m.compile({ optimizer: new Adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
const delay = Number(delayArg);
/** The directory store, telling the parent each epoch whose checkpoint is on disk. */
function reportingSaves(store) {
  return {
    location: store.location,
    load: (model) => store.load(model),
    save: async (model, state) => {
      await store.save(model, state);
      process.stdout.write(`saved ${state.epoch}\n`);
    },
  };
}
const history = await m.fit(new Tensor(xs, [n, d]), new Tensor(ys, [n]), {
  epochs: Number(epochsArg),
  batchSize: 16,
  seed: 7,
  validationSplit: 0.25,
  checkpoint: checkpointDir === '-' ? undefined : { store: reportingSaves(directoryCheckpoint(checkpointDir)), resume: true },
  callbacks: {
    onTrainBegin: (l) => void process.stdout.write(`begin ${l.initialEpoch}\n`),
    onBatchEnd: () => (delay > 0 ? new Promise((r) => setTimeout(r, delay)) : undefined),
    onEpochEnd: (e) => void process.stdout.write(`epoch ${e + 1}\n`),
  },
});
await writeFileAtomic(outFile, modelToBytes(m));
await writeFileAtomic(`${outFile}.history.json`, new TextEncoder().encode(JSON.stringify(history.toJSON())));
process.stdout.write('done\n');
