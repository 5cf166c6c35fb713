import { importOnnx } from './onnx/import.js';
import { OnnxFileError } from './onnx/errors.js';
import { ONNX_LIMITS } from './onnx/limits.js';
import { loadTfjsModel } from './tfjs/node.js';
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { argTypeError } from '../tensor/errors.js';
import type { Network } from '../layers/network.js';
import type { CheckpointStore, TrainingState } from '../train/checkpoint.js';
import type { ModelStore } from '../train/keras-callbacks.js';
import type { Model } from '../train/model.js';
import { LIMITS, MAGIC, PREAMBLE_BYTES } from './container.js';
import { ModelFileError } from './errors.js';
import { checkpointFromBytes, checkpointToBytes, encodeModel, modelFromBytes, type DecodedCheckpoint } from './model-bytes.js';
import { readFileBounded } from './read-bounded.js';

/** Node-only: model and checkpoint files on disk. Everything here goes through the pure byte functions. */

/** No valid file can be larger than this; bigger files are refused before they are read. */
export const MAX_MODEL_FILE_BYTES = PREAMBLE_BYTES + LIMITS.headerBytes + 8 + LIMITS.dataBytes;

const source = (path: string) => `file '${path}'`;

/**
 * Writes `bytes` to `path` atomically: a temporary file in the same directory, fsync, rename over `path`,
 * fsync of the directory. A crash at any moment leaves either the old file or the new one, never a mix
 * (a stray '.<name>.<pid>.<random>.tmp' file may remain).
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let renamed = false;
  try {
    const handle = await open(tmp, 'wx', 0o644);
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
    renamed = true;
    await syncDirectory(dir);
  } catch (e) {
    if (!renamed) await unlink(tmp).catch(() => {});
    throw new Error(`writeFileAtomic: could not write file '${path}': ${(e as Error).message}`, { cause: e });
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch (e) {
    // Some platforms (Windows) cannot open or fsync a directory; the rename is still atomic there.
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw e;
  } finally {
    await handle?.close();
  }
}

/**
 * Reads a whole model/checkpoint file within the format's limits (pipes and devices as bounded streams; a
 * directory is refused); reading stops early when the first bytes are not the magic number.
 */
async function readBounded(op: string, path: string): Promise<Uint8Array> {
  const fail = (expected: string, actual: string) => new ModelFileError(op, source(path), `it must be ${expected}, got ${actual}`);
  const notMagic = (head: Uint8Array) => head.length >= MAGIC.length && MAGIC.some((b, i) => head[i] !== b);
  return readFileBounded(path, MAX_MODEL_FILE_BYTES, fail, notMagic);
}

/**
 * Saves a model (architecture + weights) to one file, atomically. Conventional extension: .lkm. A model the
 * loader would refuse (non-finite weights) is an error and leaves any existing file as it was.
 */
export async function saveModel(model: Network, path: string): Promise<void> {
  await writeFileAtomic(path, encodeModel(model, 'saveModel'));
}

/** What loadModel reads a path as, by its extension: '.onnx' an ONNX file, '.json' a TF.js model.json, else .lkm. */
export function modelFileFormat(path: string): 'lkm' | 'onnx' | 'tfjs' {
  if (/\.onnx$/i.test(path)) return 'onnx';
  return /\.json$/i.test(path) ? 'tfjs' : 'lkm';
}

/**
 * Loads a model file written by saveModel (or a checkpoint file), an ONNX file ('.onnx') or a TF.js layers model
 * ('.json': its model.json, with the weight files beside it). Throws ModelFileError (OnnxFileError,
 * TfjsModelError) naming the file.
 */
export async function loadModel(path: string): Promise<Model> {
  const format = modelFileFormat(path);
  if (format === 'tfjs') return loadTfjsModel(path);
  // An ONNX file goes through importOnnx, within its own size bound.
  if (format === 'onnx') {
    const fail = (expected: string, actual: string) => new OnnxFileError('loadModel', source(path), `it must be ${expected}, got ${actual}`);
    return importOnnx(await readFileBounded(path, ONNX_LIMITS.modelBytes, fail, () => false), { source: source(path) });
  }
  return modelFromBytes(await readBounded('loadModel', path), { source: source(path), op: 'loadModel' });
}

/** Loads a checkpoint file: the model as saved and its training state. */
export async function loadCheckpoint(path: string, expect?: Network): Promise<DecodedCheckpoint> {
  return checkpointFromBytes(await readBounded('loadCheckpoint', path), { source: source(path), op: 'loadCheckpoint', ...(expect ? { expect } : {}) });
}

/**
 * A model file for `callbacks.modelCheckpoint({store: modelFile(path)})`: written atomically with saveModel.
 * `{epoch}` in the path becomes the 1-based epoch (Keras's filepath convention), e.g. 'runs/model-{epoch}.lkm'.
 */
export function modelFile(path: string): ModelStore {
  if (typeof path !== 'string' || path === '') throw argTypeError('modelFile', 'path', 'a file path', path);
  return {
    location: source(path),
    async save(model, { epoch }) {
      const target = path.replaceAll('{epoch}', String(epoch + 1));
      await mkdir(dirname(target), { recursive: true });
      await writeFileAtomic(target, encodeModel(model, 'modelCheckpoint'));
    },
  };
}

export const CHECKPOINT_FILE = 'checkpoint.lkm';

/**
 * A checkpoint store in a directory, for fit's `checkpoint: {store: directoryCheckpoint(dir)}`: DIR/checkpoint.lkm,
 * replaced atomically after every epoch (the file is also a model file: `loadModel` reads it). One training run
 * per directory: resuming deletes temp files a killed run left behind.
 */
export function directoryCheckpoint(dir: string, fileName = CHECKPOINT_FILE): CheckpointStore {
  const path = join(dir, fileName);
  return {
    location: source(path),
    async load(model: Model): Promise<TrainingState | null> {
      await removeStaleTemps(dir, fileName);
      try {
        await stat(path);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw e;
      }
      return (await loadCheckpoint(path, model)).state;
    },
    async save(model: Model, state: TrainingState): Promise<void> {
      await mkdir(dir, { recursive: true });
      await writeFileAtomic(path, checkpointToBytes(model, state));
    },
  };
}

async function removeStaleTemps(dir: string, fileName: string): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return;
  }
  const prefix = `.${fileName}.`;
  await Promise.all(names.filter((n) => n.startsWith(prefix) && n.endsWith('.tmp')).map((n) => unlink(join(dir, n)).catch(() => {})));
}
