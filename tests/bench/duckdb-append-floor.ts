/**
 * The floor under any DuckDB-backed worker in this stack: 1M synthetic events staged with the worker's
 * appender code and appended to a persistent table in transactions of <batch> events, with a sort key
 * computed, COMMIT and a final CHECKPOINT — no Kafka, no decode, no dedupe against stored rows (staging
 * keeps each batch's own winner per key, as the worker's does). Prints seconds per step.
 * Used to show why the worker / raw-consumer target of issue 4 is out of reach on 2 cores.
 *   node --max-semi-space-size=16 --import tsx tests/bench/duckdb-append-floor.ts [batch=10000]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { CLEAR_STAGING, STAGING_DDL, stageBatch } from '../../services/store/batch-staging.js';
import { syntheticRecords } from '../../services/store/testing/synthetic-events.js';

const batchSize = Number(process.argv[2] ?? 10_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-append-floor-'));
try {
  const instance = await DuckDBInstance.create(path.join(dir, 'floor.duckdb'), { memory_limit: '512MB', checkpoint_threshold: '256MB' });
  const conn = await instance.connect();
  await conn.run(STAGING_DDL);
  await conn.run('CREATE TABLE events AS SELECT * FROM stage_events LIMIT 0');
  const all = [...syntheticRecords({ seed: 1, count: 1_000_000, duplicateRate: 0.15 })].map((r, i) => ({ ...r, offset: String(i) }));
  const seconds: Record<string, number> = {};
  const step = async (name: string, fn: () => Promise<unknown>) => {
    const t = performance.now();
    await fn();
    seconds[name] = (seconds[name] ?? 0) + (performance.now() - t) / 1000;
  };
  const started = performance.now();
  for (let i = 0; i < all.length; i += batchSize) {
    const batch = all.slice(i, i + batchSize);
    await step('begin', () => conn.run(`BEGIN; ${CLEAR_STAGING}`));
    await step('stage', () => stageBatch(conn, batch, []));
    await step('insert', () => conn.run('INSERT INTO events SELECT * FROM stage_events'));
    await step('sort key', () =>
      conn.run(`CREATE OR REPLACE TEMP TABLE k AS SELECT seq, hash(case_id, kind) AS h,
        create_sort_key(event_time, 'ASC NULLS FIRST', event_id, 'ASC NULLS FIRST') AS r FROM stage_events`),
    );
    await step('commit', () => conn.run('COMMIT'));
  }
  await step('checkpoint', () => conn.run('CHECKPOINT'));
  const total = (performance.now() - started) / 1000;
  console.log(`1M events in batches of ${batchSize}: ${total.toFixed(2)} s (${Object.entries(seconds).map(([k, v]) => `${k} ${v.toFixed(2)} s`).join(', ')})`);
  conn.closeSync();
  instance.closeSync();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
