/** Drawing on the playground's canvas from an e2e test, and reading back what the page computed. */
import type { Page } from 'playwright-core';

/** A stroke through points given in the canvas's own 280×280 coordinates. */
export async function drawStroke(page: Page, points: ReadonlyArray<readonly [number, number]>): Promise<void> {
  const canvas = page.getByTestId('draw-canvas');
  await canvas.scrollIntoViewIfNeeded();
  const box = (await canvas.boundingBox())!;
  const at = ([x, y]: readonly [number, number]) => [box.x + (x / 280) * box.width, box.y + (y / 280) * box.height] as const;
  await page.mouse.move(...at(points[0]));
  await page.mouse.down();
  for (const p of points.slice(1)) await page.mouse.move(...at(p), { steps: 4 });
  await page.mouse.up();
}

/** A "7": a bar and a slanted stem. */
export const SEVEN: ReadonlyArray<readonly [number, number]> = [
  [80, 60],
  [200, 58],
  [170, 130],
  [140, 200],
  [125, 240],
];

/** The 28×28 input the model saw for the current drawing (the preview canvas keeps it). */
export async function modelInput(page: Page): Promise<Float32Array> {
  const pixels = await page.getByTestId('draw-preview').evaluate((el) => Array.from((el as HTMLCanvasElement & { mnistPixels: Float32Array }).mnistPixels));
  return Float32Array.from(pixels);
}

/** Waits until the page has predicted the current drawing (two animation frames, then a digit shown). */
export async function waitForPrediction(page: Page): Promise<string> {
  await page.evaluate(() => new Promise<void>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r()))));
  await page.waitForFunction(() => /^\d$/.test(document.querySelector('[data-testid="prediction"]')?.getAttribute('data-value') ?? ''));
  return (await page.getByTestId('prediction').getAttribute('data-value')) ?? '';
}
