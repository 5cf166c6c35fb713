import { Checker } from '../validate.js';

/**
 * Why a TF.js layers model was refused: `source` names the artifacts ("file 'model.json'", "argument
 * 'artifacts'"), `reason` says what was wrong (the layer and the field, for an unsupported config).
 */
export class TfjsModelError extends Error {
  override readonly name = 'TfjsModelError';
  constructor(
    readonly op: string,
    readonly source: string,
    readonly reason: string,
  ) {
    super(`${op}: ${source} is not a TF.js layers model logitkit can read: ${reason}`);
  }
}

/** The model-file Checker, failing with TfjsModelError (same checks, same paths in the messages). */
export class TfjsChecker extends Checker {
  override fail(reason: string): never {
    throw new TfjsModelError(this.op, this.source, reason);
  }
}
