import { offsetBelow, planBatch } from './batch-plan.js';

describe('planBatch', () => {
  it('applies a batch that starts exactly at the stored offset', () => {
    expect(planBatch({ stored: 100n, soughtTo: undefined, first: 100n, last: 149n })).toEqual({ action: 'apply', from: 100n });
  });

  it('applies a fresh partition from its first record', () => {
    expect(planBatch({ stored: 0n, soughtTo: undefined, first: 0n, last: 0n })).toEqual({ action: 'apply', from: 0n });
  });

  it('seeks back when the batch starts above the stored offset (store rebuilt, partition moved here)', () => {
    expect(planBatch({ stored: 100n, soughtTo: undefined, first: 101n, last: 120n })).toEqual({ action: 'seek', offset: 100n });
    expect(planBatch({ stored: 0n, soughtTo: undefined, first: 5000n, last: 5999n })).toEqual({ action: 'seek', offset: 0n });
  });

  it('seeks back again when an earlier seek went to another offset', () => {
    expect(planBatch({ stored: 100n, soughtTo: 40n, first: 130n, last: 140n })).toEqual({ action: 'seek', offset: 100n });
  });

  it('accepts the batch after seeking to the stored offset (records below it deleted by retention)', () => {
    expect(planBatch({ stored: 100n, soughtTo: 100n, first: 250n, last: 260n })).toEqual({ action: 'apply', from: 250n });
  });

  it('skips a batch whose every record is already applied (a re-fetch after a crash or rebalance)', () => {
    expect(planBatch({ stored: 100n, soughtTo: undefined, first: 10n, last: 99n })).toEqual({ action: 'skip' });
    expect(planBatch({ stored: 100n, soughtTo: 100n, first: 99n, last: 99n })).toEqual({ action: 'skip' });
  });

  it('applies only the records at and above the stored offset when the batch straddles it', () => {
    expect(planBatch({ stored: 100n, soughtTo: undefined, first: 90n, last: 100n })).toEqual({ action: 'apply', from: 100n });
    expect(planBatch({ stored: 100n, soughtTo: undefined, first: 90n, last: 130n })).toEqual({ action: 'apply', from: 100n });
  });

  it('compares offsets past 2^53 exactly', () => {
    const stored = 2n ** 60n;
    expect(planBatch({ stored, soughtTo: undefined, first: stored + 1n, last: stored + 1n })).toEqual({ action: 'seek', offset: stored });
    expect(planBatch({ stored, soughtTo: undefined, first: stored - 1n, last: stored - 1n })).toEqual({ action: 'skip' });
  });

  it('rebuild by replay: an empty store seeks back to 0 from the end the group committed, then applies from 0', () => {
    // The store file was deleted; the group's committed offset (where kafkajs fetches) is the end.
    const afterDelete = planBatch({ stored: 0n, soughtTo: undefined, first: 9000n, last: 9499n });
    expect(afterDelete).toEqual({ action: 'seek', offset: 0n });
    // The worker sought to 0 (soughtTo 0): the next batch starts there and is applied whole.
    expect(planBatch({ stored: 0n, soughtTo: 0n, first: 0n, last: 499n })).toEqual({ action: 'apply', from: 0n });
    // Had retention deleted offsets 0-99, the first batch after the seek starts at 100: accepted.
    expect(planBatch({ stored: 0n, soughtTo: 0n, first: 100n, last: 599n })).toEqual({ action: 'apply', from: 100n });
    // Then the stored offset moves on and batches follow it.
    expect(planBatch({ stored: 500n, soughtTo: undefined, first: 500n, last: 999n })).toEqual({ action: 'apply', from: 500n });
  });

  it('in the store (soughtTo = stored), never seeks: a gap is accepted, a replay is cut at the stored offset', () => {
    expect(planBatch({ stored: 100n, soughtTo: 100n, first: 150n, last: 199n })).toEqual({ action: 'apply', from: 150n });
    expect(planBatch({ stored: 100n, soughtTo: 100n, first: 50n, last: 149n })).toEqual({ action: 'apply', from: 100n });
    expect(planBatch({ stored: 100n, soughtTo: 100n, first: 50n, last: 99n })).toEqual({ action: 'skip' });
  });
});

describe('offsetBelow', () => {
  it('compares decimal offsets as numbers without parsing them', () => {
    const below = offsetBelow(100n);
    expect(['0', '9', '99', '100', '101', '1000'].map(below)).toEqual([true, true, true, false, false, false]);
    expect(offsetBelow(0n)('0')).toBe(false);
    expect(offsetBelow(2n ** 60n)(String(2n ** 60n - 1n))).toBe(true);
  });
});
