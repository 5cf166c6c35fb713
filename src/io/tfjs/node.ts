import { mkdir } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { jsonDepth } from '../json-depth.js';
import { LIMITS } from '../container.js';
import { readFileBounded } from '../read-bounded.js';
import type { Network } from '../../layers/network.js';
import type { Model } from '../../train/model.js';
import { writeFileAtomic } from '../node.js';
import { TfjsChecker, TfjsModelError } from './errors.js';
import { exportTfjs, TFJS_WEIGHTS_FILE, type TfjsModelFiles } from './export.js';
import { importTfjs } from './import.js';

/** Node-only: TF.js layers models on disk (model.json and its weight files). */

/** The deepest nesting a model.json may have (Keras configs nest about 8 levels). */
const MAX_JSON_DEPTH = 64;

/**
 * Reads a TF.js layers model from its model.json and the weight files its manifest names (paths relative to the
 * model.json's directory, which they may not leave). Each file is read within the model-file limits; the weight
 * files' sizes must add up to what the manifest describes.
 */
export async function loadTfjsModel(path: string, op = 'loadModel'): Promise<Model> {
  const source = `file '${path}'`;
  const check = new TfjsChecker(op, source);
  const fail = (expected: string, actual: string) => new TfjsModelError(op, source, `it must be ${expected}, got ${actual}`);
  const text = new TextDecoder('utf-8', { fatal: true });
  let json: unknown;
  try {
    const raw = text.decode(await readFileBounded(path, LIMITS.headerBytes, fail));
    if (jsonDepth(raw) > MAX_JSON_DEPTH) check.fail(`its JSON nests deeper than ${MAX_JSON_DEPTH} levels`);
    json = JSON.parse(raw);
  } catch (e) {
    if (e instanceof TfjsModelError) throw e;
    check.fail(`it is not UTF-8 JSON (${(e as Error).message})`);
  }
  const doc = check.object('model.json', json);
  const groups = check.array('weightsManifest', doc.weightsManifest, LIMITS.tensors);
  const shards: Uint8Array[] = [];
  let total = 0;
  for (const [i, g] of groups.entries()) {
    const group = check.object(`weightsManifest[${i}]`, g);
    for (const [j, p] of check.array(`weightsManifest[${i}].paths`, group.paths, LIMITS.tensors).entries()) {
      const where = `weightsManifest[${i}].paths[${j}]`;
      const rel = check.string(where, p, LIMITS.nameLength);
      const clean = normalize(rel);
      if (rel === '' || isAbsolute(rel) || /^[a-z][a-z0-9+.-]*:/i.test(rel) || clean === '..' || clean.startsWith(`..${sep}`)) {
        check.expect(where, "a path relative to the model.json's directory, inside it", rel);
      }
      const shardSource = `file '${join(dirname(path), clean)}'`;
      const shardFail = (expected: string, actual: string) =>
        new TfjsModelError(op, source, `its weight file ${shardSource} must be ${expected}, got ${actual}`);
      const shard = await readFileBounded(join(dirname(path), clean), LIMITS.dataBytes - total, shardFail);
      total += shard.length;
      shards.push(shard);
    }
  }
  return importTfjs({ ...(doc as { modelTopology: unknown }), weightData: shards }, { source });
}

/**
 * Saves a model in TF.js's layers format: DIR/weights.bin, then DIR/model.json (each written atomically, the
 * weights first, so a model.json always names weights that are complete). `tf.loadLayersModel('file://DIR/model.json')`
 * (tfjs-node) or over HTTP reads it; so does loadModel('DIR/model.json'). Returns what it wrote.
 */
export async function saveTfjs(model: Network, dir: string): Promise<TfjsModelFiles> {
  const files = exportTfjs(model);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, TFJS_WEIGHTS_FILE), files.weightData);
  await writeFileAtomic(join(dir, 'model.json'), new TextEncoder().encode(JSON.stringify(files.modelJson)));
  return files;
}
