import './styles.css';
import { byTestId } from './dom.js';
import { mountDrawPanel } from './draw-panel.js';
import { mountLogitsPanel } from './logits-panel.js';
import { mountTrainPanel } from './train-panel.js';

const logits = byTestId(document, 'logits-panel');
const draw = byTestId(document, 'draw-panel');
const train = byTestId(document, 'train-panel');

mountLogitsPanel(logits);
const drawPanel = mountDrawPanel(draw);
mountTrainPanel(train, { onModel: (bytes, step) => drawPanel.setPageModel(bytes, step) });

document.body.setAttribute('data-ready', 'true');
