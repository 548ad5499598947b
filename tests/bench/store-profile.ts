/**
 * Where a batch's time goes: fills a live store with <events> synthetic events (12 partitions,
 * batches of 10k), then applies 20 batches of 10k new events to partition 0 and prints each batch's
 * time and the mean time per batch of every SQL statement (first 90 characters), slowest first.
 *   node --import tsx tests/bench/store-profile.ts <dir> <events> [recentRows]
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import { LiveStore } from '../../services/store/live-store.js';
import type { BatchEvent } from '../../services/store/batch.js';
import { partitionOf, syntheticRecords } from '../../services/store/testing/synthetic-events.js';
const [dir, eventsArg, recent] = process.argv.slice(2);
const timings = new Map<string, number[]>();
let on = false;
for (const m of ['run', 'runAndReadAll', 'stream'] as const) {
  const orig = (DuckDBConnection.prototype as any)[m];
  (DuckDBConnection.prototype as any)[m] = async function (sql: string, ...rest: unknown[]) {
    const t = performance.now();
    try { return await orig.call(this, sql, ...rest); } finally {
      if (on) { const k = sql.replace(/\s+/g, ' ').trim().slice(0, 90); (timings.get(k) ?? timings.set(k, []).get(k)!).push(performance.now() - t); }
    }
  };
}
fs.rmSync(dir, { recursive: true, force: true });
const store = await LiveStore.open({ path: path.join(dir, 'live.duckdb'), memoryLimit: '512MB', recentRows: recent ? Number(recent) : undefined });
const P = 12; const pending: BatchEvent[][] = Array.from({ length: P }, () => []); const next = new Array(P).fill(0);
async function flush(p: number) { const events = pending[p]; pending[p] = []; const t = performance.now(); await store.applyBatch({ topic: 'b', partition: p, nextOffset: String(next[p]), events, deadLetters: [] }); return performance.now() - t; }
for (const r of syntheticRecords({ seed: 42, count: Number(eventsArg), duplicateRate: 0.2 })) {
  const p = partitionOf(r.event.caseId, P); pending[p].push({ ...r, offset: String(next[p]++) });
  if (pending[p].length >= 10000) await flush(p);
}
await store.checkpoint();
on = true;
const tail: number[] = [];
for (const r of syntheticRecords({ seed: 7, count: 200000, duplicateRate: 0.2, prefix: 'T' })) {
  pending[0].push({ ...r, offset: String(next[0]++) });
  if (pending[0].length >= 10000) tail.push(await flush(0));
}
console.log('tail', tail.map((x) => x.toFixed(0)).join(' '));
const rows = [...timings].map(([k, v]) => [v.reduce((a, b) => a + b, 0) / 20, v.length, k] as const).sort((a, b) => b[0] - a[0]);
for (const [ms, n, k] of rows.slice(0, 25)) console.log(ms.toFixed(1).padStart(7), String(n).padStart(4), k);
store.close();
