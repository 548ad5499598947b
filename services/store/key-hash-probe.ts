/**
 * rank_key (create_sort_key) is computed by DuckDB, and a DuckDB upgrade may change it. A stored
 * probe value detects that; rank_key is then recomputed from the row's own columns, so the dedupe
 * keeps ranking existing rows the same way. key_hash is computed in JavaScript
 * (services/store/key-hash.ts) and does not depend on DuckDB; `rehashKeys` recomputes it for a file
 * written by an older casepipe, whose key_hash was DuckDB's hash().
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../platform/logger.js';
import { CONSULTATIONS, MILESTONES, rankKeyOf } from './dedupe-merge.js';
import { hashKey, keyHashHi, keyHashLo } from './key-hash.js';
import { listPartitions, partitionTable, recentTable } from './store-schema.js';

export async function checkKeyHash(conn: DuckDBConnection, logger: Logger): Promise<void> {
  const probe = String(
    (await conn.runAndReadAll(`SELECT create_sort_key(1::BIGINT, 'ASC NULLS FIRST', 'casepipe', 'ASC NULLS FIRST')::VARCHAR`)).getRows()[0][0],
  );
  const stored = (await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'key_hash_probe'`)).getRows()[0]?.[0];
  if (stored === probe) return;
  await conn.run('BEGIN TRANSACTION');
  if (stored !== undefined) {
    logger.warn({ stored, probe }, 'DuckDB create_sort_key() changed (or an older probe): recomputing rank_key');
    for (const p of await listPartitions(conn)) {
      for (const t of [partitionTable('milestones', p), recentTable('milestones', p)]) {
        await conn.run(`UPDATE ${t} SET rank_key = ${rankKeyOf(MILESTONES)}`);
      }
      for (const t of [partitionTable('consultations', p), recentTable('consultations', p)]) {
        await conn.run(`UPDATE ${t} SET rank_key = ${rankKeyOf(CONSULTATIONS)}`);
      }
    }
  }
  await conn.run(`INSERT OR REPLACE INTO store_meta VALUES ('key_hash_probe', $probe)`, { probe });
  await conn.run('COMMIT');
}

/**
 * Recomputes every stored key_hash with services/store/key-hash.ts from the row's identity (the
 * caller holds the transaction). Streams the identities and appends the new hashes to a TEMP table
 * joined back by rowid: one pass, whatever the table's size.
 */
export async function rehashKeys(conn: DuckDBConnection, logger: Logger): Promise<void> {
  const started = performance.now();
  let rows = 0;
  for (const p of await listPartitions(conn)) {
    for (const [table, first, second] of [['milestones', 'kind', 'case_id'], ['consultations', 'department_code', 'record_id']] as const) {
      for (const t of [partitionTable(table, p), recentTable(table, p)]) {
        await conn.run(`CREATE OR REPLACE TEMP TABLE rehash (rid BIGINT, hi UINTEGER, lo UINTEGER)`);
        const appender = await conn.createAppender('rehash', 'main', 'temp');
        const result = await conn.stream(`SELECT rowid::DOUBLE, ${first}, ${second} FROM ${t}`);
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
        await conn.run(`UPDATE ${t} SET key_hash = (r.hi::UBIGINT << 32) | r.lo FROM rehash r WHERE ${t}.rowid = r.rid; DROP TABLE rehash`);
      }
    }
  }
  logger.info({ rows, ms: Math.round(performance.now() - started) }, 'live store key hashes recomputed for schema version 4');
}
