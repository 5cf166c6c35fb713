import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Dataset } from './dataset.js';
import { CsvDatasetBuilder, type CsvOptions } from './csv.js';
import { dataError, fileSource } from './errors.js';

/** Reads a CSV file line by line (Node), so only the numbers, not the text, are held in memory. */
export async function loadCsvDataset(path: string, options: CsvOptions = {}): Promise<Dataset> {
  const op = 'loadCsvDataset';
  const builder = new CsvDatasetBuilder(fileSource(path), options, op);
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    throw dataError(op, fileSource(path), 'a readable file', (error as Error).message);
  }
  const lines = createInterface({ input: file.createReadStream({ encoding: 'utf8', autoClose: false }), crlfDelay: Infinity });
  try {
    let lineNumber = 0;
    for await (const line of lines) builder.addLine(line, ++lineNumber);
  } finally {
    lines.close();
    await file.close();
  }
  return builder.finish();
}
