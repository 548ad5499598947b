/**
 * The monthly schedule as the worker runs it: what has run comes from the snapshots folder
 * (schedule-state.ts), which months have data and which restatements are due come from the live
 * store (services/store/restatements-due.ts), and every job goes through the snapshot runner, unforced,
 * so the scheduler gets the same refusals as the CLI and the admin route.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { isCasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';
import type { LiveStore } from '../store/live-store.js';
import { drainRestatements, monthsWithData, restatementDone } from '../store/restatements-due.js';
import { isScheduledMonth, SnapshotScheduler, type ScheduleOptions } from './schedule.js';
import { loadScheduleState, recordRecheck } from './schedule-state.js';
import type { SnapshotRun } from './snapshot-runner.js';

export interface ScheduledSnapshotsDeps {
  store: LiveStore;
  snapshot: SnapshotRun;
  snapshotsDir: string;
  schedule: Partial<ScheduleOptions>;
  /** Injected clock (tests); default the system clock. */
  now?: () => Date;
  logger: Logger;
}

export function scheduledSnapshots(deps: ScheduledSnapshotsDeps): SnapshotScheduler {
  const { store, logger, snapshotsDir: dir } = deps;
  const now = deps.now ?? (() => new Date());
  const onStore = async <T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> => {
    const conn = await store.connect();
    try {
      return await fn(conn);
    } finally {
      conn.closeSync();
    }
  };
  return new SnapshotScheduler({
    logger,
    now,
    schedule: deps.schedule,
    loadState: () =>
      onStore(async (conn) => {
        const due = await drainRestatements(conn);
        // A month that is never scheduled has nothing published by the schedule to restate.
        for (const month of due.filter((m) => !isScheduledMonth(m, deps.schedule))) await restatementDone(conn, month);
        return { ...loadScheduleState(dir), monthsWithData: await monthsWithData(conn), restatementsDue: due };
      }),
    // Every job starts after this tick's drain, so its snapshot includes every move drained.
    run: async (job) => {
      try {
        const outcome = await deps.snapshot(job.month);
        logger.info({ job: job.kind, month: job.month, version: outcome.version, created: outcome.created }, 'scheduled snapshot done');
      } catch (err) {
        if (!isCasepipeError(err, 'SNAPSHOT_MONTH_EMPTY')) throw err;
        logger.info({ job: job.kind, month: job.month }, 'no events for this month in the store; nothing to snapshot');
      }
      // A restatement run checks the month again, as a re-check does.
      if (job.kind !== 'snapshot') recordRecheck(dir, job.month, now());
      await onStore((conn) => restatementDone(conn, job.month));
    },
  });
}
