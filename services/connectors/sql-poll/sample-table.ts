/**
 * The throwaway source of `casepipe connector test` for sql-poll: a scratch database holding the
 * department's table, filled from a JSONL sample (one object per row: column → value). The scratch
 * server is settings.scratchUrl; for postgres without one, an embedded PGlite. Column types follow the
 * values: integers → bigint, `yyyy-MM-dd HH:mm:ss[.f]` text → a naive timestamp (DATETIME), other text
 * → text. A sample without the updatedAt or id column gets them (all rows one updatedAt, ids 1..n).
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CasepipeError } from '../../platform/errors.js';
import type { SampleSource, SampleWork, SourceValue } from '../connector.js';
import { readSecret } from '../secrets.js';
import { startEmbeddedPostgres } from './embedded-postgres.js';
import { resolveConnection, sqlClient, type SqlClient } from './sql-client.js';
import { driverOfUrl, type SqlPollSettings } from './sql-poll-spec.js';
import { shiftTimestamp, wallText } from './watermark-time.js';

type Row = Record<string, SourceValue>;
const WALL_TIME_RE = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$/;

/** The rows of a JSONL sample; a line that is not a JSON object is named. */
export function readSampleRows(file: string): Row[] {
  const text = fs.readFileSync(file, 'utf8').replace(/^\uFEFF/, '');
  const rows: Row[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new CasepipeError('SOURCE_FILE_UNREADABLE', `${file} line ${i + 1}: not JSON (${(err as Error).message})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new CasepipeError('SOURCE_FILE_UNREADABLE', `${file} line ${i + 1}: not a JSON object (column → value)`);
    const row: Row = {};
    for (const [k, v] of Object.entries(value)) row[k] = v === null || ['string', 'number', 'boolean'].includes(typeof v) ? (v as SourceValue) : JSON.stringify(v);
    rows.push(row);
  });
  return rows;
}

export async function sampleTable(settings: SqlPollSettings, file: string, work: SampleWork): Promise<SampleSource<SqlPollSettings>> {
  const rows = readSampleRows(file);
  const scratchText = settings.scratchUrl === undefined ? undefined : typeof settings.scratchUrl === 'string' ? settings.scratchUrl : readSecret(settings.scratchUrl);
  const driver = settings.driver ?? (typeof settings.url === 'string' ? driverOfUrl(settings.url) : undefined) ?? (scratchText ? driverOfUrl(scratchText) : undefined);
  const timeouts = { statementMs: settings.statementTimeoutSeconds * 1000, connectMs: settings.connectTimeoutSeconds * 1000 };
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((err) => work.logger.warn({ err: (err as Error).message }, 'sample table cleanup failed'));
  };
  try {
    let url: string;
    if (scratchText) {
      // A database of its own on the scratch server, dropped at close.
      const admin = sqlClient(resolveConnection({ url: scratchText, ssl: settings.ssl }), timeouts);
      const name = `casepipe_sample_${work.department.toLowerCase().replace(/[^a-z0-9]/g, '')}_${randomBytes(4).toString('hex')}`;
      await admin.run(`CREATE DATABASE ${admin.quote(name)}`).finally(() => admin.close());
      cleanups.push(async () => {
        const again = sqlClient(resolveConnection({ url: scratchText, ssl: settings.ssl }), timeouts);
        await again.run(`DROP DATABASE IF EXISTS ${again.quote(name)}`).finally(() => again.close());
      });
      const u = new URL(scratchText);
      u.pathname = `/${name}`;
      url = u.toString();
    } else if (driver === 'postgres') {
      const dir = path.join(work.dir, 'sample-postgres');
      const pglite = await startEmbeddedPostgres(dir);
      cleanups.push(async () => {
        await pglite.stop();
        fs.rmSync(dir, { recursive: true, force: true });
      });
      url = pglite.url;
    } else {
      throw new CasepipeError('DEPARTMENT_FILE_INVALID', 'sql-poll with driver mysql needs scratchUrl (a MySQL/MariaDB server where a throwaway database may be made) for the sample');
    }
    const sampleSettings: SqlPollSettings = {
      ...settings,
      driver: driverOfUrl(url),
      url,
      host: undefined,
      port: undefined,
      database: undefined,
      user: undefined,
      password: undefined,
      ssl: scratchText ? settings.ssl : false,
      // MySQL's schema is a database: the table goes into the scratch database itself.
      schema: driverOfUrl(url) === 'postgres' ? settings.schema : undefined,
    };
    const db = sqlClient(resolveConnection(sampleSettings), timeouts);
    cleanups.push(() => db.close());
    const table = await createTable(db, sampleSettings, rows);
    return {
      settings: sampleSettings,
      add: (more) => table.add(more),
      close: cleanup,
    };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

interface LoadedTable {
  add(rows: Row[]): Promise<void>;
}

async function createTable(db: SqlClient, s: SqlPollSettings, sample: Row[]): Promise<LoadedTable> {
  const postgres = db.connection.driver === 'postgres';
  const nowMs = await db.nowMs();
  // Filled-in watermark: well inside the safety lag's horizon, so the first read sees every row.
  const filledAt = wallText(nowMs - (s.safetyLagSeconds + 60) * 1000, s.timeZone);
  const rows = sample.map((r, i) => ({ ...r, [s.id]: r[s.id] ?? i + 1, [s.updatedAt]: r[s.updatedAt] ?? filledAt }));
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const typeOf = (name: string): string => {
    const values = rows.map((r) => r[name]).filter((v) => v !== null && v !== undefined);
    if (values.length > 0 && values.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return 'bigint';
    if (values.length > 0 && values.every((v) => typeof v === 'number')) return postgres ? 'double precision' : 'DOUBLE';
    if (values.length > 0 && values.every((v) => typeof v === 'boolean')) return 'boolean';
    if (values.length > 0 && values.every((v) => typeof v === 'string' && WALL_TIME_RE.test(v))) {
      const fraction = values.some((v) => (v as string).includes('.'));
      return postgres ? 'timestamp(6) without time zone' : fraction ? 'DATETIME(6)' : 'DATETIME';
    }
    if (name === s.id || name === s.updatedAt) return postgres ? 'text' : 'VARCHAR(191)';
    return postgres ? 'text' : 'TEXT';
  };
  const types = new Map(names.map((n) => [n, typeOf(n)]));
  if (!/timestamp|datetime/i.test(types.get(s.updatedAt)!)) {
    throw new CasepipeError('SOURCE_FILE_UNREADABLE', `sample: ${s.updatedAt} must hold wall times such as 2025-08-01 09:30:00 (or be left out)`);
  }
  const table = s.schema ? `${db.quote(s.schema)}.${db.quote(s.table)}` : db.quote(s.table);
  if (s.schema) await db.run(`CREATE SCHEMA IF NOT EXISTS ${db.quote(s.schema)}`);
  await db.run(`CREATE TABLE ${table} (${names.map((n) => `${db.quote(n)} ${types.get(n)}${n === s.updatedAt || n === s.id ? ' NOT NULL' : ''}`).join(', ')})`);
  await db.run(`CREATE INDEX ${db.quote(`${s.table}_watermark`)} ON ${table} (${db.quote(s.updatedAt)}, ${db.quote(s.id)})`);
  const insert = async (batch: Row[]) => {
    for (let i = 0; i < batch.length; i += 200) {
      const chunk = batch.slice(i, i + 200);
      const params: unknown[] = [];
      const tuples = chunk.map((r) => `(${names.map((n) => (params.push(r[n] ?? null), db.param(params.length))).join(', ')})`);
      await db.run(`INSERT INTO ${table} (${names.map((n) => db.quote(n)).join(', ')}) VALUES ${tuples.join(', ')}`, params);
    }
  };
  await insert(rows);
  return {
    /** New rows as a writer adds them: updatedAt after every row there (a given one is replaced), a new id unless the given one is free. */
    async add(more) {
      const [top] = await db.select(`SELECT MAX(${db.quote(s.updatedAt)}) AS u, MAX(${db.quote(s.id)}) AS id FROM ${table}`, []);
      const lastAt = String(top.raw.u);
      const integerIds = types.get(s.id) === 'bigint';
      const existing = new Set((await db.select(`SELECT ${db.quote(s.id)} AS id FROM ${table}`, [])).map((r) => String(r.raw.id)));
      let next = Number(top.raw.id) || existing.size;
      const added = more.map((r) => {
        const given = r[s.id];
        const id = given !== undefined && given !== null && !existing.has(String(given)) ? given : integerIds ? ++next : `added-${++next}`;
        existing.add(String(id));
        return { ...r, [s.id]: id, [s.updatedAt]: shiftTimestamp(lastAt, 1).replace(/[+-]\d{2}(:?\d{2})?$|Z$/, '') };
      });
      await insert(added);
    },
  };
}
