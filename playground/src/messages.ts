/** Messages between the page and the training worker (structured-clone friendly). */

/** The networks the page trains: the seeds' MLP 784 → 128 → 10, or the small CNN of worker/small-cnn.ts. */
export type Arch = 'mlp' | 'cnn';

/** A test evaluation: the mean loss and the accuracy on the first `count` test digits. */
export interface TestResult {
  loss: number;
  accuracy: number;
  count: number;
}

export interface TrainConfig {
  arch: Arch;
  /** Optimizer steps to run (one mini-batch each). */
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Evaluate on the test split (and send the weights) every this many steps, and at the end. */
  evalEvery: number;
  /**
   * How many test digits the evaluations during the run use (all of them for the MLP; the CNN, whose convolutions
   * are slow, uses the first 500 and evaluates all 2,000 once at the end).
   */
  evalCount: number;
  /** The MLP's hidden width. */
  hidden: number;
  seed: number;
  /** The kernel set the worker runs: WebAssembly SIMD (falls back to TypeScript where missing) or TypeScript. */
  kernels: 'wasm' | 'ts';
}

export type ToWorker = { type: 'start'; config: TrainConfig } | { type: 'stop' };

export type FromWorker =
  | { type: 'status'; text: string }
  | { type: 'data'; trainCount: number; testCount: number; imageShape: number[] }
  | { type: 'kernels'; name: string }
  | {
      type: 'progress';
      step: number;
      epoch: number;
      loss: number;
      batchAccuracy: number;
      /** Present on evaluation steps. */
      test?: TestResult;
      examplesPerSecond: number;
    }
  /** The model so far as a logitkit model file (modelToBytes): the page loads it with modelFromBytes. */
  | { type: 'model'; step: number; arch: Arch; bytes: Uint8Array }
  /**
   * The final model's logits on every test digit, row-major [count, classes], with their labels: sent once when a
   * run ends (finished or stopped), before 'done', for the calibration section.
   */
  | { type: 'testLogits'; step: number; logits: Float32Array; labels: Int32Array; classes: number }
  /** `test` is on every test digit, after the last step. */
  | { type: 'done'; reason: 'finished' | 'stopped'; step: number; arch: Arch; test: TestResult | null; seconds: number }
  | { type: 'error'; message: string };
