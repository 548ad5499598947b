/**
 * The monthly snapshot job: copies month M's deduplicated rows out of the live store into an immutable
 * folder `snapshots/M/vN/` with the figures, the data-quality counts, Parquet copies, report.md,
 * report.html, report.xlsx and a manifest. Re-running M writes vN+1 only when the figures changed (a restatement,
 * with its diff) or when vN was provisional and the new one is not; otherwise nothing is written.
 *
 * Consistency: the rows, the quality counts and the covered offsets are read in one DuckDB transaction
 * on the live store, so the snapshot is exactly the state after some set of whole batches.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { addMonths, isMonth, monthRange } from '../contract/month.js';
import type { DepartmentFinding } from '../departments/department-registry.js';
import { readMonthFiguresAndFindings } from '../figures/month-figures.js';
import { FIGURE_KEYS, FIGURE_LABELS, type Month, type MonthFigures } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import { changeRatio } from '../report/number-format.js';
import { diffMonthFigures, type DeadLetterCount, type ReportInput, type ReportQuality, type RestatedMonth } from '../report/report-input.js';
import { renderReportHtml } from '../report/report-html.js';
import { renderReportMarkdown } from '../report/report-markdown.js';
import { writeReportXlsx } from '../report/report-xlsx.js';
import { EXPORTED_TABLES, type MonthExportTarget } from '../store/month-export.js';
export { deadLettersSql, qualitySql } from '../store/month-export.js';
import { SNAPSHOT_COMMENTS } from './snapshot-comments.js';
import {
  latestFigures,
  latestVersion,
  listMonths,
  listVersions,
  publishFolder,
  readFigures,
  readManifest,
  removeStaleTemporaries,
  restatesPrevious,
  sha256File,
  temporaryFolder,
  versionFolder,
  type SnapshotManifest,
} from './snapshot-folder.js';

export interface LagReading {
  /** Records on the case-events topic not yet in the store; null when Kafka could not be asked. */
  total: number | null;
  partitions: { partition: number; lag: number }[];
}

/**
 * Where a snapshot's month rows come from, when not the live store: writes the month's row tables
 * (COPIED_TABLES) as `<table>.parquet` into `folder`. Several workers: the merged per-partition
 * exports (services/scale/merged-exports.ts).
 */
export interface MonthSource {
  copyMonth(month: Month, folder: string, firstQuality: string | undefined): Promise<CopiedMonth>;
}

export interface SnapshotJobOptions {
  /** Writes the month's tables out of the live store (LiveStore.exportMonth): the one-worker month source. */
  exportMonth?: (month: Month, target: MonthExportTarget) => Promise<void>;
  /** Another month source (several workers: the merged exports); default the live store through `exportMonth`. */
  source?: MonthSource;
  snapshotsDir: string;
  /** The case-events topic whose stored offsets the snapshot records. */
  topic: string;
  lag: () => Promise<LagReading>;
  /** Above this many unread records, the snapshot is provisional. */
  lagThreshold: number;
  /** DuckDB memory_limit of the snapshot's own instance (default 512MB, like the live store). */
  memoryLimit?: string;
  logger: Logger;
  now?: () => Date;
}

export interface SnapshotOutcome {
  month: Month;
  /** The version that now stands for the month. */
  version: number;
  created: boolean;
  folder: string;
  manifest: SnapshotManifest;
}

/** The tables of snapshot.duckdb, also written as Parquet, in this order. */
export const SNAPSHOT_TABLES = [
  'snapshot_info',
  'figures_total',
  'figures_by_department',
  'milestones',
  'consultations',
  'case_durations',
  'quality',
  'dead_letters',
  'partition_offsets',
] as const;

/**
 * Why a snapshot is provisional, or null: taken before the month ended (only with force), the lag could
 * not be measured, or more than `threshold` records were not yet counted (exactly `threshold` is fine).
 */
export function provisionalReason(early: boolean, lag: LagReading, threshold: number): string | null {
  if (early) return 'taken before the month ended';
  if (lag.total === null) return 'the worker lag could not be measured';
  if (lag.total <= threshold) return null;
  const lagging = lag.partitions.filter((p) => p.lag > 0).map((p) => `${p.partition} (${p.lag})`);
  return `${lag.total} records were not yet counted (threshold ${threshold})${lagging.length > 0 ? `; lagging partitions: ${lagging.join(', ')}` : ''}`;
}

export async function snapshotMonth(month: Month, opts: SnapshotJobOptions): Promise<SnapshotOutcome> {
  if (!isMonth(month)) throw new CasepipeError('SNAPSHOT_FAILED', `not a month: ${JSON.stringify(month)} (expected YYYY-MM)`);
  const log = opts.logger.child({ component: 'monthly-snapshot', month });
  const now = opts.now?.() ?? new Date();
  const stale = removeStaleTemporaries(opts.snapshotsDir, month);
  if (stale.length > 0) log.warn({ removed: stale }, 'removed the leftovers of an interrupted snapshot');

  const previous = latestVersion(opts.snapshotsDir, month);
  const version = (previous ?? 0) + 1;
  const tmp = temporaryFolder(opts.snapshotsDir, month);
  // Wall time of each phase, logged with the outcome (the benchmark reads it).
  const phasesMs: Record<string, number> = {};
  let mark = performance.now();
  const phase = (name: string) => {
    const t = performance.now();
    phasesMs[name] = Math.round(t - mark);
    mark = t;
  };
  try {
    const dbFile = path.join(tmp, 'snapshot.duckdb');
    const lag = await opts.lag();
    const first = listVersions(opts.snapshotsDir, month)[0];
    const firstQuality = first === undefined ? undefined : parquetFile(versionFolder(opts.snapshotsDir, month, first), 'quality');
    const copied = opts.source ? await opts.source.copyMonth(month, tmp, firstQuality) : await copyMonthOut(month, tmp, opts, firstQuality);
    phase('copy');
    const early = now.getTime() < monthRange(month).endMs;
    const reason = provisionalReason(early, lag, opts.lagThreshold);
    const earlier = earlierFigures(opts.snapshotsDir, month);
    const { figures, departmentFindings } = await finishSnapshotDatabase(dbFile, tmp, month, version, now, lag, reason !== null, earlier, phase, opts.memoryLimit);
    const previousManifest = previous === undefined ? undefined : readManifest(opts.snapshotsDir, month, previous);
    // After an early version (forced before the month ended) the first one taken after the end is the
    // month's regular snapshot: always written, and not a restatement of the early one.
    const supersedesEarly = previousManifest?.early === true && !early;
    const restates = previous !== undefined && previousManifest?.early !== true;
    const diff = previous === undefined ? [] : diffMonthFigures(readFigures(opts.snapshotsDir, month, previous), figures);
    // A provisional version is superseded by the first complete one even when no figure changed.
    const settles = previousManifest?.provisional === true && reason === null;
    if (previous !== undefined && diff.length === 0 && !settles && !supersedesEarly) {
      fs.rmSync(tmp, { recursive: true, force: true });
      log.info({ version: previous }, 'nothing changed since the last version; no new snapshot');
      return { month, version: previous, created: false, folder: versionFolder(opts.snapshotsDir, month, previous), manifest: readManifest(opts.snapshotsDir, month, previous) };
    }

    const input: ReportInput = {
      month,
      version,
      createdAt: now,
      provisional: reason !== null,
      ...(early ? { early } : {}),
      lag: { total: lag.total ?? 0, partitions: lag.partitions },
      figures,
      previousMonth: earlier.previousMonth,
      previousYear: earlier.previousYear,
      history: earlier.history,
      quality: { ...copied.quality, restatedMonths: restatedMonths(opts.snapshotsDir, month), departmentFindings },
      restatement: restates ? { previousVersion: previous, diff, ...(settles ? { previousProvisional: true } : {}) } : undefined,
    };
    fs.writeFileSync(path.join(tmp, 'figures.json'), `${JSON.stringify(figures, null, 2)}\n`);
    fs.writeFileSync(path.join(tmp, 'report.md'), renderReportMarkdown(input));
    fs.writeFileSync(path.join(tmp, 'report.html'), renderReportHtml(input));
    await writeReportXlsx(input, path.join(tmp, 'report.xlsx'));
    phase('report');

    const files = [];
    for (const name of fs.readdirSync(tmp).sort()) {
      const file = path.join(tmp, name);
      files.push({ name, bytes: fs.statSync(file).size, sha256: await sha256File(file) });
    }
    const manifest: SnapshotManifest = {
      month,
      version,
      previousVersion: previous ?? null,
      createdAt: now.toISOString(),
      provisional: reason !== null,
      provisionalReason: reason,
      early,
      lag: { total: lag.total, partitions: lag.partitions },
      offsets: copied.offsets,
      rowCounts: copied.rowCounts,
      files,
      diff,
    };
    fs.writeFileSync(path.join(tmp, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    phase('manifest');
    const folder = versionFolder(opts.snapshotsDir, month, version);
    publishFolder(tmp, folder);
    log.info({ version, folder, provisional: manifest.provisional, changed: diff.length, phasesMs }, 'snapshot written');
    return { month, version, created: true, folder, manifest };
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof CasepipeError) throw err;
    throw new CasepipeError('SNAPSHOT_FAILED', `snapshot of ${month} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

export interface CopiedMonth {
  quality: Omit<ReportQuality, 'restatedMonths'>;
  offsets: SnapshotManifest['offsets'];
  rowCounts: Record<string, number>;
}

export const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** The row-level tables, exported from the live store as Parquet and loaded from it into snapshot.duckdb. */
export const COPIED_TABLES = EXPORTED_TABLES;

/** Parquet codec of the table copies (measured with tests/bench/snapshot.bench.ts). */
const PARQUET_COMPRESSION = 'zstd';
/**
 * Distinct values past which a column chunk is written without a dictionary. DuckDB's default lets
 * a column of ids (one value per row) fill a large dictionary before giving up on it; at 1000 the
 * month's milestones were written in 4.3-4.8 s instead of 5.6-6.8 s, the same 134 MiB (the
 * low-cardinality columns keep their dictionaries).
 */
const PARQUET_DICTIONARY_LIMIT = 1000;

/**
 * Text columns with a value per row; the others (kind, channel, department, item code...) repeat a few
 * values. Naming the compression spares DuckDB trying every method on every segment: loading a 10M-row
 * month cost ~27% less CPU (11.6 s against 15.9 s for the milestones), at the same file size.
 */
const IDENTIFIER_COLUMNS = new Set(['case_id', 'record_id', 'event_id', 'source_record_id']);

const parquetFile = (folder: string, table: string) => path.join(folder, `${table}.parquet`);

/**
 * One read transaction on the live store: the month's rows, quality counts and covered offsets, each
 * written straight to `<table>.parquet` in the snapshot folder. COPY TO streams; writing the rows into
 * an attached database instead keeps the whole uncommitted transaction in the store's memory, which
 * at ~10M rows exceeds the worker's 512MB limit (Out of Memory); committing partition by partition into
 * an attached snapshot.duckdb did not run out of memory but was slower (10M rows: 35 s against 8 s here,
 * and a database twice the size): DuckDB table writes under the store's limit are the costly part.
 *
 * The row tables are not sorted: PRESERVE_ORDER false lets COPY write row groups as the scans produce
 * them. Sorting 10M milestones (or merely keeping the scan order across the view's partitions) made
 * COPY buffer and spill under the 512MB limit: 24.6 s against 6.1 s unordered for one month's milestones.
 */
async function copyMonthOut(month: Month, folder: string, opts: SnapshotJobOptions, firstQuality: string | undefined): Promise<CopiedMonth> {
  if (opts.source) return opts.source.copyMonth(month, folder, firstQuality);
  if (!opts.exportMonth) throw new CasepipeError('SNAPSHOT_FAILED', 'the snapshot job has no month source (no live store)');
  await opts.exportMonth(month, {
    file: (table) => parquetFile(folder, table),
    copyOptions: (ordered) =>
      `FORMAT parquet, COMPRESSION ${PARQUET_COMPRESSION}, DICTIONARY_SIZE_LIMIT ${PARQUET_DICTIONARY_LIMIT}${ordered ? '' : ', PRESERVE_ORDER false'}`,
    topic: opts.topic,
    firstQuality,
  });
  // The files are read back with a DuckDB of the snapshot's own (they are Parquet, not the store).
  const instance = await DuckDBInstance.create(':memory:', { memory_limit: opts.memoryLimit ?? '512MB' });
  const conn = await instance.connect();
  try {
    return await summarizeCopiedMonth(conn, folder);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** The quality counts, offsets and row counts of the Parquet copies in `folder`. */
export async function summarizeCopiedMonth(conn: DuckDBConnection, folder: string): Promise<CopiedMonth> {
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  const read = (table: (typeof COPIED_TABLES)[number]) => `read_parquet(${sqlString(parquetFile(folder, table))})`;
  const quality = await rows(`SELECT metric, sum(n)::BIGINT AS n FROM ${read('quality')} GROUP BY metric`);
  const metric = (name: string) => Number(quality.find((q) => q.metric === name)?.n ?? 0);
  const deadLetters: DeadLetterCount[] = (await rows(`SELECT reason, department_code, count FROM ${read('dead_letters')}`)).map((r) => ({
    reason: String(r.reason),
    departmentCode: r.department_code === null ? null : String(r.department_code),
    count: Number(r.count),
  }));
  const offsets = (await rows(`SELECT topic, partition, next_offset FROM ${read('partition_offsets')}`)).map((r) => ({
    topic: String(r.topic),
    partition: Number(r.partition),
    nextOffset: String(r.next_offset),
  }));
  const rowCounts: Record<string, number> = {};
  for (const t of COPIED_TABLES) {
    rowCounts[t] = Number((await rows(`SELECT count(*)::BIGINT AS n FROM ${read(t)}`))[0].n);
  }
  return {
    quality: { eventsRead: metric('events_read'), duplicatesDropped: metric('duplicates_dropped'), lateEvents: metric('late_events'), deadLetters },
    offsets,
    rowCounts,
  };
}

/** The copied tables loaded into snapshot.duckdb, figures, info and comments, then the other tables as Parquet. */
async function finishSnapshotDatabase(
  dbFile: string,
  folder: string,
  month: Month,
  version: number,
  now: Date,
  lag: LagReading,
  provisional: boolean,
  earlier: EarlierFigures,
  phase: (name: string) => void = () => undefined,
  memoryLimit = '512MB',
): Promise<{ figures: MonthFigures; departmentFindings: DepartmentFinding[] }> {
  // Its own instance, so its settings are not the worker's. Without insertion order each thread
  // appends its own row groups: loading the unsorted milestones in order cost as much again in a
  // CHECKPOINT that rewrote them (10M rows: 13 s load + 16 s checkpoint, 470MB; unordered 13 s, 280MB).
  // Bounded like the live store, so a big month cannot grow the worker process without limit.
  const instance = await DuckDBInstance.create(dbFile, { preserve_insertion_order: 'false', memory_limit: memoryLimit });
  const conn = await instance.connect();
  try {
    for (const table of COPIED_TABLES) {
      const source = `read_parquet(${sqlString(parquetFile(folder, table))})`;
      const columns = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRows().map(([name, type]) => {
        const column = `"${String(name)}" ${String(type)}`;
        if (type !== 'VARCHAR') return column;
        return `${column} USING COMPRESSION ${IDENTIFIER_COLUMNS.has(String(name)) ? 'fsst' : 'dictionary'}`;
      });
      await conn.run(`CREATE TABLE ${table} (${columns.join(', ')})`);
      await conn.run(`INSERT INTO ${table} SELECT * FROM ${source}`);
    }
    phase('load');
    const { figures, departmentFindings } = await readMonthFiguresAndFindings(conn, month);
    // 环比 / 同比 against the earlier months' latest snapshots: the earlier value (NULL without a snapshot
    // of that month) and the change as a ratio rounded to 0.1% as the report writes it (NULL without a base).
    const COMPARED = `value_previous_month BIGINT, change_month_on_month DOUBLE, value_previous_year BIGINT, change_year_on_year DOUBLE`;
    const compared = (value: number, pick: (f: MonthFigures) => number | undefined) =>
      [earlier.previousMonth, earlier.previousYear]
        .flatMap((f) => {
          const base = f === undefined ? undefined : (pick(f) ?? 0);
          return [base ?? 'NULL', changeRatio(value, base) ?? 'NULL'];
        })
        .join(', ');
    await conn.run(`CREATE TABLE figures_total (figure VARCHAR, label_zh VARCHAR, unit VARCHAR, value BIGINT, ${COMPARED})`);
    await conn.run(`CREATE TABLE figures_by_department (department_code VARCHAR, department_name VARCHAR, figure VARCHAR, label_zh VARCHAR, value BIGINT, ${COMPARED})`);
    const totalRows = FIGURE_KEYS.map(
      (k) => `(${sqlString(k)}, ${sqlString(FIGURE_LABELS[k].zh)}, ${sqlString(FIGURE_LABELS[k].unit)}, ${figures.total[k]}, ${compared(figures.total[k], (f) => f.total[k])})`,
    );
    await conn.run(`INSERT INTO figures_total VALUES ${totalRows.join(', ')}`);
    const deptRows = figures.departments.flatMap((d) =>
      FIGURE_KEYS.map(
        (k) =>
          `(${sqlString(d.departmentCode)}, ${sqlString(d.departmentName)}, ${sqlString(k)}, ${sqlString(FIGURE_LABELS[k].zh)}, ${d.figures[k]}, ${compared(d.figures[k], (f) => f.departments.find((e) => e.departmentCode === d.departmentCode)?.figures[k])})`,
      ),
    );
    if (deptRows.length > 0) await conn.run(`INSERT INTO figures_by_department VALUES ${deptRows.join(', ')}`);
    await conn.run(`
      CREATE TABLE snapshot_info AS SELECT
        ${sqlString(month)} AS month, ${version} AS version, ${sqlString(now.toISOString())}::TIMESTAMPTZ AS created_at,
        ${provisional} AS provisional, ${lag.total === null ? 'NULL' : lag.total}::BIGINT AS lag_total`);
    for (const sql of SNAPSHOT_COMMENTS) await conn.run(sql);
    phase('figures');
    for (const table of SNAPSHOT_TABLES) {
      if ((COPIED_TABLES as readonly string[]).includes(table)) continue; // written by copyMonthOut
      await conn.run(`COPY ${table} TO ${sqlString(parquetFile(folder, table))} (FORMAT parquet, COMPRESSION ${PARQUET_COMPRESSION})`);
    }
    await conn.run('CHECKPOINT');
    phase('parquet');
    return { figures, departmentFindings };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

interface EarlierFigures {
  previousMonth?: MonthFigures;
  previousYear?: MonthFigures;
  /** The latest figures of the eleven months before, oldest first, where they have a snapshot. */
  history: MonthFigures[];
}

/** The earlier months' latest snapshots that the report compares with (环比, 同比, the twelve-month charts). */
function earlierFigures(snapshotsDir: string, month: Month): EarlierFigures {
  const history: MonthFigures[] = [];
  for (let back = 11; back >= 1; back--) {
    const f = latestFigures(snapshotsDir, addMonths(month, -back));
    if (f) history.push(f);
  }
  return { previousMonth: latestFigures(snapshotsDir, addMonths(month, -1)), previousYear: latestFigures(snapshotsDir, addMonths(month, -12)), history };
}

/** Earlier months (up to three back) whose figures were restated, for the data-quality section. */
function restatedMonths(snapshotsDir: string, month: Month): RestatedMonth[] {
  const out: RestatedMonth[] = [];
  for (const m of listMonths(snapshotsDir)) {
    if (m >= month || m < addMonths(month, -3)) continue;
    const versions = listVersions(snapshotsDir, m);
    const last = readManifest(snapshotsDir, m, versions[versions.length - 1]);
    if (restatesPrevious(snapshotsDir, last)) out.push({ month: m, version: last.version, changedValues: last.diff.length });
  }
  return out;
}
