/**
 * Months side by side for the analysts' query: the latest version of every month's snapshot (or of a
 * range of months) attached READ_ONLY as `s<YYYY>_<MM>`, and one view per snapshot table over all of
 * them with a `month` column (`figures_total`, `figures_by_department`, `milestones`, ...), so
 * "how did 全程网办 grow this year" is one GROUP BY month.
 *
 * The views live in a small database file written to a temporary folder, then opened READ_ONLY and
 * unlinked at once (the open handle keeps it readable; nothing is left behind). After the snapshots are
 * attached, file-system access is switched off and the configuration locked, as for one snapshot.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, StatementType, type DuckDBConnection } from '@duckdb/node-api';
import { isMonth } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import { latestVersion, listMonths, versionFolder } from './snapshot-folder.js';

export interface MonthSnapshot {
  month: Month;
  version: number;
  file: string;
}

export interface MonthRange {
  from: Month;
  to: Month;
}

/** `2025-01..2025-08` (either end may be left open: `2025-01..`), or one month `2025-08`. */
export function parseMonthRange(spec: string): MonthRange {
  const [from, to, ...rest] = spec.split('..');
  const bad = () => new CasepipeError('CONFIG_INVALID', `--months must be YYYY-MM..YYYY-MM (either end may be empty), got ${JSON.stringify(spec)}`);
  if (rest.length > 0) throw bad();
  const range = { from: from || '0000-01', to: to === undefined ? from : to || '9999-12' };
  if (!isMonth(range.from) || !isMonth(range.to) || range.from > range.to) throw bad();
  return range;
}

/** The latest version of every month with a snapshot, ascending, within `range` when given. */
export function latestMonthSnapshots(snapshotsDir: string, range?: MonthRange): MonthSnapshot[] {
  const out: MonthSnapshot[] = [];
  for (const month of listMonths(snapshotsDir)) {
    if (range && (month < range.from || month > range.to)) continue;
    const version = latestVersion(snapshotsDir, month)!;
    out.push({ month, version, file: path.join(versionFolder(snapshotsDir, month, version), 'snapshot.duckdb') });
  }
  if (out.length === 0) {
    const which = range ? `between ${range.from} and ${range.to} ` : '';
    throw new CasepipeError('SNAPSHOT_NOT_FOUND', `no snapshot ${which}in ${snapshotsDir}; run \`casepipe snapshot --month YYYY-MM\` first`);
  }
  return out;
}

/** The catalog name a month's snapshot is attached under: `s2025_08`. */
export function monthCatalog(month: Month): string {
  return `s${month.replace('-', '_')}`;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

async function attachAll(conn: DuckDBConnection, snapshots: MonthSnapshot[]): Promise<void> {
  for (const s of snapshots) await conn.run(`ATTACH ${sqlString(s.file)} AS ${monthCatalog(s.month)} (READ_ONLY)`);
}

/** One view per table name found in any of the snapshots: the months' rows stacked, by column name. */
async function createViews(conn: DuckDBConnection, snapshots: MonthSnapshot[]): Promise<void> {
  const catalogs = snapshots.map((s) => sqlString(monthCatalog(s.month))).join(', ');
  const columns = (
    await conn.runAndReadAll(`SELECT database_name, table_name, list(column_name) FROM duckdb_columns() WHERE database_name IN (${catalogs}) GROUP BY ALL ORDER BY ALL`)
  ).getRows() as [string, string, { items: string[] }][];
  const tables = new Map<string, Map<string, string[]>>();
  for (const [catalog, table, cols] of columns) {
    if (!tables.has(table)) tables.set(table, new Map());
    tables.get(table)!.set(catalog, cols.items);
  }
  for (const [table, perCatalog] of tables) {
    const parts = snapshots
      .filter((s) => perCatalog.has(monthCatalog(s.month)))
      .map((s) => {
        const catalog = monthCatalog(s.month);
        // milestones and consultations carry their own month column (the event's CST month).
        const month = perCatalog.get(catalog)!.includes('month') ? '' : `${sqlString(s.month)} AS month, `;
        return `SELECT ${month}* FROM ${catalog}.main.${table}`;
      });
    await conn.run(`CREATE VIEW ${table} AS ${parts.join(' UNION ALL BY NAME ')}`);
  }
}

/**
 * A DuckDB instance in which the months' snapshots are attached READ_ONLY with the views over them,
 * external access off and the configuration locked. Close it with closeSync().
 */
export async function openMonthsSideBySide(snapshots: MonthSnapshot[], settings: Record<string, string> = {}): Promise<DuckDBInstance> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-months-'));
  const viewsFile = path.join(dir, 'months.duckdb');
  try {
    const writer = await DuckDBInstance.create(viewsFile);
    const wconn = await writer.connect();
    try {
      await attachAll(wconn, snapshots);
      await createViews(wconn, snapshots);
    } finally {
      wconn.closeSync();
      writer.closeSync();
    }
    const instance = await DuckDBInstance.create(viewsFile, { access_mode: 'READ_ONLY', ...settings });
    const conn = await instance.connect();
    try {
      await attachAll(conn, snapshots);
      await conn.run('SET GLOBAL enable_external_access = false');
      await conn.run('SET GLOBAL lock_configuration = true');
    } catch (err) {
      conn.closeSync();
      instance.closeSync();
      throw err;
    }
    conn.closeSync();
    return instance;
  } catch (err) {
    if (err instanceof CasepipeError) throw err;
    throw new CasepipeError('QUERY_FAILED', `could not open the snapshots side by side: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Statements that reach files or databases although the snapshots are READ_ONLY: DuckDB keeps every
 * attached file on its allowed list when external access is switched off, so `COPY … TO
 * '<snapshot.duckdb>' (USE_TMP_FILE false)` would overwrite a published file, and DETACH followed by
 * ATTACH … (READ_WRITE) would reopen one for writing. They are refused before they run.
 */
const REFUSED = new Set<StatementType>([StatementType.COPY, StatementType.EXPORT, StatementType.ATTACH, StatementType.DETACH, StatementType.LOAD]);

export function refuseFileStatement(type: StatementType): void {
  if (REFUSED.has(type)) {
    throw new CasepipeError('QUERY_FAILED', `${StatementType[type]} statements are refused: snapshots are read-only and queries do not reach files or other databases`);
  }
}
