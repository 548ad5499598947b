/**
 * Upgrades a live store file written by an older casepipe, in the transaction that sets the new
 * schema version (StoreSchema.create). The store is derived state; a layout that cannot be upgraded
 * in place is rebuilt by replaying the topic instead.
 *
 * To version 4, from 2 or 3: `key_hash` was DuckDB's hash() and is now computed in JavaScript
 * (services/store/key-hash.ts), so every stored key_hash is recomputed from the row's identity; the
 * stored sort key `rank_key` is dropped (the merge compares the rank columns, dedupe-merge.ts), and
 * with it the probe that watched DuckDB's hash() and create_sort_key() for changes.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../platform/logger.js';
import { hashKey, keyHashHi, keyHashLo } from './key-hash.js';
import { listPartitions, partitionTable, recentTable } from './store-schema.js';

/** The identity columns that key-hash.ts hashes (joined by NUL), per entity; see hashIdentity in dedupe-merge.ts. */
const IDENTITY = { milestones: ['kind', 'case_id'], consultations: ['department_code', 'record_id'] } as const;

export async function upgradeStore(conn: DuckDBConnection, from: string, logger: Logger): Promise<void> {
  const started = performance.now();
  let rows = 0;
  for (const p of await listPartitions(conn)) {
    for (const table of ['milestones', 'consultations'] as const) {
      for (const t of [partitionTable(table, p), recentTable(table, p)]) rows += await rehashKeys(conn, t, IDENTITY[table]);
    }
  }
  // The views select * from every partition table: dropped before the columns, created again by StoreSchema.
  await conn.run(`DROP VIEW IF EXISTS milestones; DROP VIEW IF EXISTS consultations`);
  const tables = (
    await conn.runAndReadAll(
      `SELECT table_name FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = 'main' AND column_name = 'rank_key'`,
    )
  ).getRows().map((r) => String(r[0]));
  for (const t of tables) await conn.run(`ALTER TABLE ${t} DROP COLUMN rank_key`);
  await conn.run(`DELETE FROM store_meta WHERE key = 'key_hash_probe'`);
  logger.info({ from, rows, ms: Math.round(performance.now() - started) }, 'live store upgraded to schema version 4: key hashes recomputed, rank_key dropped');
}

/**
 * Recomputes the key_hash of every row of one table: streams the identities, appends the new hashes
 * to a TEMP table and joins it back by rowid (one pass, whatever the table's size).
 */
async function rehashKeys(conn: DuckDBConnection, table: string, [first, second]: readonly [string, string]): Promise<number> {
  await conn.run(`CREATE OR REPLACE TEMP TABLE rehash (rid BIGINT, hi UINTEGER, lo UINTEGER)`);
  const appender = await conn.createAppender('rehash', 'main', 'temp');
  const result = await conn.stream(`SELECT rowid::DOUBLE, ${first}, ${second} FROM ${table}`);
  let rows = 0;
  for (;;) {
    const chunk = await result.fetchChunk();
    if (!chunk || chunk.rowCount === 0) break;
    const [rid, a, b] = [0, 1, 2].map((i) => chunk.getColumnVector(i));
    for (let i = 0; i < chunk.rowCount; i++) {
      hashKey(`${a.getItem(i) as string}\u0000${b.getItem(i) as string}`);
      appender.appendBigInt(BigInt(rid.getItem(i) as number));
      appender.appendUInteger(keyHashHi);
      appender.appendUInteger(keyHashLo);
      appender.endRow();
    }
    rows += chunk.rowCount;
  }
  appender.closeSync();
  await conn.run(`UPDATE ${table} SET key_hash = (r.hi::UBIGINT << 32) | r.lo FROM rehash r WHERE ${table}.rowid = r.rid; DROP TABLE rehash`);
  return rows;
}
