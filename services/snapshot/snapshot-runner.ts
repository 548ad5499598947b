/**
 * Runs the monthly snapshot job against a live store, with the lag measured against Kafka. Used by the
 * worker process (its scheduler and its admin route) and by the CLI when no worker runs.
 */
import path from 'node:path';
import type { Kafka } from 'kafkajs';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import type { LiveStore } from '../store/live-store.js';
import type { Month } from '../figures/window-figures.js';
import { snapshotMonth, type LagReading, type SnapshotOutcome } from './monthly-snapshot.js';

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
  kafka: Kafka | undefined;
  logger: Logger;
  now?: () => Date;
}

export function snapshotRunner(deps: SnapshotRunnerDeps): (month: Month) => Promise<SnapshotOutcome> {
  let running: Promise<unknown> = Promise.resolve();
  // Serialized: two snapshots never run at once, whoever asks.
  return (month) => {
    const job = running.then(() =>
      snapshotMonth(month, {
        connect: () => deps.store.connect(),
        snapshotsDir: snapshotsDir(deps.config),
        topic: deps.topic,
        lag: async () => measureLag(deps.kafka, deps.topic, await deps.store.storedOffsets(deps.topic), deps.logger),
        lagThreshold: deps.config.lagThreshold,
        memoryLimit: deps.config.storeMemoryLimit,
        logger: deps.logger,
        now: deps.now,
      }),
    );
    running = job.catch(() => undefined);
    return job;
  };
}
