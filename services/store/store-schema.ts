/**
 * Creates the live store's tables from pipelines/store.sql: the shared tables once, and one
 * `milestones_p<N>` / `consultations_p<N>` pair per Kafka partition. Keeping each partition's rows
 * in their own tables means a batch's dedupe join scans only that partition's history (a DuckDB
 * scan is linear in the table; there is no cheap index, see docs/live-store.md), and a partition's
 * state can be copied out whole when it moves to another worker. The views `milestones` and
 * `consultations` union the partitions, so readers see one table of each.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const STORE_SQL_FILE = path.join(PROJECT_ROOT, 'pipelines', 'store.sql');
const PARTITION_MARKER = '-- @partition-tables';
export const SCHEMA_VERSION = '2';

/** Row-level tables that exist once per partition; each has a union view of the same name. */
export const PARTITIONED_TABLES = ['milestones', 'consultations'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

export function partitionTable(table: PartitionedTable, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`bad partition ${partition}`);
  return `${table}_p${partition}`;
}

function readStoreSql(file = STORE_SQL_FILE): { shared: string; perPartition: string } {
  const text = fs.readFileSync(file, 'utf8');
  const at = text.indexOf(PARTITION_MARKER);
  if (at < 0) throw new Error(`${file} has no "${PARTITION_MARKER}" line`);
  return { shared: text.slice(0, at), perPartition: text.slice(at + PARTITION_MARKER.length) };
}

/** Partitions that already have tables, from the catalog. */
export async function listPartitions(conn: DuckDBConnection): Promise<number[]> {
  const reader = await conn.runAndReadAll(
    `SELECT DISTINCT regexp_extract(table_name, '^milestones_p([0-9]+)$', 1)::INTEGER AS p
     FROM duckdb_tables() WHERE database_name = current_database() AND schema_name = 'main'
       AND regexp_matches(table_name, '^milestones_p[0-9]+$') ORDER BY p`,
  );
  return reader.getRows().map((r) => Number(r[0]));
}

export class StoreSchema {
  private readonly sql = readStoreSql();
  private partitions = new Set<number>();

  /** Shared tables, the empty templates and the views; idempotent. */
  async create(conn: DuckDBConnection): Promise<void> {
    await conn.run(this.sql.shared);
    await conn.run(this.sql.perPartition.replaceAll('{p}', '_template'));
    await conn.run(
      `INSERT INTO store_meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`,
    );
    const version = (await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'schema_version'`)).getRows()[0]?.[0];
    if (version !== SCHEMA_VERSION) {
      // The store is derived state: an old layout is rebuilt by replay, not migrated.
      throw new Error(
        `the live store has schema version ${String(version)}, this casepipe writes ${SCHEMA_VERSION}: delete the file and let the worker rebuild it by replaying the topic`,
      );
    }
    this.partitions = new Set(await listPartitions(conn));
    await this.createViews(conn);
  }

  has(partition: number): boolean {
    return this.partitions.has(partition);
  }

  /** Creates the partition's tables and widens the views; call inside the batch's transaction. */
  async addPartition(conn: DuckDBConnection, partition: number): Promise<void> {
    if (this.partitions.has(partition)) return;
    await conn.run(this.sql.perPartition.replaceAll('{p}', `_p${partition}`));
    const next = new Set(this.partitions).add(partition);
    await this.createViews(conn, next);
    this.partitions = next;
  }

  /** Forget partitions added in a transaction that rolled back. */
  async reload(conn: DuckDBConnection): Promise<void> {
    this.partitions = new Set(await listPartitions(conn));
  }

  private async createViews(conn: DuckDBConnection, partitions = this.partitions): Promise<void> {
    const sorted = [...partitions].sort((a, b) => a - b);
    for (const table of PARTITIONED_TABLES) {
      const parts = [`${table}_template`, ...sorted.map((p) => partitionTable(table, p))];
      await conn.run(
        `CREATE OR REPLACE VIEW ${table} AS ${parts.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')}`,
      );
      await conn.run(
        `COMMENT ON VIEW ${table} IS 'All partitions of ${table} (union of ${table}_p<N>); columns as in ${table}_template. ${table === 'milestones' ? '全部分区的办件环节' : '全部分区的咨询'}。'`,
      );
    }
  }
}
