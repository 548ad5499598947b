/**
 * What readers ask of the live store (figures, the scheduler, the status page), as queries over its
 * public views: `milestones`, `consultations`, `quality_counts`.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';

/** True when the month has any milestone, consultation or quality count (the scheduler skips empty months). */
export async function hasData(conn: DuckDBConnection, month: Month): Promise<boolean> {
  const reader = await conn.runAndReadAll(
    `SELECT EXISTS (SELECT 1 FROM milestones WHERE month = $month) OR EXISTS (SELECT 1 FROM consultations WHERE month = $month)
        OR EXISTS (SELECT 1 FROM quality_counts WHERE month = $month)`,
    { month },
  );
  return reader.getRows()[0][0] === true;
}

export interface OperatorCounts {
  milestones: number;
  consultations: number;
  deadLetters: { reason: string; count: number }[];
}

/** What operators watch: stored rows and dead letters by reason, over every month. */
export async function operatorCounts(conn: DuckDBConnection): Promise<OperatorCounts> {
  const rows = (await conn.runAndReadAll('SELECT (SELECT count(*) FROM milestones)::DOUBLE, (SELECT count(*) FROM consultations)::DOUBLE')).getRows()[0];
  const dead = await conn.runAndReadAll(
    `SELECT reason, sum(n)::DOUBLE AS n FROM quality_counts WHERE metric = 'dead_letter' GROUP BY reason ORDER BY n DESC, reason`,
  );
  return {
    milestones: Number(rows[0]),
    consultations: Number(rows[1]),
    deadLetters: dead.getRows().map((r) => ({ reason: String(r[0]), count: Number(r[1]) })),
  };
}

/** Per department: its name as last stored and the latest event time of its stored milestones and consultations. */
export async function departmentsLastEvent(conn: DuckDBConnection): Promise<{ departmentCode: string; departmentName: string; lastEventMs: number }[]> {
  const reader = await conn.runAndReadAll(
    `SELECT department_code, arg_max(department_name, event_time), max(event_time)::DOUBLE FROM (
       SELECT department_code, department_name, event_time FROM milestones
       UNION ALL SELECT department_code, department_name, event_time FROM consultations)
     GROUP BY department_code ORDER BY department_code`,
  );
  return reader.getRows().map((r) => ({ departmentCode: String(r[0]), departmentName: String(r[1]), lastEventMs: Number(r[2]) }));
}

/** What DuckDB holds in memory, by what holds it (`duckdb_memory()`), and what it spilled to disk. */
export interface StoreMemory {
  tag: string;
  memoryBytes: number;
  temporaryBytes: number;
}

export async function storeMemory(conn: DuckDBConnection): Promise<StoreMemory[]> {
  const reader = await conn.runAndReadAll('SELECT tag, memory_usage_bytes::DOUBLE, temporary_storage_bytes::DOUBLE FROM duckdb_memory() ORDER BY tag');
  return reader.getRows().map((r) => ({ tag: String(r[0]), memoryBytes: Number(r[1]), temporaryBytes: Number(r[2]) }));
}
