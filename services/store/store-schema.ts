/**
 * Creates the live store's tables from services/store/store.sql: the shared tables once, and one
 * `milestones_p<N>` / `consultations_p<N>` ("old") and `milestones_recent_p<N>` /
 * `consultations_recent_p<N>` ("recent") set per Kafka partition. A batch joins only its
 * partition's small recent tables in full and looks up the big old ones only for the keys an
 * in-memory filter flags (a DuckDB scan is linear in the table; there is no cheap index, see
 * docs/live-store.md), and a partition's state can be copied out whole when it moves to another
 * worker. The views `milestones` and `consultations` union all of them and decode their coded columns
 * (CODED_COLUMNS), so readers see one table of each, with texts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';

export const STORE_SQL_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'store.sql');
const PARTITION_MARKER = '-- @partition-tables';
export const SCHEMA_VERSION = '5';
/**
 * Upgraded in place (services/store/schema-upgrade.ts): version 2 had no recent tables (created; all
 * its rows count as old); versions 2 and 3 had DuckDB's hash() as key_hash (recomputed); versions 2 to
 * 4 stored the coded columns as texts (encoded).
 */
const UPGRADABLE_VERSIONS = new Set(['2', '3', '4']);

/** Row-level tables that exist once per partition; each has a union view of the same name. */
export const PARTITIONED_TABLES = ['milestones', 'consultations'] as const;
export type PartitionedTable = (typeof PARTITIONED_TABLES)[number];

/**
 * The low-cardinality texts a partition table stores as store_dictionary codes (INTEGER; NULL stays
 * NULL). A batch's checkpoint costs DuckDB per value it analyses for compression and statistics: as
 * texts these columns were half of it (docs/hot-path-bench.md). `month` stays a text: readers filter
 * on it, and only a filter on a column the views do not decode reaches each table's scan (and its
 * row groups' min/max).
 */
export const CODED_COLUMNS: Record<PartitionedTable, readonly string[]> = {
  milestones: ['kind', 'channel', 'delivery_method', 'department_code', 'department_name', 'item_code', 'source_system'],
  consultations: ['department_code', 'channel', 'department_name', 'source_system'],
};

/**
 * `rows` (a table name or a parenthesized query of a partition table's columns) with its coded
 * columns decoded, as a parenthesized query for a FROM clause; `rid` first when `rowid` is set (rows
 * must then be a table).
 */
export function decodedRows(table: PartitionedTable, rows: string, opts: { rowid?: boolean } = {}): string {
  const decoded = CODED_COLUMNS[table].map((c) => `dictionary.d[r.${c}] AS ${c}`).join(', ');
  return `(SELECT ${opts.rowid ? 'r.rowid AS rid, ' : ''}r.* REPLACE (${decoded}) FROM ${rows} r, store_decoder dictionary)`;
}

/**
 * The partition's "old" table: the large one, looked up only for keys the old-key filter flags
 * (services/store/old-key-filter.ts). New keys are appended here (append mode, the default
 * `recentRows` 0); with `recentRows` above 0 they go to the small recent table, which the merge joins
 * in full, and move here in bulk when it grows past it.
 */
export function partitionTable(table: PartitionedTable, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`bad partition ${partition}`);
  return `${table}_p${partition}`;
}

/** The partition's "recent" table (same columns as the old one). */
export function recentTable(table: PartitionedTable, partition: number): string {
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`bad partition ${partition}`);
  return `${table}_recent_p${partition}`;
}

/** All rows of one partition (old and recent), decoded, as a parenthesized query for a FROM clause. */
export function partitionRows(table: PartitionedTable, partition: number): string {
  return decodedRows(table, `(SELECT * FROM ${partitionTable(table, partition)} UNION ALL SELECT * FROM ${recentTable(table, partition)})`);
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

  /**
   * Shared tables, the empty templates and the views; idempotent. On an older upgradable file,
   * `upgrade` runs in the transaction that sets the new version.
   */
  async create(
    conn: DuckDBConnection,
    upgrade: (conn: DuckDBConnection, from: string, partitionDdl: (suffix: string) => string) => Promise<void>,
  ): Promise<void> {
    await conn.run(this.sql.shared);
    await conn.run(this.sql.perPartition.replaceAll('{p}', '_template'));
    await conn.run(
      `INSERT INTO store_meta VALUES ('schema_version', '${SCHEMA_VERSION}') ON CONFLICT DO NOTHING`,
    );
    const version = (await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'schema_version'`)).getRows()[0]?.[0];
    if (version !== SCHEMA_VERSION && !UPGRADABLE_VERSIONS.has(String(version))) {
      // The store is derived state: an old layout is rebuilt by replay, not migrated.
      throw new Error(
        `the live store has schema version ${String(version)}, this casepipe writes ${SCHEMA_VERSION}: delete the file and let the worker rebuild it by replaying the topic`,
      );
    }
    this.partitions = new Set(await listPartitions(conn));
    // Idempotent; on a version 2 file this creates the recent tables.
    for (const p of this.partitions) await conn.run(this.recentSql(p));
    if (version !== SCHEMA_VERSION) {
      await conn.run('BEGIN TRANSACTION');
      await upgrade(conn, String(version), (suffix) => this.partitionDdl(suffix));
      await conn.run(`UPDATE store_meta SET value = '${SCHEMA_VERSION}' WHERE key = 'schema_version'; COMMIT`);
    }
    await this.createViews(conn);
  }

  /** store.sql's per-partition part (with the recent tables' comments) for a table suffix: `_template`, `_p<N>`, `_recent_p<N>`. */
  private partitionDdl(suffix: string): string {
    const recent = /^_recent_p([0-9]+)$/.exec(suffix);
    return recent ? this.recentSql(Number(recent[1])) : this.sql.perPartition.replaceAll('{p}', suffix);
  }

  private recentSql(partition: number): string {
    return `${this.sql.perPartition.replaceAll('{p}', `_recent_p${partition}`)}
      COMMENT ON TABLE ${recentTable('milestones', partition)} IS 'Recent rows of ${partitionTable('milestones', partition)}: empty by default (new keys are appended to ${partitionTable('milestones', partition)}); with recentRows above 0 new keys land here and move there in bulk; the milestones view unions both. 近期行:默认为空(新键直接写入旧表);recentRows 大于 0 时新键先写入此表,批量迁入旧表;视图合并两表。';
      COMMENT ON TABLE ${recentTable('consultations', partition)} IS 'Recent rows of ${partitionTable('consultations', partition)}: empty by default (new keys are appended to ${partitionTable('consultations', partition)}); with recentRows above 0 new keys land here and move there in bulk; the consultations view unions both. 近期行:默认为空(新键直接写入旧表);recentRows 大于 0 时新键先写入此表,批量迁入旧表;视图合并两表。';`;
  }

  has(partition: number): boolean {
    return this.partitions.has(partition);
  }

  /** Creates the partition's tables and widens the views; call inside the batch's transaction. */
  async addPartition(conn: DuckDBConnection, partition: number): Promise<void> {
    if (this.partitions.has(partition)) return;
    await conn.run(this.sql.perPartition.replaceAll('{p}', `_p${partition}`));
    await conn.run(this.recentSql(partition));
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
      const parts = [`${table}_template`, ...sorted.flatMap((p) => [partitionTable(table, p), recentTable(table, p)])];
      // Decoded once over the union: a filter on a column that is not decoded (month, partition,
      // case_id) still reaches each table's scan.
      await conn.run(
        `CREATE OR REPLACE VIEW ${table} AS SELECT * FROM ${decodedRows(table, `(${parts.map((t) => `SELECT * FROM ${t}`).join(' UNION ALL ')})`)}`,
      );
      await conn.run(
        `COMMENT ON VIEW ${table} IS 'All partitions of ${table} (union of ${table}_p<N> and ${table}_recent_p<N>), the store_dictionary codes decoded; columns as in ${table}_template. ${table === 'milestones' ? '全部分区的办件环节(编码已解码)' : '全部分区的咨询(编码已解码)'}。'`,
      );
    }
  }
}
