/**
 * `npm start`: the seeds' network made real. Trains input(784) → dense(128, relu) → dense(10) (the logits) with
 * cross-entropy with logits on the embedded MNIST digits (fixed 8,000 / 2,000 split), prints the test accuracy,
 * then walks one test digit through the last step: its logits, softmax probabilities and the decision (argmax).
 */
import { argMax, data, explainableModel, nn, MLP_CLASSIFIER_DEFAULTS, Tensor } from '../index.js';
import { trainMnistMlp } from '../train/mnist-mlp.js';
import { loadEmbeddedMnist } from '../data/mnist.js';
import { chooseProgressMode, createProgress } from '../cli/progress.js';
import { progressCallback } from '../cli/progress-callback.js';
import { formatValue } from '../tensor/format.js';
import { withKernelOptions } from '../cli/kernel-options.js';

const EXAMPLE = 0; // the first test digit

async function main(): Promise<void> {
  const o = MLP_CLASSIFIER_DEFAULTS;
  console.log(`logitkit: training the seeds' network 784 → ${o.hiddenUnits} (relu) → 10 on the embedded MNIST digits`);
  if (o.standardize)
    console.log("(pixels standardized per feature with the training set's mean and variance: a normalization layer without trainable parameters)");
  console.log(`(8,000 training / 2,000 test images; Adam, learning rate ${o.learningRate}, batch ${o.batchSize}, ${o.epochs} epochs, seed ${o.seed})`);
  const sink = createProgress(chooseProgressMode(false));
  const started = performance.now();
  // As `logitkit train` (one thread unless asked; names the kernels that ran).
  const { model, testAccuracy, testLoss, secondsPerEpoch } = await withKernelOptions({}, (kernels) => {
    console.log(`(kernels: ${kernels})\n`);
    return trainMnistMlp({ onProgress: progressCallback(sink) });
  });
  const seconds = (performance.now() - started) / 1000;
  const perEpoch = secondsPerEpoch.reduce((a, b) => a + b, 0) / secondsPerEpoch.length;
  console.log(
    `\ntest accuracy: ${(100 * testAccuracy).toFixed(2)} %  (test loss ${testLoss.toFixed(4)}; ${seconds.toFixed(1)} s in all, ${perEpoch.toFixed(2)} s per epoch)\n`,
  );

  // One worked prediction, on the same fixed test split.
  const { test } = data.splitTrainTest(await loadEmbeddedMnist());
  const d = test.featureShape[0];
  const x = new Tensor(test.images.slice(EXAMPLE * d, (EXAMPLE + 1) * d), [1, d]);
  const label = test.labels[EXAMPLE];
  const logits = model.predictLogits(x);
  const probabilities = nn.softmax(logits);
  const decision = argMax(logits).values[0];
  const last = explainableModel(model);
  const hidden = last ? last.hidden(x) : null;
  const active = hidden ? Array.from(hidden.values).filter((v) => v > 0).length : 0;
  console.log(`One worked prediction: test image #${EXAMPLE} (a handwritten ${label})`);
  console.log(`  the last layer computes the logits z = W·h + b from the ${hidden?.shape[1] ?? '?'} hidden units h (${active} of them active after relu):`);
  console.log('    digit   logit z      softmax p');
  for (let c = 0; c < logits.shape[1]; c++) {
    const mark = c === decision ? '  ← largest' : '';
    const z = logits.values[c];
    const p = probabilities.values[c];
    console.log(`    ${String(c).padStart(5)}   ${z.toFixed(4).padStart(8)}   ${formatProbability(p).padStart(11)}${mark}`);
  }
  console.log(
    `  decision: argmax z = ${decision} (${decision === label ? 'correct' : `wrong, it is a ${label}`}); softmax keeps the order of the logits, so the decision needs no softmax.`,
  );
  console.log(
    `  its cross-entropy loss (with logits) is ${formatValue(nn.sparseSoftmaxCrossEntropyWithLogits({ labels: [label], logits }).values[0], 'float32')}.`,
  );
  console.log('\nNext: `npm run logitkit -- explain 2.0 1.0 0.1 --classes news,entertainment,technology --label news` walks the softmax step by step;');
  console.log('`npm run logitkit -- train --out model.lkm --report report.html` saves the model and an HTML report.');
}

function formatProbability(p: number): string {
  return p > 0 && p < 5e-5 ? `${(100 * p).toExponential(1)} %` : `${(100 * p).toFixed(2)} %`;
}

main().catch((e) => {
  console.error(`logitkit: ${(e as Error).message}`);
  process.exitCode = 1;
});
