import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../platform/config.js';
import { silentLogger } from '../platform/logger.js';
import type { CliContext } from './context.js';
import { monthOption, withLiveStore } from './live-store-access.js';

function context(port: number, dataDir: string): CliContext {
  const config = loadConfig({ CASEPIPE_WORKER_PORT: String(port), CASEPIPE_DATA_DIR: dataDir });
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

describe('reaching the live store from the CLI', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-access-'));
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const via = { route: '/figures?month=2025-08', method: 'GET' as const, timeoutMs: 300, failure: 'STORE_FAILED' as const };

  it("uses the worker's answer when a worker listens", async () => {
    const s = await serve((_req, res) => res.end(JSON.stringify({ from: 'worker' })));
    try {
      await expect(withLiveStore(context(s.port, dataDir), via, async () => ({ from: 'file' }))).resolves.toEqual({ from: 'worker' });
    } finally {
      await s.close();
    }
  });

  it('opens the store file when nothing listens', async () => {
    const s = await serve(() => undefined);
    const port = s.port;
    await s.close();
    await expect(withLiveStore(context(port, dataDir), via, async (store) => (await store.storedOffsets('t')).size)).resolves.toBe(0);
  });

  it('says the worker is busy when it listens but does not answer, and leaves the file alone', async () => {
    const s = await serve(() => undefined);
    let opened = false;
    try {
      await expect(withLiveStore(context(s.port, dataDir), via, async () => (opened = true))).rejects.toMatchObject({ code: 'STORE_BUSY', canRetry: true });
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
