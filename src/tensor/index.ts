export * from './dtype.js';
export * from './errors.js';
export * from './shape.js';
export * from './tensor.js';
export { formatValue } from './format.js';
export { Random } from './random.js';
