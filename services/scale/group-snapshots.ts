/**
 * The snapshot job across a worker group (`casepipe scheduler`, CASEPIPE_SCHEDULER=external): takes the
 * topic's end offsets, asks every worker for a fresh export of the month (a request file in the exports
 * folder, which each worker polls: no worker needs to be reachable from the scheduler, and a worker
 * that joins later answers too), waits until every partition is exported at or past the end offsets
 * or the wait runs out, merges the newest export of each partition and runs the usual snapshot job on
 * it. A partition not covered up to its end offset makes the snapshot provisional, naming it.
 */
import type { Kafka } from 'kafkajs';
import type { Month } from '../figures/window-figures.js';
import type { Config } from '../platform/config.js';
import type { Logger } from '../platform/logger.js';
import { snapshotMonth, type SnapshotOutcome } from '../snapshot/monthly-snapshot.js';
import { refusalError, snapshotRefusal } from '../snapshot/snapshot-eligibility.js';
import { oneAtATime, snapshotsDir, type SnapshotRun } from '../snapshot/snapshot-runner.js';
import { listExports, newestExport, readWorkers, requestExports, withdrawRequest } from './export-folder.js';
import { mergedMonthSource, pickExports, type PartitionEnd } from './merged-exports.js';

export interface GroupSnapshotDeps {
  config: Config;
  exportsDir: string;
  topic: string;
  kafka: () => Promise<Kafka>;
  logger: Logger;
  now?: () => Date;
  /** How long to wait for the workers' exports (default 120 s). */
  waitMs?: number;
}

/** Months with data in any worker's owned partitions, from the registry. */
export function groupMonthsWithData(exportsDir: string): Month[] {
  return [...new Set(readWorkers(exportsDir).flatMap((w) => w.monthsWithData))].sort();
}

export async function topicEnds(kafka: Kafka, topic: string): Promise<PartitionEnd[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, high: o.high, low: o.low }));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Waits until every partition's newest export answers the request or covers its end offset. */
export async function waitForExports(exportsDir: string, month: Month, ends: PartitionEnd[], requestedAt: string, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const done = ends.every((end) => {
      const e = newestExport(listExports(exportsDir, month, end.partition));
      return e !== undefined && (e.manifest.answers === requestedAt || BigInt(e.manifest.offset) >= BigInt(end.high));
    });
    if (done) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function groupSnapshotRunner(deps: GroupSnapshotDeps): SnapshotRun {
  const now = deps.now ?? (() => new Date());
  return oneAtATime(async (month, request): Promise<SnapshotOutcome> => {
    // An open or future month is refused before the workers are asked; an empty one once their
    // exports show no rows (the registry's months list may be a few seconds old).
    const refuse = (hasData: boolean) => {
      const refusal = request.force ? null : snapshotRefusal(month, now(), hasData);
      if (refusal) throw refusalError(month, refusal);
    };
    refuse(true);
    const kafka = await deps.kafka();
    const ends = await topicEnds(kafka, deps.topic);
    const asked = requestExports(deps.exportsDir, month);
    let complete: boolean;
    try {
      complete = await waitForExports(deps.exportsDir, month, ends, asked.requestedAt, deps.waitMs ?? 120_000);
    } finally {
      // Answered (or given up on): workers stop re-exporting the month after every rebalance.
      withdrawRequest(deps.exportsDir, asked);
    }
    if (!complete) deps.logger.warn({ month }, 'not every partition was exported in time; the snapshot uses the newest exports there are');
    const { picks, lag } = pickExports(deps.exportsDir, month, ends);
    refuse(picks.some((p) => Object.values(p.export?.manifest.rows ?? {}).some((n) => n > 0)));
    deps.logger.info(
      { month, partitions: picks.map((p) => ({ partition: p.partition, offset: p.export?.manifest.offset ?? null, generation: p.export?.manifest.generation ?? null, lag: p.lag })) },
      'snapshot from the merged exports',
    );
    return snapshotMonth(month, {
      source: mergedMonthSource(picks, deps.topic),
      snapshotsDir: snapshotsDir(deps.config),
      topic: deps.topic,
      lag: async () => lag,
      lagThreshold: deps.config.lagThreshold,
      memoryLimit: deps.config.storeMemoryLimit,
      logger: deps.logger,
      now,
    });
  });
}
