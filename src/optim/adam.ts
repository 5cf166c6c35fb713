import type { TypedArray } from '../tensor/dtype.js';
import { checkOptions } from '../tensor/options.js';
import { checkNumber, Optimizer, type LearningRate, type OptimizerConfigValue, type OptimizerDefinition, type OptimizerType } from './optimizer.js';
import { kernels } from '../kernels/index.js';
import type { AdamStep } from '../kernels/types.js';

const ADAM_OPTIONS = ['learningRate', 'beta1', 'beta2', 'epsilon', 'weightDecay'];

export interface AdamConfig {
  /** Default 0.001. */
  learningRate?: LearningRate;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8 (PyTorch's; Keras uses 1e-7). */
  epsilon?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay rate (default 0.01). */
  weightDecay?: number;
}

/** Adam, PyTorch's formulation (the adamUpdate kernel, src/kernels/ts/optimizer.ts); `weightDecay` is an L2 term added to the gradient. */
export class Adam extends Optimizer {
  readonly type: OptimizerType = 'adam';
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  private stepArgs: AdamStep | null = null;

  constructor(config: AdamConfig = {}, op = 'adam', defaultDecay = 0) {
    config = checkOptions(op, config, ADAM_OPTIONS, 'config');
    super(config.learningRate ?? 0.001, op);
    this.beta1 = checkNumber(op, 'beta1', config.beta1, 0.9, 0, 1, true);
    this.beta2 = checkNumber(op, 'beta2', config.beta2, 0.999, 0, 1, true);
    this.epsilon = checkNumber(op, 'epsilon', config.epsilon, 1e-8, 0, Number.MAX_VALUE);
    this.weightDecay = checkNumber(op, 'weightDecay', config.weightDecay, defaultDecay, 0, Number.MAX_VALUE);
  }

  getConfig(): Record<string, OptimizerConfigValue> {
    return {
      learningRate: this.learningRateConfig(),
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      weightDecay: this.weightDecay,
    };
  }

  protected slotNames(): string[] {
    return ['m', 'v'];
  }

  protected override beginStep(lr: number): void {
    const t = this.step + 1;
    const adamw = this.type === 'adamw';
    this.stepArgs = {
      learningRate: lr,
      beta1: this.beta1,
      beta2: this.beta2,
      epsilon: this.epsilon,
      bc1: 1 - this.beta1 ** t,
      bc2: 1 - this.beta2 ** t,
      l2: adamw ? 0 : this.weightDecay,
      decay: adamw ? lr * this.weightDecay : 0,
    };
  }

  protected update(p: TypedArray, g: TypedArray, slots: TypedArray[], out: TypedArray): void {
    kernels().adamUpdate(p, g, slots[0], slots[1], out, this.stepArgs!);
  }
}

/**
 * AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p·(1 − lr·weightDecay) before the Adam
 * step (PyTorch's AdamW; default weightDecay 0.01).
 */
export class AdamW extends Adam {
  override readonly type: OptimizerType = 'adamw';

  constructor(config: AdamConfig = {}) {
    super(config, 'adamw', 0.01);
  }
}

export const adamDefinition: OptimizerDefinition = { name: 'adam', options: ADAM_OPTIONS, slots: ['m', 'v'], create: (c) => new Adam(c) };
export const adamwDefinition: OptimizerDefinition = { name: 'adamw', options: ADAM_OPTIONS, slots: ['m', 'v'], create: (c) => new AdamW(c) };
