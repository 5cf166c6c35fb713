import type { TypedArray } from '../tensor/dtype.js';
import { argTypeError } from '../tensor/errors.js';
import { checkOptions } from '../tensor/options.js';
import { checkNumber, Optimizer, type LearningRate, type OptimizerConfigValue, type OptimizerDefinition } from './optimizer.js';
import { sgdUpdate } from './updates.js';

const SGD_OPTIONS = ['learningRate', 'momentum', 'nesterov', 'weightDecay'];

export interface SGDConfig {
  /** Default 0.01. */
  learningRate?: LearningRate;
  /** Default 0 (plain SGD). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (PyTorch's weight_decay), default 0. */
  weightDecay?: number;
}

/** Stochastic gradient descent with optional (Nesterov) momentum, PyTorch's formulas (see updates.ts). */
export class SGD extends Optimizer {
  readonly type = 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;

  constructor(config: SGDConfig = {}) {
    const op = 'sgd';
    config = checkOptions(op, config, SGD_OPTIONS, 'config');
    super(config.learningRate ?? 0.01, op);
    this.momentum = checkNumber(op, 'momentum', config.momentum, 0, 0, 1, true);
    if (config.nesterov !== undefined && typeof config.nesterov !== 'boolean') throw argTypeError(op, 'nesterov', 'a boolean', config.nesterov);
    this.nesterov = config.nesterov ?? false;
    if (this.nesterov && this.momentum === 0) throw argTypeError(op, 'nesterov', 'false when momentum is 0 (Nesterov needs momentum)', true);
    this.weightDecay = checkNumber(op, 'weightDecay', config.weightDecay, 0, 0, Number.MAX_VALUE);
  }

  getConfig(): Record<string, OptimizerConfigValue> {
    return {
      learningRate: this.learningRateConfig(),
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    };
  }

  protected slotNames(): string[] {
    return this.momentum > 0 ? ['momentum'] : [];
  }

  protected update(p: TypedArray, g: TypedArray, slots: TypedArray[], out: TypedArray, lr: number): void {
    sgdUpdate(p, g, slots[0] ?? null, out, lr, this.momentum, this.nesterov, this.weightDecay);
  }
}

export const sgdDefinition: OptimizerDefinition = { name: 'sgd', options: SGD_OPTIONS, slots: ['momentum'], create: (c) => new SGD(c) };
