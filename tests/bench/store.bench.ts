/**
 * Live store benchmark (no Kafka): set-based apply rate on 1M synthetic events in batches of 10k,
 * and peak RSS / per-batch latency with ~10M milestones stored. Each part runs in its own child
 * process (tests/bench/store-fill.ts) so the peak RSS it reports is that part's alone.
 *   npm run bench -- store            (about 12 minutes on 2 cores; the 10M part is most of it)
 *   STORE_BENCH_BIG_EVENTS=0 npm run bench -- store    (skip the 10M part)
 */
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './bench-result.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

interface FillResult {
  events: number;
  storedMilestones: number;
  storedConsultations: number;
  elapsedMs: number;
  applyEventsPerSec: number;
  endToEndEventsPerSec: number;
  batchMsAtEndMedian: number;
  batchMsAtEndP95: number;
  peakRssMB: number;
  dbMB: number;
  progress: { events: number; milestones: number; rssMB: number; batchMs: number }[];
}

function fill(events: number, batchSize: number, memoryLimit: string): Promise<FillResult> {
  const dir = path.join(os.tmpdir(), `casepipe-store-bench-${process.pid}-${events}`);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', path.join(HERE, 'store-fill.ts'), dir, String(events), String(batchSize), '12', memoryLimit],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`store-fill exited ${code}: ${out}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as FillResult);
    });
  });
}

export async function benchStore(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const small = await fill(1_000_000, 10_000, '512MB');
  results.push(
    { name: 'apply rate, 1M events, batches of 10k, 12 partitions', value: small.applyEventsPerSec, unit: 'events/s', note: `time inside applyBatch; ${small.endToEndEventsPerSec.toLocaleString('en-US')} events/s including generating the events; ${small.storedMilestones.toLocaleString('en-US')} milestones stored` },
    { name: 'peak RSS, 1M events', value: small.peakRssMB, unit: 'MB', note: 'memory_limit 512MB' },
  );
  const bigEvents = Number(process.env.STORE_BENCH_BIG_EVENTS ?? 14_000_000);
  if (bigEvents > 0) {
    const big = await fill(bigEvents, 10_000, '512MB');
    const growth = big.progress.map((p) => `${(p.milestones / 1e6).toFixed(1)}M rows: ${p.rssMB} MB, ${p.batchMs} ms/batch`).join('; ');
    results.push(
      { name: `peak RSS with ${(big.storedMilestones / 1e6).toFixed(1)}M milestones stored`, value: big.peakRssMB, unit: 'MB', note: `memory_limit 512MB; RSS along the way: ${growth}` },
      { name: `10k-event batch with ${(big.storedMilestones / 1e6).toFixed(1)}M milestones stored, median`, value: big.batchMsAtEndMedian, unit: 'ms', note: `p95 ${big.batchMsAtEndP95} ms (a checkpoint lands in some batches)` },
      { name: `apply rate while filling to ${(big.storedMilestones / 1e6).toFixed(1)}M milestones`, value: big.applyEventsPerSec, unit: 'events/s', note: `${big.events.toLocaleString('en-US')} events in ${(big.elapsedMs / 1000).toFixed(0)} s; database file ${big.dbMB} MB` },
    );
  }
  return results;
}
