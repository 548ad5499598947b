/**
 * Test fixture for the snapshot job without Kafka: a live store in a temporary folder filled with
 * case events laid out as the worker would (partition = a stable hash of the case id mod 4,
 * consecutive offsets per partition, record timestamp a few minutes after the event time).
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaseEvent } from '../../contract/case-event.js';
import type { MalformedRecord } from '../../demo/month-generator.js';
import type { Month } from '../../figures/window-figures.js';
import { silentLogger, type Logger } from '../../platform/logger.js';
import type { BatchDeadLetter, BatchEvent, PartitionBatch } from '../../store/batch.js';
import { LiveStore } from '../../store/live-store.js';
import { partitionOf } from '../../store/testing/synthetic-events.js';
import { snapshotMonth, type LagReading, type SnapshotOutcome } from '../monthly-snapshot.js';

export const TEST_TOPIC = 'case-events';
export const TEST_PARTITIONS = 4;
/** Above this many unread records a snapshot is provisional. */
export const TEST_LAG_THRESHOLD = 1000;
const INGEST_DELAY_MS = 3 * 60_000;

export interface MonthStore {
  /** The temporary data dir: `live.duckdb` and `snapshots/` (a CASEPIPE_DATA_DIR layout). */
  dir: string;
  snapshotsDir: string;
  storePath: string;
  store: LiveStore;
  /** Next offset per partition, as the store should have stored it. */
  nextOffsets: number[];
  /**
   * One batch per partition that has records, after what is already there. Events are ingested
   * `ingestAt` (default: 3 minutes after their event time), dead letters at `deadLetterAt` (default: now).
   */
  apply(events: CaseEvent[], opts?: { deadLetters?: MalformedRecord[]; deadLetterAt?: number; ingestAt?: number }): Promise<void>;
  /** `lag` is what the job measures as the worker's lag (default: none, so the snapshot is not provisional). */
  snapshot(month: Month, opts?: { now?: Date; logger?: Logger; lag?: LagReading }): Promise<SnapshotOutcome>;
  /** Closes the store (so another process can open it) and opens it again. */
  closeStore(): void;
  reopenStore(): Promise<void>;
  /** Closes the store and removes the folder. */
  dispose(): void;
}

export async function openMonthStore(prefix = 'casepipe-snapshot-'): Promise<MonthStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const storePath = path.join(dir, 'live.duckdb');
  const ms: MonthStore = {
    dir,
    snapshotsDir: path.join(dir, 'snapshots'),
    storePath,
    store: await LiveStore.open({ path: storePath }),
    nextOffsets: new Array<number>(TEST_PARTITIONS).fill(0),
    async apply(events, { deadLetters = [], deadLetterAt = Date.now(), ingestAt } = {}) {
      const perEvents: BatchEvent[][] = Array.from({ length: TEST_PARTITIONS }, () => []);
      const perDead: BatchDeadLetter[][] = Array.from({ length: TEST_PARTITIONS }, () => []);
      for (const event of events) {
        const p = partitionOf(event.caseId, TEST_PARTITIONS);
        perEvents[p].push({ event, offset: String(ms.nextOffsets[p]++), timestampMs: ingestAt ?? event.eventTime + INGEST_DELAY_MS });
      }
      for (const bad of deadLetters) {
        const p = partitionOf(bad.key, TEST_PARTITIONS);
        perDead[p].push({ offset: String(ms.nextOffsets[p]++), departmentCode: bad.departmentCode, reason: bad.reason, timestampMs: deadLetterAt });
      }
      for (let partition = 0; partition < TEST_PARTITIONS; partition++) {
        if (perEvents[partition].length + perDead[partition].length === 0) continue;
        const batch: PartitionBatch = {
          topic: TEST_TOPIC,
          partition,
          nextOffset: String(ms.nextOffsets[partition]),
          events: perEvents[partition],
          deadLetters: perDead[partition],
        };
        await ms.store.applyBatch(batch);
      }
    },
    snapshot(month, opts = {}) {
      return snapshotMonth(month, {
        exportMonth: (month, target) => ms.store.exportMonth(month, target),
        snapshotsDir: ms.snapshotsDir,
        topic: TEST_TOPIC,
        lag: async () => opts.lag ?? { total: 0, partitions: [] },
        lagThreshold: TEST_LAG_THRESHOLD,
        logger: opts.logger ?? silentLogger(),
        now: opts.now ? () => opts.now! : undefined,
      });
    },
    closeStore() {
      ms.store.close();
    },
    async reopenStore() {
      ms.store = await LiveStore.open({ path: storePath });
    },
    dispose() {
      ms.store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return ms;
}

export function sha256(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Names in a month's folder (versions and leftovers). */
export function monthEntries(snapshotsDir: string, month: Month): string[] {
  try {
    return fs.readdirSync(path.join(snapshotsDir, month)).sort();
  } catch {
    return [];
  }
}
