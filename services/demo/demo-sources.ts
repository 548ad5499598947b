/**
 * Puts the demo's raw records where each department's connector reads them, per connector type, and
 * points the department's settings at that place:
 * - file-drop: exports in an inbox under the demo's data folder (CSV in the declared encoding, XLSX,
 *   JSONL; a file every few days, one file re-sent, one in the wrong encoding);
 * - sql-poll: the department's 前置库 table, made by the type's own sample source (sampleSource): on
 *   an embedded PostgreSQL (PGlite over the PostgreSQL protocol), or in a throwaway database on the
 *   user's server (--postgres URL / --mysql URL);
 * - http-poll: a local API serving the records as the department's API pages them;
 * - webhook: the department's endpoint, to which the demo pushes the records, signed (push types run
 *   until the push is answered).
 * A type without a writer here cannot run in the demo (the demo says which).
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import type ExcelJS from 'exceljs';
import { lazyRequire } from '../platform/lazy-require.js';
import iconv from 'iconv-lite';
import type { SourceValue } from '../connectors/connector.js';
import { connectorType } from '../connectors/connector-types.js';
import { readSecret } from '../connectors/secrets.js';
import { pushSigned } from '../connectors/webhook/webhook.js';
import type { WebhookSettings } from '../connectors/webhook/webhook-spec.js';
import type { FileDropSettings } from '../connectors/file-drop/file-drop-spec.js';
import type { Department } from '../departments/department-file.js';
import type { Logger } from '../platform/logger.js';
import type { RawRecord, RawSource } from './raw-month.js';
import { formatSourceTime } from './source-fields.js';

const excelJs = lazyRequire<typeof ExcelJS>('exceljs');

export interface DemoSourceWork {
  /** The demo's folder for sources (inboxes, databases). */
  dir: string;
  month: string;
  logger: Logger;
  /** A PostgreSQL or MySQL/MariaDB server for the 前置库 tables (a throwaway database each); default an embedded PostgreSQL. */
  databaseUrl?: string;
}

export interface PreparedSource {
  /** The department, its source settings pointing at the demo's source. */
  department: Department;
  /** Push types: sends the records once the connector listens. */
  push?(): Promise<void>;
  close(): Promise<void>;
}

export type SourceWriter = (source: RawSource, work: DemoSourceWork) => Promise<PreparedSource>;

export const SOURCE_WRITERS: Record<string, SourceWriter> = {
  'file-drop': writeFileDrop,
  'sql-poll': (source, work) => viaSampleSource(source, work, { scratchUrl: work.databaseUrl, ...(work.databaseUrl ? { driver: undefined } : {}) }),
  'http-poll': (source, work) => viaSampleSource(source, work, {}),
  webhook: async (source, work) => {
    const prepared = await viaSampleSource(source, work, {});
    // The department's system pushes as it goes: one signed request at a time, each answered (after
    // the commit) before the next, sent again after a 503 (the type's own sample pusher sends all at once).
    const settings = prepared.department.source as WebhookSettings;
    const secret = readSecret(settings.secret);
    const url = `http://${settings.host ?? '127.0.0.1'}:${settings.port}/webhooks/${source.department.code}`;
    const items = source.records.map((r) => nested(r.fields));
    return {
      ...prepared,
      push: async () => {
        await listening(settings);
        for (let i = 0; i < items.length; i += WEBHOOK_ITEMS_PER_REQUEST) {
          const body = items.slice(i, i + WEBHOOK_ITEMS_PER_REQUEST);
          for (let attempt = 1; ; attempt++) {
            const reply = await pushSigned(url, secret, body);
            if (reply.status === 200) break;
            if (reply.status !== 503 || attempt >= 10) throw new Error(`the push to ${url} got HTTP ${reply.status}: ${String(reply.body.error ?? '')}`);
            await new Promise((r) => setTimeout(r, 1000));
          }
        }
      },
    };
  },
};

const WEBHOOK_ITEMS_PER_REQUEST = 200;

/** Push types: their connectors run until the demo's push is answered, not once. */
export const PUSH_TYPES = new Set(['webhook']);

/**
 * The records through the type's own throwaway source (the one `casepipe connector test` uses): a
 * JSONL file of them (nested JSON where a column is a dotted path), handed to sampleSource.
 */
async function viaSampleSource(source: RawSource, work: DemoSourceWork, override: Record<string, unknown>): Promise<PreparedSource> {
  const d = source.department;
  const type = connectorType(d.source.type);
  if (!type?.sampleSource) throw new Error(`connector type ${d.source.type} has no sample source for the demo`);
  const dir = path.join(work.dir, d.code);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${d.code}.jsonl`);
  // An API that is asked for changes since a time stamps its items: an hour ago, so a first pass takes them all.
  const incremental = (d.source as { incremental?: { field: string; format: string; timeZone: string } }).incremental;
  const stamp = incremental ? formatSourceTime(Date.now() - 3_600_000, incremental.format, incremental.timeZone) : undefined;
  const item = (r: RawRecord) => nested(incremental ? { ...r.fields, [incremental.field]: stamp! } : r.fields);
  fs.writeFileSync(file, source.records.map((r) => JSON.stringify(item(r))).join('\n') + '\n');
  const settings = { ...d.source, ...override } as typeof d.source;
  const sample = await type.sampleSource(settings, file, { dir, logger: work.logger, department: d.code });
  return {
    department: { ...d, source: sample.settings },
    push: sample.push
      ? async () => {
          await listening(sample.settings as { host?: string; port?: number });
          await sample.push!();
        }
      : undefined,
    close: () => sample.close(),
  };
}

/** `{ "applicant.name": x }` → `{ applicant: { name: x } }`: a dotted column is a nested field of the item. */
function nested(fields: Record<string, SourceValue>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null) continue;
    const parts = key.split('.');
    let at = out;
    for (const p of parts.slice(0, -1)) at = (at[p] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1]] = value;
  }
  return out;
}

/** Waits until the push endpoint accepts connections (the connector starts it when its read begins). */
async function listening(at: { host?: string; port?: number }): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: at.host ?? '127.0.0.1', port: at.port ?? 0 }, () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`the webhook endpoint ${at.host}:${at.port} did not start listening within 60 s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Records per export file, roughly (a big department sends every few days, a small one twice a month). */
const RECORDS_PER_FILE = 3000;
/**
 * Rows per batch in the demo. The runtime's producer is idempotent (one request in flight), so on a
 * loaded machine the number of round trips, not the rows, sets the pace: one batch per file here.
 */
const DEMO_BATCH_SIZE = 5000;

async function writeFileDrop(source: RawSource, work: DemoSourceWork): Promise<PreparedSource> {
  const settings = source.department.source as FileDropSettings;
  const inbox = path.join(work.dir, 'inbox', source.department.code);
  fs.mkdirSync(inbox, { recursive: true });
  const format = settings.format ?? 'csv';
  const ext = format === 'jsonl' ? 'jsonl' : format;
  const days = new Date(Date.UTC(Number(work.month.slice(0, 4)), Number(work.month.slice(5)), 0)).getUTCDate();
  const n = Math.min(days, Math.max(2, Math.ceil(source.records.length / RECORDS_PER_FILE)));
  const columns = columnsOf(source.records);
  const files: { name: string; bytes: Buffer }[] = [];
  for (let i = 0; i < n; i++) {
    const chunk = source.records.slice(Math.floor((i * source.records.length) / n), Math.floor(((i + 1) * source.records.length) / n));
    const day = String(1 + Math.floor((i * days) / n)).padStart(2, '0');
    const name = `${source.department.code}-${work.month.replace('-', '')}${day}.${ext}`;
    files.push({ name, bytes: await encodeFile(format, chunk, columns, settings.encoding, settings.sheet) });
  }
  // The liaison sends one export twice (read once: same content), and, when planned, a batch in the
  // wrong encoding (refused whole; its records are in the good files too).
  files.splice(Math.min(files.length, 2), 0, { name: `${files[0].name.replace(/\.\w+$/, '')}(1).${ext}`, bytes: files[0].bytes });
  if (source.wrongEncoding.length > 0) {
    const wrong = settings.encoding === 'gb18030' || settings.encoding === 'gbk' ? 'utf-8' : 'gb18030';
    files.splice(Math.floor(files.length / 2), 0, {
      name: `${source.department.code}-${work.month.replace('-', '')}-补发.${ext}`,
      bytes: await encodeFile(format, source.wrongEncoding, columns, wrong, settings.sheet),
    });
  }
  // Oldest first is the order the inbox is read in.
  const base = Date.now() / 1000 - files.length - 60;
  files.forEach((f, i) => {
    const file = path.join(inbox, f.name);
    fs.writeFileSync(file, f.bytes);
    fs.utimesSync(file, base + i, base + i);
  });
  return { department: { ...source.department, source: { ...settings, inbox, batchSize: Math.max(settings.batchSize, DEMO_BATCH_SIZE) } }, close: async () => undefined };
}

function columnsOf(records: RawRecord[]): string[] {
  const seen = new Set<string>();
  for (const r of records.slice(0, 200)) for (const c of Object.keys(r.fields)) seen.add(c);
  for (const r of records) for (const c of Object.keys(r.fields)) seen.add(c);
  return [...seen];
}

function text(v: SourceValue | undefined): string {
  if (v === null || v === undefined) return '';
  return v instanceof Date ? v.toISOString() : String(v);
}

function csvCell(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function encodeFile(format: string, records: RawRecord[], columns: string[], encoding: string, sheet: string | undefined): Promise<Buffer> {
  if (format === 'xlsx') {
    // The streaming writer: several times faster than building the workbook in memory.
    const chunks: Buffer[] = [];
    const out = new PassThrough();
    out.on('data', (c: Buffer) => chunks.push(c));
    const wb = new (excelJs().stream.xlsx.WorkbookWriter)({ stream: out, useSharedStrings: true, useStyles: false });
    const ws = wb.addWorksheet(sheet ?? 'Sheet1');
    ws.addRow(columns).commit();
    for (const r of records) ws.addRow(columns.map((c) => text(r.fields[c]))).commit();
    ws.commit();
    await wb.commit();
    return Buffer.concat(chunks);
  }
  let body: string;
  if (format === 'jsonl') {
    body = records
      .map((r) => {
        const line = JSON.stringify(Object.fromEntries(Object.entries(r.fields).filter(([, v]) => v !== null && v !== '')));
        return r.broken ? line.slice(0, Math.floor(line.length / 2)) : line; // cut off mid-write
      })
      .join('\n');
  } else {
    const lines = [columns.map(csvCell).join(',')];
    for (const r of records) {
      const cells = columns.map((c) => csvCell(text(r.fields[c])));
      lines.push((r.broken ? cells.slice(0, Math.ceil(cells.length / 2)) : cells).join(','));
    }
    body = lines.join('\r\n');
  }
  body += format === 'jsonl' ? '\n' : '\r\n';
  if (encoding === 'gb18030' || encoding === 'gbk') return iconv.encode(body, 'gb18030');
  if (encoding === 'auto') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body, 'utf8')]); // Excel's "CSV UTF-8"
  return Buffer.from(body, 'utf8');
}
