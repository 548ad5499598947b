/**
 * Runs the monthly snapshot job against a live store, with the lag measured against Kafka. Used by the
 * worker process (its scheduler and its admin route) and by the CLI when no worker runs; all three
 * get the same refusals (services/snapshot/snapshot-eligibility.ts) unless forced.
 */
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { LiveStore } from '../store/live-store.js';
import type { Month } from '../figures/window-figures.js';
import { snapshotMonth, type LagReading, type SnapshotOutcome } from './monthly-snapshot.js';
import { refusalError, snapshotRefusal } from './snapshot-eligibility.js';

export function snapshotsDir(config: Config): string {
  return path.join(config.dataDir, 'snapshots');
}

/** Records on the topic past the store's next offsets; null total when Kafka cannot be asked. */
export async function measureLag(kafka: Kafka | undefined, topic: string, stored: Map<number, bigint | string>, logger: Logger): Promise<LagReading> {
  if (!kafka) return { total: null, partitions: [] };
  const admin = kafka.admin();
  try {
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(topic);
    const partitions = offsets
      .map((o) => {
        const next = stored.has(o.partition) ? BigInt(stored.get(o.partition)!) : BigInt(o.low);
        const lag = BigInt(o.high) - next;
        return { partition: o.partition, lag: Number(lag > 0n ? lag : 0n) };
      })
      .sort((a, b) => a.partition - b.partition);
    return { total: partitions.reduce((s, p) => s + p.lag, 0), partitions };
  } catch (err) {
    logger.warn({ err }, 'could not measure the lag; the snapshot will be provisional');
    return { total: null, partitions: [] };
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface SnapshotRunnerDeps {
  store: LiveStore;
  config: Config;
  topic: string;
  /** The Kafka client to measure the lag with, asked for only once the month is not refused. */
  kafka: () => Promise<Kafka | undefined>;
  logger: Logger;
  now?: () => Date;
}

export interface SnapshotRequest {
  /** Snapshot a month that is open, in the future or without events anyway. */
  force?: boolean;
}

export type SnapshotRun = (month: Month, request?: SnapshotRequest) => Promise<SnapshotOutcome>;

/** Serialized: two snapshots of one runner never run at once, whoever asks; a failed one does not stop the next. */
export function oneAtATime(run: (month: Month, request: SnapshotRequest) => Promise<SnapshotOutcome>): SnapshotRun {
  let running: Promise<unknown> = Promise.resolve();
  return (month, request = {}) => {
    const job = running.then(() => run(month, request));
    running = job.catch(() => undefined);
    return job;
  };
}

export function snapshotRunner(deps: SnapshotRunnerDeps): SnapshotRun {
  const now = deps.now ?? (() => new Date());
  return oneAtATime(async (month, request) => {
    if (!request.force) {
      const refusal = snapshotRefusal(month, now(), await deps.store.hasData(month));
      if (refusal) throw refusalError(month, refusal);
    }
    const kafka = await deps.kafka();
    return snapshotMonth(month, {
      exportMonth: (month, target) => deps.store.exportMonth(month, target),
      snapshotsDir: snapshotsDir(deps.config),
      topic: deps.topic,
      lag: async () => measureLag(kafka, deps.topic, await deps.store.storedOffsets(deps.topic), deps.logger),
      lagThreshold: deps.config.lagThreshold,
      memoryLimit: deps.config.storeMemoryLimit,
      logger: deps.logger,
      now,
    });
  });
}
