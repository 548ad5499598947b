/**
 * One month out of the live store, for the snapshot job: the month's deduplicated rows, case
 * durations, quality counts, dead-letter counts and the covered offsets, each written by COPY straight
 * to a file, in one read transaction (one consistent state while batches keep coming). The snapshot
 * job says where and in which format; which tables hold the rows is the store's business.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';
import { decodedRows, listPartitions, partitionRows } from './store-schema.js';

export const EXPORTED_TABLES = ['milestones', 'consultations', 'case_durations', 'quality', 'dead_letters', 'partition_offsets'] as const;
export type ExportedTable = (typeof EXPORTED_TABLES)[number];

export interface MonthExportTarget {
  /** The file each table is written to. */
  file(table: ExportedTable): string;
  /** COPY options, e.g. `FORMAT parquet, ...`; `ordered` false lets rows come in any order. */
  copyOptions(ordered: boolean): string;
  /** The case-events topic whose offsets are exported. */
  topic: string;
  /** The month's first snapshot's quality file, if any: 迟到事件 are events read since (docs/report.md). */
  firstQuality?: string;
}

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** Event times are epoch milliseconds (BIGINT) in the store. */
function durationDaysSql(from: string, to: string): string {
  return `round((${to} - ${from}) / 86400000.0, 2)`;
}

/**
 * 迟到事件 are the month's events read after its first snapshot was taken: events read now less
 * those read then, per department (the store's own late_events, "arrived in a later month than its
 * event time", would count a whole backfill of last year as late). Reads a `quality_counts` table
 * (partition, month, department_code, metric, reason, n): the live store's, or the merged exports'
 * (services/scale/merged-exports.ts).
 */
export function qualitySql(m: string, firstQuality: string | undefined): string {
  return `
      WITH counts AS (
        SELECT metric, department_code, reason, sum(n)::BIGINT AS n FROM quality_counts
        WHERE month = ${m} AND metric <> 'late_events' GROUP BY ALL)
      SELECT * FROM counts
      ${
        firstQuality === undefined
          ? ''
          : `UNION ALL
      SELECT 'late_events', c.department_code, '', (c.n - coalesce(f.n, 0))::BIGINT FROM counts c
      LEFT JOIN (SELECT department_code, sum(n) AS n FROM read_parquet(${sqlString(firstQuality)}) WHERE metric = 'events_read' GROUP BY ALL) f USING (department_code)
      WHERE c.metric = 'events_read' AND c.n > coalesce(f.n, 0)`
      }
      ORDER BY ALL`;
}

/** The month's dead-letter counts by reason and department, from a `quality_counts` table. */
export function deadLettersSql(m: string): string {
  return `
      SELECT reason, nullif(department_code, '') AS department_code, sum(n)::BIGINT AS count FROM quality_counts
      WHERE month = ${m} AND metric = 'dead_letter' GROUP BY ALL ORDER BY ALL`;
}

/** The store's internal columns, left out of every export. */
const INTERNAL_COLUMNS = 'key_hash';

/**
 * Writes the month's tables (see EXPORTED_TABLES). COPY TO streams; the row tables are unsorted
 * (PRESERVE_ORDER false lets COPY write row groups as the scans produce them: sorting 10M milestones
 * spilled under the 512MB limit, 24.6 s against 6.1 s unordered).
 */
export async function exportMonth(conn: DuckDBConnection, month: Month, target: MonthExportTarget): Promise<void> {
  const m = sqlString(month);
  const copy = (table: ExportedTable, select: string, ordered = true) =>
    conn.run(`COPY (${select}) TO ${sqlString(target.file(table))} (${target.copyOptions(ordered)})`);
  await conn.run('BEGIN TRANSACTION');
  try {
    await copy('milestones', `SELECT * EXCLUDE (${INTERNAL_COLUMNS}), to_timestamp(event_time / 1000) AS event_at FROM milestones WHERE month = ${m}`, false);
    await copy('consultations', `SELECT * EXCLUDE (${INTERNAL_COLUMNS}), to_timestamp(event_time / 1000) AS event_at FROM consultations WHERE month = ${m}`, false);
    // Joined partition by partition: all copies of a case share its partition, so each join's hash
    // table holds one partition's receptions instead of every reception ever stored (which also ran
    // out of memory). The empty template table gives the columns when there is no partition yet
    // (decoded like the partitions' rows: it stores codes).
    const tables = [decodedRows('milestones', 'milestones_template'), ...(await listPartitions(conn)).map((p) => partitionRows('milestones', p))];
    const joins = tables.map(
      (t) => `
      SELECT c.case_id, c.department_code, c.department_name, c.item_code, c.channel,
             to_timestamp(r.event_time / 1000) AS received_at, to_timestamp(c.event_time / 1000) AS completed_at,
             ${durationDaysSql('r.event_time', 'c.event_time')} AS days
      FROM ${t} c JOIN ${t} r ON r.case_id = c.case_id AND r.kind = 'RECEIVED'
      WHERE c.kind = 'COMPLETED' AND c.month = ${m}`,
    );
    // Unsorted: with an ORDER BY every partition's hash table stays pinned while the sort fills,
    // and that ran out of memory even at 2GB (10M rows).
    await copy('case_durations', joins.join(' UNION ALL '), false);
    // 迟到事件 are the month's events read after its first snapshot was taken: events read now less
    // those read then, per department (the store's own late_events, "arrived in a later month than
    // its event time", would count a whole backfill of last year as late).
    await copy('quality', qualitySql(m, target.firstQuality));
    await copy('dead_letters', deadLettersSql(m));
    await copy('partition_offsets', `SELECT * FROM partition_offsets WHERE topic = ${sqlString(target.topic)} ORDER BY partition`);
    await conn.run('COMMIT');
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
