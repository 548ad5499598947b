/**
 * The schedule's wiring on a real live store (no broker: the runner gets no Kafka, so the lag cannot be
 * measured and every snapshot here is provisional): refusals of the one eligibility rule, an early
 * forced snapshot that leaves the scheduled first snapshot due and is not restated by it, the catch-up
 * of a month older than three months, and restatements of old months published at the next run.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { CaseEvent } from '../contract/case-event.js';
import { monthOf } from '../contract/month.js';
import { generateMonth } from '../demo/month-generator.js';
import { winners } from '../demo/reference-count.js';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/logger.js';
import type { SnapshotScheduler } from './schedule.js';
import { loadScheduleState } from './schedule-state.js';
import { scheduledSnapshots } from './scheduled-snapshots.js';
import { readManifest, restatesPrevious } from './snapshot-folder.js';
import { snapshotRunner, type SnapshotRun } from './snapshot-runner.js';
import { monthEntries, openMonthStore, TEST_TOPIC, type MonthStore } from './testing/month-store.js';

const TARGETS = { fullOnlineReceived: 30, fullOnlineCompleted: 25, windowReceived: 5, windowDelivered: 5, mailed: 3, phoneConsultations: 4, onsiteConsultations: 6 };
const generate = (month: string) => generateMonth({ month, seed: 7, targets: TARGETS, previousMonthCompletions: 0, boundaryEvents: false, malformedRate: 0 });
const at = (iso: string) => new Date(iso);

function harness(ms: MonthStore) {
  let now = at('2025-01-01T00:00:00Z');
  const clock = () => now;
  const config = loadConfig({ CASEPIPE_DATA_DIR: ms.dir, LOG_LEVEL: 'silent' });
  const runner: SnapshotRun = snapshotRunner({ store: ms.store, config, topic: TEST_TOPIC, kafka: async () => undefined, logger: silentLogger(), now: clock });
  let failing: string | undefined;
  // The scheduler's snapshots go through the runner; `failing` makes that month's next run fail.
  const snapshot: SnapshotRun = (month, request) => {
    if (month !== failing) return runner(month, request);
    failing = undefined;
    return Promise.reject(new Error('disk full'));
  };
  const scheduler: SnapshotScheduler = scheduledSnapshots({ store: ms.store, snapshot, snapshotsDir: ms.snapshotsDir, schedule: {}, now: clock, logger: silentLogger() });
  const tick = async (iso: string) => {
    now = at(iso);
    const r = await scheduler.tick();
    expect(r.failed).toEqual([]);
    return r.ran.map((j) => `${j.kind} ${j.month}`);
  };
  return { runner, scheduler, tick, setNow: (iso: string) => (now = at(iso)), failNext: (month: string) => (failing = month) };
}

const report = (ms: MonthStore, month: string, v: number) => fs.readFileSync(path.join(ms.snapshotsDir, month, `v${v}`, 'report.md'), 'utf8');

async function storeRows(ms: MonthStore, sql: string): Promise<unknown[][]> {
  const conn = await ms.store.connect();
  try {
    return (await conn.runAndReadAll(sql)).getRows();
  } finally {
    conn.closeSync();
  }
}

describe('snapshot eligibility and early snapshots', () => {
  let ms: MonthStore;
  beforeAll(async () => {
    ms = await openMonthStore();
    await ms.apply(generate('2025-08').events);
  });
  afterAll(() => ms?.dispose());

  it('refuses an open, a future and an empty month without force, writing nothing', async () => {
    const h = harness(ms);
    h.setNow('2025-08-20T04:00:00Z');
    await expect(h.runner('2025-08')).rejects.toMatchObject({ code: 'SNAPSHOT_MONTH_OPEN', message: expect.stringMatching(/^2025-08 has not ended yet/) });
    await expect(h.runner('2025-09')).rejects.toMatchObject({ code: 'SNAPSHOT_MONTH_FUTURE' });
    h.setNow('2025-09-05T04:00:00Z');
    await expect(h.runner('2025-06')).rejects.toMatchObject({ code: 'SNAPSHOT_MONTH_EMPTY' });
    expect([...monthEntries(ms.snapshotsDir, '2025-08'), ...monthEntries(ms.snapshotsDir, '2025-09'), ...monthEntries(ms.snapshotsDir, '2025-06')]).toEqual([]);
  });

  it('takes an early snapshot when forced; the scheduled first snapshot still runs and is no restatement', async () => {
    const h = harness(ms);
    h.setNow('2025-08-20T04:00:00Z');
    const early = await h.runner('2025-08', { force: true });
    expect(early).toMatchObject({ version: 1, created: true, manifest: { early: true, provisional: true, provisionalReason: 'taken before the month ended' } });
    expect(report(ms, '2025-08', 1)).toContain('> **数据未完整(暂定数)**:本快照在2025年8月结束前提前生成,以下数字将由本月的正式快照取代。');
    // The early version does not count as the month's first snapshot.
    expect(loadScheduleState(ms.snapshotsDir).snapshots).toEqual({});

    expect(await h.tick('2025-09-02T17:59:00Z')).toEqual([]);
    expect(await h.tick('2025-09-02T18:00:00Z')).toEqual(['snapshot 2025-08']);
    const v2 = readManifest(ms.snapshotsDir, '2025-08', 2);
    expect(v2).toMatchObject({ version: 2, previousVersion: 1, early: false, diff: [] });
    expect(restatesPrevious(ms.snapshotsDir, v2)).toBe(false);
    expect(report(ms, '2025-08', 2)).not.toContain('更正说明');
    expect(loadScheduleState(ms.snapshotsDir).snapshots).toEqual({ '2025-08': at('2025-09-02T18:00:00Z') });

    // A later month's report does not list August among the restated months.
    h.setNow('2025-10-05T04:00:00Z');
    await h.runner('2025-09', { force: true });
    expect(report(ms, '2025-09', 1)).not.toContain('已更正的月份');
  });
});

describe('the schedule catches up old months and publishes old restatements', () => {
  let ms: MonthStore;
  let h: ReturnType<typeof harness>;
  let moved: CaseEvent;
  let alsoMoved: CaseEvent;

  beforeAll(async () => {
    ms = await openMonthStore();
    const april = generate('2025-04');
    await ms.apply([...generate('2025-03').events, ...april.events]);
    h = harness(ms);
    // An April full-online reception, to be moved to March by a late earlier copy.
    [moved, alsoMoved] = [...winners(april.events).values()].filter((e) => e.kind === 'RECEIVED' && e.channel === 'FULL_ONLINE' && monthOf(e.eventTime) === '2025-04');
  });
  afterAll(() => ms?.dispose());

  it('snapshots at start every closed month with data, also those older than three months', async () => {
    // September 5 (12:00 CST): March, April and May (April's late deliveries) have data, none a snapshot.
    expect(await h.tick('2025-09-05T04:00:00Z')).toEqual(['snapshot 2025-03', 'snapshot 2025-04', 'snapshot 2025-05']);
    expect(await h.tick('2025-09-05T04:10:00Z')).toEqual([]);
  });

  it('snapshots both months of a restatement at the next run, then prunes the move', async () => {
    const earlier: CaseEvent = { ...moved, eventId: `${moved.eventId}.late`, eventTime: Date.parse('2025-03-31T10:00:00+08:00'), sourceRecordId: 'LATE-1' };
    await ms.apply([earlier], { ingestAt: Date.parse('2025-09-05T13:00:00+08:00') });
    expect(await storeRows(ms, 'SELECT old_month, new_month FROM milestone_moves')).toEqual([['2025-04', '2025-03']]);

    expect(await h.tick('2025-09-05T06:00:00Z')).toEqual(['restate 2025-03', 'restate 2025-04']);
    expect(moved.departmentCode).toBe('SCJGJ');
    expect(readManifest(ms.snapshotsDir, '2025-03', 2).diff).toEqual([
      { figure: 'totalHandled', departmentCode: null, old: 35, new: 36 },
      { figure: 'fullOnlineReceived', departmentCode: null, old: 30, new: 31 },
      { figure: 'totalHandled', departmentCode: 'SCJGJ', old: 4, new: 5 },
      { figure: 'fullOnlineReceived', departmentCode: 'SCJGJ', old: 3, new: 4 },
    ]);
    expect(readManifest(ms.snapshotsDir, '2025-04', 2).diff).toEqual([
      { figure: 'totalHandled', departmentCode: null, old: 35, new: 34 },
      { figure: 'fullOnlineReceived', departmentCode: null, old: 30, new: 29 },
      { figure: 'totalHandled', departmentCode: 'SCJGJ', old: 4, new: 3 },
      { figure: 'fullOnlineReceived', departmentCode: 'SCJGJ', old: 3, new: 2 },
    ]);
    expect(report(ms, '2025-04', 2)).toContain('## 更正说明');
    // Restated, so pruned: the log and the due months are empty, and the next run has nothing to do.
    expect(await storeRows(ms, 'SELECT count(*)::INTEGER FROM milestone_moves')).toEqual([[0]]);
    expect(await storeRows(ms, 'SELECT count(*)::INTEGER FROM restatements_due')).toEqual([[0]]);
    expect(await h.tick('2025-09-05T06:10:00Z')).toEqual([]);
    expect(monthEntries(ms.snapshotsDir, '2025-03')).toEqual(['v1', 'v2']);
  });

  it('keeps a due restatement whose run failed, and publishes it at the following run', async () => {
    const second = { ...alsoMoved, eventId: `${alsoMoved.eventId}.late`, eventTime: Date.parse('2025-03-30T10:00:00+08:00'), sourceRecordId: 'LATE-2' };
    await ms.apply([second], { ingestAt: Date.parse('2025-09-05T14:00:00+08:00') });
    h.setNow('2025-09-05T06:20:00Z');
    h.failNext('2025-03');
    const r = await h.scheduler.tick();
    expect(r.failed.map((f) => `${f.job.kind} ${f.job.month}`)).toEqual(['restate 2025-03']);
    expect(r.ran.map((j) => `${j.kind} ${j.month}`)).toEqual(['restate 2025-04']);
    expect(await storeRows(ms, 'SELECT month FROM restatements_due')).toEqual([['2025-03']]);
    expect(await h.tick('2025-09-05T06:30:00Z')).toEqual(['restate 2025-03']);
    expect(monthEntries(ms.snapshotsDir, '2025-03')).toEqual(['v1', 'v2', 'v3']);
    expect(await storeRows(ms, 'SELECT count(*)::INTEGER FROM restatements_due')).toEqual([[0]]);
  });
});
