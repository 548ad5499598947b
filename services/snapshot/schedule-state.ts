/**
 * What the scheduler has run, read back from disk so a restarted worker neither repeats nor misses
 * work: a month's first snapshot time comes from the manifest of its first version that is not early
 * (an early one, forced before the month ended, leaves the scheduled first snapshot due); re-checks
 * (which write nothing when nothing changed) are recorded in `<snapshots>/schedule-state.json`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Month } from '../figures/window-figures.js';
import type { ScheduleState } from './schedule.js';
import { listMonths, listVersions, readManifest } from './snapshot-folder.js';

const STATE_FILE = 'schedule-state.json';

export function loadScheduleState(snapshotsDir: string): Pick<ScheduleState, 'snapshots' | 'rechecks'> {
  const state: Pick<ScheduleState, 'snapshots' | 'rechecks'> = { snapshots: {}, rechecks: {} };
  for (const month of listMonths(snapshotsDir)) {
    const first = listVersions(snapshotsDir, month)
      .map((v) => readManifest(snapshotsDir, month, v))
      .find((m) => m.early !== true);
    if (first) state.snapshots[month] = new Date(first.createdAt);
  }
  try {
    const saved = JSON.parse(fs.readFileSync(path.join(snapshotsDir, STATE_FILE), 'utf8')) as { rechecks?: Record<string, string> };
    for (const [month, at] of Object.entries(saved.rechecks ?? {})) state.rechecks[month] = new Date(at);
  } catch {
    /* no re-check recorded yet */
  }
  return state;
}

export function recordRecheck(snapshotsDir: string, month: Month, at: Date): void {
  const file = path.join(snapshotsDir, STATE_FILE);
  let saved: { rechecks: Record<string, string> } = { rechecks: {} };
  try {
    saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    /* first record */
  }
  saved.rechecks[month] = at.toISOString();
  fs.mkdirSync(snapshotsDir, { recursive: true });
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(saved, null, 2)}\n`);
  fs.renameSync(tmp, file);
}
