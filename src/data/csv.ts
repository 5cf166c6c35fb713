import { checkOptions } from '../tensor/options.js';
import type { Dataset } from './dataset.js';
import { dataError, dataTypeError } from './errors.js';
import { parseNumberCell, splitCsvLine } from './csv-line.js';
import { ClassLabels, MAX_CLASSES } from './class-labels.js';

export interface CsvOptions {
  /** The label column: a header name, or an index (negative counts from the end). Default: the last column. */
  labelColumn?: string | number;
  /** Whether the first non-empty line is a header. 'auto' (default): yes when a feature cell is not a number. */
  header?: boolean | 'auto';
  delimiter?: string;
  /**
   * Fixes the label → class id mapping (class i is classNames[i]); every label must be one of them. Pass the
   * classNames of a training file when reading its test file, so both use the same ids.
   */
  classNames?: string[];
}

/** Budgets a CSV source must fit (docs/training.md, "Data files"): beyond them reading stops with a clear error. */
export const CSV_LIMITS = Object.freeze({
  /** Characters in one line (an endless line is refused, not accumulated). */
  lineLength: 2 ** 20,
  /** Bytes of a CSV file read by loadCsvDataset. */
  fileBytes: 2 ** 30,
  /** Distinct labels, i.e. classes (a column of continuous values is not a label column). */
  classes: MAX_CLASSES,
});

const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Builds a Dataset from CSV lines fed one at a time, so Node can stream big files and the browser can parse
 * text. Features are numbers; labels are non-negative integers (used as class ids) or else strings (class ids
 * in sorted order, recorded as classNames). Features grow in a Float32Array, never in JS arrays of numbers.
 */
export class CsvDatasetBuilder {
  private readonly delimiter: string;
  private columns: string[] | null = null;
  private firstLine = 0;
  private hasHeader = false;
  private labelIndex = -1;
  private featureCount = 0;
  private features = new Float32Array(1024);
  private labelIds = new Int32Array(256);
  private readonly labels: ClassLabels;
  private count = 0;

  constructor(
    private readonly source: string,
    private readonly options: CsvOptions = {},
    private readonly op = 'readCsv',
  ) {
    checkOptions(op, options, ['labelColumn', 'header', 'delimiter', 'classNames']);
    this.delimiter = options.delimiter ?? ',';
    if (typeof this.delimiter !== 'string' || this.delimiter.length === 0 || this.delimiter === '"') {
      throw dataTypeError(op, "option 'delimiter'", 'a non-empty string other than a quote', this.delimiter);
    }
    this.labels = new ClassLabels(op, options.classNames);
  }

  private pending = '';
  private afterCR = false;
  private lineCount = 0;

  /**
   * Feeds text in chunks of any size (a whole file, or a stream's pieces). One rule for line ends, the same in
   * Node and the browser: \n, \r\n and a lone \r each end a line. A line longer than CSV_LIMITS.lineLength is refused.
   */
  addText(text: string): void {
    let from = this.afterCR && text.startsWith('\n') ? 1 : 0;
    this.afterCR = false;
    const eol = /\r\n|\r|\n/g;
    eol.lastIndex = from;
    for (let m = eol.exec(text); m !== null; m = eol.exec(text)) {
      if (m[0] === '\r' && m.index === text.length - 1) this.afterCR = true;
      this.takeLine(this.pending + text.slice(from, m.index));
      this.pending = '';
      from = eol.lastIndex;
    }
    this.pending += text.slice(from);
    if (this.pending.length > CSV_LIMITS.lineLength) this.takeLine(this.pending);
  }

  private takeLine(line: string): void {
    this.lineCount++;
    if (line.length > CSV_LIMITS.lineLength) {
      throw dataError(this.op, `${this.source} line ${this.lineCount}`, `a line of at most ${CSV_LIMITS.lineLength} characters`, 'a longer line');
    }
    this.addLine(line, this.lineCount);
  }

  addLine(rawLine: string, lineNumber: number): void {
    const line = (lineNumber === 1 ? rawLine.replace(/^\uFEFF/, '') : rawLine).replace(/\r$/, '');
    if (line.trim() === '') return;
    const where = `${this.source} line ${lineNumber}`;
    const cells = splitCsvLine(line, this.delimiter, (expected, actual) => dataError(this.op, where, expected, actual));
    if (this.columns === null) {
      this.start(cells, lineNumber);
      if (this.hasHeader) return;
    }
    if (cells.length !== this.featureCount + 1) {
      const like = this.hasHeader ? 'the header' : 'the first row';
      throw dataError(this.op, where, `${this.featureCount + 1} columns like ${like} (line ${this.firstLine})`, `${cells.length} columns`);
    }
    this.addRow(cells, where);
  }

  finish(): Dataset {
    if (this.pending !== '') this.takeLine(this.pending);
    this.pending = '';
    if (this.count === 0) throw dataError(this.op, this.source, 'CSV with at least one data row', 'none');
    const labels = this.labelIds.slice(0, this.count);
    const { numClasses, classNames } = this.labels.finish(labels);
    return {
      images: this.features.slice(0, this.count * this.featureCount),
      labels,
      count: this.count,
      featureShape: [this.featureCount],
      numClasses,
      ...(classNames !== undefined ? { classNames } : {}),
    };
  }

  /** Reads the first non-empty line: decides header or not, finds the label column. */
  private start(cells: string[], lineNumber: number): void {
    const { labelColumn = -1, header = 'auto' } = this.options;
    const where = `${this.source} line ${lineNumber}`;
    if (cells.length < 2) throw dataError(this.op, where, 'at least 2 columns (features and a label)', `${cells.length} column`);
    if (typeof labelColumn === 'string') {
      if (header === false) throw dataError(this.op, "option 'labelColumn'", 'a column index when header is false', `'${labelColumn}'`);
      this.labelIndex = cells.indexOf(labelColumn);
      if (this.labelIndex < 0)
        throw dataError(this.op, `${where} (header)`, `a column named '${labelColumn}'`, `columns ${cells.map((c) => `'${c}'`).join(', ')}`);
      this.hasHeader = true;
    } else {
      if (!Number.isInteger(labelColumn) || labelColumn >= cells.length || labelColumn < -cells.length) {
        throw dataError(this.op, "option 'labelColumn'", `a column index in [${-cells.length}, ${cells.length}) for ${cells.length} columns`, labelColumn);
      }
      this.labelIndex = labelColumn < 0 ? cells.length + labelColumn : labelColumn;
      this.hasHeader = header === 'auto' ? cells.some((cell, i) => i !== this.labelIndex && parseNumberCell(cell) === undefined) : header;
    }
    this.columns = cells;
    this.firstLine = lineNumber;
    this.featureCount = cells.length - 1;
  }

  private addRow(cells: string[], where: string): void {
    const need = (this.count + 1) * this.featureCount;
    if (need > this.features.length) this.features = grow(this.features, need);
    if (this.count >= this.labelIds.length) this.labelIds = grow(this.labelIds, this.count + 1);
    let at = this.count * this.featureCount;
    for (let c = 0; c < cells.length; c++) {
      if (c === this.labelIndex) continue;
      const value = parseNumberCell(cells[c]);
      if (value === undefined) {
        const got = cells[c] === '' ? 'an empty cell' : `'${cells[c]}'`;
        throw dataError(this.op, this.cellWhere(where, c), 'a finite number', got);
      }
      if (Math.abs(value) > FLOAT32_MAX && !Number.isFinite(Math.fround(value))) {
        throw dataError(this.op, this.cellWhere(where, c), `a number within float32 range (magnitude at most ${FLOAT32_MAX})`, `'${cells[c]}'`);
      }
      this.features[at++] = value;
    }
    this.labelIds[this.count] = this.labels.id(cells[this.labelIndex], this.cellWhere(where, this.labelIndex));
    this.count++;
  }

  /** "file 'x.csv' line 7, column 3 ('petal')": the header name when there is one. */
  private cellWhere(where: string, index: number): string {
    return `${where}, column ${index + 1}${this.hasHeader ? ` ('${this.columns![index]}')` : ''}`;
  }
}

/** Parses CSV text held in memory (browser, tests, small files). */
export function parseCsvDataset(text: string, options: CsvOptions = {}, source = "argument 'text'"): Dataset {
  const builder = new CsvDatasetBuilder(source, options, 'parseCsvDataset');
  builder.addText(text);
  return builder.finish();
}

function grow<T extends Float32Array | Int32Array>(array: T, atLeast: number): T {
  const bigger = new (array.constructor as new (n: number) => T)(Math.max(atLeast, array.length * 2));
  bigger.set(array);
  return bigger;
}
