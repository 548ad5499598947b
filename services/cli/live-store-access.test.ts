import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { generateMonth } from '../demo/month-generator.js';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/logger.js';
import { LiveStore } from '../store/live-store.js';
import { liveStorePath } from '../worker/worker-process.js';
import type { CliContext } from './context.js';
import { monthOption, readLiveStore, withLiveStore } from './live-store-access.js';
import { runCasepipe } from '../snapshot/testing/run-cli.js';

const TOKEN = 'cli-test-token-0123456789abcdef';

function context(port: number, dataDir: string, env: Record<string, string> = {}): CliContext {
  const config = loadConfig({ CASEPIPE_WORKER_PORT: String(port), CASEPIPE_DATA_DIR: dataDir, ...env });
  const none = () => Promise.reject(new Error('no Kafka in this test'));
  return { config, logger: silentLogger(), brokers: none, kafka: none, topics: { caseEvents: 't', deadLetters: 'd' } };
}

async function serve(handler: http.RequestListener): Promise<{ port: number; close: () => Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
  };
}

/** A port nothing listens on (a worker that is not running). */
async function closedPort(): Promise<number> {
  const s = await serve(() => undefined);
  await s.close();
  return s.port;
}

/** A live store with one month of counted events, closed, as a stopped worker leaves it. */
async function storeWithData(dataDir: string): Promise<string> {
  const file = liveStorePath(loadConfig({ CASEPIPE_DATA_DIR: dataDir }));
  const store = await LiveStore.open({ path: file });
  const g = generateMonth({ month: '2025-08', seed: 3, targets: { fullOnlineReceived: 40, fullOnlineCompleted: 40, windowReceived: 5, windowDelivered: 5, mailed: 3, phoneConsultations: 4, onsiteConsultations: 6 }, malformedRate: 0 });
  const events = g.events.map((event, i) => ({ event, offset: String(i), timestampMs: event.eventTime }));
  await store.applyBatch({ topic: 't', partition: 0, nextOffset: String(events.length), events, deadLetters: [] });
  store.close();
  return file;
}

function fingerprint(file: string): { sha256: string; mtimeMs: number; siblings: string[] } {
  return {
    sha256: crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex'),
    mtimeMs: fs.statSync(file).mtimeMs,
    siblings: fs.readdirSync(path.dirname(file)).sort(),
  };
}

const casepipe = (env: Record<string, string>, ...args: string[]) => runCasepipe(env, args);

describe('reaching the live store from the CLI', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-access-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  // A worker that answers gets a generous deadline (this machine can be slow); one that never answers, a short one.
  const via = { route: '/figures?month=2025-08', method: 'GET' as const, timeoutMs: 10_000, failure: 'STORE_FAILED' as const };
  let file: string;
  beforeAll(async () => {
    file = await storeWithData(dataDir);
  });

  it("uses the worker's answer when a worker listens", async () => {
    const s = await serve((_req, res) => res.end(JSON.stringify({ from: 'worker' })));
    try {
      await expect(withLiveStore(context(s.port, dataDir), via, async () => ({ from: 'file' }))).resolves.toEqual({ from: 'worker' });
    } finally {
      await s.close();
    }
  });

  it('sends the admin token and a JSON body with a state-changing request, and neither with a read', async () => {
    const seen: { method?: string; auth?: string; type?: string; body: string }[] = [];
    const s = await serve((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString('utf8')));
      req.on('end', () => {
        seen.push({ method: req.method, auth: req.headers.authorization, type: req.headers['content-type'], body });
        res.end('{}');
      });
    });
    try {
      const ctx = context(s.port, dataDir, { CASEPIPE_ADMIN_TOKEN: TOKEN });
      await withLiveStore(ctx, { ...via, route: '/snapshots', method: 'POST', body: { month: '2025-08' }, failure: 'SNAPSHOT_FAILED' }, async () => ({}));
      await readLiveStore(ctx, via, async () => ({}));
      expect(seen).toEqual([
        { method: 'POST', auth: `Bearer ${TOKEN}`, type: 'application/json', body: '{"month":"2025-08"}' },
        { method: 'GET', auth: undefined, type: undefined, body: '' },
      ]);
    } finally {
      await s.close();
    }
  });

  it('opens the store file when nothing listens', async () => {
    await expect(withLiveStore(context(await closedPort(), dataDir), via, async (store) => (await store.storedOffsets('t')).size)).resolves.toBe(1);
  });

  it('reads the store file READ_ONLY when nothing listens: its bytes, mtime and folder stay as they were', async () => {
    const before = fingerprint(file);
    const figures = await readLiveStore(context(await closedPort(), dataDir), via, (store) => store.figures('2025-08'));
    expect(figures.total.fullOnlineReceived).toBe(40);
    expect(fingerprint(file)).toEqual(before);
  });

  it('never creates a store: a missing one is STORE_NOT_FOUND for reads and writes alike', async () => {
    const missing = path.join(dataDir, 'mistyped');
    const ctx = context(await closedPort(), missing);
    await expect(readLiveStore(ctx, via, async () => 0)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND', message: expect.stringContaining(liveStorePath(ctx.config)) });
    await expect(withLiveStore(ctx, via, async () => 0)).rejects.toMatchObject({ code: 'STORE_NOT_FOUND' });
    expect(fs.existsSync(missing)).toBe(false);
  });

  it('says the worker is busy when it listens but does not answer, and leaves the file alone', async () => {
    const s = await serve(() => undefined);
    let opened = false;
    try {
      await expect(withLiveStore(context(s.port, dataDir), { ...via, timeoutMs: 300 }, async () => (opened = true))).rejects.toMatchObject({ code: 'STORE_BUSY', canRetry: true });
      expect(opened).toBe(false);
    } finally {
      await s.close();
    }
  });

  it("passes the worker's error on with the command's code", async () => {
    const s = await serve((_req, res) => {
      res.statusCode = 500;
      res.end(JSON.stringify({ code: 'QUERY_FAILED', message: 'boom' }));
    });
    try {
      await expect(withLiveStore(context(s.port, dataDir), via, async () => 0)).rejects.toMatchObject({ code: 'STORE_FAILED', message: expect.stringContaining('boom') });
    } finally {
      await s.close();
    }
  });

  it('takes only YYYY-MM months', () => {
    expect(monthOption('2025-08')).toBe('2025-08');
    expect(() => monthOption('2025-8')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('casepipe figures with no worker running (child processes)', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-figures-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('leaves the store file exactly as it was', async () => {
    const file = await storeWithData(dataDir);
    const before = fingerprint(file);
    const r = await casepipe({ CASEPIPE_DATA_DIR: dataDir, CASEPIPE_WORKER_PORT: String(await closedPort()) }, 'figures', '--month', '2025-08', '--json');
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(r.stdout).total.fullOnlineReceived).toBe(40);
    expect(fingerprint(file)).toEqual(before);
  });

  it('fails with STORE_NOT_FOUND on a mistyped data directory, and creates nothing', async () => {
    const mistyped = path.join(dataDir, 'dtaa');
    const r = await casepipe({ CASEPIPE_DATA_DIR: mistyped, CASEPIPE_WORKER_PORT: String(await closedPort()) }, 'figures', '--month', '2025-08');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`casepipe: STORE_NOT_FOUND: no worker answers on port`);
    expect(r.stderr).toContain(path.join(mistyped, 'live', 'casepipe.duckdb'));
    expect(fs.existsSync(mistyped)).toBe(false);
  });
});
