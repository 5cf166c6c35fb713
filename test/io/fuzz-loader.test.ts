import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  checkpointFromBytes,
  checkpointToBytes,
  input,
  layers,
  model,
  modelFromBytes,
  ModelFileError,
  modelToBytes,
  optimizers,
  tensor,
} from '../../src/index.js';
import { assembleFile, PREAMBLE_BYTES } from '../../src/io/container.js';
import { explode, memoryNow, rebuild } from '../helpers/model-files.js';

/*
 * Fuzzing the model loader: mutations of a valid model file and a valid checkpoint (bit flips, truncation,
 * splices, preamble and JSON size fields set to huge values, deep nesting, re-checksummed header edits that reach
 * the architecture checks). Every outcome must be a model or a ModelFileError with a message, never another
 * exception, and memory stays bounded. Fixed seed and run counts keep it deterministic and a few seconds long.
 */

const SEED = 20_261_205;

function baseModel() {
  const x = input({ shape: [6] });
  const n = layers.normalization().adapt(
    tensor([
      [1, 2, 3, 4, 5, 6],
      [0, 1, 0, 1, 0, 9],
    ]),
  );
  const h = layers.dense({ units: 5, activation: 'relu' }).apply(n.apply(x));
  const s = layers.dense({ units: 5 });
  const merged = layers.add().apply([s.apply(h), h]);
  return model({ inputs: x, outputs: layers.dense({ units: 3 }).apply(merged), seed: 7, name: 'fuzz' });
}

async function files(): Promise<Uint8Array[]> {
  const m = baseModel();
  let checkpoint: Uint8Array | undefined;
  m.compile({ optimizer: optimizers.adam({ learningRate: 0.01 }), loss: 'sparseCategoricalCrossentropy' });
  const store = {
    location: 'memory',
    load: async () => null,
    save: async (mm: typeof m, state: Parameters<typeof checkpointToBytes>[1]) => void (checkpoint = checkpointToBytes(mm, state)),
  };
  await m.fit(
    tensor([
      [1, 2, 3, 4, 5, 6],
      [0, 1, 0, 1, 0, 9],
      [2, 2, 2, 2, 2, 2],
    ]),
    tensor([0, 1, 2], { dtype: 'int32' }),
    { epochs: 1, batchSize: 2, seed: 1, checkpoint: { store } },
  );
  return [modelToBytes(m), checkpoint!];
}

/** Loads as both a model and a checkpoint; anything but success or a ModelFileError with a message fails. */
function expectOnlyFileErrors(bytes: Uint8Array): void {
  for (const load of [() => modelFromBytes(bytes), () => checkpointFromBytes(bytes)]) {
    try {
      load();
    } catch (e) {
      if (!(e instanceof ModelFileError) || e.reason.length === 0) throw new Error(`not a ModelFileError: ${String(e)}`, { cause: e });
    }
  }
}

const HUGE = [0xffffffff, 2 ** 31, 2 ** 31 - 1, 2 ** 28, 2 ** 26, 2 ** 53, 1e300, -1, 0, 0.5];

/** JSON paths in the header whose numbers are sizes, counts or offsets. */
function sizeFieldPaths(header: unknown): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [];
  const walk = (v: unknown, path: Array<string | number>) => {
    if (typeof v === 'number') out.push(path);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(header, []);
  return out;
}

function setAt(root: any, path: Array<string | number>, value: unknown): void {
  let o = root;
  for (const k of path.slice(0, -1)) o = o[k];
  o[path[path.length - 1]] = value;
}

describe('fuzz: the model loader only ever throws ModelFileError', async () => {
  const valid = await files();
  const before = memoryNow();

  it('raw byte mutations: bit flips, truncation, splices, preamble fields', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), from: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
      fc.record({
        kind: fc.constant('preamble' as const),
        field: fc.constantFrom(8, 12, 16, 20),
        value: fc.constantFrom(...HUGE.filter((v) => v >= 0 && v <= 0xffffffff && Number.isInteger(v))),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (which, steps) => {
        let bytes = valid[which].slice();
        for (const s of steps) {
          if (s.kind === 'flip') bytes[s.at % bytes.length] ^= 1 << s.bit;
          else if (s.kind === 'truncate') bytes = bytes.slice(0, s.at % (bytes.length + 1));
          else if (s.kind === 'splice') {
            const from = s.from % Math.max(1, bytes.length);
            const at = s.at % (bytes.length + 1);
            bytes = Uint8Array.from([...bytes.subarray(0, at), ...bytes.subarray(from, from + s.length), ...bytes.subarray(at)]);
          } else if (bytes.length >= PREAMBLE_BYTES) new DataView(bytes.buffer).setUint32(s.field, s.value, true);
        }
        expectOnlyFileErrors(bytes);
      }),
      { seed: SEED, numRuns: 400 },
    );
  });

  it('header edits with valid checksums: size fields set to huge values, values swapped, nesting', () => {
    const parts = valid.map(explode);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1 }),
        fc.nat(),
        fc.constantFrom(...HUGE),
        fc.nat(),
        fc.integer({ min: 0, max: 3 }),
        (which, pick, huge, other, extra) => {
          const { header, data } = parts[which];
          const h = structuredClone(header);
          const paths = sizeFieldPaths(h);
          const path = paths[pick % paths.length];
          if (extra === 0) setAt(h, path, huge);
          else if (extra === 1) setAt(h, path, [huge]);
          else if (extra === 2) setAt(h, path, structuredClone(sizeFieldPaths(h).length ? h[Object.keys(h)[other % Object.keys(h).length]] : null));
          else {
            const levels = 60 + (other % 5000);
            setAt(h, path, 0);
            const text = JSON.stringify(h).replace(/:0([,}])/, (_, end) => `:${'['.repeat(levels)}${huge}${']'.repeat(levels)}${end}`);
            expectOnlyFileErrors(assembleFile(new TextEncoder().encode(text), data));
            return;
          }
          expectOnlyFileErrors(rebuild(h, data));
        },
      ),
      { seed: SEED, numRuns: 600 },
    );
  });

  it('memory stays bounded over the whole run', () => {
    expect(memoryNow() - before).toBeLessThan(256 * 2 ** 20);
  });
});
