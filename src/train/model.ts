import { argError, argTypeError } from '../tensor/errors.js';
import { shapesEqual } from '../tensor/shape.js';
import { Tensor, tensor, type TensorLike } from '../tensor/tensor.js';
import { Random } from '../tensor/random.js';
import { BufferRecycler } from '../tensor/recycler.js';
import type { TypedArray } from '../tensor/dtype.js';
import { valueAndGrads } from '../autograd/grad.js';
import { greater } from '../ops/arithmetic.js';
import { concat, gather, reshape, slice } from '../ops/layout.js';
import { argMax } from '../ops/reduce.js';
import { sigmoid } from '../ops/unary.js';
import { softmax } from '../ops/softmax/softmax.js';
import { Network, checkSeed, type NetworkArgs } from '../layers/network.js';
import { conformInputDType, InputLayer } from '../layers/input.js';
import type { TextVectorization } from '../text/text-vectorization.js';
import { isLibraryLayer } from '../layers/registry.js';
import type { Variable } from '../layers/variable.js';
import { getOptimizer, type OptimizerSpec } from '../optim/index.js';
import type { Optimizer } from '../optim/optimizer.js';
import { History, type BatchLogs, type Callback, type EpochLogs, type TrainBeginLogs } from './callbacks.js';
import type { CheckpointOptions, CheckpointStore, FitFingerprint, TrainingState } from './checkpoint.js';
import { resolveLoss, type LossPlan, type LossSpec } from '../ops/softmax/compile-losses.js';
import { resolveMetrics, type MetricSpec } from './metric-registry.js';
import type { Metric } from './metrics.js';
import { checkOptions } from '../tensor/options.js';
import { progressLogger, type Verbosity } from './progress-logger.js';
import { nonFiniteLossError, nonFiniteWeight, nonFiniteWeightsError, type StepPlace } from './non-finite.js';
import { applyCalibration, type Calibration } from '../calibration/apply.js';
import { calibrateModel, type CalibrateOptions, type CalibrateResult } from './calibrate.js';

/** What a model takes as x: a tensor (or nested arrays), or raw strings for a model with a textVectorization. */
export type ModelInput = Tensor | TensorLike | readonly string[];

export interface CompileArgs {
  /** An optimizer (optimizers.adam({learningRate: 1e-3})) or a name with default settings. */
  optimizer: OptimizerSpec;
  loss: LossSpec;
  /** 'accuracy' (key 'acc'), 'topKAccuracy' (top 5, key 'top5Acc'), a function (labels, logits) => number or {name, fn}. */
  metrics?: MetricSpec | MetricSpec[];
}

export interface FitOptions {
  /** Train until this epoch (exclusive; Keras's meaning with initialEpoch). Default 1. */
  epochs?: number;
  /** Default 32. */
  batchSize?: number;
  /** Reshuffle the training examples every epoch with the model's generator. Default true. */
  shuffle?: boolean;
  /** Hold out this fraction of the examples, taken from the end before shuffling (as Keras). */
  validationSplit?: number;
  /** Validation examples, evaluated after every epoch (takes precedence over validationSplit). */
  validationData?: [ModelInput, Tensor | TensorLike] | { x: ModelInput; y: Tensor | TensorLike };
  callbacks?: Callback | Callback[];
  /** Reseeds the model's generator before training (shuffling), for a reproducible run. */
  seed?: number;
  /** The first epoch (for continuing a run by hand; a resumed checkpoint sets it). Default 0. */
  initialEpoch?: number;
  /** Save model, optimizer, generator state, epoch and history after every epoch; resume from them. */
  checkpoint?: CheckpointOptions;
  /**
   * One weight ≥ 0 per example: the loss of a batch is Σ weight·loss / batch size (Keras's sum_over_batch_size).
   * With validationSplit the held-out part's weights weight the validation loss, as Keras.
   */
  sampleWeight?: Tensor | TensorLike;
  /** {classId: weight}: each training example is weighted by its class's weight (1 for a class not listed), as Keras. */
  classWeight?: Record<number, number>;
  /**
   * Keras's: 0 silent, 1 a progress bar per epoch (in a terminal; lines elsewhere), 2 one line per epoch.
   * Default 'auto': 1 where stdout is a terminal, else 0 (browsers, pipes, tests).
   */
  verbose?: Verbosity;
}

export interface BatchOptions {
  /**
   * Examples per forward pass (default 256). Larger batches only add memory: a CNN's first call at 1,024 rows spent
   * 2.7 s on 5,000 images against 0.95 s at 256 (fresh intermediates are slow to touch), at the same warm speed.
   */
  batchSize?: number;
}

const MAX_EPOCHS = 1_000_000;
const FIT_OPTIONS = [
  'epochs',
  'batchSize',
  'shuffle',
  'validationSplit',
  'validationData',
  'callbacks',
  'seed',
  'initialEpoch',
  'checkpoint',
  'sampleWeight',
  'classWeight',
  'verbose',
] as const;

/**
 * A model that trains: a Network (layers wired from inputs to outputs) plus compile / fit / evaluate / predict.
 * Built by `model({inputs, outputs})` or `sequential([...])`. One input and one output for training.
 */
export class Model extends Network {
  /** Set to true (in a callback) to end fit after the current batch; an unfinished epoch is not recorded. */
  stopTraining = false;
  optimizer: Optimizer | null = null;
  private plan: LossPlan | null = null;
  private metricList: Metric[] = [];
  /**
   * The last fit's storage recycler (null when its model or loss has user code: see recyclingSafe); its counts show
   * whether warm steps allocated. Its free arrays are dropped when fit ends.
   */
  lastFitRecycler: BufferRecycler | null = null;
  /**
   * A calibration of the logits fitted on held-out data (`calibrate`), saved in model files: `predictProba`
   * applies it; `predict`, `predictLogits` and `predictClasses` do not (temperature scaling keeps every decision).
   */
  calibration: Calibration | undefined = undefined;

  constructor(args?: NetworkArgs) {
    super();
    if (args !== undefined) this.initGraph(args, 'model');
  }

  get isCompiled(): boolean {
    return this.plan !== null;
  }

  /** The resolved loss (name, fromLogits and whether it reads the pre-activation logits). */
  get loss(): LossPlan | null {
    return this.plan;
  }

  get metrics(): readonly Metric[] {
    return this.metricList;
  }

  /** Chooses the optimizer, the loss (checked against the output layer's activation) and the metrics. */
  compile(args: CompileArgs): void {
    const op = 'compile';
    if (args === null || typeof args !== 'object') throw argTypeError(op, 'args', 'an object {optimizer, loss, metrics?}', args);
    const optimizer = getOptimizer(op, args.optimizer);
    const previous = this.compileArgs;
    this.compileArgs = args;
    this.plan = null;
    try {
      if (this.tryGraph()) this.resolveCompile();
    } catch (e) {
      this.compileArgs = previous;
      throw e;
    }
    this.optimizer = optimizer;
  }

  private compileArgs: CompileArgs | null = null;

  private resolveCompile(): void {
    const args = this.compileArgs!;
    if (this.inputs.length !== 1 || this.outputs.length !== 1) {
      throw argError('compile', 'model', 'a model with one input and one output for training', `${this.inputs.length} inputs, ${this.outputs.length} outputs`);
    }
    const plan = resolveLoss('compile', args.loss, { name: this.outputLayer.name, activation: this.outputLayer.activation });
    this.metricList = resolveMetrics('compile', args.metrics, plan.kind);
    this.plan = plan;
  }

  /** @internal Builds the graph if it can be built now; true when it exists. */
  protected tryGraph(): boolean {
    return this.isGraphReady;
  }

  /** @internal Lets a sequential model build its graph from the first data it sees. */
  protected ensureGraph(op: string, _x: Tensor): void {
    this.requireGraph(op);
  }

  /**
   * The vectorizer of a model that takes raw strings (its input made by `input({textVectorization})` or a
   * sequential model starting with one), or undefined.
   */
  get textVectorization(): TextVectorization | undefined {
    if (!this.tryGraph()) return undefined;
    const layer = this.inputs[0].node.layer;
    return layer instanceof InputLayer ? layer.textVectorization : undefined;
  }

  private prepareX(op: string, arg: string, xIn: unknown): Tensor {
    if (Array.isArray(xIn) && typeof xIn[0] === 'string') {
      const vectorizer = this.textVectorization;
      if (!vectorizer) throw argTypeError(op, arg, 'a tensor (strings need a model whose input is a layers.textVectorization)', 'an array of strings');
      xIn = vectorizer.apply(xIn as string[]);
    }
    const x = xIn instanceof Tensor ? xIn : tensor(xIn as TensorLike);
    this.ensureGraph(op, x);
    if (this.compileArgs && !this.plan) this.resolveCompile();
    const want = this.inputs[0].shape;
    if (x.rank !== want.length || want.some((d, i) => d !== null && d !== x.shape[i])) {
      const one = x.rank === want.length - 1 ? ' (for one example, add a batch dimension: expandDims(x, 0))' : '';
      throw argError(op, arg, `a batch of shape [n, ${want.slice(1).join(', ')}]${one}`, x);
    }
    // Cast once here, not per batch (to the model dtype, or to int32 token ids for a model that takes them).
    return conformInputDType(op, arg, x, this.inputDType);
  }

  private requireCompiled(op: string): LossPlan {
    if (!this.compileArgs) throw new Error(`${op}: compile the model first (model.compile({optimizer, loss, metrics}))`);
    if (!this.plan) this.resolveCompile();
    return this.plan!;
  }

  private trainableValues(): { vars: Variable[]; all: Variable[] } {
    const all = this.weights.slice();
    const trainable = new Set(this.trainableWeights);
    return { vars: all.filter((v) => trainable.has(v)), all };
  }

  /**
   * Whether a step's storage may be recycled: only when all the code a step runs is the library's (a built-in
   * loss, the library's layer classes). A user's loss or layer may keep a tensor it makes (a constant built on
   * first use, say), and recycling would overwrite it. Users' metric functions run outside the recycler.
   */
  private recyclingSafe(): boolean {
    return this.plan!.kind !== 'custom' && this.layers.every(isLibraryLayer);
  }

  /**
   * One batch's work, under the recycler when there is one, with the built-in metrics inside it; then users' metric
   * functions outside it; then the batch's storage goes back, except the two tensors users' metrics saw (they may
   * keep them).
   */
  private runBatch<T extends { yb: Tensor; logits: Tensor }>(recycler: BufferRecycler | null, work: () => T): T & { metrics: number[] } {
    const inside = () => {
      const r = work();
      return { ...r, builtIn: this.metricList.map((m) => (m.builtIn ? m.fn(r.yb, r.logits) : 0)) };
    };
    const r = recycler ? recycler.run(inside) : inside();
    const metrics = this.metricList.map((m, i) => (m.builtIn ? r.builtIn[i] : m.fn(r.yb, r.logits)));
    const userMetrics = this.metricList.some((m) => !m.builtIn);
    recycler?.release(new Set<TypedArray>(userMetrics ? [r.yb.values, r.logits.values] : []));
    return { ...r, metrics };
  }

  /** Forward, loss and gradients on one batch (prepared x, y); no update. */
  private gradients(
    xb: Tensor,
    yb: Tensor,
    vars: Variable[],
    all: Variable[],
    wb: Tensor | null = null,
    training = false,
  ): { loss: Tensor; grads: Tensor[]; logits: Tensor } {
    const plan = this.plan!;
    let logits: Tensor | null = null;
    const allTrainable = vars.length === all.length;
    const trained = new Set(vars);
    const lossOf = (...ws: Tensor[]): Tensor => {
      let values = ws;
      if (!allTrainable) {
        let k = 0;
        values = all.map((v) => (trained.has(v) ? ws[k++] : v.value));
      }
      const { outputs, preActivation } = this.forward([xb], values, { training });
      logits = preActivation ?? outputs[0];
      return plan.compute(yb, plan.reads === 'preActivation' ? preActivation! : outputs[0], wb);
    };
    const { value, grads } = valueAndGrads(lossOf)(vars.map((v) => v.value));
    return { loss: value, grads, logits: logits! };
  }

  /**
   * The compiled loss on a batch and its gradients with respect to the trainable weights (in
   * `trainableWeights` order), without updating anything: what one training step computes, in inference mode
   * (dropout off, batch normalization on its moving statistics, which stay as they are).
   */
  lossAndGradients(x: ModelInput, y: Tensor | TensorLike): { loss: Tensor; grads: Tensor[] } {
    const data = this.prepareXY('lossAndGradients', x, y);
    const { vars, all } = this.trainableValues();
    const { loss, grads } = this.gradients(data.x, data.y, vars, all);
    return { loss, grads };
  }

  /**
   * One optimization step on a batch: forward, loss, gradients, update. Returns the loss and the metric logits.
   * A non-finite loss throws before the update, so the weights stay those of the last finite step.
   */
  private trainStep(xb: Tensor, yb: Tensor, wb: Tensor | null, vars: Variable[], all: Variable[], at: StepPlace): { loss: number; logits: Tensor } {
    const { loss, grads, logits } = this.gradients(xb, yb, vars, all, wb, true);
    const value = loss.item();
    if (!Number.isFinite(value)) throw nonFiniteLossError(value, at, xb, this.weights, this.optimizer!.currentLearningRate());
    this.optimizer!.applyGradients(vars, grads);
    return { loss: value, logits };
  }

  /** Loss and metrics over a dataset, batch by batch, weighted by batch size. */
  private measure(x: Tensor, y: Tensor, batchSize: number, w: Tensor | null = null): Record<string, number> {
    const plan = this.plan!;
    const n = x.shape[0];
    let loss = 0;
    const sums = this.metricList.map(() => 0);
    // Each batch's temporaries are recycled for the next, as in fit.
    const recycler = this.recyclingSafe() ? new BufferRecycler() : null;
    for (let start = 0; start < n; start += batchSize) {
      const size = Math.min(batchSize, n - start);
      const { metrics } = this.runBatch(recycler, () => {
        const xb = size === n ? x : slice(x, start, size);
        const yb = size === n ? y : slice(y, start, size);
        const wb = w && (size === n ? w : slice(w, start, size));
        const { outputs, preActivation } = this.forward([xb]);
        loss += plan.compute(yb, plan.reads === 'preActivation' ? preActivation! : outputs[0], wb).item() * size;
        return { yb, logits: preActivation ?? outputs[0] };
      });
      metrics.forEach((value, i) => (sums[i] += value * size));
    }
    const out: Record<string, number> = { loss: n === 0 ? Number.NaN : loss / n };
    this.metricList.forEach((m, i) => (out[m.name] = n === 0 ? Number.NaN : sums[i] / n));
    return out;
  }

  private prepareXY(op: string, xIn: unknown, yIn: unknown, xArg = 'x', yArg = 'y'): { x: Tensor; y: Tensor } {
    const x = this.prepareX(op, xArg, xIn);
    const plan = this.requireCompiled(op);
    const y0 = yIn instanceof Tensor ? yIn : tensor(yIn as TensorLike);
    if (y0.rank === 0 || y0.shape[0] !== x.shape[0]) throw argError(op, yArg, `${x.shape[0]} labels (one per example of ${xArg})`, y0);
    return { x, y: plan.prepareLabels(op, y0, this.outputShape, this.dtype) };
  }

  /** Mean loss and metrics over (x, y), e.g. {loss: 0.21, acc: 0.95}. */
  evaluate(x: ModelInput, y: Tensor | TensorLike, options: BatchOptions = {}): Record<string, number> {
    const op = 'evaluate';
    const batchSize = checkBatchSize(op, options?.batchSize, 256);
    const data = this.prepareXY(op, x, y);
    return this.measure(data.x, data.y, batchSize);
  }

  /**
   * The inference passes' storage recycler: the intermediate tensors of one predict call (every layer's output but
   * the one returned) go back to it, and the next call with the same input shape reuses them instead of allocating
   * (and page-faulting in) fresh arrays. It holds one call's intermediates between calls (two chunk shapes at most)
   * and is emptied when the input shape changes. Only for models made of the library's layers (recyclingSafe's rule).
   */
  private predictRecycler: { key: string; recycler: BufferRecycler } | null = null;

  private run(op: string, xIn: unknown, options: BatchOptions | undefined, pick: (r: { outputs: Tensor[]; preActivation: Tensor | null }) => Tensor): Tensor {
    const batchSize = checkBatchSize(op, options?.batchSize, 256);
    const x = this.prepareX(op, 'x', xIn);
    const n = x.shape[0];
    const recycler = this.inferenceRecycler(x, batchSize);
    const once = (xb: Tensor): Tensor => {
      if (!recycler) return pick(this.forward([xb]));
      const out = recycler.run(() => pick(this.forward([xb])));
      // Kept out of reuse: the returned values and any recycled array they are a view of (release keeps by memory).
      recycler.release(new Set([out.values]));
      return out;
    };
    if (n <= batchSize) return once(x);
    const parts: Tensor[] = [];
    for (let start = 0; start < n; start += batchSize) parts.push(once(slice(x, start, Math.min(batchSize, n - start))));
    return concat(parts, 0);
  }

  private inferenceRecycler(x: Tensor, batchSize: number): BufferRecycler | null {
    if (!this.layers.every(isLibraryLayer)) return null;
    const key = `${x.dtype}:${x.shape.join(',')}:${batchSize}`;
    if (this.predictRecycler?.key !== key) {
      this.predictRecycler?.recycler.clear();
      this.predictRecycler = { key, recycler: new BufferRecycler() };
    }
    return this.predictRecycler.recycler;
  }

  /** The model's output for a batch: the logits, for the usual output layer without activation. */
  predict(x: ModelInput, options?: BatchOptions): Tensor {
    return this.run('predict', x, options, (r) => r.outputs[0]);
  }

  /** The output layer's logits: its pre-activation when it ends in softmax/sigmoid, else the output. */
  predictLogits(x: ModelInput, options?: BatchOptions): Tensor {
    return this.run('predictLogits', x, options, (r) => r.preActivation ?? r.outputs[0]);
  }

  /**
   * Probabilities: the output of a softmax/sigmoid output layer as it is; for a linear output layer,
   * softmax of the logits (sigmoid when there is a single output or the loss is binaryCrossentropy). A calibrated
   * model (`calibrate`) gives softmax of its calibrated logits.
   */
  predictProba(x: ModelInput, options?: BatchOptions): Tensor {
    const act = this.outputActivation;
    const calibration = this.calibration;
    return this.run('predictProba', x, options, (r) => {
      // A calibrated softmax classifier: softmax of the calibrated logits (z / T, or w ⊙ z + b).
      if (calibration) return softmax(applyCalibration(r.preActivation ?? r.outputs[0], calibration), -1);
      if (act === 'softmax' || act === 'sigmoid') return r.outputs[0];
      const z = r.outputs[0];
      const binary = this.plan?.kind === 'binary' || z.shape[z.rank - 1] === 1;
      return binary ? sigmoid(z) : softmax(z, -1);
    });
  }

  /** The output layer's activation ('linear' for a model that outputs logits). */
  get outputActivation(): string {
    return this.isGraphReady ? this.outputLayer.activation : 'linear';
  }

  /**
   * Fits a calibration of the logits on held-out examples (x, y) and stores it on the model (and so in its
   * file): temperature scaling by default, or `{method: 'vectorScaling'}`. Returns it with the NLL before and
   * after. Use data the model was not trained on; measure the result on yet other data.
   */
  calibrate(x: ModelInput, y: Tensor | TensorLike, options?: CalibrateOptions): CalibrateResult {
    const result = calibrateModel(this, x, y, options);
    this.calibration = result.calibration;
    return result;
  }

  /** Predicted class ids (int32 [n]): argmax of the logits, no softmax; logit > 0 for a single output. */
  predictClasses(x: ModelInput, options?: BatchOptions): Tensor {
    const z = this.predictLogits(x, options);
    if (z.shape[z.rank - 1] === 1) return reshape(greater(z, 0), z.shape.slice(0, -1));
    return argMax(z, -1);
  }

  /**
   * Trains for epochs [initialEpoch, epochs) on (x, y) in mini-batches and returns the history. With
   * `checkpoint`, the state after every epoch is saved atomically, and `resume: true` continues from it: the
   * result is bit-identical to an uninterrupted run with the same seed.
   */
  async fit(x: ModelInput, y: Tensor | TensorLike, options: FitOptions = {}): Promise<History> {
    // Two fits at once would interleave their steps on the same weights and optimizer state.
    if (this.fitting) throw new Error('fit: this model is already training (an earlier fit() has not finished): await it before calling fit again');
    this.fitting = true;
    try {
      return await this.fitOnce(x, y, options);
    } finally {
      this.fitting = false;
    }
  }

  private fitting = false;

  private async fitOnce(x: ModelInput, y: Tensor | TensorLike, options: FitOptions): Promise<History> {
    const op = 'fit';
    checkOptions(op, options, FIT_OPTIONS);
    const epochs = checkInt(op, 'epochs', options.epochs, 1, 0, MAX_EPOCHS);
    const batchSize = checkBatchSize(op, options.batchSize, 32);
    let initialEpoch = checkInt(op, 'initialEpoch', options.initialEpoch, 0, 0, MAX_EPOCHS);
    if (options.shuffle !== undefined && typeof options.shuffle !== 'boolean') throw argTypeError(op, 'shuffle', 'a boolean', options.shuffle);
    const shuffle = options.shuffle ?? true;
    const split = options.validationSplit;
    if (split !== undefined && (typeof split !== 'number' || !(split >= 0 && split < 1))) throw argError(op, 'validationSplit', 'a number in [0, 1)', split);
    const logger = progressLogger(op, options.verbose);
    const callbacks = [...checkCallbacks(op, options.callbacks), ...(logger ? [logger] : [])];
    if (!this.compileArgs) this.requireCompiled(op);

    const all = this.prepareXY(op, x, y);
    let xTrain = all.x;
    let yTrain = all.y;
    let wTrain = exampleWeights(op, options, yTrain, this.plan!.kind, this.dtype);
    let wVal: Tensor | null = null;
    let xVal: Tensor | null = null;
    let yVal: Tensor | null = null;
    if (options.validationData !== undefined) {
      const vd = options.validationData;
      const [vx, vy] = Array.isArray(vd) ? vd : vd !== null && typeof vd === 'object' ? [vd.x, vd.y] : [undefined, undefined];
      if (vx === undefined || vy === undefined) throw argTypeError(op, 'validationData', '[x, y] or {x, y}', vd);
      const v = this.prepareXY(op, vx, vy, 'validationData x', 'validationData y');
      xVal = v.x;
      yVal = v.y;
    } else if (split !== undefined && split > 0) {
      const n = xTrain.shape[0];
      const at = Math.floor(n * (1 - split));
      if (at < 1 || at >= n) throw argError(op, 'validationSplit', `a fraction leaving both parts non-empty for ${n} examples`, split);
      xVal = slice(xTrain, at, n - at);
      yVal = slice(yTrain, at, n - at);
      xTrain = slice(xTrain, 0, at);
      yTrain = slice(yTrain, 0, at);
      if (wTrain && options.sampleWeight !== undefined) wVal = slice(wTrain, at, n - at);
      if (wTrain) wTrain = slice(wTrain, 0, at);
    }
    const n = xTrain.shape[0];
    if (n === 0) throw argError(op, 'x', 'at least one training example', xTrain);
    if (options.seed !== undefined) this.rng = new Random(checkSeed(op, options.seed));

    const history = new History();
    const fingerprint: FitFingerprint = { batchSize, shuffle, samples: n, validationSamples: xVal ? xVal.shape[0] : 0 };
    let store: CheckpointStore | null = null;
    let resumedFrom: string | undefined;
    if (options.checkpoint !== undefined) {
      const { store: s, resume } = resolveCheckpoint(op, options.checkpoint);
      store = s;
      if (resume) {
        const state = await store.load(this);
        if (state) {
          this.restoreState(op, state, fingerprint, store.location);
          history.restore(state.history);
          initialEpoch = state.epoch;
          resumedFrom = store.location;
        }
      }
    }

    const { vars, all: allVars } = this.trainableValues();
    const optimizer = this.optimizer!;
    const steps = Math.ceil(n / batchSize);
    this.stopTraining = false;
    const begin: TrainBeginLogs = {
      epochs,
      initialEpoch,
      samplesPerEpoch: n,
      batchSize,
      stepsPerEpoch: steps,
      validationSamples: fingerprint.validationSamples,
      ...(resumedFrom !== undefined ? { resumedFrom } : {}),
    };
    callbacks.forEach((c) => c.setModel?.(this));
    await each(callbacks, (c) => c.onTrainBegin?.(begin));
    let epochsCompleted = initialEpoch;
    const placeOf = (epoch: number, batch: number, exampleIndex: (k: number) => number): StepPlace => ({
      epoch,
      epochs,
      batch,
      steps,
      exampleIndex,
      checkpoint: store?.location ?? null,
      completed: epochsCompleted,
    });
    let stopped = false;
    const recycler = this.recyclingSafe() ? new BufferRecycler() : null;
    this.lastFitRecycler = recycler;
    for (let epoch = initialEpoch; epoch < epochs; epoch++) {
      optimizer.epoch = epoch;
      await each(callbacks, (c) => c.onEpochBegin?.(epoch));
      const t0 = now();
      const order = shuffle ? this.rng.permutation(n) : null;
      let lossSum = 0;
      const metricSums = this.metricList.map(() => 0);
      let seen = 0;
      for (let b = 0; b < steps; b++) {
        const start = b * batchSize;
        const size = Math.min(batchSize, n - start);
        // The step's temporaries (batch, activations, gradients) are recycled for the next step when that is
        // safe (recyclingSafe, runBatch).
        const { loss, metrics } = this.runBatch(recycler, () => {
          let xb: Tensor;
          let yb: Tensor;
          let wb: Tensor | null = null;
          if (order) {
            const idx = new Tensor(order.slice(start, start + size), [size]);
            xb = gather(xTrain, idx, 0);
            yb = gather(yTrain, idx, 0);
            if (wTrain) wb = gather(wTrain, idx, 0);
          } else {
            xb = size === n ? xTrain : slice(xTrain, start, size);
            yb = size === n ? yTrain : slice(yTrain, start, size);
            if (wTrain) wb = size === n ? wTrain : slice(wTrain, start, size);
          }
          const at = placeOf(epoch, b, (k) => (order ? order[start + k] : start + k));
          const step = this.trainStep(xb, yb, wb, vars, allVars, at);
          return { loss: step.loss, yb, logits: step.logits };
        });
        lossSum += loss * size;
        seen += size;
        metrics.forEach((value, i) => (metricSums[i] += value * size));
        if (callbacks.some((c) => c.onBatchEnd)) {
          const logs: BatchLogs = {
            epoch,
            batch: b,
            size,
            samplesSeen: seen,
            loss: lossSum / seen,
            samplesPerSecond: seen / Math.max(1e-9, (now() - t0) / 1000),
            learning_rate: optimizer.lastLearningRate,
          };
          this.metricList.forEach((m, i) => (logs[m.name] = metricSums[i] / seen));
          await each(callbacks, (c) => c.onBatchEnd?.(b, logs));
        }
        if (this.stopTraining && b < steps - 1) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
      const diverged = nonFiniteWeight(this.weights);
      if (diverged !== null) {
        throw nonFiniteWeightsError(
          diverged,
          placeOf(epoch, steps - 1, (k) => k),
          optimizer.lastLearningRate,
        );
      }
      const trainSeconds = (now() - t0) / 1000;
      const logs: EpochLogs = { loss: lossSum / n, seconds: 0, samplesPerSecond: n / Math.max(1e-9, trainSeconds), learning_rate: optimizer.lastLearningRate };
      this.metricList.forEach((m, i) => (logs[m.name] = metricSums[i] / n));
      if (xVal && yVal) {
        const v = this.measure(xVal, yVal, Math.max(batchSize, 256), wVal);
        for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
      }
      logs.seconds = (now() - t0) / 1000;
      history.record(epoch, logs);
      epochsCompleted = epoch + 1;
      await each(callbacks, (c) => c.onEpochEnd?.(epoch, logs));
      // Saved after the callbacks: what they change at the epoch's end (reduceLROnPlateau's rate) is the next epoch's state.
      if (store) {
        await store.save(this, {
          epoch: epochsCompleted,
          // Snapshots: the variables' storage changes in place with the next step.
          weights: this.weights.map((v) => ({ name: v.name, value: new Tensor(v.value.data(), v.shape) })),
          optimizer: optimizer.getState(),
          rng: this.rng.getState(),
          history: history.toJSON(),
          fit: fingerprint,
        });
      }
      if (this.stopTraining) {
        stopped = epoch + 1 < epochs;
        break;
      }
    }
    recycler?.clear();
    await each(callbacks, (c) => c.onTrainEnd?.({ epochsCompleted, stopped }));
    return history;
  }

  /** Puts a checkpointed state back: weights, optimizer, generator (history is the caller's). */
  private restoreState(op: string, state: TrainingState, fit: FitFingerprint, location: string): void {
    const mismatch = (Object.keys(fit) as (keyof FitFingerprint)[]).filter((k) => state.fit[k] !== fit[k]);
    if (mismatch.length) {
      const what = mismatch.map((k) => `${k} ${state.fit[k]} (now ${fit[k]})`).join(', ');
      throw argError(
        op,
        'checkpoint',
        `a checkpoint written with the same data and fit settings (resuming would not reproduce the run)`,
        `${location} with ${what}`,
      );
    }
    const optimizer = this.optimizer!;
    if (state.optimizer.type !== optimizer.type) {
      throw argError(
        op,
        'checkpoint',
        `a checkpoint of a run with the same optimizer ('${optimizer.type}')`,
        `${location} with optimizer '${state.optimizer.type}'`,
      );
    }
    const config = optimizer.getConfig();
    // A numeric learning rate is state, not a setting: callbacks (reduceLROnPlateau) lower it during the run, and the
    // checkpoint's value is restored, as Keras's BackupAndRestore restores the optimizer's learning-rate variable.
    const savedRate = state.optimizer.config.learningRate;
    const restoresRate = typeof savedRate === 'number' && typeof config.learningRate === 'number';
    for (const [k, v] of Object.entries(state.optimizer.config)) {
      if (k === 'learningRate' && restoresRate) continue;
      // A schedule is compared by its JSON: a resumed run must continue the same schedule.
      if (v !== null && config[k] !== null && JSON.stringify(config[k]) !== JSON.stringify(v)) {
        throw argError(
          op,
          'checkpoint',
          `a checkpoint of a run with the same optimizer settings`,
          `${location} with ${k} ${JSON.stringify(v)} (now ${JSON.stringify(config[k])})`,
        );
      }
    }
    const byName = new Map(this.weights.map((v) => [v.name, v]));
    for (const w of state.weights) {
      const v = byName.get(w.name);
      if (!v || !shapesEqual(v.shape, w.value.shape)) throw argError(op, 'checkpoint', `weights matching the model`, `${location} with '${w.name}'`);
      v.assign(w.value);
    }
    optimizer.setState(state.optimizer);
    if (restoresRate) optimizer.learningRate = savedRate;
    this.rng.setState(state.rng);
  }
}

/**
 * fit's per-example weights [n] in the model dtype, from sampleWeight or classWeight (not both, as Keras), or null.
 * Class ids come from the prepared labels: the ids, the argmax of one-hot rows, or a binary label rounded (Keras's rule).
 */
function exampleWeights(op: string, options: FitOptions, y: Tensor, kind: string, dtype: 'float32' | 'float64'): Tensor | null {
  const { sampleWeight, classWeight } = options;
  if (sampleWeight !== undefined && classWeight !== undefined)
    throw argError(op, 'classWeight', 'undefined when sampleWeight is given (Keras takes one or the other)', 'both');
  const n = y.shape[0];
  let w: Float64Array;
  if (sampleWeight !== undefined) {
    const t = sampleWeight instanceof Tensor ? sampleWeight : tensor(sampleWeight, { dtype: 'float64' });
    if (t.size !== n || !(t.rank === 1 || (t.rank === 2 && t.shape[1] === 1)))
      throw argError(op, 'sampleWeight', `${n} weights (one per example, shape [${n}])`, t);
    w = Float64Array.from(t.values);
  } else if (classWeight !== undefined) {
    if (classWeight === null || typeof classWeight !== 'object' || Array.isArray(classWeight))
      throw argTypeError(op, 'classWeight', 'an object {classId: weight}', classWeight);
    if (kind === 'custom') throw argTypeError(op, 'classWeight', 'a built-in loss (classes are read from its labels)', 'a loss function');
    const table = new Map<number, number>();
    for (const [k, v] of Object.entries(classWeight)) {
      if (!/^(0|[1-9][0-9]*)$/.test(k)) throw argError(op, 'classWeight', 'keys that are class ids (integers ≥ 0)', k);
      table.set(Number(k), v as number);
    }
    const ids = y.dtype === 'int32' ? y.values : y.rank > 1 && y.shape[y.rank - 1] > 1 ? argMax(y, -1).values : y.values;
    if (ids.length !== n) throw argError(op, 'classWeight', 'labels with one class per example', y);
    w = Float64Array.from(ids, (c) => table.get(Math.round(c)) ?? 1);
    for (const [k, v] of table) if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw argError(op, `classWeight[${k}]`, 'a finite number ≥ 0', v);
  } else {
    return null;
  }
  const bad = w.findIndex((v) => !Number.isFinite(v) || v < 0);
  if (bad >= 0) throw argError(op, 'sampleWeight', 'finite weights ≥ 0', `${w[bad]} at index ${bad}`);
  return new Tensor(dtype === 'float64' ? w : Float32Array.from(w), [n]);
}

function now(): number {
  return performance.now();
}

async function each(callbacks: Callback[], f: (c: Callback) => void | Promise<void>): Promise<void> {
  for (const c of callbacks) {
    const r = f(c);
    if (r) await r;
  }
}

function checkCallbacks(op: string, cbs: unknown): Callback[] {
  if (cbs === undefined) return [];
  const list = Array.isArray(cbs) ? cbs : [cbs];
  list.forEach((c, i) => {
    if (c === null || typeof c !== 'object') throw argTypeError(op, `callbacks[${i}]`, 'an object with onEpochEnd, onBatchEnd, ... methods', c);
  });
  return list as Callback[];
}

function checkInt(op: string, arg: string, x: unknown, fallback: number, low: number, high: number): number {
  if (x === undefined) return fallback;
  if (!Number.isInteger(x) || (x as number) < low || (x as number) > high) throw argError(op, arg, `an integer in [${low}, ${high}]`, x);
  return x as number;
}

function checkBatchSize(op: string, x: unknown, fallback: number): number {
  return checkInt(op, 'batchSize', x, fallback, 1, 2 ** 31 - 1);
}

function resolveCheckpoint(op: string, c: unknown): { store: CheckpointStore; resume: boolean } {
  if (c !== null && typeof c === 'object' && 'dir' in c) {
    // The directory store is Node's; the universal entry does not reach for it behind the caller's back.
    throw new TypeError(
      `${op}: option 'checkpoint.dir' is not supported: pass {store: directoryCheckpoint(dir)} (import { directoryCheckpoint } from 'logitkit/node'), or your own CheckpointStore`,
    );
  }
  const o = checkOptions(op, c as CheckpointOptions, ['store', 'resume'], 'checkpoint');
  if (o.resume !== undefined && typeof o.resume !== 'boolean') throw argTypeError(op, 'checkpoint.resume', 'a boolean', o.resume);
  const s = o.store as unknown as CheckpointStore;
  if (s === null || typeof s !== 'object' || typeof s.load !== 'function' || typeof s.save !== 'function') {
    throw argTypeError(
      op,
      'checkpoint.store',
      "a CheckpointStore {location, load(model), save(model, state)} (Node: directoryCheckpoint(dir) from 'logitkit/node')",
      s,
    );
  }
  return { store: s, resume: o.resume ?? false };
}
