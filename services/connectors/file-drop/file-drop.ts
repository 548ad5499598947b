/**
 * file-drop: a watched inbox folder. Each file is one stream, named by its content hash, so a file is
 * read once however often it is re-sent, and a file half-published when the process died resumes after
 * its last checkpointed row. A file is moved to done/ (with a `.done.json` beside it) or failed/ (with
 * a `.reason.txt`) only after its last batch is acknowledged and checkpointed.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CasepipeError } from '../../platform/errors.js';
import type { ConnectorContext, ConnectorType, SourceBatch, SourceConnector, SourceRecord } from '../connector.js';
import { pollWait } from '../poll-wait.js';
import { fileDropSpec, type FileDropSettings } from './file-drop-spec.js';
import { formatOf, readTable, type Table, type TableRow } from './read-table.js';
import { fileDropSampleSource } from './sample-inbox.js';

/** The checkpoint of one file's stream. */
interface FileCheckpoint {
  [key: string]: unknown;
  name: string;
  /** Last row published (see TableRow.row). */
  row: number;
  done: boolean;
  failed?: string;
}

const DONE = 'done';
const FAILED = 'failed';
// Errors of a file system that may pass (a file still locked by the writer, too many open files).
const TRANSIENT_FS = new Set(['EBUSY', 'EAGAIN', 'EMFILE', 'ENFILE', 'EIO', 'ETIMEDOUT', 'EPERM']);

export const fileDrop: ConnectorType<FileDropSettings> = {
  type: 'file-drop',
  description: 'CSV, XLSX or JSONL exports dropped into an inbox folder',
  spec: fileDropSpec,
  create: (settings, ctx) => new FileDropConnector(settings, ctx),
  async sampleRecords(settings, file) {
    const name = path.basename(file);
    const table = await readTable(fs.readFileSync(file), requireFormat(name, settings), settings);
    return table.rows.map((r) => sourceRecord(r, name, 'sample'));
  },
  sampleSource: fileDropSampleSource,
};

class FileDropConnector implements SourceConnector {
  private readonly inbox: string;

  constructor(
    private readonly settings: FileDropSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.inbox = path.resolve(settings.inbox);
  }

  async check() {
    try {
      if (!fs.statSync(this.inbox).isDirectory()) return { ok: false, message: `${this.inbox} is not a folder` };
      fs.accessSync(this.inbox, fs.constants.R_OK | fs.constants.W_OK);
      return { ok: true, message: `inbox ${this.inbox}: ${this.pendingFiles().length} file(s) waiting` };
    } catch (err) {
      return { ok: false, message: `inbox ${this.inbox} cannot be read and written: ${(err as Error).message}` };
    }
  }

  async *read(checkpoints: { get(stream: string): Record<string, unknown> | undefined }, signal: AbortSignal): AsyncIterable<SourceBatch> {
    for (const name of this.pendingFiles()) {
      if (signal.aborted) return;
      const file = path.join(this.inbox, name);
      const bytes = await this.ctx.request(`read ${name}`, () => readFileOnce(file));
      if (bytes === null) continue; // gone since the listing
      const hash = createHash('sha256').update(bytes).digest('hex');
      const stream = `file:${hash}`;
      const previous = checkpoints.get(stream) as FileCheckpoint | undefined;
      if (previous?.done) {
        const note = previous.name === name ? 'read before; moved now' : `same content as ${previous.name}, read before`;
        yield { stream, records: [], checkpoint: previous, afterCommit: () => this.settle(name, hash, previous.failed ? FAILED : DONE, previous.failed ?? { note, sha256: hash }) };
        continue;
      }
      let table: Table;
      try {
        table = await readTable(bytes, requireFormat(name, this.settings), this.settings);
      } catch (err) {
        if (!(err instanceof CasepipeError) || err.canRetry) throw err;
        const reason = `${err.code}: ${err.message}`;
        this.ctx.logger.warn({ file: name, reason }, 'file refused; moving it to failed/');
        // One dead letter for the whole file (no row could be read), so the refusal is counted and shown
        // with the records' refusals, not only in failed/<name>.reason.txt.
        const whole: SourceRecord = { id: `${hash.slice(0, 16)}:file`, location: `${name} (whole file)`, problem: { code: err.code, message: err.message } };
        yield { stream, records: [whole], checkpoint: { name, row: 0, done: true, failed: reason }, afterCommit: () => this.settle(name, hash, FAILED, reason) };
        continue;
      }
      if (table.encoding?.how === 'detected') this.ctx.logger.info({ file: name, encoding: table.encoding.name }, 'encoding detected');
      const start = previous?.row ?? 0;
      if (start > 0) this.ctx.logger.info({ file: name, afterRow: start }, 'resuming a half-published file');
      const rows = table.rows.filter((r) => r.row > start);
      const summary = { sha256: hash, rows: table.rows.length, encoding: table.encoding };
      if (rows.length === 0) {
        yield { stream, records: [], checkpoint: { name, row: start, done: true }, afterCommit: () => this.settle(name, hash, DONE, summary) };
        continue;
      }
      for (let i = 0; i < rows.length; i += this.settings.batchSize) {
        const chunk = rows.slice(i, i + this.settings.batchSize);
        const last = i + this.settings.batchSize >= rows.length;
        const checkpoint: FileCheckpoint = { name, row: chunk[chunk.length - 1].row, done: last };
        yield {
          stream,
          records: chunk.map((r) => sourceRecord(r, name, hash.slice(0, 16))),
          checkpoint,
          afterCommit: last ? () => this.settle(name, hash, DONE, summary) : undefined,
        };
      }
    }
  }

  waitForData(signal: AbortSignal, maxMs: number): Promise<void> {
    return pollWait(signal, Math.min(maxMs, this.settings.pollSeconds * 1000), (done) => {
      try {
        const watcher = fs.watch(this.inbox, done);
        watcher.on('error', () => undefined);
        return () => watcher.close();
      } catch {
        // No notifications on this file system: the poll interval still wakes us.
        return undefined;
      }
    });
  }

  /** Files waiting in the inbox: oldest first; hidden and half-written (.tmp/.part) files are left alone. */
  private pendingFiles(): string[] {
    return fs
      .readdirSync(this.inbox, { withFileTypes: true })
      .filter((e) => e.isFile() && !e.name.startsWith('.') && !/\.(tmp|part|partial)$/i.test(e.name))
      .map((e) => ({ name: e.name, mtime: fs.statSync(path.join(this.inbox, e.name)).mtimeMs }))
      .sort((a, b) => a.mtime - b.mtime || (a.name < b.name ? -1 : 1))
      .map((f) => f.name);
  }

  /** Moves a finished file to done/ or failed/ and writes what happened beside it. */
  private async settle(name: string, hash: string, folder: typeof DONE | typeof FAILED, about: unknown): Promise<void> {
    const from = path.join(this.inbox, name);
    if (!fs.existsSync(from)) return;
    const dir = path.join(this.inbox, folder);
    fs.mkdirSync(dir, { recursive: true });
    let to = path.join(dir, name);
    if (fs.existsSync(to)) {
      const ext = path.extname(name);
      to = path.join(dir, `${path.basename(name, ext)}.${hash.slice(0, 12)}${ext}`);
    }
    const note = folder === FAILED ? `${String(about)}\n` : `${JSON.stringify(about, null, 2)}\n`;
    fs.writeFileSync(`${to}${folder === FAILED ? '.reason.txt' : '.done.json'}`, note);
    fs.renameSync(from, to);
    this.ctx.logger.info({ file: name, to: path.relative(this.inbox, to) }, `file ${folder}`);
  }
}

function requireFormat(name: string, settings: FileDropSettings) {
  const format = formatOf(name, settings.format);
  if (!format) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `${name}: not a .csv, .xlsx or .jsonl file (or declare format in the department file)`);
  return format;
}

function sourceRecord(r: TableRow, name: string, idPrefix: string): SourceRecord {
  return {
    id: `${idPrefix}:${r.row}`,
    location: `${name} row ${r.row}`,
    fields: r.fields,
    problem: r.problem ? { code: 'SOURCE_ROW_MALFORMED', message: r.problem } : undefined,
  };
}

async function readFileOnce(file: string): Promise<Buffer | null> {
  try {
    return await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code === 'ENOENT') return null;
    throw new CasepipeError('SOURCE_UNAVAILABLE', `${path.basename(file)} cannot be read: ${(err as Error).message}`, { cause: err, canRetry: TRANSIENT_FS.has(code) });
  }
}
