/**
 * Which months may be snapshotted without `--force` (`force: true` on the admin route): only a closed
 * month (its CST end has passed) that has events in the store. A future month or the month still
 * running would publish figures that are bound to change, and an empty month an all-zero "immutable"
 * version. The snapshot runner applies this rule for the CLI, the admin route and the scheduler alike.
 */
import { monthOf, monthRange } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';

export type SnapshotRefusal = 'SNAPSHOT_MONTH_FUTURE' | 'SNAPSHOT_MONTH_OPEN' | 'SNAPSHOT_MONTH_EMPTY';

/** Every refusal code: callers answer them as a refusal (409), not as a failed job. */
export const MONTH_REFUSALS: ReadonlySet<string> = new Set<SnapshotRefusal>(['SNAPSHOT_MONTH_FUTURE', 'SNAPSHOT_MONTH_OPEN', 'SNAPSHOT_MONTH_EMPTY']);

/** True once month M has ended in China Standard Time at `now`. */
export function monthClosed(month: Month, now: Date): boolean {
  return now.getTime() >= monthRange(month).endMs;
}

/** Why month M may not be snapshotted at `now` without force, or null when it may. */
export function snapshotRefusal(month: Month, now: Date, hasData: boolean): SnapshotRefusal | null {
  if (!monthClosed(month, now)) return month > monthOf(now.getTime()) ? 'SNAPSHOT_MONTH_FUTURE' : 'SNAPSHOT_MONTH_OPEN';
  return hasData ? null : 'SNAPSHOT_MONTH_EMPTY';
}

export function refusalError(month: Month, refusal: SnapshotRefusal): CasepipeError {
  const why = {
    SNAPSHOT_MONTH_FUTURE: `${month} has not begun (China Standard Time)`,
    SNAPSHOT_MONTH_OPEN: `${month} has not ended yet (China Standard Time); its figures would still change`,
    SNAPSHOT_MONTH_EMPTY: `the live store has no events for ${month}; the snapshot would be all zeros`,
  }[refusal];
  return new CasepipeError(refusal, `${why}. Not snapshotted; pass --force (admin route: "force": true) to snapshot it anyway`);
}
