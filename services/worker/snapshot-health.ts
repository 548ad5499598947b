/**
 * Snapshot jobs as operators see them: the published versions (from the snapshot folders), each run's
 * duration and outcome, and the months that are due but have no snapshot. The metrics let an alert
 * tell a missed, a failed and a provisional snapshot apart.
 */
import { addMonths, monthOf } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import { isCasepipeError } from '../platform/errors.js';
import { snapshotDueAt } from '../snapshot/schedule.js';
import { MONTH_REFUSALS } from '../snapshot/snapshot-eligibility.js';
import { listMonths, listVersions, readManifest } from '../snapshot/snapshot-folder.js';
import type { SnapshotRun as RunSnapshot } from '../snapshot/snapshot-runner.js';
import type { OperatorMetrics } from './operator-metrics.js';

export interface SnapshotVersionInfo {
  month: Month;
  version: number;
  createdAt: string;
  provisional: boolean;
  provisionalReason: string | null;
  /** Admin-server path of the version's report.md. */
  report: string;
}

export interface SnapshotRun {
  month: Month;
  at: string;
  seconds: number;
  outcome: 'created' | 'unchanged' | 'failed';
  version: number | null;
  error: string | null;
}

export function reportPath(month: Month, version: number): string {
  return `/snapshots/${month}/v${version}/report.md`;
}

/** Every published version, newest month and version first. */
export function snapshotHistory(snapshotsDir: string): SnapshotVersionInfo[] {
  const out: SnapshotVersionInfo[] = [];
  for (const month of listMonths(snapshotsDir).reverse()) {
    for (const version of listVersions(snapshotsDir, month).reverse()) {
      const m = readManifest(snapshotsDir, month, version);
      out.push({ month, version, createdAt: m.createdAt, provisional: m.provisional, provisionalReason: m.provisionalReason, report: reportPath(month, version) });
    }
  }
  return out;
}

/** How many closed months are checked for a missing snapshot (like the scheduler's catch-up). */
const WATCHED_MONTHS = 3;

export class SnapshotHealth {
  private readonly runs: SnapshotRun[] = [];

  constructor(
    private readonly snapshotsDir: string,
    private readonly graceDays: number,
    private readonly metrics: OperatorMetrics,
  ) {
    // The latest version of each month stands until a run of this process (the history is newest first).
    const seeded = new Set<Month>();
    for (const v of snapshotHistory(snapshotsDir)) {
      if (seeded.has(v.month)) continue;
      seeded.add(v.month);
      this.metrics.snapshotLastSuccess.set({ month: v.month }, Date.parse(v.createdAt) / 1000);
      this.metrics.snapshotProvisional.set({ month: v.month }, v.provisional ? 1 : 0);
    }
  }

  /** Wraps the snapshot runner: every run is timed and its outcome recorded. */
  track(run: RunSnapshot): RunSnapshot {
    return async (month, request) => {
      const started = process.hrtime.bigint();
      const seconds = () => Number(process.hrtime.bigint() - started) / 1e9;
      try {
        const outcome = await run(month, request);
        const s = seconds();
        this.metrics.snapshotDuration.set({ month }, s);
        this.metrics.snapshotLastSuccess.setToCurrentTime({ month });
        this.metrics.snapshotProvisional.set({ month }, outcome.manifest.provisional ? 1 : 0);
        this.metrics.snapshotDue.remove({ month });
        this.record({ month, at: new Date().toISOString(), seconds: s, outcome: outcome.created ? 'created' : 'unchanged', version: outcome.version, error: null });
        return outcome;
      } catch (err) {
        // A month refused without --force (open, future, empty) is an answer to the caller, not a failed job.
        if (isCasepipeError(err) && MONTH_REFUSALS.has(err.code)) throw err;
        const s = seconds();
        this.metrics.snapshotDuration.set({ month }, s);
        this.metrics.snapshotFailures.inc({ month });
        this.record({ month, at: new Date().toISOString(), seconds: s, outcome: 'failed', version: null, error: (err as Error).message });
        throw err;
      }
    };
  }

  /** Closed months whose snapshot is due, that have data and no version yet: published as due. */
  async refreshDue(now: Date, hasData: (month: Month) => Promise<boolean>): Promise<void> {
    const current = monthOf(now.getTime());
    for (let i = 1; i <= WATCHED_MONTHS; i++) {
      const month = addMonths(current, -i);
      const due = snapshotDueAt(month, { graceDays: this.graceDays });
      if (due <= now && listVersions(this.snapshotsDir, month).length === 0 && (await hasData(month))) {
        this.metrics.snapshotDue.set({ month }, due.getTime() / 1000);
      } else {
        this.metrics.snapshotDue.remove({ month });
      }
    }
  }

  /** This process's runs, newest first. */
  recentRuns(): SnapshotRun[] {
    return [...this.runs].reverse();
  }

  private record(run: SnapshotRun): void {
    this.runs.push(run);
    if (this.runs.length > 50) this.runs.shift();
  }
}
