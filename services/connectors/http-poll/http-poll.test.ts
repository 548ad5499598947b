import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { silentLogger } from '../../platform/logger.js';
import { DEFAULT_DEPARTMENTS_DIR } from '../../platform/config.js';
import { loadDepartmentFile } from '../../departments/department-file.js';
import type { Checkpoint, SourceBatch } from '../connector.js';
import { httpClock } from './http-clock.js';
import { parseRetryAfter } from './http-get.js';
import { httpPoll, HttpPollConnector } from './http-poll.js';
import type { HttpPollSettings } from './http-poll-spec.js';

describe('http-poll pieces', () => {
  it('reads Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2025-09-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Mon, 01 Sep 2025 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 31 Aug 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });

  it('writes and reads the incremental time in the API format and zone', () => {
    const local = httpClock('yyyy-MM-dd HH:mm:ss', 'Asia/Shanghai');
    const t = local.read('2025-09-01 08:00:00')!;
    expect(new Date(t).toISOString()).toBe('2025-09-01T00:00:00.000Z');
    expect(local.write(t - 600_000)).toBe('2025-09-01 07:50:00');
    expect(httpClock('epoch-s', 'UTC').write(t)).toBe(String(t / 1000));
    expect(httpClock('iso', 'UTC').read('2025-09-01T08:00:00+08:00')).toBe(t);
  });
});

describe('http-poll check()', () => {
  it('asks for the first page and names what is wrong', async () => {
    const server = http.createServer((req, res) => {
      const p = new URL(req.url ?? '/', 'http://x').pathname;
      if (p === '/ok') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"data":{"items":[{"a":1},{"a":2}]}}');
      if (p === '/locked') return void res.writeHead(req.headers.authorization === 'Bearer right' ? 200 : 401).end('{}');
      if (p === '/html') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      if (p === '/shape') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"code":0,"result":[]}');
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedBase = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
    const check = (baseUrl: string, path: string, extra: Record<string, unknown> = {}) =>
      new HttpPollConnector(httpPoll.spec.parse({ type: 'http-poll', baseUrl, path, itemsPath: 'data.items', paging: { mode: 'page' }, timeoutSeconds: 5, ...extra }), { department: 'T', logger: silentLogger(), request: (_w, fn) => fn() }).check();
    try {
      expect(await check(base, '/ok')).toEqual({ ok: true, message: `${base}/ok: first page has 2 item(s)` });
      expect((await check(closedBase, '/ok')).message).toBe(`${closedBase}/ok: connection refused (nothing listens there)`);
      expect((await check('http://no-such-host.invalid', '/ok')).message).toMatch(/host not found \(DNS\)/);
      expect((await check(base, '/locked')).message).toBe(`${base}/locked refused the request: HTTP 401 (check authHeaders and the secrets they name)`);
      expect((await check(base, '/locked', { authHeaders: { Authorization: { secret: { env: 'CASEPIPE_TEST_UNSET_TOKEN' } } } })).message).toMatch(/CASEPIPE_TEST_UNSET_TOKEN is not set/);
      expect((await check(base, '/html')).message).toBe(`${base}/html did not answer JSON (text/html, 18 characters)`);
      expect(await check(base, '/shape')).toEqual({ ok: false, message: `${base}/shape: no item array at itemsPath "data.items" (the response is an object with code, result)` });
    } finally {
      server.close();
    }
  });
});

describe('http-poll stopping', () => {
  it('ends read() quietly when the run is stopped mid-request (no department error on SIGTERM)', async () => {
    const server = http.createServer(() => undefined); // never answers
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const settings = httpPoll.spec.parse({ type: 'http-poll', baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, itemsPath: 'items', paging: { mode: 'cursor', cursorPath: 'next' } });
    const connector = new HttpPollConnector(settings, { department: 'T', logger: silentLogger(), request: (_w, fn) => fn() });
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 200);
    const batches: SourceBatch[] = [];
    try {
      for await (const b of connector.read({ get: () => undefined }, stop.signal)) batches.push(b);
      expect(batches).toEqual([]);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});

describe('http-poll sampleSource', () => {
  it('serves the sample paged as the department file says; a restart from a checkpoint reads on, and added records come on the next pass', async () => {
    const d = loadDepartmentFile(path.join(DEFAULT_DEPARTMENTS_DIR, 'GAT.yaml'));
    const settings = { ...(d.source as HttpPollSettings), paging: { mode: 'page' as const, pageParam: 'pageNo', sizeParam: 'pageSize', size: 5, firstPage: 1 }, maxPages: 3 };
    const sample = await httpPoll.sampleSource!(settings, path.join(DEFAULT_DEPARTMENTS_DIR, 'samples', 'GAT.jsonl'), { dir: '/tmp', logger: silentLogger(), department: 'GAT' });
    const connector = new HttpPollConnector(sample.settings, { department: 'GAT', logger: silentLogger(), request: (_w, fn) => fn() });
    const stored = new Map<string, Checkpoint>();
    const read = async () => {
      const out: SourceBatch[] = [];
      for await (const b of connector.read({ get: (s) => stored.get(s) }, new AbortController().signal)) {
        out.push(b);
        stored.set(b.stream, b.checkpoint);
      }
      return out.flatMap((b) => b.records.map((r) => r.fields!.milestoneId));
    };
    try {
      expect(await connector.check()).toEqual({ ok: true, message: expect.stringContaining('first page has 5 item(s)') });
      const first = await read(); // 3 pages: the page limit
      const second = await read(); // resumes at page 4
      expect(first).toHaveLength(15);
      expect([...first, ...second]).toEqual(Array.from({ length: 24 }, (_, i) => `GAT-M-${1000 + i}`));
      await sample.add!([{ milestoneId: 'GAT-M-9999', updatedAt: '2025-12-31 00:00:00' }]);
      // From the newest update time seen (GAT-M-1019's) minus the overlap: it is read again, harmlessly.
      const third = await read();
      expect(third).toEqual(['GAT-M-1019', 'GAT-M-9999']);
    } finally {
      await sample.close();
    }
  });
});
