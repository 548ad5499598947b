/**
 * The one rule for which months may be snapshotted without force, at the CST boundaries, and the
 * provisional rule's edges (lag not measurable, lag exactly at the threshold).
 */
import { provisionalReason } from './monthly-snapshot.js';
import { monthClosed, refusalError, snapshotRefusal } from './snapshot-eligibility.js';

const at = (iso: string) => new Date(iso);

describe('snapshotRefusal', () => {
  it('refuses August until its last CST instant has passed (2025-08-31T16:00Z), then allows it', () => {
    expect(monthClosed('2025-08', at('2025-08-31T15:59:59.999Z'))).toBe(false);
    expect(snapshotRefusal('2025-08', at('2025-08-31T15:59:59.999Z'), true)).toBe('SNAPSHOT_MONTH_OPEN');
    expect(monthClosed('2025-08', at('2025-08-31T16:00:00.000Z'))).toBe(true);
    expect(snapshotRefusal('2025-08', at('2025-08-31T16:00:00.000Z'), true)).toBeNull();
  });

  it('refuses a month that has not begun in CST as future, also when events are already stored', () => {
    expect(snapshotRefusal('2025-09', at('2025-08-31T15:59:59.999Z'), true)).toBe('SNAPSHOT_MONTH_FUTURE');
    expect(snapshotRefusal('2025-09', at('2025-08-31T16:00:00.000Z'), true)).toBe('SNAPSHOT_MONTH_OPEN');
    expect(snapshotRefusal('2026-01', at('2025-08-15T00:00:00Z'), false)).toBe('SNAPSHOT_MONTH_FUTURE');
  });

  it('refuses a closed month without events', () => {
    expect(snapshotRefusal('2025-07', at('2025-09-01T00:00:00Z'), false)).toBe('SNAPSHOT_MONTH_EMPTY');
    expect(snapshotRefusal('2025-07', at('2025-09-01T00:00:00Z'), true)).toBeNull();
  });

  it('says why and how to force it, with the refusal as the code', () => {
    const err = refusalError('2025-08', 'SNAPSHOT_MONTH_OPEN');
    expect(err).toMatchObject({ code: 'SNAPSHOT_MONTH_OPEN', canRetry: false });
    expect(err.message).toBe(
      '2025-08 has not ended yet (China Standard Time); its figures would still change. Not snapshotted; pass --force (admin route: "force": true) to snapshot it anyway',
    );
    expect(refusalError('2025-07', 'SNAPSHOT_MONTH_EMPTY').message).toMatch(/^the live store has no events for 2025-07; the snapshot would be all zeros\./);
  });
});

describe('provisionalReason', () => {
  const lag = (total: number | null) => ({ total, partitions: [] });

  it('is provisional when the lag could not be measured', () => {
    expect(provisionalReason(false, lag(null), 1000)).toBe('the worker lag could not be measured');
  });

  it('is final with the lag exactly at the threshold, provisional one record above it', () => {
    expect(provisionalReason(false, lag(1000), 1000)).toBeNull();
    expect(provisionalReason(false, lag(1001), 1000)).toBe('1001 records were not yet counted (threshold 1000)');
    expect(provisionalReason(false, lag(0), 0)).toBeNull();
    expect(provisionalReason(false, lag(1), 0)).toBe('1 records were not yet counted (threshold 0)');
  });

  it('is provisional when taken before the month ended, whatever the lag', () => {
    expect(provisionalReason(true, lag(0), 1000)).toBe('taken before the month ended');
  });
});
