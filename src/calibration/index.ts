/** calibration/: how far a classifier's probabilities can be trusted, and the one-parameter fixes (docs/calibration.md). */
export { calibration, type CalibrationOptions, type CalibrationReport, type CalibrationBin, type BinningStrategy } from './metrics.js';
export { fitTemperature, type TemperatureFit } from './temperature.js';
export { fitVectorScaling, VECTOR_SCALING_MAX_CLASSES, type VectorScalingFit } from './vector-scaling.js';
export { applyCalibration, checkCalibration, CALIBRATION_METHODS, type Calibration, type CalibrationMethod } from './apply.js';
export { reliabilityDiagram, type ReliabilityDiagramOptions } from './reliability-diagram.js';
