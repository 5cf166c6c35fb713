/**
 * `npm run demo:contrastive`: two encoders learn to match the left and right halves of the same handwritten digit
 * with losses.contrastive (CLIP's symmetric InfoNCE, learnable temperature), on the embedded MNIST digits (fixed
 * 8,000 / 2,000 split). Prints retrieval top-1 / top-5 on the 2,000 held-out pairs before and after training,
 * the learned temperature, and the explained contrastive loss of 4 held-out pairs.
 */
import { loadEmbeddedMnist } from '../data/mnist.js';
import { explainContrastive, renderContrastiveText } from '../explain/contrastive.js';
import { kernels } from '../kernels/index.js';
import { slice } from '../ops/layout.js';
import { CONTRASTIVE_MNIST_DEFAULTS, trainContrastiveMnist } from './contrastive.js';

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

async function main(): Promise<void> {
  const o = CONTRASTIVE_MNIST_DEFAULTS;
  console.log('logitkit: contrastive learning (CLIP / InfoNCE) on the two halves of MNIST digits');
  console.log(
    `(encoders 392 → ${o.hiddenUnits} relu → ${o.embeddingSize}, one per half; ${o.trainPairs} training pairs, ${o.testPairs} held out; ` +
      `Adam, learning rate ${o.learningRate}, batch ${o.batchSize}, ${o.epochs} epochs, τ₀ = ${o.temperature} learnable, seed ${o.seed}; kernels: ${kernels().name})\n`,
  );
  const ds = await loadEmbeddedMnist();
  const r = trainContrastiveMnist(ds, {
    onEpoch: (e) => console.log(`epoch ${e.epoch}: loss ${e.loss.toFixed(4)}, τ = ${e.temperature.toFixed(4)} (${e.seconds.toFixed(2)} s)`),
  });
  const chance = 1 / r.before.pairs;
  console.log(`\nretrieval on ${r.after.pairs} held-out pairs (for each left half, rank the ${r.after.pairs} right halves by cosine similarity):`);
  console.log(`  before training: top-1 ${pct(r.before.top1)}, top-5 ${pct(r.before.top5)}, mean rank ${r.before.meanRank.toFixed(1)}`);
  console.log(`  after training:  top-1 ${pct(r.after.top1)}, top-5 ${pct(r.after.top5)}, mean rank ${r.after.meanRank.toFixed(1)}`);
  console.log(`  (chance: top-1 ${pct(chance)}, top-5 ${pct(5 * chance)})`);
  console.log(`learned temperature τ = ${r.temperature.toFixed(4)} (from ${o.temperature}); ${r.seconds.toFixed(1)} s in all`);

  // The loss of 4 held-out pairs, explained: their cosine similarities are the logits, τ the temperature.
  const k = 4;
  const digits = Array.from(r.test.labels.slice(0, k));
  const trace = explainContrastive(slice(r.test.left, [0, 0], [k, -1]), slice(r.test.right, [0, 0], [k, -1]), {
    temperature: r.temperature,
    aNames: digits.map((d, i) => `L${i}(${d})`),
    bNames: digits.map((d, i) => `R${i}(${d})`),
  });
  console.log(`\nThe first ${k} held-out pairs (L = left half, R = right half, the digit in brackets), explained:\n`);
  console.log(renderContrastiveText(trace, { steps: false, digits: 4 }));
}

await main();
