import { silentLogger } from '../platform/logger.js';
import { RestoringPartitions } from './restoring-partitions.js';

describe('restoring partitions', () => {
  const setup = () => {
    const state = { ends: { 0: 50, 1: 80, 2: 0 } as Record<number, number>, stored: new Map<number, bigint>(), failEnds: 0 };
    const r = new RestoringPartitions({
      endOffsets: async () => {
        if (state.failEnds-- > 0) throw new Error('broker away');
        return Object.entries(state.ends).map(([p, high]) => ({ partition: Number(p), high: String(high) }));
      },
      storedOffsets: async () => state.stored,
      logger: silentLogger(),
      retryMs: 5,
    });
    return { r, state };
  };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 30));

  it('restore until the store reaches the end offset seen at the assignment, then stay caught up', async () => {
    const { r, state } = setup();
    r.onAssignment([0, 1, 2]);
    await settle();
    expect(await r.restoring()).toEqual([0, 1]); // partition 2 is empty: nothing to replay
    state.stored.set(0, 50n);
    state.stored.set(1, 79n);
    state.ends[0] = 90; // records arriving after the assignment are ordinary lag, not restoring
    expect(await r.restoring()).toEqual([1]);
    state.stored.set(1, 80n);
    expect(await r.restoring()).toEqual([]);
    state.stored.set(1, 0n); // never unrestored within one assignment
    expect(await r.restoring()).toEqual([]);
  });

  it('count every assigned partition as restoring while the end offsets cannot be read', async () => {
    const { r, state } = setup();
    state.failEnds = 3;
    state.stored.set(0, 50n);
    state.stored.set(1, 80n);
    r.onAssignment([0, 1]);
    expect(await r.restoring()).toEqual([0, 1]);
    await settle();
    await settle();
    expect(await r.restoring()).toEqual([]);
  });

  it('start over on every assignment', async () => {
    const { r, state } = setup();
    r.onAssignment([0]);
    state.stored.set(0, 50n);
    await settle();
    expect(await r.restoring()).toEqual([]);
    r.onAssignment([0, 1]);
    await settle();
    expect(await r.restoring()).toEqual([1]);
  });
});
