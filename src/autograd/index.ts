export { grad, grads, valueAndGrad, valueAndGrads, stopGradient } from './grad.js';
export { record, needsGrad, isRecording, withoutTape } from './tape.js';
