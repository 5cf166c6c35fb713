import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbacks, checkpointFromBytes, input, layers, model, modelFromBytes, optimizers, type Model, type TrainBeginLogs } from '../../src/index.js';
import { CHECKPOINT_FILE, directoryCheckpoint, loadModel } from '../../src/node.js';
import { bitsEqual, blobs } from '../helpers/train.js';
import { transpileClosure } from './support/transpile.js';

const dir = mkdtempSync(join(tmpdir(), 'logitkit-ckpt-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function net(seed = 11, hidden = 12): Model {
  const x = input({ shape: [5] });
  const h = layers.dense({ units: hidden, activation: 'relu' }).apply(x);
  const m = model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(h), seed });
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return m;
}

const data = blobs(90, 5, 3, 2);
const fitOptions = { epochs: 6, batchSize: 8, seed: 5, validationSplit: 0.2 };

describe('checkpoints in-process: stop after epoch k, resume, same result as uninterrupted', () => {
  it('resumes bit-identically (weights, optimizer, generator, history)', async () => {
    const reference = net();
    const refHistory = await reference.fit(data.x, data.y, fitOptions);

    // With checkpoints, training gives the very same result.
    const checkpointed = net();
    const h0 = await checkpointed.fit(data.x, data.y, { ...fitOptions, checkpoint: { store: directoryCheckpoint(join(dir, 'a')) } });
    checkpointed.getWeights().forEach((t, i) => expect(bitsEqual(t, reference.getWeights()[i])).toBe(true));
    expect(h0.toJSON()).toEqual(refHistory.toJSON());

    for (const k of [1, 3, 5]) {
      const ckdir = join(dir, `stop-${k}`);
      const first = net();
      const h1 = await first.fit(data.x, data.y, {
        ...fitOptions,
        checkpoint: { store: directoryCheckpoint(ckdir) },
        callbacks: { onEpochEnd: (e) => void (e === k - 1 && (first.stopTraining = true)) },
      });
      expect(h1.epoch.length).toBe(k);
      // A new process would start from a fresh model with the same seed.
      const resumed = net();
      let begin: TrainBeginLogs | null = null;
      const h2 = await resumed.fit(data.x, data.y, {
        ...fitOptions,
        checkpoint: { store: directoryCheckpoint(ckdir), resume: true },
        callbacks: { onTrainBegin: (l) => void (begin = l) },
      });
      expect(begin!.initialEpoch).toBe(k);
      expect(begin!.resumedFrom).toContain(CHECKPOINT_FILE);
      resumed.getWeights().forEach((t, i) => expect(bitsEqual(t, reference.getWeights()[i])).toBe(true));
      expect(h2.toJSON()).toEqual(refHistory.toJSON());
      expect(resumed.optimizer!.step).toBe(reference.optimizer!.step);
    }
  });

  it('the checkpoint is a model file and a complete training state', async () => {
    const ckdir = join(dir, 'inspect');
    const m = net();
    await m.fit(data.x, data.y, { ...fitOptions, epochs: 2, checkpoint: { store: directoryCheckpoint(ckdir) } });
    expect(readdirSync(ckdir)).toEqual([CHECKPOINT_FILE]);
    const path = join(ckdir, CHECKPOINT_FILE);
    const loaded = await loadModel(path);
    loaded.getWeights().forEach((t, i) => expect(bitsEqual(t, m.getWeights()[i])).toBe(true));
    const { state } = checkpointFromBytes(new Uint8Array(readFileSync(path)));
    expect(state.epoch).toBe(2);
    expect(state.optimizer.type).toBe('adam');
    expect(state.optimizer.step).toBe(2 * Math.ceil(72 / 8));
    expect(state.optimizer.slots.length).toBe(8);
    expect(state.rng).toEqual(m.rng.getState());
    expect(state.fit).toEqual({ batchSize: 8, shuffle: true, samples: 72, validationSamples: 18 });
    expect(Object.keys(state.history.history).sort()).toEqual(['acc', 'learning_rate', 'loss', 'val_acc', 'val_loss']);
  });

  it('a learning rate lowered by reduceLROnPlateau is saved and restored on resume (Keras BackupAndRestore)', async () => {
    const ckdir = join(dir, 'plateau');
    const first = net();
    // minDelta 10: no epoch counts as an improvement, so the rate halves after every epoch but the first.
    const plateau = () => callbacks.reduceLROnPlateau({ monitor: 'loss', factor: 0.5, patience: 1, minDelta: 10 });
    await first.fit(data.x, data.y, { ...fitOptions, epochs: 3, checkpoint: { store: directoryCheckpoint(ckdir) }, callbacks: [plateau()] });
    expect(first.optimizer!.learningRate).toBe(0.01 * 0.5 ** 2);
    const resumed = net();
    const rates: number[] = [];
    await resumed.fit(data.x, data.y, {
      ...fitOptions,
      epochs: 4,
      checkpoint: { store: directoryCheckpoint(ckdir), resume: true },
      callbacks: [{ onEpochBegin: () => void rates.push(resumed.optimizer!.learningRate as number) }],
    });
    expect(rates).toEqual([0.01 * 0.5 ** 2]);
  });

  it('refuses to resume with other settings, another architecture or a corrupt file', async () => {
    const ckdir = join(dir, 'strict');
    await net().fit(data.x, data.y, { ...fitOptions, epochs: 1, checkpoint: { store: directoryCheckpoint(ckdir) } });
    await expect(net().fit(data.x, data.y, { ...fitOptions, batchSize: 16, checkpoint: { store: directoryCheckpoint(ckdir), resume: true } })).rejects.toThrow(
      /batchSize 8 \(now 16\)/,
    );
    await expect(net(11, 13).fit(data.x, data.y, { ...fitOptions, checkpoint: { store: directoryCheckpoint(ckdir), resume: true } })).rejects.toThrow(
      /different model architecture/,
    );
    const sgdNet = net();
    sgdNet.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    await expect(sgdNet.fit(data.x, data.y, { ...fitOptions, checkpoint: { store: directoryCheckpoint(ckdir), resume: true } })).rejects.toThrow(
      /optimizer 'adam'/,
    );
    const store = directoryCheckpoint(join(dir, 'empty'));
    expect(await store.load(net())).toBeNull();
    const bytes = new Uint8Array(readFileSync(join(ckdir, CHECKPOINT_FILE)));
    bytes[bytes.length - 3] ^= 0xff;
    expect(() => checkpointFromBytes(bytes, { source: 'x' })).toThrow(/weights checksum mismatch/);
    expect(() => checkpointFromBytes(new Uint8Array(readFileSync(join(ckdir, CHECKPOINT_FILE))).slice(0, 500))).toThrow(/truncated/);
    expect(() => modelFromBytes(new Uint8Array(readFileSync(join(ckdir, CHECKPOINT_FILE))))).not.toThrow();
  });
});

describe('kill -9 at random moments, then resume', () => {
  const root = resolve(__dirname, '../..');
  const lib = join(dir, 'lib');
  const child = resolve(__dirname, 'support/train-child.mjs');
  const EPOCHS = 8;

  // Transpiling the sources takes seconds, more on a loaded machine than the default 10 s hook timeout allows.
  beforeAll(() => {
    transpileClosure(
      root,
      ['src/ops/index.ts', 'src/tensor/index.ts', 'src/layers/index.ts', 'src/train/index.ts', 'src/optim/index.ts', 'src/io/index.ts', 'src/io/node.ts'],
      lib,
    );
    // The closure imports npm packages (protobufjs, through the ONNX loader in io/node.ts): resolvable from here.
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  }, 60_000);

  function run(
    ckdir: string,
    out: string,
    delay: number,
    onLine?: (line: string, kill: () => void) => void,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[] }> {
    return new Promise((done, fail) => {
      const p = spawn(process.execPath, [child, lib, ckdir, out, String(EPOCHS), String(delay)], { stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      let buffered = '';
      let stderr = '';
      p.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const parts = buffered.split('\n');
        buffered = parts.pop()!;
        for (const line of parts) {
          lines.push(line);
          onLine?.(line, () => p.kill('SIGKILL'));
        }
      });
      p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      p.on('error', fail);
      p.on('exit', (code, signal) => {
        if (code !== 0 && signal === null) fail(new Error(`child failed (${code}): ${stderr}`));
        else done({ code, signal, lines });
      });
    });
  }

  /** Reads the checkpoint as often as possible while a child runs; every read must be a complete file. */
  function watch(path: string): { stop: () => { reads: number; epochs: number[] } } {
    let reads = 0;
    const epochs: number[] = [];
    const timer = setInterval(() => {
      if (!existsSync(path)) return;
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(path));
      } catch {
        return; // replaced between exists and read
      }
      epochs.push(checkpointFromBytes(bytes, { source: path }).state.epoch); // throws on a half-written file
      reads++;
    }, 2);
    return { stop: () => (clearInterval(timer), { reads, epochs }) };
  }

  it('ends with the weights of an uninterrupted run, bit for bit, and never exposes a half-written checkpoint', async () => {
    const refOut = join(dir, 'reference.lkm');
    const ref = await run('-', refOut, 0);
    expect(ref.lines.at(-1)).toBe('done');
    const reference = modelFromBytes(new Uint8Array(readFileSync(refOut)));

    const ckdir = join(dir, 'killed');
    const ckpath = join(ckdir, CHECKPOINT_FILE);
    const out = join(dir, 'resumed.lkm');
    const watcher = watch(ckpath);
    let kills = 0;
    let lastSeen = 0;
    // Kill twice at a random moment inside a random epoch, then let a third run finish.
    for (let attempt = 0; attempt < 2; attempt++) {
      const killAfterEpoch = lastSeen + 1 + Math.floor(Math.random() * 2);
      const delayInEpoch = Math.random() * 60;
      const r = await run(ckdir, out, 3, (line, kill) => {
        if (line === `epoch ${killAfterEpoch}`) setTimeout(kill, delayInEpoch);
      });
      const begin = Number(r.lines.find((l) => l.startsWith('begin'))!.split(' ')[1]);
      expect(begin).toBe(lastSeen); // resumed from the last complete epoch
      if (r.signal === 'SIGKILL') kills++;
      const saved = r.lines.filter((l) => l.startsWith('saved')).map((l) => Number(l.split(' ')[1]));
      lastSeen = saved.length ? saved[saved.length - 1] : lastSeen;
      // At most the epoch in progress is lost: the checkpoint holds every epoch whose save returned.
      // (A kill between epoch 1's onEpochEnd and its save leaves no checkpoint yet.)
      const onDisk = existsSync(ckpath) ? checkpointFromBytes(new Uint8Array(readFileSync(ckpath))).state.epoch : 0;
      expect(onDisk).toBeGreaterThanOrEqual(lastSeen);
      lastSeen = onDisk;
      if (lastSeen >= EPOCHS) break;
    }
    const final = await run(ckdir, out, 0);
    expect(final.lines.at(-1)).toBe('done');
    const { reads, epochs } = watcher.stop();
    expect(kills).toBeGreaterThan(0);
    expect(reads).toBeGreaterThan(0);
    expect(epochs.every((e, i) => i === 0 || e >= epochs[i - 1])).toBe(true);
    const resumed = modelFromBytes(new Uint8Array(readFileSync(out)));
    reference.weights.forEach((v, i) => expect(bitsEqual(v.value, resumed.weights[i].value)).toBe(true));
    const h1 = JSON.parse(readFileSync(`${refOut}.history.json`, 'utf8'));
    const h2 = JSON.parse(readFileSync(`${out}.history.json`, 'utf8'));
    expect(h2).toEqual(h1);
    // No temp file survives a resume.
    expect(readdirSync(ckdir)).toEqual([CHECKPOINT_FILE]);
  });
});
