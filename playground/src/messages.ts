/** Messages between the page and the training worker (structured-clone friendly). */

export interface TrainConfig {
  /** Optimizer steps to run (one mini-batch each). */
  steps: number;
  batchSize: number;
  learningRate: number;
  /** Evaluate on the test split (and send the weights) every this many steps, and at the end. */
  evalEvery: number;
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
      test?: { loss: number; accuracy: number };
      examplesPerSecond: number;
    }
  /** The model so far as a logitkit model file (modelToBytes): the page loads it with modelFromBytes. */
  | { type: 'model'; step: number; bytes: Uint8Array }
  /**
   * The final model's logits on every test digit, row-major [count, classes], with their labels: sent once when a
   * run ends (finished or stopped), before 'done', for the calibration section.
   */
  | { type: 'testLogits'; step: number; logits: Float32Array; labels: Int32Array; classes: number }
  | { type: 'done'; reason: 'finished' | 'stopped'; step: number; test: { loss: number; accuracy: number } | null; seconds: number }
  | { type: 'error'; message: string };
