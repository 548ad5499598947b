/**
 * file-drop's throwaway source for `casepipe connector test`: a temporary inbox holding a copy of the
 * sample file. Records added later are written as a new file in the sample's own format and encoding
 * (CSV, XLSX or JSONL), a little newer than the sample, as a department's next export would arrive.
 */
import fs from 'node:fs';
import path from 'node:path';
import type ExcelJS from 'exceljs';
import { lazyRequire } from '../../platform/lazy-require.js';
import iconv from 'iconv-lite';
import { CasepipeError } from '../../platform/errors.js';
import type { SampleSource, SampleWork, SourceValue } from '../connector.js';
import type { FileDropSettings } from './file-drop-spec.js';
import { formatOf, type FileFormat } from './read-table.js';

const excelJs = lazyRequire<typeof ExcelJS>('exceljs');

export async function fileDropSampleSource(settings: FileDropSettings, sampleFile: string, work: SampleWork): Promise<SampleSource<FileDropSettings>> {
  const name = path.basename(sampleFile);
  const format = formatOf(name, settings.format);
  if (!format) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `${name}: not a .csv, .xlsx or .jsonl file (or declare format in the department file)`);
  if (!fs.existsSync(sampleFile)) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `the sample ${sampleFile} does not exist`);
  const inbox = fs.mkdtempSync(path.join(work.dir, `inbox-${work.department}-`));
  fs.copyFileSync(sampleFile, path.join(inbox, name));
  let added = 0;
  let mtime = fs.statSync(path.join(inbox, name)).mtime.getTime() / 1000;
  return {
    settings: { ...settings, inbox },
    async add(records) {
      const ext = path.extname(name) || `.${format}`;
      const file = path.join(inbox, `${path.basename(name, ext)}.added-${++added}${ext}`);
      fs.writeFileSync(`${file}.tmp`, await tableBytes(records, format, settings));
      fs.renameSync(`${file}.tmp`, file);
      mtime += 1; // read after the files already there
      fs.utimesSync(file, mtime, mtime);
    },
    async close() {
      fs.rmSync(inbox, { recursive: true, force: true });
    },
  };
}

/** Rows as a file of `format`: header = every field name in order of first appearance. */
async function tableBytes(records: Array<Record<string, SourceValue>>, format: FileFormat, settings: FileDropSettings): Promise<Buffer> {
  const header = [...new Set(records.flatMap((r) => Object.keys(r)))];
  if (format === 'jsonl') return Buffer.from(records.map((r) => JSON.stringify(r)).join('\n') + '\n', 'utf8');
  if (format === 'xlsx') {
    const wb = new (excelJs().Workbook)();
    const sheet = wb.addWorksheet(settings.sheet ?? 'Sheet1');
    sheet.addRow(header);
    for (const r of records) sheet.addRow(header.map((h) => r[h] ?? null));
    return Buffer.from(await wb.xlsx.writeBuffer());
  }
  const cell = (v: SourceValue | undefined): string => {
    const text = v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : String(v);
    return /["\r\n]/.test(text) || text.includes(settings.delimiter) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const text = [header.map(cell), ...records.map((r) => header.map((h) => cell(r[h])))].map((cells) => cells.join(settings.delimiter)).join('\r\n') + '\r\n';
  return settings.encoding === 'gb18030' || settings.encoding === 'gbk' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8');
}
