import { checkChoice, checkOptions } from '../tensor/options.js';
import { ClassLabels } from './class-labels.js';
import { dataError, dataTypeError } from './errors.js';
import { delimitedRecords } from './records.js';

/** Labelled texts: text i has class labels[i] in [0, numClasses). */
export interface TextDataset {
  texts: string[];
  labels: Int32Array;
  count: number;
  numClasses: number;
  /** Names of classes 0..numClasses-1 when the labels were names (or integers that are not 0..K-1). */
  classNames?: string[];
}

export type TextTableFormat = 'csv' | 'tsv' | 'jsonl';

export interface TextTableOptions {
  /** 'csv' (default), 'tsv' (the same quoting rules with tabs) or 'jsonl' (one JSON object per line). */
  format?: TextTableFormat;
  /** The text column: a header name (a key for JSONL) or an index. Default 'text'. */
  textColumn?: string | number;
  /** The label column, likewise. Default 'label'. */
  labelColumn?: string | number;
  /** CSV / TSV: whether the first record is a header (default true). */
  header?: boolean;
  /** Fixes the label → class id mapping (class i is classNames[i]): pass the training file's when reading its test file. */
  classNames?: string[];
}

/** Budgets a text table must fit: beyond them reading stops with a clear error. */
export const TEXT_LIMITS = Object.freeze({
  /** Bytes of a file read by loadTextTable or of all files under loadTextDirectory's folder. */
  fileBytes: 2 ** 30,
  /** Characters in one field (or one JSONL line). */
  fieldLength: 2 ** 22,
  /** Records (texts). */
  records: 2 ** 24,
});

const FORMATS: readonly TextTableFormat[] = ['csv', 'tsv', 'jsonl'];

/**
 * Parses a table of labelled texts (docs/text.md, "Reading labelled texts"): CSV or TSV with RFC 4180 quoting
 * (fields may hold delimiters, line breaks and doubled quotes), or JSON Lines. A byte-order mark is dropped.
 * Errors name the source, the line and the column.
 */
export function parseTextTable(text: string, options?: TextTableOptions, source = "argument 'text'"): TextDataset {
  const op = 'parseTextTable';
  if (typeof text !== 'string') throw dataTypeError(op, source, 'a string', text);
  const o = checkOptions(op, options, ['format', 'textColumn', 'labelColumn', 'header', 'classNames']);
  const format = o.format === undefined ? 'csv' : checkChoice(op, 'options.format', o.format, FORMATS);
  if (o.header !== undefined && typeof o.header !== 'boolean') throw dataTypeError(op, "option 'header'", 'a boolean', o.header);
  if (format === 'jsonl' && o.header !== undefined) throw dataError(op, "option 'header'", 'absent for JSON Lines (its keys name the fields)', o.header);
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const labels = new ClassLabels(op, o.classNames);
  const texts: string[] = [];
  const ids: number[] = [];
  const add = (value: string, label: string, where: string, labelWhere: string) => {
    if (texts.length >= TEXT_LIMITS.records) throw dataError(op, where, `at most ${TEXT_LIMITS.records} records`, 'more');
    texts.push(value);
    ids.push(labels.id(label, labelWhere));
  };
  if (format === 'jsonl') readJsonLines(op, body, source, o, add);
  else readDelimited(op, body, format === 'tsv' ? '\t' : ',', source, o, add);
  if (texts.length === 0) throw dataError(op, source, 'at least one labelled text', 'none');
  const labelIds = Int32Array.from(ids);
  const classes = labels.finish(labelIds);
  return { texts, labels: labelIds, count: texts.length, ...classes };
}

type Add = (text: string, label: string, where: string, labelWhere: string) => void;

function readDelimited(op: string, body: string, delimiter: string, source: string, o: TextTableOptions, add: Add): void {
  const header = o.header ?? true;
  const fail = (expected: string, actual: string, line: number) => dataError(op, `${source} line ${line}`, expected, actual);
  let columns: string[] | null = null;
  let textIndex = -1;
  let labelIndex = -1;
  let width = 0;
  for (const { cells, line } of delimitedRecords(body, delimiter, TEXT_LIMITS.fieldLength, fail)) {
    const where = `${source} line ${line}`;
    if (width === 0) {
      width = cells.length;
      if (header) columns = cells;
      textIndex = columnIndex(op, 'textColumn', o.textColumn ?? (header ? 'text' : 0), columns, width, where);
      labelIndex = columnIndex(op, 'labelColumn', o.labelColumn ?? (header ? 'label' : 1), columns, width, where);
      if (textIndex === labelIndex) throw dataError(op, "options 'textColumn' and 'labelColumn'", 'two different columns', `column ${textIndex + 1} for both`);
      if (header) continue;
    }
    if (cells.length !== width) throw fail(`${width} fields, as the ${header ? 'header' : 'first record'} has`, `${cells.length}`, line);
    const column = (i: number) => `${where}, column ${i + 1}${columns ? ` ('${columns[i]}')` : ''}`;
    add(cells[textIndex]!, cells[labelIndex]!.trim(), where, column(labelIndex));
  }
}

function columnIndex(op: string, arg: string, spec: string | number, columns: string[] | null, width: number, where: string): number {
  if (typeof spec === 'string') {
    if (columns === null) throw dataError(op, `option '${arg}'`, 'a column index when header is false', `'${spec}'`);
    const i = columns.indexOf(spec);
    if (i < 0) throw dataError(op, `${where} (header)`, `a column named '${spec}' (option '${arg}')`, `columns ${columns.map((c) => `'${c}'`).join(', ')}`);
    return i;
  }
  if (!Number.isInteger(spec) || spec < 0 || spec >= width) throw dataError(op, `option '${arg}'`, `a column name or an index in [0, ${width})`, spec);
  return spec;
}

function readJsonLines(op: string, body: string, source: string, o: TextTableOptions, add: Add): void {
  const textKey = o.textColumn ?? 'text';
  const labelKey = o.labelColumn ?? 'label';
  if (typeof textKey !== 'string') throw dataTypeError(op, "option 'textColumn'", 'a key (string) for JSON Lines', textKey);
  if (typeof labelKey !== 'string') throw dataTypeError(op, "option 'labelColumn'", 'a key (string) for JSON Lines', labelKey);
  const lines = body.split(/\r\n|\n|\r/);
  lines.forEach((raw, index) => {
    const where = `${source} line ${index + 1}`;
    if (raw.trim() === '') return;
    if (raw.length > TEXT_LIMITS.fieldLength) throw dataError(op, where, `a line of at most ${TEXT_LIMITS.fieldLength} characters`, `${raw.length}`);
    let record: unknown;
    try {
      record = JSON.parse(raw);
    } catch (e) {
      throw dataError(op, where, 'a JSON object', `invalid JSON (${(e as Error).message})`);
    }
    if (record === null || typeof record !== 'object' || Array.isArray(record)) throw dataError(op, where, 'a JSON object', raw.slice(0, 40));
    const fields = record as Record<string, unknown>;
    const value = fields[textKey];
    if (typeof value !== 'string') throw dataError(op, `${where}, key '${textKey}'`, 'a string', value === undefined ? 'no such key' : JSON.stringify(value));
    const label = fields[labelKey];
    const labelText = typeof label === 'string' ? label.trim() : typeof label === 'number' && Number.isInteger(label) && label >= 0 ? String(label) : undefined;
    if (labelText === undefined)
      throw dataError(
        op,
        `${where}, key '${labelKey}'`,
        'a label (a string or a non-negative integer)',
        label === undefined ? 'no such key' : JSON.stringify(label),
      );
    add(value, labelText, where, `${where}, key '${labelKey}'`);
  });
}
