import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import { LiveStore } from './live-store.js';
import { referenceDedupe } from './testing/reference-dedupe.js';
import { partitionOf, rng, syntheticRecords } from './testing/synthetic-events.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const WRITER = path.join(HERE, 'testing', 'crash-writer.ts');
const SEED = 5;
const COUNT = 50_000;
const PARTITIONS = 4;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-crash-'));
const file = path.join(dir, 'live.duckdb');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Runs the writer; kills it with SIGKILL after `killAfterMs` unless it finishes first. */
function runWriter(killAfterMs: number | null): Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, file, String(SEED), String(COUNT), String(PARTITIONS)], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    let timer: NodeJS.Timeout | undefined;
    if (killAfterMs !== null) {
      // Count from the first progress line, so the kill lands while batches are being applied.
      child.stdout.once('data', () => (timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs)));
    }
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, out });
    });
  });
}

async function appliedSoFar(): Promise<number> {
  const store = await LiveStore.open({ path: file, memoryLimit: '128MB', threads: 1 });
  try {
    return [...(await store.storedOffsets('case-events')).values()].reduce((a, b) => a + Number(b), 0);
  } finally {
    store.close();
  }
}

describe('live store under SIGKILL', () => {
  it('ends equal to the ground truth after five kills at random moments', async () => {
    // Kill timings from a printed seed: CASEPIPE_CRASH_SEED=<seed> draws the same ones again.
    const killSeed = Number(process.env.CASEPIPE_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
    console.log(`store crash test: kill timings from seed ${killSeed} (rerun with CASEPIPE_CRASH_SEED=${killSeed})`);
    const random = rng(killSeed);
    const progress: number[] = [];
    for (let kill = 0; kill < 5; kill++) {
      const run = await runWriter(150 + Math.floor(random() * 900));
      if (run.code !== null && run.code !== 0) throw new Error(`writer failed (exit ${run.code}):\n${run.out}`);
      progress.push(await appliedSoFar());
    }
    const last = await runWriter(null);
    expect({ code: last.code, out: last.out.slice(-2000) }).toMatchObject({ code: 0 });
    // The kills interrupted real work: the store was part-way at least once.
    expect({ killSeed, progress, partWay: progress.some((n) => n > 0 && n < COUNT) }).toMatchObject({ partWay: true });

    const records = [...syntheticRecords({ seed: SEED, count: COUNT, duplicateRate: 0.3 })];
    const truth = referenceDedupe(records.map((r) => r.event));
    const store = await LiveStore.open({ path: file, memoryLimit: '256MB' });
    try {
      const rows = (
        await store.connection.runAndReadAll(`
          SELECT kind || '|' || case_id, month, event_id, department_code, channel, copies FROM milestones
          UNION ALL
          SELECT 'CONSULTED|' || department_code || '|' || record_id, month, event_id, department_code, channel, copies FROM consultations`)
      ).getRows();
      const actual = new Map(rows.map((r) => [String(r[0]), r.slice(1).map(String)]));
      const expected = new Map([...truth].map(([k, v]) => [k, [v.month, v.eventId, v.departmentCode, v.channel, String(v.copies)]]));
      expect(actual.size).toBe(expected.size);
      expect(actual).toEqual(expected);

      const quality = (await store.connection.runAndReadAll(`SELECT metric, sum(n)::INTEGER FROM quality_counts GROUP BY metric ORDER BY metric`)).getRows();
      expect(Object.fromEntries(quality)).toMatchObject({ events_read: COUNT, duplicates_dropped: COUNT - truth.size });

      const perPartition = new Map<number, string>();
      for (const r of records) {
        const p = partitionOf(r.event.caseId, PARTITIONS);
        perPartition.set(p, String(Number(perPartition.get(p) ?? 0) + 1));
      }
      expect(await store.storedOffsets('case-events')).toEqual(perPartition);
    } finally {
      store.close();
    }
  }, 300_000);
});
