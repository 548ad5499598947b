/**
 * Upgrades a live store file written by an older casepipe, in the transaction that sets the new
 * schema version (StoreSchema.create). The store is derived state; a layout that cannot be upgraded
 * in place is rebuilt by replaying the topic instead.
 *
 * To version 4, from 2 or 3: `key_hash` was DuckDB's hash() and is now computed in JavaScript
 * (services/store/key-hash.ts), so every stored key_hash is recomputed from the row's identity; the
 * stored sort key `rank_key` is dropped (the merge compares the rank columns, dedupe-merge.ts), and
 * with it the probe that watched DuckDB's hash() and create_sort_key() for changes.
 *
 * To version 5, from 2 to 4: the CODED_COLUMNS of every partition table (and template) become
 * store_dictionary codes: each table is created again in the new layout (store.sql) and its rows
 * copied over, encoded (insertEncoded, which adds their texts to the dictionary).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../platform/logger.js';
import { hashKey, keyHashHi, keyHashLo } from './key-hash.js';
import { insertEncoded } from './store-dictionary.js';
import { listPartitions, PARTITIONED_TABLES, partitionTable, recentTable } from './store-schema.js';

/** The identity columns that key-hash.ts hashes (joined by NUL), per entity; see hashIdentity in dedupe-merge.ts. */
const IDENTITY = { milestones: ['kind', 'case_id'], consultations: ['department_code', 'record_id'] } as const;

/**
 * Runs the steps from version `from` to the current one. `partitionDdl(suffix)` is store.sql's
 * per-partition part for a table suffix (`_template`, `_p<N>`, `_recent_p<N>`), comments included.
 */
export async function upgradeStore(conn: DuckDBConnection, from: string, logger: Logger, partitionDdl: (suffix: string) => string): Promise<void> {
  if (from === '2' || from === '3') await upgradeTo4(conn, from, logger);
  await upgradeTo5(conn, from, logger, partitionDdl);
}

async function upgradeTo4(conn: DuckDBConnection, from: string, logger: Logger): Promise<void> {
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

/** Table suffixes whose tables still hold texts in their coded columns (a version 2 file's new recent tables do not). */
async function textLayoutSuffixes(conn: DuckDBConnection): Promise<string[]> {
  const reader = await conn.runAndReadAll(
    `SELECT substr(table_name, length('milestones') + 1) FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = 'main' AND column_name = 'kind' AND data_type = 'VARCHAR'
       AND regexp_matches(table_name, '^milestones(_template|_p[0-9]+|_recent_p[0-9]+)$')`,
  );
  return reader.getRows().map((r) => String(r[0]));
}

async function upgradeTo5(conn: DuckDBConnection, from: string, logger: Logger, partitionDdl: (suffix: string) => string): Promise<void> {
  const started = performance.now();
  await conn.run(`DROP VIEW IF EXISTS milestones; DROP VIEW IF EXISTS consultations`);
  const suffixes = await textLayoutSuffixes(conn);
  let rows = 0;
  for (const sfx of suffixes) {
    for (const t of PARTITIONED_TABLES) await conn.run(`ALTER TABLE ${t}${sfx} RENAME TO ${t}${sfx}_text`);
    await conn.run(partitionDdl(sfx));
    for (const t of PARTITIONED_TABLES) {
      rows += await insertEncoded(conn, t, `${t}${sfx}`, `SELECT * FROM ${t}${sfx}_text`);
      await conn.run(`DROP TABLE ${t}${sfx}_text`);
    }
  }
  const texts = Number((await conn.runAndReadAll('SELECT count(*) FROM store_dictionary')).getRows()[0][0]);
  logger.info(
    { from, rows, tables: suffixes.length * 2, texts, ms: Math.round(performance.now() - started) },
    'live store upgraded to schema version 5: low-cardinality texts stored as store_dictionary codes',
  );
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
