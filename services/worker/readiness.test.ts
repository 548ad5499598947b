import { silentLogger } from '../platform/logger.js';
import { BrokerProbe, followConsumer, Readiness } from './readiness.js';

describe('readiness', () => {
  it('is ready only when no reason is set, and keeps when a reason started', () => {
    let now = Date.parse('2026-11-30T01:00:00Z');
    const r = new Readiness(undefined, () => new Date(now));
    expect(r.ready).toBe(true);
    r.set('STORE_FAILED', 'disk gone');
    now += 5000;
    r.set('STORE_FAILED', 'disk still gone');
    expect(r.ready).toBe(false);
    expect(r.list()).toEqual([{ code: 'STORE_FAILED', message: 'disk still gone', since: '2026-11-30T01:00:00.000Z' }]);
    r.clear('STORE_FAILED');
    expect(r.ready).toBe(true);
  });

  it('says the broker is unreachable only after the outage outlasts the setting, and clears when it answers', async () => {
    let now = 0;
    let up = true;
    const readiness = new Readiness();
    const probe = new BrokerProbe({
      readiness,
      probe: async () => {
        if (!up) throw new Error('Connection refused');
      },
      unreachableAfterMs: 30_000,
      intervalMs: 5000,
      logger: silentLogger(),
      now: () => now,
    });
    await probe.check();
    expect(readiness.ready).toBe(true);
    up = false;
    for (; now <= 25_000; now += 5000) await probe.check();
    expect(readiness.ready).toBe(true); // a 25 s blip is not an outage
    now = 30_000;
    await probe.check();
    expect(readiness.list()).toMatchObject([{ code: 'BROKER_UNREACHABLE', message: expect.stringContaining('30 s (Connection refused)') }]);
    up = true;
    await probe.check();
    expect(readiness.ready).toBe(true);
  });
});

describe('following the consumer', () => {
  function fakeConsumer() {
    const handlers = new Map<string, ((e: { payload: Record<string, unknown> }) => void)[]>();
    const events = { GROUP_JOIN: 'join', CRASH: 'crash', STOP: 'stop', DISCONNECT: 'disconnect' };
    return {
      consumer: { events, on: (name: string, fn: (e: { payload: Record<string, unknown> }) => void) => handlers.set(name, [...(handlers.get(name) ?? []), fn]) },
      emit: (name: string, payload: Record<string, unknown> = {}) => handlers.get(name)?.forEach((fn) => fn({ payload })),
    };
  }

  it('is ready on joining, not ready at once on a crash for good, and only after the grace on a restart', async () => {
    const { consumer, emit } = fakeConsumer();
    const readiness = new Readiness();
    readiness.set('STARTING', 'starting');
    followConsumer(readiness, consumer as unknown as Parameters<typeof followConsumer>[1], 50);
    emit('join');
    expect(readiness.ready).toBe(true);

    emit('crash', { error: new Error('rebalancing'), restart: true });
    emit('stop');
    expect(readiness.ready).toBe(true);
    emit('join'); // rejoined within the grace
    await new Promise((r) => setTimeout(r, 80));
    expect(readiness.ready).toBe(true);

    emit('disconnect');
    await new Promise((r) => setTimeout(r, 80));
    expect(readiness.list().map((r) => r.code)).toEqual(['CONSUMER_LEFT_GROUP']);
    emit('join');
    emit('crash', { error: new Error('store broken'), restart: false });
    expect(readiness.list()).toMatchObject([{ code: 'CONSUMER_CRASHED', message: expect.stringContaining('will not restart') }]);
  });
});
