/**
 * Where the worker's CPU goes on the hot-path bench's events, without Kafka: encodes the events as
 * hotpath.bench.ts does (12 partitions by the Java client's murmur2 of the key), judges each record as
 * the worker does (checkCaseEventRecord) and applies a partition's records to a fresh live store as
 * soon as <batch> of them are there, one batch at a time. Prints the process CPU (all threads,
 * DuckDB's included; the total also has the encoding) per event of each phase and, per SQL statement
 * (first 100 characters; a call of several statements under its first), the wall time per event,
 * calls, median and slowest call, slowest first.
 *   node --import tsx tests/bench/hotpath-profile.ts <dir> [events=300000] [batch=16000]
 * HOTPATH_MEMORY_LIMIT (512MB), HOTPATH_CHECKPOINT (the store's 32MB), HOTPATH_RECENT_ROWS (the store's 0), HOTPATH_THREADS set the
 * store's options.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBConnection } from '@duckdb/node-api';
import kafkajs from 'kafkajs';
import { checkCaseEventRecord } from '../../services/contract/check-record.js';
import type { BatchEvent } from '../../services/store/batch.js';
import { LiveStore } from '../../services/store/live-store.js';
import { hotpathEvents } from './hotpath.bench.js';

const [dir, eventsArg, batchArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: hotpath-profile.ts <dir> [events] [batch]');
const n = Number(eventsArg ?? 300_000);
const batchMax = Number(batchArg ?? 16_000);
const P = 12;

const timings = new Map<string, number[]>();
let batches = 0;
// HOTPATH_EXPLAIN=<dir>: DuckDB's JSON profile of every statement of batch HOTPATH_EXPLAIN_BATCH (default 14).
const explainDir = process.env.HOTPATH_EXPLAIN;
const explainBatch = Number(process.env.HOTPATH_EXPLAIN_BATCH ?? 14);
let explained = 0;
if (explainDir) fs.mkdirSync(explainDir, { recursive: true });
for (const m of ['run', 'runAndReadAll', 'stream'] as const) {
  const proto = DuckDBConnection.prototype as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
  const orig = proto[m];
  proto[m] = async function (this: DuckDBConnection, sql: unknown, ...rest: unknown[]) {
    const explain = explainDir && batches === explainBatch && m === 'run' && !String(sql).startsWith('BEGIN');
    if (explain) {
      const file = path.join(explainDir, `${String(++explained).padStart(2, '0')}.json`);
      await orig.call(this, `SET enable_profiling = 'json'; SET profiling_output = '${file}'`);
    }
    const t = performance.now();
    try {
      return await orig.call(this, sql, ...rest);
    } finally {
      const k = String(sql).replace(/\s+/g, ' ').replace(/_p\d+\b/g, '_pN').replace(/SELECT \d+,/g, 'SELECT N,').trim().slice(0, 100);
      (timings.get(k) ?? timings.set(k, []).get(k)!).push(performance.now() - t);
      if (explain) await orig.call(this, 'PRAGMA disable_profiling');
    }
  };
}

const partitioner = kafkajs.Partitioners.DefaultPartitioner()as unknown as (a: { topic: string; partitionMetadata: { partitionId: number; leader: number }[]; message: { key: string } }) => number;
const partitionMetadata = Array.from({ length: P }, (_, i) => ({ partitionId: i, leader: 0 }));
type Rec = { key: Buffer; value: Buffer; timestampMs: number };
const now = Date.now();

fs.rmSync(dir, { recursive: true, force: true });
const store = await LiveStore.open({
  path: path.join(dir, 'live.duckdb'),
  memoryLimit: process.env.HOTPATH_MEMORY_LIMIT ?? '512MB',
  ...(process.env.HOTPATH_CHECKPOINT ? { checkpointThreshold: process.env.HOTPATH_CHECKPOINT } : {}),
  ...(process.env.HOTPATH_THREADS ? { threads: Number(process.env.HOTPATH_THREADS) } : {}),
  ...(process.env.HOTPATH_RECENT_ROWS ? { recentRows: Number(process.env.HOTPATH_RECENT_ROWS) } : {}),
});
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e3; };
let decodeMs = 0;
let applyMs = 0;
let applyWall = 0;
// Events are made as they are needed and a partition's batch is applied once it is full, so the
// process holds at most a batch per partition (holding every encoded record made V8's full
// collections, and so applyBatch, slower the more events a run had).
const pending: Rec[][] = Array.from({ length: P }, () => []);
const nextOffset = new Array<number>(P).fill(0);
const started = performance.now();
const cpu0 = cpu();
async function applyPartition(p: number): Promise<void> {
  const recs = pending[p];
  pending[p] = [];
  let c = cpu();
  const events: BatchEvent[] = [];
  for (let i = 0; i < recs.length; i++) {
    const check = checkCaseEventRecord(recs[i]);
    if (!check.ok) throw new Error(check.message);
    events.push({ event: check.event, offset: String(nextOffset[p] + i), timestampMs: recs[i].timestampMs });
  }
  decodeMs += cpu() - c;
  c = cpu();
  const t = performance.now();
  nextOffset[p] += recs.length;
  await store.applyBatch({ topic: 't', partition: p, nextOffset: String(nextOffset[p]), events, deadLetters: [] });
  applyWall += performance.now() - t;
  applyMs += cpu() - c;
  batches++;
}
for (const m of hotpathEvents(n)) {
  const p = partitioner({ topic: 't', partitionMetadata, message: { key: m.key } });
  pending[p].push({ key: Buffer.from(m.key), value: m.value, timestampMs: now });
  if (pending[p].length >= batchMax) await applyPartition(p);
}
for (let p = 0; p < P; p++) if (pending[p].length > 0) await applyPartition(p);
const totalCpu = cpu() - cpu0;
const us = (ms: number) => ((ms * 1000) / n).toFixed(1);
console.log(`${n} events, ${batches} batches (≤${batchMax} per partition), ${((performance.now() - started) / 1000).toFixed(1)} s`);
console.log(`CPU µs/event: total ${us(totalCpu)}, decode+validate ${us(decodeMs)}, applyBatch ${us(applyMs)} (wall ${us(applyWall)})`);
// Median and slowest call: a COMMIT that checkpoints (every checkpoint_threshold of WAL) shows as the slowest.
const rows = [...timings].map(([k, v]) => [v.reduce((a, b) => a + b, 0), v.length, k, [...v].sort((a, b) => a - b)] as const).sort((a, b) => b[0] - a[0]);
console.log('  wall µs/event  calls  median ms  max ms  statement');
for (const [ms, calls, k, sorted] of rows.slice(0, 30)) {
  const median = sorted[Math.floor(sorted.length / 2)];
  console.log(`${us(ms).padStart(15)} ${String(calls).padStart(6)} ${median.toFixed(1).padStart(10)} ${sorted[sorted.length - 1].toFixed(0).padStart(7)}  ${k}`);
}
store.close();
