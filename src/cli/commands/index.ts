import type { CliCommand } from '../command.js';
import { calibrateCommand } from './calibrate.js';
import { evaluateCommand } from './evaluate.js';
import { explainCommand } from './explain.js';
import { exportCommand } from './export.js';
import { infoCommand } from './info.js';
import { playgroundCommand } from './playground.js';
import { predictCommand } from './predict.js';
import { trainCommand } from './train.js';
import { trainLmCommand } from './train-lm.js';
import { sampleCommand } from './sample.js';

/** Every command of the CLI, in the order `logitkit --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  trainCommand,
  evaluateCommand,
  calibrateCommand,
  predictCommand,
  infoCommand,
  explainCommand,
  exportCommand,
  playgroundCommand,
  trainLmCommand,
  sampleCommand,
];
