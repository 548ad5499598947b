/**
 * The bytes of a dropped file as rows of named fields: CSV in UTF-8 (with or without BOM) or
 * GB18030/GBK (declared, or detected and reported), XLSX (the header row names the columns) and JSONL.
 * A row that cannot be split is a row problem (dead-lettered, the file goes on); a file that cannot be
 * decoded at all is a SOURCE_FILE_UNREADABLE error (the file goes to failed/).
 */
import { parse } from 'csv-parse/sync';
import type ExcelJS from 'exceljs';
import { lazyRequire } from '../../platform/lazy-require.js';
import iconv from 'iconv-lite';
import { CasepipeError } from '../../platform/errors.js';
import type { SourceValue } from '../connector.js';
import type { FileDropSettings } from './file-drop-spec.js';

const excelJs = lazyRequire<typeof ExcelJS>('exceljs');

export interface TableRow {
  /** 1-based: the data row for CSV (header excluded), the sheet row for XLSX, the line for JSONL. */
  row: number;
  fields?: Record<string, SourceValue>;
  problem?: string;
}

export interface Table {
  /** The encoding used for text formats, and how it was chosen. */
  encoding?: { name: string; how: 'bom' | 'declared' | 'detected' };
  rows: TableRow[];
}

export type FileFormat = 'csv' | 'xlsx' | 'jsonl';

export function formatOf(fileName: string, declared: FileDropSettings['format']): FileFormat | undefined {
  if (declared) return declared;
  const ext = fileName.toLowerCase().split('.').pop();
  if (ext === 'csv' || ext === 'txt') return 'csv';
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'jsonl' || ext === 'json' || ext === 'ndjson') return 'jsonl';
  return undefined;
}

export async function readTable(bytes: Buffer, format: FileFormat, settings: Pick<FileDropSettings, 'encoding' | 'delimiter' | 'sheet'>): Promise<Table> {
  if (format === 'xlsx') return { rows: await xlsxRows(bytes, settings.sheet) };
  const { text, encoding } = decodeText(bytes, settings.encoding);
  return { encoding, rows: format === 'csv' ? csvRows(text, settings.delimiter) : jsonlRows(text) };
}

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export function decodeText(bytes: Buffer, declared: FileDropSettings['encoding']): { text: string; encoding: NonNullable<Table['encoding']> } {
  if (bytes.subarray(0, 3).equals(UTF8_BOM)) return { text: strictUtf8(bytes.subarray(3)), encoding: { name: 'utf-8', how: 'bom' } };
  if (declared === 'utf-8') return { text: strictUtf8(bytes), encoding: { name: 'utf-8', how: 'declared' } };
  if (declared === 'gb18030' || declared === 'gbk') {
    // UTF-8 Chinese read as GB18030 is mojibake that decodes without error (how a garbled department
    // name reached a report); Chinese GB18030 text is practically never valid UTF-8. Refuse, don't guess.
    if (isNonAsciiUtf8(bytes)) {
      throw new CasepipeError('SOURCE_FILE_UNREADABLE', `the file is declared ${declared} but its bytes are UTF-8 (declare encoding: utf-8, or auto)`);
    }
    return { text: gb18030(bytes), encoding: { name: declared, how: 'declared' } };
  }
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: { name: 'utf-8', how: 'detected' } };
  } catch {
    return { text: gb18030(bytes), encoding: { name: 'gb18030', how: 'detected' } };
  }
}

function isNonAsciiUtf8(bytes: Buffer): boolean {
  if (!bytes.some((b) => b >= 0x80)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function strictUtf8(bytes: Buffer): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new CasepipeError('SOURCE_FILE_UNREADABLE', 'the file is declared UTF-8 but is not valid UTF-8 (a GB18030/GBK export? declare encoding: gb18030, or auto)');
  }
}

function gb18030(bytes: Buffer): string {
  // GBK is a subset of GB18030, so one decoder reads both.
  const text = iconv.decode(bytes, 'gb18030');
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `the file is not valid GB18030 (an undecodable byte sequence near character ${bad})`);
  return text;
}

function csvRows(text: string, delimiter: string): TableRow[] {
  let records: string[][];
  try {
    records = parse(text, { delimiter, relax_column_count: true, skip_empty_lines: true });
  } catch (cause) {
    throw new CasepipeError('SOURCE_FILE_UNREADABLE', `CSV cannot be parsed: ${(cause as Error).message}`, { cause });
  }
  if (records.length === 0) return [];
  const header = records[0].map((h) => h.trim());
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `the CSV header names column ${JSON.stringify(dup)} twice`);
  return records.slice(1).map((record, i) => {
    const row = i + 1;
    if (record.length !== header.length) return { row, problem: `row ${row} has ${record.length} fields, the header has ${header.length}` };
    const fields: Record<string, SourceValue> = {};
    header.forEach((h, c) => (fields[h] = record[c]));
    return { row, fields };
  });
}

function jsonlRows(text: string): TableRow[] {
  const out: TableRow[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    const row = i + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      out.push({ row, problem: `line ${row} is not JSON` });
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      out.push({ row, problem: `line ${row} is not a JSON object` });
      return;
    }
    const fields: Record<string, SourceValue> = {};
    for (const [k, v] of Object.entries(value)) fields[k] = v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : JSON.stringify(v);
    out.push({ row, fields });
  });
  return out;
}

async function xlsxRows(bytes: Buffer, sheetName: string | undefined): Promise<TableRow[]> {
  const wb = new (excelJs().Workbook)();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (cause) {
    throw new CasepipeError('SOURCE_FILE_UNREADABLE', `not a readable XLSX workbook: ${(cause as Error).message}`, { cause });
  }
  const sheet = sheetName === undefined ? wb.worksheets[0] : wb.getWorksheet(sheetName);
  if (!sheet) throw new CasepipeError('SOURCE_FILE_UNREADABLE', sheetName === undefined ? 'the workbook has no worksheet' : `the workbook has no worksheet ${JSON.stringify(sheetName)}`);
  const header: string[] = [];
  sheet.getRow(1).eachCell({ includeEmpty: true }, (cell, col) => (header[col] = String(cellValue(cell.value) ?? '').trim()));
  const out: TableRow[] = [];
  sheet.eachRow({ includeEmpty: false }, (r, rowNumber) => {
    if (rowNumber === 1) return;
    const fields: Record<string, SourceValue> = {};
    header.forEach((h, col) => {
      if (h) fields[h] = cellValue(r.getCell(col).value);
    });
    out.push({ row: rowNumber, fields });
  });
  return out;
}

/** Rich text, formulas and hyperlinks reduced to their shown value. */
function cellValue(v: ExcelJS.CellValue): SourceValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || v instanceof Date) return v;
  if (typeof v === 'object') {
    if ('richText' in v) return v.richText.map((t) => t.text).join('');
    if ('result' in v) return cellValue(v.result as ExcelJS.CellValue);
    if ('text' in v) return String(v.text);
    if ('error' in v) return null;
  }
  return String(v);
}
