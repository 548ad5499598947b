/**
 * What the snapshot schedule asks of the live store about months, without knowing its tables:
 * which months have events, and which months restatements (`milestone_moves`, written by the merge)
 * touched since the schedule last looked. The move log is drained into `restatements_due`, one row per
 * month, in one transaction that sees exactly the moves it deletes; a month's row goes once a snapshot
 * that started after the drain has run, so no move is dropped before a snapshot includes it and the
 * log no longer grows forever.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Month } from '../figures/window-figures.js';

/** Months with a milestone, a consultation or a quality count (a dead letter ingested in the month). */
export async function monthsWithData(conn: DuckDBConnection): Promise<Month[]> {
  const reader = await conn.runAndReadAll(
    `SELECT month FROM milestones UNION SELECT month FROM consultations UNION SELECT month FROM quality_counts ORDER BY month`,
  );
  return reader.getRows().map((r) => String(r[0]));
}

/**
 * Moves the months of every logged restatement into `restatements_due` and empties the log, in one
 * transaction; returns every month now due (oldest first), including those left from earlier drains.
 */
export async function drainRestatements(conn: DuckDBConnection): Promise<Month[]> {
  await conn.run('BEGIN TRANSACTION');
  try {
    await conn.run(`
      INSERT INTO restatements_due
      SELECT month, min(moved_at) FROM (
        SELECT old_month AS month, moved_at FROM milestone_moves UNION ALL SELECT new_month, moved_at FROM milestone_moves
      ) GROUP BY month
      ON CONFLICT (month) DO NOTHING`);
    await conn.run('DELETE FROM milestone_moves');
    const months = (await conn.runAndReadAll('SELECT month FROM restatements_due ORDER BY month')).getRows().map((r) => String(r[0]));
    await conn.run('COMMIT');
    return months;
  } catch (err) {
    await conn.run('ROLLBACK').catch(() => undefined);
    throw err;
  }
}

/** The month was snapshotted from a state that includes every move drained before: no longer due. */
export async function restatementDone(conn: DuckDBConnection, month: Month): Promise<void> {
  await conn.run('DELETE FROM restatements_due WHERE month = $month', { month });
}
