import { readFileChunks } from '../io/read-bounded.js';
import type { Dataset } from './dataset.js';
import { CSV_LIMITS, CsvDatasetBuilder, type CsvOptions } from './csv.js';
import { dataError, fileSource } from './errors.js';

/**
 * Reads a CSV file as a stream (Node), so only the numbers, not the text, are held in memory. The same line
 * splitter as parseCsvDataset; at most CSV_LIMITS.fileBytes are read, from a file, a pipe or a device.
 */
export async function loadCsvDataset(path: string, options: CsvOptions = {}): Promise<Dataset> {
  const op = 'loadCsvDataset';
  const builder = new CsvDatasetBuilder(fileSource(path), options, op);
  const decoder = new TextDecoder();
  for await (const chunk of readFileChunks(path, CSV_LIMITS.fileBytes, (expected, actual) => dataError(op, fileSource(path), expected, actual))) {
    builder.addText(decoder.decode(chunk, { stream: true }));
  }
  builder.addText(decoder.decode());
  return builder.finish();
}
