// Inputs of the language-model rows (issue 15), written once to artifacts/bench-inputs/lm/ so the Node workers and
// PyTorch read the same bytes. Their own directory, meta file, version and seeded streams: the other rows' inputs
// stay exactly what they were.
//   sampling:  for each V, R rows of float32 logits ~ N(0, 3²) and R contexts of 512 previous token ids (int32)
//   linear-ce: hidden [N, D] ~ N(0, 1), weight [V, D] ~ N(0, (2.5/√D)²) (logits of std ≈ 2.5), labels [N] int32
import fs from 'node:fs';
import path from 'node:path';
import { INPUTS_DIR, gaussian, readRaw, rng, writeRaw } from './common.mjs';

export const LM_INPUTS_DIR = path.join(INPUTS_DIR, 'lm');
const LM_INPUTS_VERSION = 1;

/** One processing + sampling step (issue 15, item 6): the pipeline, in this order, then a seeded sample. */
export const SAMPLING = {
  vocabs: [32_000, 128_000, 256_000],
  rows: 4, // distinct logit vectors per V, cycled by every framework in the same order
  context: 512, // previous tokens seen by the repetition penalty
  hot: 16, // of them, drawn from the row's 100 largest logits (a model repeats likely tokens), the rest uniform
  logitsStd: 3,
  repetitionPenalty: 1.2,
  temperature: 0.8,
  topK: 50,
  topP: 0.9,
  minP: 0.05,
  seed: 1234,
};

/** nn.linearCrossEntropy forward + backward (issue 15, item 3), and its materialised counterpart. */
export const LINEAR_CE = { n: 1024, d: 512, v: 65_536, logitsStd: 2.5 };

function gaussians(rand, n, std) {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = std * gaussian(rand);
  return out;
}

/** Writes the inputs unless an up-to-date copy is there; returns the meta (file names are relative to LM_INPUTS_DIR). */
export function ensureLmInputs(log = console.log) {
  const metaPath = path.join(LM_INPUTS_DIR, 'meta.json');
  if (fs.existsSync(metaPath)) {
    const meta = JSON.parse(fs.readFileSync(metaPath, 'utf8'));
    if (meta.version === LM_INPUTS_VERSION) return meta;
  }
  log('Writing the language-model rows inputs to artifacts/bench-inputs/lm/ ...');
  const dir = LM_INPUTS_DIR;
  const s = SAMPLING;
  const sampling = { ...s, files: {} };
  const rand = rng(15_0001);
  for (const v of s.vocabs) {
    const logits = gaussians(rand, s.rows * v, s.logitsStd);
    const ctx = new Int32Array(s.rows * s.context);
    for (let r = 0; r < s.rows; r++) {
      const row = logits.subarray(r * v, (r + 1) * v);
      const top = Array.from(row.keys())
        .sort((a, b) => row[b] - row[a] || a - b)
        .slice(0, 100);
      for (let i = 0; i < s.context; i++) {
        ctx[r * s.context + i] = i < s.hot ? top[Math.floor(rand() * top.length)] : Math.floor(rand() * v);
      }
      // Shuffle so the hot tokens are spread through the context, as in text.
      const c = ctx.subarray(r * s.context, (r + 1) * s.context);
      for (let i = c.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [c[i], c[j]] = [c[j], c[i]];
      }
    }
    sampling.files[v] = { logits: `sampling_logits_${v}.f32`, context: `sampling_context_${v}.i32` };
    writeRaw(dir, sampling.files[v].logits, logits);
    writeRaw(dir, sampling.files[v].context, ctx);
  }
  const l = LINEAR_CE;
  const rand2 = rng(15_0002);
  writeRaw(dir, 'lce_hidden.f32', gaussians(rand2, l.n * l.d, 1));
  writeRaw(dir, 'lce_weight.f32', gaussians(rand2, l.v * l.d, l.logitsStd / Math.sqrt(l.d)));
  const labels = new Int32Array(l.n);
  for (let i = 0; i < l.n; i++) labels[i] = Math.floor(rand2() * l.v);
  writeRaw(dir, 'lce_labels.i32', labels);
  const meta = {
    version: LM_INPUTS_VERSION,
    sampling,
    linearCe: { ...l, hidden: 'lce_hidden.f32', weight: 'lce_weight.f32', labels: 'lce_labels.i32' },
  };
  fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2));
  return meta;
}

export function readLmMeta() {
  return JSON.parse(fs.readFileSync(path.join(LM_INPUTS_DIR, 'meta.json'), 'utf8'));
}

/** Reads one of these inputs (a name from the meta). */
export function readLmRaw(name, Ctor) {
  return readRaw(path.join('lm', name), Ctor);
}
