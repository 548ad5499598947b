/**
 * Child process of the store benchmark (so its peak RSS is its own): fills a fresh live store with
 * synthetic events in batches and prints one JSON line of measurements to stdout.
 *   node --import tsx tests/bench/store-fill.ts <dir> <events> <batchSize> [partitions] [memoryLimit]
 * STORE_RECENT_ROWS overrides the store's recentRows (rows per partition's recent table before
 * they move to old).
 */
import fs from 'node:fs';
import path from 'node:path';
import { LiveStore } from '../../services/store/live-store.js';
import type { BatchEvent, PartitionBatch } from '../../services/store/batch.js';
import { partitionOf, syntheticRecords } from '../../services/store/testing/synthetic-events.js';

function vm(field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

const [dir, eventsArg, batchArg, partitionsArg, memoryLimit] = process.argv.slice(2);
const total = Number(eventsArg);
const batchSize = Number(batchArg);
const partitions = Number(partitionsArg ?? 12);
fs.rmSync(dir, { recursive: true, force: true });
const recentRows = process.env.STORE_RECENT_ROWS ? Number(process.env.STORE_RECENT_ROWS) : undefined;
const store = await LiveStore.open({ path: path.join(dir, 'live.duckdb'), memoryLimit: memoryLimit ?? '512MB', recentRows });

// Accumulate per partition and flush a partition when it reaches batchSize, as a consumer would.
const pending: BatchEvent[][] = Array.from({ length: partitions }, () => []);
const nextOffset = new Array<number>(partitions).fill(0);
const progress: { events: number; milestones: number; rssMB: number; batchMs: number }[] = [];
let applied = 0;
let applyMs = 0;
let windowMs = 0;
let windowBatches = 0;
let milestones = 0;
const started = performance.now();

async function flush(p: number): Promise<void> {
  const events = pending[p];
  if (events.length === 0) return;
  pending[p] = [];
  const batch: PartitionBatch = { topic: 'bench', partition: p, nextOffset: String(nextOffset[p]), events, deadLetters: [] };
  const t = performance.now();
  const r = await store.applyBatch(batch);
  if (process.env.FORCE_GC) (globalThis as { gc?: () => void }).gc?.();
  const ms = performance.now() - t;
  applyMs += ms;
  windowMs += ms;
  windowBatches++;
  applied += events.length;
  milestones += r.inserted;
}

const reportEvery = Math.max(1_000_000, Math.floor(total / 10));
const log = (m: string) => process.env.STORE_FILL_VERBOSE && process.stderr.write(`${m}\n`);
let nextReport = reportEvery;
for (const record of syntheticRecords({ seed: 42, count: total, duplicateRate: 0.2 })) {
  const p = partitionOf(record.event.caseId, partitions);
  pending[p].push({ ...record, offset: String(nextOffset[p]++) });
  if (pending[p].length >= batchSize) await flush(p);
  if (applied >= nextReport) {
    nextReport += reportEvery;
    progress.push({ events: applied, milestones, rssMB: Math.round(vm('VmRSS') / 2 ** 20), batchMs: +(windowMs / windowBatches).toFixed(1) });
    log(JSON.stringify(progress[progress.length - 1]));
    windowMs = 0;
    windowBatches = 0;
  }
}
for (let p = 0; p < partitions; p++) await flush(p);
const elapsedMs = performance.now() - started;
const mainApplied = applied;
const mainApplyMs = applyMs;

// Per-batch apply time with everything stored: 20 fresh batches of new and duplicate events.
const tail: number[] = [];
let k = 0;
for (const record of syntheticRecords({ seed: 7, count: 20 * batchSize, duplicateRate: 0.2, prefix: 'T' })) {
  const p = 0;
  pending[p].push({ ...record, offset: String(nextOffset[p]++) });
  if (pending[p].length >= batchSize) {
    const t = performance.now();
    await flush(p);
    tail.push(performance.now() - t);
    k++;
  }
}
tail.sort((a, b) => a - b);
const stored = await store.connection.runAndReadAll(
  'SELECT (SELECT count(*) FROM milestones), (SELECT count(*) FROM consultations)',
);
const [storedMilestones, storedConsultations] = stored.getRows()[0].map(Number);
const duckdbMemory = Object.fromEntries(
  (await store.connection.runAndReadAll(`SELECT tag, round(memory_usage_bytes / 2 ** 20)::INTEGER FROM duckdb_memory() WHERE memory_usage_bytes > 0`)).getRows(),
);
const heapMB = Math.round(process.memoryUsage().heapUsed / 2 ** 20);
store.close();
const dbBytes = fs.statSync(path.join(dir, 'live.duckdb')).size;
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  JSON.stringify({
    events: mainApplied,
    storedMilestones,
    storedConsultations,
    elapsedMs: Math.round(elapsedMs),
    applyEventsPerSec: Math.round(mainApplied / (mainApplyMs / 1000)),
    endToEndEventsPerSec: Math.round(mainApplied / (elapsedMs / 1000)),
    batchMsAtEndMedian: +tail[Math.floor(tail.length / 2)].toFixed(1),
    batchMsAtEndP95: +tail[Math.floor(tail.length * 0.95)].toFixed(1),
    peakRssMB: Math.round(vm('VmHWM') / 2 ** 20),
    dbMB: Math.round(dbBytes / 2 ** 20),
    heapMB,
    duckdbMemory,
    progress,
    tailBatches: k,
  }) + '\n',
);
