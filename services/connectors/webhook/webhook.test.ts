import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../../platform/logger.js';
import type { SourceBatch } from '../connector.js';
import { loadDepartmentFile } from '../../departments/department-file.js';
import { DEFAULT_DEPARTMENTS_DIR } from '../../platform/config.js';
import { ReplayGuard, signBody, verifySignature } from './webhook-signature.js';
import { webhook, WebhookConnector } from './webhook.js';
import type { WebhookSettings } from './webhook-spec.js';

describe('webhook signatures', () => {
  const body = Buffer.from('[{"a":1}]');
  const now = 1_760_000_000_000;
  const ts = now / 1000;
  const headers = (sig: string, t: number | string = ts) => ({ 'x-casepipe-timestamp': String(t), 'x-casepipe-signature': sig });

  it('accepts the HMAC over "<timestamp>.<body>" and refuses anything else, naming why', () => {
    expect(verifySignature('k', headers(signBody('k', ts, body)), body, 300, now)).toEqual({ ok: true, signature: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(verifySignature('k', headers(signBody('other', ts, body)), body, 300, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifySignature('k', headers(signBody('k', ts + 1, body)), body, 300, now)).toEqual({ ok: false, reason: 'bad signature' });
    expect(verifySignature('k', headers(signBody('k', ts - 301, body), ts - 301), body, 300, now)).toMatchObject({ ok: false, reason: expect.stringContaining('more than 300 s') });
    expect(verifySignature('k', headers('deadbeef'), body, 300, now)).toMatchObject({ ok: false, reason: expect.stringContaining('sha256=<64 hex digits>') });
    expect(verifySignature('k', {}, body, 300, now)).toMatchObject({ ok: false, reason: expect.stringContaining('are required') });
  });

  it('holds an accepted signature for the window, and lets a released one come again', () => {
    const guard = new ReplayGuard(1000);
    expect(guard.hold('s', 0)).toBe(true);
    expect(guard.hold('s', 500)).toBe(false);
    guard.release('s');
    expect(guard.hold('s', 600)).toBe(true);
    expect(guard.hold('s', 600 + 2001)).toBe(true); // expired
  });
});

describe('webhook replies', () => {
  it('answers 503 when the runtime leaves the batch uncommitted (publishing failed), and takes the same request again', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-webhook-503-'));
    fs.writeFileSync(path.join(dir, 'secret'), 'k');
    const settings = webhook.spec.parse({ type: 'webhook', secret: { file: path.join(dir, 'secret') }, host: '127.0.0.1', port: 0 });
    const connector = new WebhookConnector(settings, { department: 'T503', logger: silentLogger(), request: (_w, fn) => fn() });
    const signal = new AbortController().signal;
    try {
      const { port } = await connector.address();
      const url = `http://127.0.0.1:${port}/webhooks/T503`;
      const body = '[{"a":"1"}]';
      const ts = Math.floor(Date.now() / 1000);
      const send = () => fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', 'x-casepipe-timestamp': String(ts), 'x-casepipe-signature': signBody('k', ts, body) } });
      const first = send();
      await connector.waitForData(signal, 5000);
      await expect(
        (async () => {
          for await (const b of connector.read({ get: () => undefined }, signal)) {
            expect(b.records).toHaveLength(1);
            throw new Error('the broker refused the batch');
          }
        })(),
      ).rejects.toThrow('the broker refused');
      const refused = await first;
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBe('5');
      // The sender retries the identical request: not a replay, since it was never accepted.
      const again = send();
      await connector.waitForData(signal, 5000);
      for await (const b of connector.read({ get: () => undefined }, signal)) await b.afterCommit?.();
      expect((await again).status).toBe(200);
      expect((await send()).status).toBe(401); // now it is one
    } finally {
      await connector.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook server', () => {
  it('serves several departments on one port, each on /webhooks/<code>, until the last one closes', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-webhook-shared-'));
    fs.writeFileSync(path.join(dir, 'secret'), 'k');
    const settings = webhook.spec.parse({ type: 'webhook', secret: { file: path.join(dir, 'secret') }, host: '127.0.0.1', port: 0 });
    const make = (code: string) => new WebhookConnector(settings, { department: code, logger: silentLogger(), request: (_w, fn) => fn() });
    const a = make('SA');
    const b = make('SB');
    try {
      const port = (await a.address()).port;
      expect((await b.address()).port).toBe(port);
      const post = (code: string) => fetch(`http://127.0.0.1:${port}/webhooks/${code}`, { method: 'POST', body: '[]' });
      expect((await post('SC')).status).toBe(404);
      const toB = post('SB'); // unsigned: refused by B's own check, never queued at A
      expect((await toB).status).toBe(401);
      await a.close();
      expect((await post('SA')).status).toBe(404);
      expect((await post('SB')).status).toBe(401);
      await b.close();
      await expect(post('SB')).rejects.toThrow(); // nothing listens any more
    } finally {
      await a.close();
      await b.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('webhook sampleSource', () => {
  it('pushes the sample as signed requests that read() yields, answered after afterCommit', async () => {
    const d = loadDepartmentFile(path.join(DEFAULT_DEPARTMENTS_DIR, 'MZT.yaml'));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'casepipe-webhook-sample-'));
    const sample = await webhook.sampleSource!(d.source as WebhookSettings, path.join(DEFAULT_DEPARTMENTS_DIR, 'samples', 'MZT.jsonl'), { dir, logger: silentLogger(), department: 'MZT' });
    const connector = new WebhookConnector(sample.settings, { department: 'MZT', logger: silentLogger(), request: (_w, fn) => fn() });
    const signal = new AbortController().signal;
    try {
      expect(await connector.check()).toMatchObject({ ok: true });
      const batches: SourceBatch[] = [];
      await connector.waitForData(signal, 1); // listening
      let pushed = false;
      const push = sample.push!().then(() => (pushed = true));
      while (!pushed) {
        for await (const b of connector.read({ get: () => undefined }, signal)) {
          batches.push(b);
          await b.afterCommit?.();
        }
        await Promise.race([push, connector.waitForData(signal, 200)]);
      }
      const records = batches.flatMap((b) => b.records);
      expect(records).toHaveLength(24);
      expect(new Set(records.map((r) => r.fields?.['事件编号'])).size).toBe(24);
      expect(records[0].fields).toMatchObject({ '申请人.姓名': expect.any(String), 环节: '受理' });
    } finally {
      await connector.close();
      await sample.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
