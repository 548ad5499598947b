/**
 * webhook through the runtime to the real broker: a client sends a good request (its 2xx comes only
 * once the events are on the topic: read right after the reply, they are there; an item that is not
 * an object is dead-lettered, the others go on), then badly signed, replayed (the same request again,
 * and an old timestamp), oversized (413), not-JSON, wrong-shape and too-many-items (400 with the
 * reason) requests, none of which publishes anything.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runConnectors } from '../../services/connectors/connector-runtime.js';
import { signBody } from '../../services/connectors/webhook/webhook-signature.js';
import { pushSigned } from '../../services/connectors/webhook/webhook.js';
import { silentLogger } from '../../services/platform/logger.js';
import { testKafka } from '../fixtures/broker.js';
import { connectorPipeline, readTopic } from './connector-fixtures.js';
import { freePort, mztEventId, mztItems, patchedDepartment, topicEvents } from './http-fixtures.js';

const kafka = testKafka();
const SECRET = 'mzt-test-signing-secret';

async function post(url: string, body: string, headers: Record<string, string>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as { error?: string; accepted?: number } };
}

describe('webhook through the runtime to the broker', () => {
  it('answers 2xx only after the events are on the broker, and refuses bad signatures, replays, oversized and bad bodies', async () => {
    const p = await connectorPipeline(kafka, 'webhook');
    const secretFile = path.join(p.dataDir, 'mzt-secret');
    fs.writeFileSync(secretFile, `${SECRET}\n`);
    const port = await freePort();
    const mzt = patchedDepartment(p.departmentsDir, 'MZT', 'MZT', { secret: { file: secretFile }, host: '127.0.0.1', port, maxBodyBytes: 4096, maxItems: 10 });
    const url = `http://127.0.0.1:${port}/webhooks/MZT`;
    const admin = kafka.admin();
    await admin.connect();
    const stop = new AbortController();
    const running = runConnectors({ kafka, topics: p.connectorTopics, departments: [mzt], logger: silentLogger(), once: false, signal: stop.signal });
    try {
      // The endpoint listens once the runtime has loaded its state.
      for (let i = 0; ; i++) {
        const r = await fetch(url, { method: 'POST', body: '' }).catch(() => undefined);
        if (r?.status === 401) break;
        if (i > 200) throw new Error(`the webhook endpoint ${url} never answered`);
        await new Promise((res) => setTimeout(res, 100));
      }

      const items = mztItems('W', 4);
      const good = JSON.stringify([...items.slice(0, 2), 'not an item', ...items.slice(2)]);
      const ts = Math.floor(Date.now() / 1000);
      const signed = { 'x-casepipe-timestamp': String(ts), 'x-casepipe-signature': signBody(SECRET, ts, good), 'x-casepipe-request-id': 'mzt-0001' };
      const ok = await post(url, good, signed);
      // At the reply the broker already holds the events, the dead letter and the checkpoint.
      const highs = await Promise.all([p.topics.caseEvents, p.topics.deadLetters, p.connectorTopics.connectorState].map(async (t) => (await admin.fetchTopicOffsets(t)).reduce((n, o) => n + Number(o.high), 0)));
      expect(highs).toEqual([4, 1, 1]);
      expect(ok).toEqual({ status: 200, body: { accepted: 5, requestId: 'mzt-0001' } });
      const events = await topicEvents(kafka, p.topics.caseEvents);
      expect(events.map((e) => e.eventId).sort()).toEqual(items.map(mztEventId).sort());
      const dead = await readTopic(kafka, p.topics.deadLetters);
      expect(dead).toHaveLength(1);
      expect(JSON.stringify(dead[0].headers)).toContain('webhook request mzt-0001 item 3: the item is a string, not a JSON object');

      // The same request again (within the window): a replay.
      expect(await post(url, good, signed)).toEqual({ status: 401, body: { error: 'replayed: this signature was already accepted' } });
      // Signed with another key; signed for another body; an old timestamp, correctly signed.
      expect((await pushSigned(url, 'not-the-secret', items)).status).toBe(401);
      expect((await post(url, JSON.stringify(items.slice(1)), signed)).body.error).toBe('bad signature');
      const old = await pushSigned(url, SECRET, items, { timestamp: ts - 3600 });
      expect(old).toEqual({ status: 401, body: { error: expect.stringContaining('more than 300 s from now') } });
      // Over maxBodyBytes (4096).
      const big = await pushSigned(url, SECRET, mztItems('BIG', 9).map((i) => ({ ...i, 备注: 'x'.repeat(600) })));
      expect(big.status).toBe(413);
      // Bodies that are not items: the reason is in the reply.
      const notJson = '{"items": [';
      const now = Math.floor(Date.now() / 1000);
      const bad = await post(url, notJson, { 'x-casepipe-timestamp': String(now), 'x-casepipe-signature': signBody(SECRET, now, notJson) });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/^the body is not JSON/);
      expect(await pushSigned(url, SECRET, { records: items })).toEqual({ status: 400, body: { error: 'the body is neither an array of items nor an object with an "items" array' } });
      expect(await pushSigned(url, SECRET, { items: mztItems('N', 11) })).toEqual({ status: 400, body: { error: '11 items, more than the limit of 10 per request' } });

      // None of the refused requests published anything.
      expect(await topicEvents(kafka, p.topics.caseEvents)).toHaveLength(4);
    } finally {
      stop.abort();
      await admin.disconnect();
      const [summary] = await running;
      p.cleanup();
      expect(summary).toMatchObject({ department: 'MZT', batches: 1, published: 4, deadLettered: 1 });
      expect(summary.error).toBeUndefined();
    }
  }, 120_000);
});
