export { grad, grads, valueAndGrad, valueAndGrads, stopGradient, installGradOps, type GradOps } from './grad.js';
export { record, needsGrad, isRecording, withoutTape } from './tape.js';
