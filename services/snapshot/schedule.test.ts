import {
  dueSnapshotJobs,
  latestRecheckSlot,
  snapshotDueAt,
  SnapshotScheduler,
  type ScheduleState,
  type SnapshotJob,
} from './schedule.js';
import { isCasepipeError } from '../platform/errors.js';

const at = (iso: string) => new Date(iso);
const empty = (monthsWithData: string[] = []): ScheduleState => ({ snapshots: {}, rechecks: {}, monthsWithData, restatementsDue: [] });
const brief = (jobs: SnapshotJob[]) => jobs.map((j) => `${j.kind} ${j.month} @${j.dueAt.toISOString()}`);

describe('dueSnapshotJobs (pure, CST, injected clock)', () => {
  const firstMonth = '2025-08'; // the pipeline went live in August

  it('snapshots August at 02:00 CST on September 3 (18:00Z on the 2nd), not a minute before', () => {
    expect(snapshotDueAt('2025-08').toISOString()).toBe('2025-09-02T18:00:00.000Z');
    expect(dueSnapshotJobs(at('2025-09-02T17:59:00Z'), empty(['2025-08']), { firstMonth })).toEqual([]);
    expect(brief(dueSnapshotJobs(at('2025-09-02T18:00:00Z'), empty(['2025-08']), { firstMonth }))).toEqual([
      'snapshot 2025-08 @2025-09-02T18:00:00.000Z',
    ]);
  });

  it('works across the year end and with other grace periods', () => {
    expect(snapshotDueAt('2025-12').toISOString()).toBe('2026-01-02T18:00:00.000Z');
    expect(snapshotDueAt('2025-08', { graceDays: 0 }).toISOString()).toBe('2025-08-31T18:00:00.000Z'); // Sep 1 02:00 CST
    expect(snapshotDueAt('2025-08', { graceDays: 4, snapshotAt: { hour: 6, minute: 15 } }).toISOString()).toBe('2025-09-04T22:15:00.000Z');
    const jobs = dueSnapshotJobs(at('2026-01-02T18:00:00Z'), empty(['2025-11', '2025-12']), { firstMonth: '2025-12' });
    expect(brief(jobs)).toEqual(['snapshot 2025-12 @2026-01-02T18:00:00.000Z']);
  });

  it('catches up the first snapshot of every closed month with data, however old, oldest first, from firstMonth', () => {
    // Nov 10: a backfill brought records of November 2024; August and October 2025 were never
    // snapshotted; September has no data; November 2025 is still running.
    const now = at('2025-11-10T04:00:00Z');
    const state = empty(['2024-11', '2025-08', '2025-10', '2025-11']);
    expect(brief(dueSnapshotJobs(now, state))).toEqual([
      'snapshot 2024-11 @2024-12-02T18:00:00.000Z',
      'snapshot 2025-08 @2025-09-02T18:00:00.000Z',
      'snapshot 2025-10 @2025-11-02T18:00:00.000Z',
    ]);
    expect(dueSnapshotJobs(now, state, { firstMonth: '2025-09' }).map((j) => j.month)).toEqual(['2025-10']);
    expect(dueSnapshotJobs(now, { ...state, snapshots: { '2024-11': at('2025-11-01T00:00:00Z') } }).map((j) => j.month)).toEqual(['2025-08', '2025-10']);
  });

  it('waits for the grace days: with 9, October is due at 02:00 CST on November 10', () => {
    const state = empty(['2025-10']);
    expect(dueSnapshotJobs(at('2025-11-09T17:59:59Z'), state, { graceDays: 9 })).toEqual([]);
    expect(brief(dueSnapshotJobs(at('2025-11-09T18:00:00Z'), state, { graceDays: 9 }))).toEqual(['snapshot 2025-10 @2025-11-09T18:00:00.000Z']);
  });

  it('snapshots again at the next run every month a restatement touched, however old, once', () => {
    const state: ScheduleState = {
      snapshots: { '2024-03': at('2024-04-02T18:00:00Z'), '2025-07': at('2025-08-02T18:00:00Z'), '2025-08': at('2025-09-02T18:00:00Z') },
      rechecks: {},
      monthsWithData: ['2024-03', '2025-07', '2025-08'],
      restatementsDue: ['2025-08', '2024-03', '2024-02', '2025-09'],
    };
    // Sept 5, 12:00 CST: August is re-checked anyway (last slot 02:30 today), so it is not run twice;
    // February 2024 has no snapshot (its first one includes the move) and September is still running.
    expect(brief(dueSnapshotJobs(at('2025-09-05T04:00:00Z'), state))).toEqual([
      'recheck 2025-07 @2025-09-04T18:30:00.000Z',
      'recheck 2025-08 @2025-09-04T18:30:00.000Z',
      'restate 2024-03 @2025-09-05T04:00:00.000Z',
    ]);
    expect(dueSnapshotJobs(at('2025-09-05T04:00:00Z'), state, { firstMonth: '2025-01' }).map((j) => j.kind)).toEqual(['recheck', 'recheck']);
  });

  it('re-checks the last three snapshotted closed months daily at 02:30 CST', () => {
    const state: ScheduleState = {
      snapshots: {
        '2025-06': at('2025-07-02T18:00:05Z'),
        '2025-07': at('2025-08-02T18:00:05Z'),
        '2025-08': at('2025-09-02T18:00:05Z'),
      },
      rechecks: { '2025-06': at('2025-09-09T18:30:02Z'), '2025-07': at('2025-09-09T18:30:04Z') },
      monthsWithData: ['2025-06', '2025-07', '2025-08'],
      restatementsDue: [],
    };
    // Sept 10, 02:29 CST: the latest slot is Sept 9 02:30 CST; August was never re-checked since.
    expect(latestRecheckSlot(at('2025-09-09T18:29:00Z')).toISOString()).toBe('2025-09-08T18:30:00.000Z');
    expect(brief(dueSnapshotJobs(at('2025-09-09T18:29:00Z'), state))).toEqual(['recheck 2025-08 @2025-09-08T18:30:00.000Z']);
    // 02:30 CST: all three are due.
    expect(brief(dueSnapshotJobs(at('2025-09-09T18:30:00Z'), { ...state, rechecks: {} }))).toEqual([
      'recheck 2025-06 @2025-09-09T18:30:00.000Z',
      'recheck 2025-07 @2025-09-09T18:30:00.000Z',
      'recheck 2025-08 @2025-09-09T18:30:00.000Z',
    ]);
    // After they ran, nothing is due until the next slot.
    const done: ScheduleState = {
      ...state,
      rechecks: { '2025-06': at('2025-09-09T18:30:02Z'), '2025-07': at('2025-09-09T18:30:04Z'), '2025-08': at('2025-09-09T18:31:00Z') },
    };
    expect(dueSnapshotJobs(at('2025-09-10T18:29:59Z'), done)).toEqual([]);
    expect(dueSnapshotJobs(at('2025-09-10T18:30:00Z'), done)).toHaveLength(3);
  });

  it('does not re-check a month without a snapshot, nor months older than the last three', () => {
    const state: ScheduleState = {
      snapshots: { '2025-05': at('2025-06-02T18:00:00Z'), '2025-07': at('2025-08-02T18:00:00Z') },
      rechecks: {},
      monthsWithData: ['2025-05', '2025-07', '2025-08'],
      restatementsDue: [],
    };
    // Sept 2, 12:00 CST: August not yet snapshotted (due tomorrow); May is out of the window.
    // June has no snapshot (and no data), so it is not re-checked either.
    expect(brief(dueSnapshotJobs(at('2025-09-02T04:00:00Z'), state))).toEqual([
      'recheck 2025-07 @2025-09-01T18:30:00.000Z',
    ]);
  });

  it('puts the first snapshot before re-checks and does not re-check the month it snapshots', () => {
    const state: ScheduleState = { snapshots: { '2025-07': at('2025-08-02T18:00:00Z') }, rechecks: {}, monthsWithData: ['2025-07', '2025-08'], restatementsDue: [] };
    expect(brief(dueSnapshotJobs(at('2025-09-02T18:45:00Z'), state, { firstMonth: '2025-07' }))).toEqual([
      'snapshot 2025-08 @2025-09-02T18:00:00.000Z',
      'recheck 2025-07 @2025-09-02T18:30:00.000Z',
    ]);
  });

  it('rejects a bad schedule with CONFIG_INVALID', () => {
    let err: unknown;
    try {
      dueSnapshotJobs(at('2025-09-02T18:00:00Z'), empty(['2025-08']), { graceDays: 40 });
    } catch (e) {
      err = e;
    }
    expect(isCasepipeError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(/graceDays 40/);
  });
});

/** A fake snapshot job: records what ran, can be slow, and updates the state like the real one. */
function harness(startIso: string, opts: { slowMs?: number; failFirst?: boolean } = {}) {
  let now = at(startIso);
  const state: ScheduleState = { snapshots: {}, rechecks: {}, monthsWithData: ['2025-07', '2025-08'], restatementsDue: [] };
  const log: string[] = [];
  let running = 0;
  let maxRunning = 0;
  let failures = opts.failFirst ? 1 : 0;
  const scheduler = new SnapshotScheduler({
    now: () => now,
    schedule: { firstMonth: '2025-08' },
    loadState: async () => ({ ...state, snapshots: { ...state.snapshots }, rechecks: { ...state.rechecks } }),
    run: async (job) => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      try {
        await new Promise((r) => setTimeout(r, opts.slowMs ?? 1));
        if (failures > 0) {
          failures--;
          throw new Error('store busy');
        }
        (job.kind === 'snapshot' ? state.snapshots : state.rechecks)[job.month] = now;
        log.push(`${job.kind} ${job.month}`);
      } finally {
        running--;
      }
    },
  });
  return {
    scheduler,
    log,
    state,
    maxRunning: () => maxRunning,
    setNow: (iso: string) => {
      now = at(iso);
    },
  };
}

describe('SnapshotScheduler', () => {
  it('catches up a run missed while the process was down, at start', async () => {
    const h = harness('2025-09-05T01:00:00Z'); // started two days after the August snapshot was due
    try {
      const r = await h.scheduler.start();
      expect(r.ran.map((j) => `${j.kind} ${j.month}`)).toEqual(['snapshot 2025-08']);
      expect(h.log).toEqual(['snapshot 2025-08']);
      // Nothing more until 02:30 CST.
      expect((await h.scheduler.tick()).ran).toEqual([]);
      h.setNow('2025-09-05T18:30:00Z');
      expect((await h.scheduler.tick()).ran.map((j) => `${j.kind} ${j.month}`)).toEqual(['recheck 2025-08']);
    } finally {
      await h.scheduler.stop();
    }
  });

  it('never overlaps: a wake-up during a run waits, joins one pending tick, and repeats no work', async () => {
    const h = harness('2025-09-02T18:00:00Z', { slowMs: 50 });
    const first = h.scheduler.tick(); // starts the August snapshot
    const second = h.scheduler.tick(); // waits behind it
    const third = h.scheduler.tick(); // joins the waiting one
    expect(third).toBe(second);
    const [a, b] = await Promise.all([first, second]);
    expect(h.maxRunning()).toBe(1);
    expect(a.ran.map((j) => j.month)).toEqual(['2025-08']);
    expect(b.ran).toEqual([]); // recomputed from fresh state: August is done
    expect(h.log).toEqual(['snapshot 2025-08']);
  });

  it('keeps a failed job due and runs it at the next wake-up', async () => {
    const h = harness('2025-09-02T18:00:00Z', { failFirst: true });
    const r1 = await h.scheduler.tick();
    expect(r1.failed.map((f) => f.job.month)).toEqual(['2025-08']);
    expect((r1.failed[0].error as Error).message).toBe('store busy');
    h.setNow('2025-09-02T18:30:00Z'); // the daily 02:30 wake-up
    const r2 = await h.scheduler.tick();
    expect(r2.ran.map((j) => `${j.kind} ${j.month}`)).toEqual(['snapshot 2025-08']);
  });

  it('remembers what it ran even when loadState lags behind', async () => {
    let now = at('2025-09-02T18:00:00Z');
    const ran: string[] = [];
    const s = new SnapshotScheduler({
      now: () => now,
      schedule: { firstMonth: '2025-08' },
      loadState: async () => empty(['2025-08']), // never sees a snapshot
      run: async (job) => {
        ran.push(`${job.kind} ${job.month}`);
      },
    });
    await s.tick();
    now = at('2025-09-02T18:10:00Z');
    await s.tick();
    expect(ran).toEqual(['snapshot 2025-08']);
  });

  it('wakes up at 02:00 CST on day 3 and 02:30 CST daily, whatever the machine TZ', () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ['UTC', 'America/New_York', 'Asia/Shanghai', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        const s = new SnapshotScheduler({ run: async () => {}, loadState: async () => empty() });
        expect(s.patterns).toEqual({ snapshot: '0 2 3 * *', recheck: '30 2 * * *' });
        expect(s.nextWakeUps(at('2025-09-02T17:59:00Z')).map((d) => d.toISOString())).toEqual([
          '2025-09-02T18:00:00.000Z', // Sept 3 02:00 CST: snapshot August
          '2025-09-02T18:30:00.000Z', // Sept 3 02:30 CST: re-check
        ]);
        expect(s.nextWakeUps(at('2025-12-31T18:31:00Z'))[0].toISOString()).toBe('2026-01-01T18:30:00.000Z');
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });
});
