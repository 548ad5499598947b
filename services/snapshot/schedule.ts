/**
 * When monthly snapshots run. All times are China Standard Time (Asia/Shanghai, UTC+8, no DST),
 * never the machine's TZ:
 * - month M is first snapshotted at 02:00 on day (1 + graceDays) of M+1 (default day 3), if the live
 *   store has data for it;
 * - the last `recheckMonths` closed months that have a snapshot are re-checked daily at 02:30, so
 *   that late events restate them (the snapshot job writes vN+1 only when a figure changed);
 * - a month that a restatement (a late earlier copy moving a milestone) touched is snapshotted again at
 *   the next run, however old it is;
 * - a run missed while the process was down is caught up at start: the first snapshot of every closed
 *   month with data that has none yet (a backfill of last year's records included), and the latest
 *   daily re-check.
 *
 * `dueSnapshotJobs` is the pure core (an injected `now`); `SnapshotScheduler` wakes up with croner
 * at those local times and runs the due jobs one at a time through a p-queue of concurrency 1.
 */
import { Cron } from 'croner';
import PQueue from 'p-queue';
import { addMonths, CST_OFFSET_MS, isMonth, monthOf, monthRange } from '../contract/month.js';
import type { Month } from '../figures/window-figures.js';
import { CasepipeError } from '../platform/errors.js';
import type { Logger } from '../platform/logger.js';

export const SCHEDULE_TIMEZONE = 'Asia/Shanghai';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;

export interface LocalTime {
  hour: number;
  minute: number;
}

export interface ScheduleOptions {
  /** Days after the month ends before its first snapshot: 2 → 02:00 on day 3 of M+1. */
  graceDays: number;
  snapshotAt: LocalTime;
  recheckAt: LocalTime;
  /** How many of the most recent closed months are re-checked daily. */
  recheckMonths: number;
  /** No month before this one is ever scheduled (e.g. the month the pipeline went live). */
  firstMonth?: Month;
}

export const DEFAULT_SCHEDULE: ScheduleOptions = {
  graceDays: 2,
  snapshotAt: { hour: 2, minute: 0 },
  recheckAt: { hour: 2, minute: 30 },
  recheckMonths: 3,
};

/**
 * What has run and what there is: when each month's first scheduled-or-later snapshot was taken (an
 * early one, forced before the month ended, does not count), when each was last re-checked, which
 * months the live store has data for, and which months restatements touched since they were drained.
 */
export interface ScheduleState {
  snapshots: Partial<Record<Month, Date>>;
  rechecks: Partial<Record<Month, Date>>;
  monthsWithData: readonly Month[];
  restatementsDue: readonly Month[];
}

export interface SnapshotJob {
  kind: 'snapshot' | 'recheck' | 'restate';
  month: Month;
  /** The local time the job was due (in the past or now). */
  dueAt: Date;
}

export function resolveScheduleOptions(options: Partial<ScheduleOptions> = {}): ScheduleOptions {
  const o = { ...DEFAULT_SCHEDULE, ...options };
  const bad = (why: string) => new CasepipeError('CONFIG_INVALID', `snapshot schedule: ${why}`);
  if (!Number.isInteger(o.graceDays) || o.graceDays < 0 || o.graceDays > 27) throw bad(`graceDays ${o.graceDays} must be an integer from 0 to 27`);
  for (const [name, t] of [['snapshotAt', o.snapshotAt], ['recheckAt', o.recheckAt]] as const) {
    if (!Number.isInteger(t.hour) || t.hour < 0 || t.hour > 23 || !Number.isInteger(t.minute) || t.minute < 0 || t.minute > 59) {
      throw bad(`${name} ${JSON.stringify(t)} is not a time of day`);
    }
  }
  if (!Number.isInteger(o.recheckMonths) || o.recheckMonths < 0 || o.recheckMonths > 24) throw bad(`recheckMonths ${o.recheckMonths} must be an integer from 0 to 24`);
  if (o.firstMonth !== undefined && !isMonth(o.firstMonth)) throw bad(`firstMonth ${JSON.stringify(o.firstMonth)} is not YYYY-MM`);
  return o;
}

function atLocal(dayStartMs: number, t: LocalTime): number {
  return dayStartMs + (t.hour * 60 + t.minute) * MINUTE;
}

/** When month M's first snapshot is due: `snapshotAt` on day (1 + graceDays) of M+1, CST. */
export function snapshotDueAt(month: Month, options: Partial<ScheduleOptions> = {}): Date {
  const o = resolveScheduleOptions(options);
  return new Date(atLocal(monthRange(addMonths(month, 1)).startMs + o.graceDays * DAY, o.snapshotAt));
}

/** The most recent daily re-check time at or before `now` (CST). */
export function latestRecheckSlot(now: Date, options: Partial<ScheduleOptions> = {}): Date {
  const o = resolveScheduleOptions(options);
  const ms = now.getTime();
  const dayStart = Math.floor((ms + CST_OFFSET_MS) / DAY) * DAY - CST_OFFSET_MS;
  const today = atLocal(dayStart, o.recheckAt);
  return new Date(today <= ms ? today : today - DAY);
}

/** Whether month M is ever scheduled (not before `firstMonth`). */
export function isScheduledMonth(month: Month, options: Partial<ScheduleOptions> = {}): boolean {
  const o = resolveScheduleOptions(options);
  return o.firstMonth === undefined || month >= o.firstMonth;
}

/**
 * The work due at `now`, oldest month first within each kind: first snapshots, then re-checks, then
 * restatements.
 * - A first snapshot is due for every month with data that has none yet, once its time has passed.
 * - A month re-checks only once it has a snapshot, is among the last `recheckMonths` closed months,
 *   and neither its snapshot nor its last re-check happened at or after the latest re-check slot.
 * - A month with a restatement due and a snapshot is snapshotted again, unless another job of this
 *   run already covers it.
 */
export function dueSnapshotJobs(now: Date, state: ScheduleState, options: Partial<ScheduleOptions> = {}): SnapshotJob[] {
  const o = resolveScheduleOptions(options);
  const current = monthOf(now.getTime());
  const jobs: SnapshotJob[] = [];

  for (const month of [...new Set(state.monthsWithData)].sort()) {
    if (!isScheduledMonth(month, o) || state.snapshots[month]) continue;
    const dueAt = snapshotDueAt(month, o);
    if (dueAt.getTime() <= now.getTime()) jobs.push({ kind: 'snapshot', month, dueAt });
  }

  const slot = latestRecheckSlot(now, o);
  for (let back = o.recheckMonths; back >= 1; back--) {
    const month = addMonths(current, -back);
    const snapshotAt = state.snapshots[month];
    if (!isScheduledMonth(month, o) || !snapshotAt) continue;
    const lastRecheck = state.rechecks[month];
    const lastTouched = Math.max(snapshotAt.getTime(), lastRecheck?.getTime() ?? -Infinity);
    if (lastTouched < slot.getTime()) jobs.push({ kind: 'recheck', month, dueAt: slot });
  }

  const covered = new Set(jobs.map((j) => j.month));
  for (const month of [...new Set(state.restatementsDue)].sort()) {
    if (covered.has(month) || !isScheduledMonth(month, o) || !state.snapshots[month]) continue;
    jobs.push({ kind: 'restate', month, dueAt: now });
  }
  return jobs;
}

export interface SnapshotSchedulerOptions {
  /** Runs one job (the snapshot job); throwing leaves the job due, so it is retried at the next wake-up. */
  run: (job: SnapshotJob) => Promise<void>;
  /** What has run, e.g. read from the snapshots folder's manifests. */
  loadState: () => Promise<ScheduleState>;
  /** Injected clock (tests); default the system clock. */
  now?: () => Date;
  schedule?: Partial<ScheduleOptions>;
  logger?: Logger;
}

export interface TickResult {
  ran: SnapshotJob[];
  failed: { job: SnapshotJob; error: unknown }[];
}

/**
 * Wakes up at the schedule's local times (croner, timezone Asia/Shanghai) and at start, and runs
 * whatever `dueSnapshotJobs` says is due, one job at a time.
 *
 * Overlap: runs never overlap. A wake-up while a tick is running waits for it (at most one waiting
 * tick; further wake-ups join that one). The waiting tick recomputes the due work from fresh state
 * when it starts, so work the running tick finished is not repeated and nothing due is skipped.
 * Successful runs are also remembered in memory, in case `loadState` lags behind.
 */
export class SnapshotScheduler {
  private readonly queue = new PQueue({ concurrency: 1 });
  private readonly o: ScheduleOptions;
  private readonly now: () => Date;
  private readonly crons: Cron[] = [];
  /** The tick waiting behind a running one, which further wake-ups join. */
  private pending: { entry: { started: boolean }; promise: Promise<TickResult> } | null = null;
  private readonly ranInMemory: Pick<ScheduleState, 'snapshots' | 'rechecks'> = { snapshots: {}, rechecks: {} };

  constructor(private readonly opts: SnapshotSchedulerOptions) {
    this.o = resolveScheduleOptions(opts.schedule);
    this.now = opts.now ?? (() => new Date());
  }

  /** The croner patterns (minute hour day-of-month month day-of-week), in Asia/Shanghai time. */
  get patterns(): { snapshot: string; recheck: string } {
    const { snapshotAt: s, recheckAt: r, graceDays } = this.o;
    return { snapshot: `${s.minute} ${s.hour} ${1 + graceDays} * *`, recheck: `${r.minute} ${r.hour} * * *` };
  }

  /** Catches up at once, then wakes up at the scheduled local times. Returns the catch-up tick. */
  start(): Promise<TickResult> {
    if (this.crons.length === 0) {
      const { snapshot, recheck } = this.patterns;
      for (const pattern of [snapshot, recheck]) {
        this.crons.push(
          new Cron(pattern, { timezone: SCHEDULE_TIMEZONE, unref: true, name: `casepipe-snapshot ${pattern}` }, () => {
            // A run that cannot even read its state (the live store failing) is retried at the next wake-up.
            this.tick().catch((err) => this.opts.logger?.error({ err }, 'snapshot schedule run failed; retried at the next wake-up'));
          }),
        );
      }
    }
    return this.tick();
  }

  /** The next wake-ups after `from` (default now), earliest first. */
  nextWakeUps(from: Date = this.now()): Date[] {
    const patterns = Object.values(this.patterns);
    const crons = this.crons.length ? this.crons : patterns.map((p) => new Cron(p, { timezone: SCHEDULE_TIMEZONE, paused: true }));
    const out = crons.map((c) => c.nextRun(from)).filter((d): d is Date => d !== null);
    if (this.crons.length === 0) crons.forEach((c) => c.stop());
    return out.sort((a, b) => a.getTime() - b.getTime());
  }

  /** Computes and runs the due jobs, after any tick already running. */
  tick(): Promise<TickResult> {
    if (this.pending) return this.pending.promise;
    const entry = { started: false };
    const promise = this.queue.add(async () => {
      entry.started = true;
      // From here on, a new wake-up queues a new tick behind this one.
      if (this.pending?.entry === entry) this.pending = null;
      return this.runDue();
    }) as Promise<TickResult>;
    if (!entry.started) this.pending = { entry, promise };
    return promise;
  }

  /** Stops waking up and waits for a running tick to finish. */
  async stop(): Promise<void> {
    for (const c of this.crons.splice(0)) c.stop();
    await this.queue.onIdle();
  }

  private async runDue(): Promise<TickResult> {
    const loaded = await this.opts.loadState();
    const state: ScheduleState = {
      ...loaded,
      snapshots: latest(loaded.snapshots, this.ranInMemory.snapshots),
      rechecks: latest(loaded.rechecks, this.ranInMemory.rechecks),
    };
    const jobs = dueSnapshotJobs(this.now(), state, this.o);
    const result: TickResult = { ran: [], failed: [] };
    for (const job of jobs) {
      const log = this.opts.logger?.child({ job: job.kind, month: job.month, dueAt: job.dueAt.toISOString() });
      try {
        log?.info('snapshot job starting');
        await this.opts.run(job);
        const ranAt = this.now();
        // A restatement run checks the month again, as a re-check does.
        (job.kind === 'snapshot' ? this.ranInMemory.snapshots : this.ranInMemory.rechecks)[job.month] = ranAt;
        result.ran.push(job);
        log?.info('snapshot job done');
      } catch (error) {
        result.failed.push({ job, error });
        log?.error({ err: error }, 'snapshot job failed; it stays due and is retried at the next wake-up');
      }
    }
    return result;
  }
}

function latest(a: Partial<Record<Month, Date>>, b: Partial<Record<Month, Date>>): Partial<Record<Month, Date>> {
  const out: Partial<Record<Month, Date>> = { ...a };
  for (const [m, d] of Object.entries(b)) {
    const cur = out[m];
    if (d && (!cur || d.getTime() > cur.getTime())) out[m] = d;
  }
  return out;
}
