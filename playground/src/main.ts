import './styles.css';
import { mountCalibrationPanel } from './calibration-panel.js';
import { byTestId } from './dom.js';
import { mountDrawPanel } from './draw-panel.js';
import { mountLogitsPanel } from './logits-panel.js';
import { mountTrainPanel } from './train-panel.js';

const logits = byTestId(document, 'logits-panel');
const draw = byTestId(document, 'draw-panel');
const train = byTestId(document, 'train-panel');
const calibration = byTestId(document, 'calibration-panel');

mountLogitsPanel(logits);
const drawPanel = mountDrawPanel(draw);
const calibrationPanel = mountCalibrationPanel(calibration);
mountTrainPanel(train, {
  onModel: (bytes, step) => drawPanel.setPageModel(bytes, step),
  onStart: () => calibrationPanel.clear(),
  onTestLogits: (data) => calibrationPanel.setTestLogits(data),
});

document.body.setAttribute('data-ready', 'true');
