/**
 * The schedule's pure core at its edges: every option bound, the due instants to the millisecond,
 * the CST day boundary, and the daylight-saving switches of the zone the unit tests run in
 * (America/Los_Angeles), which China Standard Time does not have.
 */
import { describe, expect, it } from '@jest/globals';
import { isCasepipeError } from '../platform/errors.js';
import { dueSnapshotJobs, latestRecheckSlot, resolveScheduleOptions, snapshotDueAt, SnapshotScheduler, type ScheduleOptions, type ScheduleState } from './schedule.js';

const at = (iso: string) => new Date(iso);
/** Every month these tests touch has data; none is due a restatement. */
const WITH_DATA = ['2025-02', '2025-03', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11'];
const st = (s: Pick<ScheduleState, 'snapshots' | 'rechecks'>): ScheduleState => ({ monthsWithData: WITH_DATA, restatementsDue: [], ...s });
const empty = (): ScheduleState => st({ snapshots: {}, rechecks: {} });
const briefFrom = (now: Date, state: ScheduleState, o: Partial<ScheduleOptions> = {}) =>
  dueSnapshotJobs(now, state, o).map((j) => `${j.kind} ${j.month} @${j.dueAt.toISOString()}`);

function configError(options: Partial<ScheduleOptions>): string {
  try {
    resolveScheduleOptions(options);
  } catch (err) {
    if (isCasepipeError(err, 'CONFIG_INVALID')) return err.message;
    throw err;
  }
  return 'accepted';
}

describe('resolveScheduleOptions', () => {
  it('has the documented defaults', () => {
    expect(resolveScheduleOptions()).toEqual({
      graceDays: 2,
      snapshotAt: { hour: 2, minute: 0 },
      recheckAt: { hour: 2, minute: 30 },
      recheckMonths: 3,
    });
  });

  it('takes every value at its bounds and names the option one past them', () => {
    for (const graceDays of [0, 27]) expect(configError({ graceDays })).toBe('accepted');
    for (const graceDays of [-1, 28, 1.5]) expect(configError({ graceDays })).toBe(`snapshot schedule: graceDays ${graceDays} must be an integer from 0 to 27`);
    for (const t of [{ hour: 0, minute: 0 }, { hour: 23, minute: 59 }]) {
      expect(configError({ snapshotAt: t, recheckAt: t })).toBe('accepted');
    }
    for (const t of [{ hour: -1, minute: 0 }, { hour: 24, minute: 0 }, { hour: 1.5, minute: 0 }, { hour: 2, minute: -1 }, { hour: 2, minute: 60 }, { hour: 2, minute: 0.5 }]) {
      expect(configError({ snapshotAt: t })).toBe(`snapshot schedule: snapshotAt ${JSON.stringify(t)} is not a time of day`);
      expect(configError({ recheckAt: t })).toBe(`snapshot schedule: recheckAt ${JSON.stringify(t)} is not a time of day`);
    }
    for (const name of ['recheckMonths'] as const) {
      for (const n of [0, 24]) expect(configError({ [name]: n })).toBe('accepted');
      for (const n of [-1, 25, 2.5]) expect(configError({ [name]: n })).toBe(`snapshot schedule: ${name} ${n} must be an integer from 0 to 24`);
    }
    expect(configError({ firstMonth: '2025-08' })).toBe('accepted');
    expect(configError({ firstMonth: '2025-8' })).toBe('snapshot schedule: firstMonth "2025-8" is not YYYY-MM');
  });
});

describe('due instants', () => {
  it('puts the first snapshot at snapshotAt on day 1 + graceDays of the next month, CST', () => {
    expect(snapshotDueAt('2025-08', { graceDays: 0, snapshotAt: { hour: 0, minute: 0 } }).toISOString()).toBe('2025-08-31T16:00:00.000Z');
    expect(snapshotDueAt('2025-08', { graceDays: 27, snapshotAt: { hour: 23, minute: 59 } }).toISOString()).toBe('2025-09-28T15:59:00.000Z');
    expect(snapshotDueAt('2024-01').toISOString()).toBe('2024-02-02T18:00:00.000Z');
  });

  it('finds the latest daily re-check slot at or before now, on the CST day', () => {
    expect(latestRecheckSlot(at('2025-09-09T18:30:00Z')).toISOString()).toBe('2025-09-09T18:30:00.000Z'); // exactly 02:30 CST
    expect(latestRecheckSlot(at('2025-09-09T18:29:59.999Z')).toISOString()).toBe('2025-09-08T18:30:00.000Z');
    // 00:00 CST and the millisecond before: the CST day changes at 16:00Z.
    expect(latestRecheckSlot(at('2025-09-09T16:00:00Z')).toISOString()).toBe('2025-09-08T18:30:00.000Z');
    expect(latestRecheckSlot(at('2025-09-09T15:59:59.999Z')).toISOString()).toBe('2025-09-08T18:30:00.000Z');
    expect(latestRecheckSlot(at('2025-09-10T15:59:59.999Z')).toISOString()).toBe('2025-09-09T18:30:00.000Z');
    expect(latestRecheckSlot(at('2025-09-09T17:00:00Z'), { recheckAt: { hour: 0, minute: 30 } }).toISOString()).toBe('2025-09-09T16:30:00.000Z');
  });

  it('keeps CST times across the DST switches of the machine zone (Los Angeles, 2025-03-09 and 2025-11-02)', () => {
    expect(snapshotDueAt('2025-02').toISOString()).toBe('2025-03-02T18:00:00.000Z');
    expect(snapshotDueAt('2025-10').toISOString()).toBe('2025-11-02T18:00:00.000Z');
    expect(latestRecheckSlot(at('2025-03-09T12:00:00Z')).toISOString()).toBe('2025-03-08T18:30:00.000Z');
    expect(latestRecheckSlot(at('2025-11-02T19:00:00Z')).toISOString()).toBe('2025-11-02T18:30:00.000Z');
    const s = new SnapshotScheduler({ run: async () => {}, loadState: async () => empty() });
    expect(s.nextWakeUps(at('2025-11-02T08:00:00Z')).map((d) => d.toISOString())).toEqual(['2025-11-02T18:00:00.000Z', '2025-11-02T18:30:00.000Z']);
    expect(s.nextWakeUps(at('2025-03-09T09:00:00Z')).map((d) => d.toISOString())).toEqual(['2025-03-09T18:30:00.000Z', '2025-04-02T18:00:00.000Z']);
  });
});

describe('dueSnapshotJobs at its edges', () => {
  const snapshotted: ScheduleState = st({ snapshots: { '2025-08': at('2025-09-02T18:00:05Z') }, rechecks: {} });

  it('is due at the very millisecond, not one before', () => {
    const brief = briefFrom;
    expect(brief(at('2025-09-02T17:59:59.999Z'), empty(), { firstMonth: '2025-08' })).toEqual([]);
    expect(brief(at('2025-09-02T18:00:00.000Z'), empty(), { firstMonth: '2025-08' })).toEqual(['snapshot 2025-08 @2025-09-02T18:00:00.000Z']);
  });

  it('schedules firstMonth itself but nothing before it', () => {
    const brief = briefFrom;
    expect(brief(at('2025-10-03T00:00:00Z'), empty(), { firstMonth: '2025-09' })).toEqual(['snapshot 2025-09 @2025-10-02T18:00:00.000Z']);
    expect(brief(at('2025-10-03T00:00:00Z'), empty(), { firstMonth: '2025-10' })).toEqual([]);
    const both: ScheduleState = st({ snapshots: { '2025-08': at('2025-09-02T18:00:05Z'), '2025-09': at('2025-10-02T18:00:05Z') }, rechecks: {} });
    expect(brief(at('2025-10-04T00:00:00Z'), both, { firstMonth: '2025-09' })).toEqual(['recheck 2025-09 @2025-10-03T18:30:00.000Z']);
  });

  it('re-checks a month touched before the latest slot, not one touched at or after it', () => {
    const now = at('2025-09-10T00:00:00Z'); // latest slot: 2025-09-09T18:30Z
    const brief = (n: Date, state: ScheduleState) => briefFrom(n, state, { firstMonth: '2025-08' });
    expect(brief(now, snapshotted)).toEqual(['recheck 2025-08 @2025-09-09T18:30:00.000Z']);
    expect(brief(now, { ...snapshotted, rechecks: { '2025-08': at('2025-09-09T18:29:59.999Z') } })).toEqual(['recheck 2025-08 @2025-09-09T18:30:00.000Z']);
    expect(brief(now, { ...snapshotted, rechecks: { '2025-08': at('2025-09-09T18:30:00Z') } })).toEqual([]);
    expect(brief(now, st({ snapshots: { '2025-08': at('2025-09-09T18:30:00Z') }, rechecks: {} }))).toEqual([]);
    // A re-check older than the snapshot does not make it due again.
    expect(brief(now, st({ snapshots: { '2025-08': at('2025-09-09T20:00:00Z') }, rechecks: { '2025-08': at('2025-09-05T18:30:00Z') } }))).toEqual([]);
  });

  it('re-checks no month with recheckMonths 0, and only the last one with 1', () => {
    const state: ScheduleState = st({ snapshots: { '2025-07': at('2025-08-02T18:00:05Z'), '2025-08': at('2025-09-02T18:00:05Z') }, rechecks: {} });
    const now = at('2025-09-10T00:00:00Z');
    const brief = (n: Date, st: ScheduleState, o: Partial<ScheduleOptions>) => briefFrom(n, st, { firstMonth: '2025-07', ...o });
    expect(brief(now, state, { recheckMonths: 0 })).toEqual([]);
    expect(brief(now, state, { recheckMonths: 1 })).toEqual(['recheck 2025-08 @2025-09-09T18:30:00.000Z']);
    expect(brief(now, state, { recheckMonths: 2 })).toEqual(['recheck 2025-07 @2025-09-09T18:30:00.000Z', 'recheck 2025-08 @2025-09-09T18:30:00.000Z']);
  });

  it('never schedules the running month', () => {
    expect(briefFrom(at('2025-09-30T15:59:00Z'), st({ snapshots: { '2025-09': at('2025-09-10T00:00:00Z') }, rechecks: {} }), { graceDays: 0, firstMonth: '2025-09' })).toEqual([]);
  });

  it('lists snapshots and restatements oldest month first, whatever order the store gave them in', () => {
    const now = at('2025-12-20T00:00:00Z');
    const unsnapshotted: ScheduleState = { snapshots: {}, rechecks: {}, monthsWithData: ['2025-09', '2025-07', '2025-08', '2025-07'], restatementsDue: [] };
    expect(briefFrom(now, unsnapshotted, { firstMonth: '2025-01' }).map((j) => j.split(' @')[0])).toEqual(['snapshot 2025-07', 'snapshot 2025-08', 'snapshot 2025-09']);
    const old = at('2025-08-02T18:00:05Z');
    const restating: ScheduleState = { snapshots: { '2025-03': old, '2025-02': old, '2025-04': old }, rechecks: {}, monthsWithData: [], restatementsDue: ['2025-04', '2025-02', '2025-03'] };
    expect(briefFrom(now, restating, { firstMonth: '2025-01' }).map((j) => j.split(' @')[0])).toEqual(['restate 2025-02', 'restate 2025-03', 'restate 2025-04']);
  });
});
