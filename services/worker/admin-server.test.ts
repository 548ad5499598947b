import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildAdminServer } from './admin-server.js';
import { registerSnapshotRoute, type RunSnapshot } from './snapshot-route.js';
import { createWorkerMetrics } from './worker-metrics.js';
import { emptyFigures } from '../figures/window-figures.js';
import type { Config } from '../platform/config.js';
import type { SnapshotOutcome } from '../snapshot/monthly-snapshot.js';

const TOKEN = 'test-admin-token-0123456789abcdef';
const LOCAL: Config['admin'] = { host: '127.0.0.1', allowedHosts: [], token: TOKEN };

function outcome(month: string): SnapshotOutcome {
  return { month, version: 1, created: true, folder: `/snapshots/${month}/v1`, manifest: {} as SnapshotOutcome['manifest'] };
}

function server(ready: boolean, access: Config['admin'] = LOCAL, run: RunSnapshot = async (m) => outcome(m)) {
  const metrics = createWorkerMetrics(undefined, false);
  metrics.deadLetters.inc({ reason: 'NOT_AVRO' }, 3);
  return buildAdminServer({
    registry: metrics.registry,
    live: () => true,
    notReady: () => (ready ? [] : [{ code: 'BROKER_UNREACHABLE' as const, message: 'no broker has answered for 31 s', since: '2026-11-30T00:00:00.000Z' }]),
    status: async () => ({ assigned: [0, 1] }),
    figures: async (month) => ({ month, total: emptyFigures(), departments: [] }),
    access,
    extend: (app) => registerSnapshotRoute(app, run),
  });
}

/** A runner that records its calls. */
function recording() {
  const calls: [string, { force: boolean }][] = [];
  const run: RunSnapshot = async (month, options) => {
    calls.push([month, options]);
    return outcome(month);
  };
  return { calls, run };
}

const json = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` };

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

describe('who may call the admin port', () => {
  it('answers only requests that name it by its bind address, localhost or an allowed host (DNS rebinding)', async () => {
    const app = server(true, { host: '10.1.2.3', allowedHosts: ['worker'], token: TOKEN });
    for (const host of ['10.1.2.3:9464', 'localhost:9464', '127.0.0.1', '[::1]:9464', 'WORKER:9464']) {
      expect([host, (await app.inject({ url: '/status', headers: { host } })).statusCode]).toEqual([host, 200]);
    }
    for (const host of ['rebind.attacker.example:9464', '10.1.2.4:9464', 'worker.attacker.example']) {
      const res = await app.inject({ url: '/status', headers: { host } });
      expect([host, res.statusCode, res.json().code]).toEqual([host, 403, 'ADMIN_HOST_REFUSED']);
    }
    // A wildcard bind address is no host name: 0.0.0.0 binds, the names above are what is allowed.
    const wildcard = server(true, { host: '0.0.0.0', allowedHosts: [], token: TOKEN });
    expect((await wildcard.inject({ url: '/status', headers: { host: '0.0.0.0:9464' } })).statusCode).toBe(403);
  });

  it('refuses a request from any page but its own, even with the token', async () => {
    const { calls, run } = recording();
    const app = server(true, LOCAL, run);
    const foreign = await app.inject({ method: 'POST', url: '/snapshots', headers: { ...json, origin: 'https://attacker.example' }, payload: { month: '2025-08' } });
    expect(foreign.statusCode).toBe(403);
    expect(foreign.json()).toMatchObject({ code: 'ADMIN_ORIGIN_REFUSED' });
    expect((await app.inject({ url: '/status', headers: { origin: 'null' } })).statusCode).toBe(403);
    // Another port on the same host is another site (Grafana on localhost:3000, a dev server).
    expect((await app.inject({ url: '/status', headers: { host: 'localhost:9464', origin: 'http://localhost:3000' } })).statusCode).toBe(403);
    expect((await app.inject({ url: '/status', headers: { host: 'localhost:9464', origin: 'http://localhost:9464' } })).statusCode).toBe(200);
    expect(calls).toEqual([]);
  });

  it('refuses state-changing routes when no token is configured, and still serves reads', async () => {
    const { calls, run } = recording();
    const app = server(true, { ...LOCAL, token: undefined }, run);
    const res = await app.inject({ method: 'POST', url: '/snapshots', headers: json, payload: { month: '2025-08' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'ADMIN_TOKEN_NOT_CONFIGURED', message: expect.stringContaining('CASEPIPE_ADMIN_TOKEN') });
    expect((await app.inject('/status')).statusCode).toBe(200);
    expect(calls).toEqual([]);
  });

  it.each([
    ['no Authorization', {}],
    ['a wrong token', { authorization: 'Bearer test-admin-token-0123456789abcdeX' }],
    ['a shorter token', { authorization: 'Bearer test' }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('refuses POST /snapshots with %s (401)', async (_what, auth) => {
    const { calls, run } = recording();
    const res = await server(true, LOCAL, run).inject({ method: 'POST', url: '/snapshots', headers: { 'content-type': 'application/json', ...auth }, payload: { month: '2025-08' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Bearer');
    expect(res.json()).toMatchObject({ code: 'ADMIN_UNAUTHORIZED' });
    expect(calls).toEqual([]);
  });

  it('takes only application/json: a browser form or text/plain post (no preflight) is refused', async () => {
    const { calls, run } = recording();
    const app = server(true, LOCAL, run);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await app.inject({ method: 'POST', url: '/snapshots', headers: { ...json, 'content-type': type }, payload: '{"month":"2025-08"}' });
      expect([type, res.statusCode, res.json().code]).toEqual([type, 415, 'ADMIN_BAD_REQUEST']);
    }
    expect(calls).toEqual([]);
  });

  it.each([
    ['bad JSON', '{"month": "2025-08",', /^the body is not valid JSON: \S/],
    ['an empty body', '', /must be a JSON object/],
    ['an array', '["2025-08"]', /must be a JSON object/],
    ['a bad month', '{"month": "2025-8"}', /"month" must be "YYYY-MM"/],
    ['a string force', '{"month": "2025-08", "force": "yes"}', /"force" must be true or false/],
    ['an unknown field', '{"month": "2025-08", "froce": true}', /unknown field\(s\) "froce"/],
  ])('answers %s with 400 and the reason', async (_what, payload, reason) => {
    const { calls, run } = recording();
    const res = await server(true, LOCAL, run).inject({ method: 'POST', url: '/snapshots', headers: json, payload });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'ADMIN_BAD_REQUEST', message: expect.stringMatching(reason) });
    expect(calls).toEqual([]);
  });

  it('snapshots with the token and passes force through', async () => {
    const { calls, run } = recording();
    const app = server(true, LOCAL, run);
    const res = await app.inject({ method: 'POST', url: '/snapshots', headers: json, payload: { month: '2025-08' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ month: '2025-08', version: 1 });
    await app.inject({ method: 'POST', url: '/snapshots', headers: { ...json, 'content-type': 'application/json; charset=utf-8' }, payload: { month: '2025-09', force: true } });
    expect(calls).toEqual([
      ['2025-08', { force: false }],
      ['2025-09', { force: true }],
    ]);
  });

  it('queues at most one snapshot: another request while one waits or runs gets 409', async () => {
    let release!: () => void;
    const started: string[] = [];
    const run: RunSnapshot = async (month) => {
      started.push(month);
      if (month === '2025-08') await new Promise<void>((r) => (release = r));
      return outcome(month);
    };
    const app = server(true, LOCAL, run);
    const first = app.inject({ method: 'POST', url: '/snapshots', headers: json, payload: { month: '2025-08' } });
    while (started.length === 0) await new Promise((r) => setTimeout(r, 5));
    const second = await app.inject({ method: 'POST', url: '/snapshots', headers: json, payload: { month: '2025-07' } });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'SNAPSHOT_BUSY', message: expect.stringContaining('2025-08') });
    release();
    expect((await first).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/snapshots', headers: json, payload: { month: '2025-07' } })).statusCode).toBe(200);
    expect(started).toEqual(['2025-08', '2025-07']);
  });

  it('holds on a real socket: a rebinding Host and a cross-site text/plain post are refused, the CLI-style call works', async () => {
    const { calls, run } = recording();
    const app = server(true, LOCAL, run);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as AddressInfo).port;
    const send = (method: string, headers: Record<string, string>, body?: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = http.request({ host: '127.0.0.1', port, method, path: method === 'GET' ? '/status' : '/snapshots', headers }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString('utf8')));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    try {
      const rebound = await send('GET', { host: `casepipe.attacker.example:${port}` });
      expect(rebound.status).toBe(403);
      expect(JSON.parse(rebound.body)).toMatchObject({ code: 'ADMIN_HOST_REFUSED' });
      const page = await send('POST', { host: `127.0.0.1:${port}`, origin: 'https://attacker.example', 'content-type': 'text/plain' }, '{"month":"2025-08"}');
      expect(page.status).toBe(403);
      const ok = await send('POST', { host: `127.0.0.1:${port}`, ...json }, '{"month":"2025-08"}');
      expect(ok.status).toBe(200);
      expect(calls).toEqual([['2025-08', { force: false }]]);
    } finally {
      await app.close();
    }
  });
});
