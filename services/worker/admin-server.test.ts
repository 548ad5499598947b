import { buildAdminServer } from './admin-server.js';
import { createWorkerMetrics } from './worker-metrics.js';
import { emptyFigures } from '../figures/window-figures.js';

function server(ready: boolean) {
  const metrics = createWorkerMetrics(undefined, false);
  metrics.deadLetters.inc({ reason: 'NOT_AVRO' }, 3);
  return buildAdminServer({
    registry: metrics.registry,
    live: () => true,
    notReady: () => (ready ? [] : [{ code: 'BROKER_UNREACHABLE' as const, message: 'no broker has answered for 31 s', since: '2026-11-30T00:00:00.000Z' }]),
    status: async () => ({ assigned: [0, 1] }),
    figures: async (month) => ({ month, total: emptyFigures(), departments: [] }),
  });
}

describe('worker admin server', () => {
  it('answers liveness always and readiness only when ready', async () => {
    const app = server(false);
    expect((await app.inject('/livez')).statusCode).toBe(200);
    const notReady = await app.inject('/readyz');
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({ ready: false, reasons: [{ code: 'BROKER_UNREACHABLE', message: expect.stringContaining('31 s') }] });
    expect((await server(true).inject('/readyz')).statusCode).toBe(200);
  });

  it('serves Prometheus metrics', async () => {
    const res = await server(true).inject('/metrics');
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.body).toContain('casepipe_dead_letters_total{reason="NOT_AVRO"} 3');
    expect(res.body).toContain('# TYPE casepipe_store_apply_seconds histogram');
  });

  it('serves figures for a month and refuses a bad month', async () => {
    const app = server(true);
    const ok = await app.inject('/figures?month=2025-08');
    expect(ok.json()).toMatchObject({ month: '2025-08', total: { totalHandled: 0 } });
    const bad = await app.inject('/figures?month=2025-8');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ code: 'BAD_MONTH' });
  });
});
