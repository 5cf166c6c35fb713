import './styles.css';
import { mountCalibrationPanel } from './calibration-panel.js';
import { byTestId } from './dom.js';
import { mountDrawPanel } from './draw-panel.js';
import { mountLogitsPanel } from './logits-panel.js';
import { mountNextTokenPanel } from './next-token-panel.js';
import { mountTextPanel } from './text-panel.js';
import { mountTrainPanel, type TrainPanel } from './train-panel.js';

const logits = byTestId(document, 'logits-panel');
const draw = byTestId(document, 'draw-panel');
const train = byTestId(document, 'train-panel');
const calibration = byTestId(document, 'calibration-panel');

mountLogitsPanel(logits);
mountNextTokenPanel(byTestId(document, 'next-token-panel'));
mountTextPanel(byTestId(document, 'text-panel'));
let trainPanel: TrainPanel | null = null;
const drawPanel = mountDrawPanel(draw, { trainCnn: () => trainPanel?.trainCnn() });
const calibrationPanel = mountCalibrationPanel(calibration);
trainPanel = mountTrainPanel(train, {
  onModel: (bytes, step, arch) => drawPanel.setPageModel(bytes, step, arch),
  onStart: () => calibrationPanel.clear(),
  onTestLogits: (data) => calibrationPanel.setTestLogits(data),
});

document.body.setAttribute('data-ready', 'true');
