import { add, div, mul } from '../ops/arithmetic.js';
import { argError, argTypeError } from '../tensor/errors.js';
import { checkChoice } from '../tensor/options.js';
import { Tensor, tensor } from '../tensor/tensor.js';

/** A fitted calibration of a model's logits: what `model.calibrate` stores and model files keep. */
export type Calibration = { method: 'temperature'; temperature: number } | { method: 'vectorScaling'; scale: number[]; bias: number[] };

export const CALIBRATION_METHODS = ['temperature', 'vectorScaling'] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** The calibrated logits: z / T, or w ⊙ z + b (per class, on the last axis). Differentiable; dtype kept. */
export function applyCalibration(logits: Tensor, c: Calibration): Tensor {
  if (c.method === 'temperature') return div(logits, c.temperature);
  const k = logits.shape[logits.rank - 1];
  if (c.scale.length !== k) throw argError('applyCalibration', 'logits', `${c.scale.length} classes on the last axis (the calibration's)`, logits);
  const dtype = logits.dtype === 'float64' ? 'float64' : 'float32';
  return add(mul(logits, tensor(c.scale, { dtype })), tensor(c.bias, { dtype }));
}

/** Checks a calibration given by a caller or read from a file; `classes` is the model's number of logits. */
export function checkCalibration(op: string, arg: string, c: unknown, classes: number): Calibration {
  if (c === null || typeof c !== 'object' || Array.isArray(c)) throw argTypeError(op, arg, "an object {method: 'temperature' | 'vectorScaling', ...}", c);
  const o = c as Record<string, unknown>;
  const method = checkChoice(op, `${arg}.method`, o.method, CALIBRATION_METHODS);
  const keys = method === 'temperature' ? ['method', 'temperature'] : ['method', 'scale', 'bias'];
  const extra = Object.keys(o).filter((key) => !keys.includes(key));
  if (extra.length) throw argError(op, arg, `only the keys ${keys.join(', ')} for method '${method}'`, `key '${extra[0]}'`);
  if (method === 'temperature') {
    const t = o.temperature;
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0) throw argError(op, `${arg}.temperature`, 'a finite number > 0', t);
    return { method, temperature: t };
  }
  const vector = (name: 'scale' | 'bias'): number[] => {
    const v = o[name];
    if (!Array.isArray(v) || v.length !== classes || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
      throw argError(op, `${arg}.${name}`, `${classes} finite numbers (one per class)`, Array.isArray(v) ? `${v.length} values` : v);
    }
    return v.slice();
  };
  return { method, scale: vector('scale'), bias: vector('bias') };
}
