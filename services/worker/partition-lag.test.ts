import { Registry } from 'prom-client';
import { silentLogger } from '../platform/logger.js';
import { createOperatorMetrics } from './operator-metrics.js';
import { PartitionLagWatcher, waitingSince } from './partition-lag.js';

function watcher(state: { ends: Record<number, number>; stored: Record<number, number>; assigned: number[]; members?: string[]; now: number }) {
  const registry = new Registry();
  const metrics = createOperatorMetrics(registry);
  const w = new PartitionLagWatcher({
    topic: 't',
    groupId: 'g',
    endOffsets: async () => Object.entries(state.ends).map(([p, high]) => ({ partition: Number(p), low: '0', high: String(high) })),
    storedOffsets: async () => new Map(Object.entries(state.stored).map(([p, o]) => [Number(p), BigInt(o)])),
    assigned: () => state.assigned,
    describeGroup: async () => (state.members ?? ['me']).map((memberId) => ({ memberId, clientId: 'casepipe', clientHost: '/10.0.0.1' })),
    selfMemberId: () => 'me',
    expectedMembers: 1,
    metrics,
    logger: silentLogger(),
    now: () => state.now,
  });
  return { w, registry };
}

describe('partition lag', () => {
  it('dates the oldest unprocessed record by the first end offset seen past it', () => {
    const samples = [{ high: 10n, seenAt: 1000 }, { high: 15n, seenAt: 2000 }, { high: 20n, seenAt: 3000 }];
    expect(waitingSince(samples, 9n)).toBe(1000);
    expect(waitingSince(samples, 12n)).toBe(2000);
    expect(waitingSince(samples, 20n)).toBeUndefined();
  });

  it('publishes every assigned partition, including ones without a batch, in kafka_exporter shape', async () => {
    const state = { ends: { 0: 5, 1: 0, 2: 7 }, stored: { 0: 5 }, assigned: [0, 1, 2], now: 0 };
    const { w, registry } = watcher(state);
    const r = await w.refresh();
    expect(r.partitions.map((p) => [p.partition, p.lag])).toEqual([[0, 0], [1, 0], [2, 7]]);
    const text = await registry.metrics();
    expect(text).toContain('casepipe_consumergroup_lag{consumergroup="g",topic="t",partition="1"} 0');
    expect(text).toContain('casepipe_consumergroup_lag{consumergroup="g",topic="t",partition="2"} 7');
  });

  it('shows a stalled worker: lag and the waiting time grow while the stored offset stays', async () => {
    const state = { ends: { 0: 100 }, stored: { 0: 100 }, assigned: [0], now: 0 };
    const { w, registry } = watcher(state);
    expect((await w.refresh()).partitions[0]).toMatchObject({ lag: 0, oldestAgeSeconds: 0 });
    state.now = 10_000;
    state.ends[0] = 103; // records arrive, nothing is applied
    expect((await w.refresh()).partitions[0]).toMatchObject({ lag: 3, oldestAgeSeconds: 0 });
    state.now = 70_000;
    state.ends[0] = 110;
    expect((await w.refresh()).partitions[0]).toMatchObject({ lag: 10, oldestAgeSeconds: 60 });
    expect(await registry.metrics()).toContain('casepipe_consumergroup_oldest_unprocessed_age_seconds{consumergroup="g",topic="t",partition="0"} 60');
    // It catches up to 103: the oldest waiting record is now the one first seen at 70 s.
    state.now = 80_000;
    state.stored[0] = 103;
    expect((await w.refresh()).partitions[0]).toMatchObject({ lag: 7, oldestAgeSeconds: 10 });
  });

  it('drops partitions that moved away and reports members it does not expect', async () => {
    const state = { ends: { 0: 1, 1: 1 }, stored: {}, assigned: [0, 1], members: ['me'], now: 0 };
    const { w, registry } = watcher(state);
    await w.refresh();
    state.assigned = [0];
    state.members = ['me', 'other'];
    const r = await w.refresh();
    expect(r.unexpectedMembers.map((m) => m.memberId)).toEqual(['other']);
    const text = await registry.metrics();
    expect(text).not.toContain('partition="1"');
    expect(text).toContain('casepipe_consumergroup_members{consumergroup="g"} 2');
    expect(text).toContain('casepipe_consumergroup_unexpected_members{consumergroup="g"} 1');
  });

  it('keeps the last reading and says why when Kafka cannot be asked', async () => {
    const state = { ends: { 0: 4 }, stored: {}, assigned: [0], now: 0 };
    const { w } = watcher(state);
    await w.refresh();
    (state as { ends: unknown }).ends = undefined;
    const r = await w.refresh();
    expect(r.total).toBe(4);
    expect(r.error).toMatch(/undefined|null/);
  });
});
