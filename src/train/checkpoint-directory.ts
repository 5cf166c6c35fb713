import type { CheckpointStore } from './checkpoint.js';

/**
 * `fit({checkpoint: {dir}})` needs the file system, which only Node has. The Node part of io/ registers its
 * directory store here when it loads (`logitkit/node` loads it), so the universal entry never imports `node:`
 * modules and browser bundles stay free of them.
 */
let directoryStore: ((dir: string) => CheckpointStore) | null = null;

export function registerDirectoryCheckpoint(factory: (dir: string) => CheckpointStore): void {
  directoryStore = factory;
}

export function directoryCheckpointStore(op: string, dir: string): CheckpointStore {
  if (!directoryStore) {
    throw new TypeError(`${op}: argument 'checkpoint.dir' needs the file system: import 'logitkit/node' (Node), or pass {store} (a CheckpointStore) instead`);
  }
  return directoryStore(dir);
}
