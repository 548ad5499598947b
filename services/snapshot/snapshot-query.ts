/**
 * The analysts' query on a published snapshot. snapshot.duckdb is opened READ_ONLY (a write statement
 * fails with DuckDB's own error and the file is untouched) and without file-system access (no COPY … TO,
 * ATTACH or read_csv). Never opens the live store. A query cannot hurt the snapshot or the machine:
 * - DuckDB spills into a folder of the query's own outside the snapshot (DuckDB's default is
 *   `snapshot.duckdb.tmp/` inside the published folder), removed afterwards; a killed query's folder
 *   is removed by the next query;
 * - the configuration (memory_limit, threads, temp_directory, …) is locked: SET and RESET are refused;
 * - a timeout interrupts the query;
 * - the result streams chunk by chunk (≤ 2048 rows) to the sink, so the whole result never sits in
 *   the Node heap;
 * - exactly one statement runs: a string with several is refused before any of them runs;
 * - COPY, EXPORT, ATTACH, DETACH and LOAD are refused before they run (./cross-month-views.ts says why);
 * - BIGINT and DECIMAL values come out as numbers where that is exact (./query-rows.ts).
 * The source is one snapshot file, or several months side by side (./cross-month-views.ts).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection, type DuckDBExtractedStatements, type Json } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';
import type { Config } from '../platform/config.js';
import { CasepipeError, isCasepipeError } from '../platform/errors.js';
import { openMonthsSideBySide, refuseFileStatement, type MonthSnapshot } from './cross-month-views.js';
import { numberConverter } from './query-rows.js';
import { latestVersion, listVersions, versionFolder } from './snapshot-folder.js';
import { assertSnapshotFileIntact } from './snapshot-verify.js';

export interface QueryLimits {
  /** Each query spills into a folder of its own under this one (CASEPIPE_DATA_DIR/tmp/query). */
  spillRoot: string;
  /** DuckDB memory_limit, fixed for the query. */
  memoryLimit: string;
  /** Past this the query is interrupted (QUERY_TIMEOUT). */
  timeoutMs: number;
}

/** Where a query's rows go, as DuckDB produces them. */
export interface QuerySink {
  start(columns: string[]): void | Promise<void>;
  /** False: the reader has gone (a closed pipe); the query stops. */
  rows(rows: Json[][]): boolean | Promise<boolean>;
  end(): void | Promise<void>;
}

export function snapshotDatabase(snapshotsDir: string, month: Month, version?: number): { file: string; version: number } {
  const v = version ?? latestVersion(snapshotsDir, month);
  if (v === undefined) throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no snapshot of ${month} in ${snapshotsDir}; run \`casepipe snapshot --month ${month}\` first`);
  const file = path.join(versionFolder(snapshotsDir, month, v), 'snapshot.duckdb');
  if (!fs.existsSync(file)) {
    throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no version ${v} of ${month} (${file}); ${month} has ${listVersions(snapshotsDir, month).map((n) => `v${n}`).join(', ')}`);
  }
  return { file, version: v };
}

/** `casepipe query --timeout`'s default, in seconds. */
export const DEFAULT_QUERY_TIMEOUT_S = 300;

/** The limits from the configuration: spill under CASEPIPE_DATA_DIR/tmp/query, CASEPIPE_STORE_MEMORY_LIMIT. */
export function queryLimits(config: Config, timeoutSeconds = DEFAULT_QUERY_TIMEOUT_S): QueryLimits {
  return { spillRoot: path.join(config.dataDir, 'tmp', 'query'), memoryLimit: config.storeMemoryLimit, timeoutMs: timeoutSeconds * 1000 };
}

/** The whole result as row objects, for small answers the code itself asks for (the demo's). */
export async function queryRows(source: string | MonthSnapshot[], sql: string, limits: QueryLimits): Promise<Record<string, Json>[]> {
  const rows: Record<string, Json>[] = [];
  let columns: string[] = [];
  await querySnapshot(source, sql, limits, {
    start: (names) => void (columns = names),
    rows: (chunk) => rows.push(...chunk.map((r) => Object.fromEntries(columns.map((c, i) => [c, r[i]])))) >= 0,
    end: () => undefined,
  });
  return rows;
}

/** Runs one SQL statement on the snapshot(s) and streams its rows to `sink`; resolves to the row count. */
export async function querySnapshot(source: string | MonthSnapshot[], sql: string, limits: QueryLimits, sink: QuerySink): Promise<number> {
  const files = typeof source === 'string' ? [source] : source.map((s) => s.file);
  for (const file of files) await assertSnapshotFileIntact(file);
  const spill = spillFolder(limits.spillRoot);
  let instance: DuckDBInstance | undefined;
  let conn: DuckDBConnection | undefined;
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    // In this order: temp_directory cannot be set once external access is off, nothing once locked.
    const settings = { temp_directory: spill, memory_limit: limits.memoryLimit };
    instance =
      typeof source === 'string'
        ? await DuckDBInstance.create(source, { access_mode: 'READ_ONLY', ...settings, enable_external_access: 'false', lock_configuration: 'true' })
        : await openMonthsSideBySide(source, settings);
    conn = await instance.connect();
    const c = conn;
    timer = setTimeout(() => {
      timedOut = true;
      c.interrupt();
    }, limits.timeoutMs);
    const statement = await (await oneStatement(conn, sql)).prepare(0);
    refuseFileStatement(statement.statementType);
    const result = await statement.stream();
    await sink.start(result.deduplicatedColumnNames());
    const withNumbers = numberConverter(result.columnTypes());
    let count = 0;
    for await (const rows of result.yieldRowsJson()) {
      count += rows.length;
      withNumbers(rows);
      if (!(await sink.rows(rows))) return count;
    }
    await sink.end();
    return count;
  } catch (err) {
    if (timedOut) {
      throw new CasepipeError('QUERY_TIMEOUT', `the query ran longer than ${limits.timeoutMs / 1000} s and was interrupted (--timeout <seconds> allows more)`, { cause: err });
    }
    if (isCasepipeError(err)) throw err;
    throw new CasepipeError('QUERY_FAILED', err instanceof Error ? err.message : String(err), { cause: err });
  } finally {
    clearTimeout(timer);
    conn?.closeSync();
    instance?.closeSync();
    fs.rmSync(spill, { recursive: true, force: true });
  }
}

/** The statements of `sql`, refused unless there is exactly one. */
async function oneStatement(conn: DuckDBConnection, sql: string): Promise<DuckDBExtractedStatements> {
  let extracted: DuckDBExtractedStatements;
  try {
    extracted = await conn.extractStatements(sql);
  } catch (err) {
    // DuckDB reports a parser error with its text; a string without any statement fails without one.
    const message = err instanceof Error ? err.message : String(err);
    const parser = message.replace(/^Failed to extract statements: /, '');
    throw new CasepipeError('QUERY_FAILED', parser === message ? 'no SQL statement to run (the SQL is empty or only comments)' : parser, { cause: err });
  }
  if (extracted.count !== 1) {
    throw new CasepipeError('QUERY_FAILED', `the SQL holds ${extracted.count} statements; \`casepipe query\` runs exactly one, so none was run (run them one at a time)`);
  }
  return extracted;
}

/**
 * A new spill folder `<pid>-<random>` under `root`, after removing those of processes that are gone
 * (a query killed before it could clean up).
 */
function spillFolder(root: string): string {
  fs.mkdirSync(root, { recursive: true });
  for (const name of fs.readdirSync(root)) {
    const pid = Number(name.split('-')[0]);
    if (!Number.isInteger(pid) || !alive(pid)) fs.rmSync(path.join(root, name), { recursive: true, force: true });
  }
  const folder = path.join(root, `${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
  fs.mkdirSync(folder);
  return folder;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
