import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without type declarations.
import { bundleEntry } from '../../scripts/bundle-size.mjs';

interface Emitted {
  fileName: string;
  bytes: Buffer;
}
interface Bundle {
  chunks: Emitted[];
  assets: Emitted[];
}

const gz = readFileSync(new URL('../../assets/mnist-10k.idx.gz', import.meta.url));
// A run of the asset's bytes from its middle, raw and as base64 (how an inlined data: URL would carry it).
const probe = gz.subarray(gz.length >> 1, (gz.length >> 1) + 48);
const probeBase64 = probe.toString('base64').slice(4, 52);

function carriesMnist(bundle: Bundle): string[] {
  const found: string[] = [];
  for (const f of [...bundle.chunks, ...bundle.assets]) {
    if (f.bytes.includes(probe) || f.bytes.includes(probeBase64) || f.bytes.includes('mnist-10k')) found.push(f.fileName);
  }
  return found;
}

describe('browser bundles (Vite)', () => {
  it('a bundle importing only nn.softmax from logitkit carries no asset and no MNIST bytes', async () => {
    const bundle = (await bundleEntry('tiny')) as Bundle;
    expect(bundle.chunks.length).toBeGreaterThan(0);
    expect(bundle.chunks.some((c) => c.bytes.includes('softmax'))).toBe(true);
    expect(bundle.assets.map((a) => a.fileName)).toEqual([]);
    expect(carriesMnist(bundle)).toEqual([]);
  });

  it('logitkit/mnist does carry the digits, so the check above can see them', async () => {
    const bundle = (await bundleEntry('mnist')) as Bundle;
    expect(bundle.assets.map((a) => a.fileName)).toEqual([expect.stringMatching(/^assets\/mnist-10k.*\.gz$/)]);
    expect(carriesMnist(bundle).length).toBeGreaterThan(0);
  });
});
