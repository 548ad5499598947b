/**
 * key_hash (DuckDB hash()) and rank_key (create_sort_key) are computed by DuckDB, and a DuckDB
 * upgrade may change either. A stored probe value detects that; both columns are then recomputed
 * from the row's own columns, so the dedupe join keeps finding and ranking existing rows.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../platform/logger.js';
import { CONSULTATIONS, MILESTONES, rankKeyOf } from './dedupe-merge.js';
import { listPartitions, partitionTable, recentTable } from './store-schema.js';

export async function checkKeyHash(conn: DuckDBConnection, logger: Logger): Promise<void> {
  const probe = String(
    (
      await conn.runAndReadAll(
        `SELECT hash('casepipe', 'RECEIVED')::VARCHAR || ' ' || create_sort_key(1::BIGINT, 'ASC NULLS FIRST', 'casepipe', 'ASC NULLS FIRST')::VARCHAR`,
      )
    ).getRows()[0][0],
  );
  const stored = (await conn.runAndReadAll(`SELECT value FROM store_meta WHERE key = 'key_hash_probe'`)).getRows()[0]?.[0];
  if (stored === probe) return;
  await conn.run('BEGIN TRANSACTION');
  if (stored !== undefined) {
    logger.warn({ stored, probe }, 'DuckDB hash() or create_sort_key() changed: recomputing key_hash and rank_key');
    for (const p of await listPartitions(conn)) {
      for (const t of [partitionTable('milestones', p), recentTable('milestones', p)]) {
        await conn.run(`UPDATE ${t} SET key_hash = hash(case_id, kind), rank_key = ${rankKeyOf(MILESTONES)}`);
      }
      for (const t of [partitionTable('consultations', p), recentTable('consultations', p)]) {
        await conn.run(`UPDATE ${t} SET key_hash = hash(department_code, record_id), rank_key = ${rankKeyOf(CONSULTATIONS)}`);
      }
    }
  }
  await conn.run(`INSERT OR REPLACE INTO store_meta VALUES ('key_hash_probe', $probe)`, { probe });
  await conn.run('COMMIT');
}
