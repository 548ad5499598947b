/**
 * sql-poll: a department's 前置库 table, read in (updatedAt, id) order after the stored checkpoint.
 *
 * Why this watermark: many rows share an updatedAt (a batch job stamps them all with one now()), so
 * the checkpoint is the pair {updatedAt, id} and each page asks for the rows after it
 * (keyset pagination: `u >= :ts AND (u > :ts OR id > :id) ORDER BY u, id LIMIT :page`); a page
 * boundary inside a run of equal timestamps loses nothing.
 *
 * Late commits: a writer stamps updatedAt when its statement runs, but the row becomes visible only
 * at commit; a long transaction can commit a row *older* than rows already read. Each read therefore
 * stops at the database clock minus safetyLagSeconds (the database's `now()`, not this machine's), so
 * such a row is read as long as its transaction took less than the lag. For writers known to commit
 * later still, lookBackSeconds re-reads the rows just before the checkpoint at every poll. Re-reading
 * is harmless: a record's id (and so its event id) derives from the row, never from when it was read,
 * so a re-read row is a duplicate the worker drops. The checkpoint never moves back.
 *
 * Time values: the server's text, never a Date built in this process's zone. `timestamp without time
 * zone` / DATETIME columns are wall time (`2025-08-01 09:30:00`; map them with a yyyy-MM-dd HH:mm:ss
 * format in the mapping's timeZone); `timestamptz` / TIMESTAMP columns are instants, given as ISO-8601
 * with their offset (map them with format `iso`).
 */
import { CasepipeError } from '../../platform/errors.js';
import type { CheckpointReader, ConnectorContext, ConnectorType, SourceBatch, SourceConnector, SourceRecord } from '../connector.js';
import { pollWait } from '../poll-wait.js';
import { readSampleRows, sampleTable } from './sample-table.js';
import { describeConnection, resolveConnection, sqlClient, type ColumnInfo, type ReadRow, type SqlClient } from './sql-client.js';
import { sqlPollSpec, type SqlPollSettings } from './sql-poll-spec.js';
import { shiftTimestamp, utcText, wallText } from './watermark-time.js';

/** A table stream's checkpoint: the last row published, as the server printed its updatedAt. */
export interface TableCheckpoint {
  [key: string]: unknown;
  updatedAt: string;
  id: string | number;
}

export const sqlPoll: ConnectorType<SqlPollSettings> = {
  type: 'sql-poll',
  description: 'a 前置库 table in PostgreSQL or MySQL/MariaDB, polled by updated-at watermark with an id tie-break',
  spec: sqlPollSpec,
  create: (settings, ctx) => new SqlPollConnector(settings, ctx),
  async sampleRecords(settings, file) {
    // As the table would give them: only the columns read (columns:, plus updatedAt and id).
    const keep = settings.columns ? new Set([...settings.columns, settings.updatedAt, settings.id]) : undefined;
    return readSampleRows(file).map((row, i) => {
      const fields = keep ? Object.fromEntries(Object.entries(row).filter(([k]) => keep.has(k))) : row;
      return { id: `${tableName(settings)}#${String(row[settings.id] ?? i + 1)}`, location: `${file} line ${i + 1}`, fields };
    });
  },
  sampleSource: (settings, file, work) => sampleTable(settings, file, work),
};

export function tableName(s: Pick<SqlPollSettings, 'schema' | 'table'>): string {
  return s.schema ? `${s.schema}.${s.table}` : s.table;
}

const NAIVE_TYPES = new Set(['timestamp without time zone', 'datetime', 'date']);
const AWARE_TYPES = new Set(['timestamp with time zone', 'timestamp']); // 'timestamp' is MySQL's instant type; PostgreSQL reports its naive type in full

interface TableShape {
  columns: ColumnInfo[];
  /** updatedAt holds instants (timestamptz, MySQL TIMESTAMP) rather than wall times. */
  aware: boolean;
}

class SqlPollConnector implements SourceConnector {
  private client: SqlClient | undefined;
  private shape: TableShape | undefined;
  private readonly stream: string;

  constructor(
    private readonly s: SqlPollSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.stream = `table:${tableName(s)}`;
  }

  async check() {
    let client: SqlClient;
    try {
      client = this.db();
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
    const where = describeConnection(client.connection);
    try {
      const shape = await this.ctx.request('check table', () => this.describeTable(client));
      const nowMs = await this.ctx.request('database clock', () => client.nowMs());
      const skew = Math.round((nowMs - Date.now()) / 1000);
      return { ok: true, message: `${where}: table ${tableName(this.s)} with ${shape.columns.length} columns; database clock ${skew >= 0 ? '+' : ''}${skew} s from this machine's` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async *read(checkpoints: CheckpointReader, signal: AbortSignal): AsyncIterable<SourceBatch> {
    const client = this.db();
    this.shape ??= await this.ctx.request('check table', () => this.describeTable(client));
    const shape = this.shape;
    const select = this.selectList(shape);
    // Fixed for the whole read, so every page sees the same horizon.
    const nowMs = Math.floor(await this.ctx.request('database clock', () => client.nowMs()));
    const upper = this.timestampParam(nowMs - this.s.safetyLagSeconds * 1000, shape.aware);
    const stored = checkpoints.get(this.stream) as TableCheckpoint | undefined;

    if (stored && this.s.lookBackSeconds > 0) {
      // Re-read [checkpoint - lookBack, checkpoint]; the checkpoint stays where it is.
      let after: TableCheckpoint | undefined;
      const from = shiftTimestamp(stored.updatedAt, -this.s.lookBackSeconds);
      for (;;) {
        if (signal.aborted) return;
        const rows = await this.page(client, select, after ?? { from }, { upTo: stored });
        if (rows.length > 0) yield { stream: this.stream, records: rows.map((r) => this.record(r)), checkpoint: stored };
        if (rows.length < this.s.pageSize) break;
        after = this.checkpointOf(rows[rows.length - 1]);
      }
    }

    let after = stored;
    for (;;) {
      if (signal.aborted) return;
      const rows = await this.page(client, select, after ?? {}, { bound: upper });
      if (rows.length === 0) return;
      after = this.checkpointOf(rows[rows.length - 1]);
      yield { stream: this.stream, records: rows.map((r) => this.record(r)), checkpoint: after };
      if (rows.length < this.s.pageSize) return;
    }
  }

  waitForData(signal: AbortSignal, maxMs: number): Promise<void> {
    return pollWait(signal, Math.min(maxMs, this.s.pollSeconds * 1000));
  }

  async close(): Promise<void> {
    await this.client?.close();
    this.client = undefined;
  }

  private db(): SqlClient {
    this.client ??= sqlClient(resolveConnection(this.s, this.ctx.env), {
      statementMs: this.s.statementTimeoutSeconds * 1000,
      connectMs: this.s.connectTimeoutSeconds * 1000,
    });
    return this.client;
  }

  /** The table's columns; a missing table, watermark, id, listed or mapped column is named (not retried). */
  private async describeTable(client: SqlClient): Promise<TableShape> {
    const columns = await client.columns(this.s.schema, this.s.table);
    const where = describeConnection(client.connection);
    const fail = (message: string) => new CasepipeError('SOURCE_UNAVAILABLE', `${where}: ${message}`);
    if (!columns) throw fail(`table ${tableName(this.s)} does not exist (or this user cannot see it)`);
    const names = new Set(columns.map((c) => c.name));
    const watermark = columns.find((c) => c.name === this.s.updatedAt);
    const problems: string[] = [];
    if (!watermark) problems.push(`updatedAt column ${this.s.updatedAt} is missing`);
    else if (!NAIVE_TYPES.has(watermark.type) && !AWARE_TYPES.has(watermark.type)) problems.push(`updatedAt column ${this.s.updatedAt} is ${watermark.type}, not a timestamp`);
    if (!names.has(this.s.id)) problems.push(`id column ${this.s.id} is missing`);
    const listed = (this.s.columns ?? []).filter((c) => !names.has(c));
    if (listed.length > 0) problems.push(`columns listed in the department file are missing: ${listed.join(', ')}`);
    const read = this.s.columns ? new Set([...this.s.columns, this.s.updatedAt, this.s.id]) : names;
    const mapped = [...(this.ctx.mappedColumns ?? [])].filter((c) => !read.has(c));
    if (mapped.length > 0) problems.push(`columns the mapping reads are ${this.s.columns ? 'not read (add them to columns:) or ' : ''}missing: ${mapped.join(', ')}`);
    if (problems.length > 0) throw fail(`table ${tableName(this.s)}: ${problems.join('; ')}`);
    return { columns, aware: AWARE_TYPES.has(watermark!.type) };
  }

  private selectList(shape: TableShape): string {
    const wanted = this.s.columns ? [...new Set([...this.s.columns, this.s.updatedAt, this.s.id])] : shape.columns.map((c) => c.name);
    return wanted.map((c) => this.q(c)).join(', ');
  }

  private q(identifier: string): string {
    return this.client!.quote(identifier);
  }

  /**
   * One page of rows after `lower` (a checkpoint, exclusive; or `from`, an inclusive timestamp; or
   * nothing), up to `upper` (the safety bound, or a checkpoint, inclusive). Values are parameters only.
   */
  private async page(client: SqlClient, select: string, lower: TableCheckpoint | { from?: string }, upper: { bound: string } | { upTo: TableCheckpoint }): Promise<ReadRow[]> {
    const u = this.q(this.s.updatedAt);
    const id = this.q(this.s.id);
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return client.param(params.length);
    };
    const where: string[] = [];
    if ('updatedAt' in lower) {
      const ts = lower.updatedAt as string;
      where.push(`${u} >= ${p(ts)}`, `(${u} > ${p(ts)} OR ${id} > ${p(lower.id)})`);
    } else if (lower.from !== undefined) where.push(`${u} >= ${p(lower.from)}`);
    if ('bound' in upper) where.push(`${u} <= ${p(upper.bound)}`);
    else where.push(`${u} <= ${p(upper.upTo.updatedAt)}`, `(${u} < ${p(upper.upTo.updatedAt)} OR ${id} <= ${p(upper.upTo.id)})`);
    const table = this.s.schema ? `${this.q(this.s.schema)}.${this.q(this.s.table)}` : this.q(this.s.table);
    const sql = `SELECT ${select} FROM ${table} WHERE ${where.join(' AND ')} ORDER BY ${u}, ${id} LIMIT ${this.s.pageSize}`;
    const desc = 'updatedAt' in lower ? `after ${lower.updatedAt} #${lower.id}` : lower.from ? `from ${lower.from}` : 'from the start';
    return this.ctx.request(`read ${tableName(this.s)} ${desc}`, () => client.select(sql, params));
  }

  private checkpointOf(row: ReadRow): TableCheckpoint {
    const ts = row.raw[this.s.updatedAt];
    const id = row.raw[this.s.id];
    if (typeof ts !== 'string') {
      throw new CasepipeError('SOURCE_UNAVAILABLE', `${tableName(this.s)}: row ${String(id)} has no ${this.s.updatedAt}; the watermark column must be NOT NULL`);
    }
    return { updatedAt: ts, id: typeof id === 'number' ? id : String(id) };
  }

  private record(row: ReadRow): SourceRecord {
    const id = String(row.raw[this.s.id]);
    return {
      id: `${tableName(this.s)}#${id}`,
      location: `${tableName(this.s)} ${this.s.id}=${id}`,
      fields: row.fields,
      problem: row.problem ? { code: 'SOURCE_ROW_MALFORMED', message: row.problem } : undefined,
    };
  }

  /** An instant as a parameter compared with updatedAt: UTC for instant columns, wall time in timeZone for naive ones. */
  private timestampParam(ms: number, aware: boolean): string {
    if (aware) return this.client!.connection.driver === 'postgres' ? new Date(ms).toISOString() : utcText(ms);
    return wallText(ms, this.s.timeZone);
  }
}
