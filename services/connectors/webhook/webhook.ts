/**
 * webhook: the department pushes JSON items to POST /webhooks/<code> (webhook-server.ts), signed as
 * webhook-signature.ts says. An accepted request waits in a queue; read() yields it as one batch (its
 * items are the records; an item that is not an object is dead-lettered) and the reply is sent in the
 * batch's afterCommit, so a 2xx means Kafka acknowledged the events and the checkpoint is stored. If
 * publishing fails, or takes longer than replySeconds, the request gets 503 and the sender retries;
 * re-sent items keep their event ids (record ids derive from the body's hash), so nothing is counted
 * twice.
 *
 * read() yields the requests as they come and ends after READ_IDLE_MS without one; waitForData()
 * resolves at the next one.
 * The checkpoint (stream `webhook`) records the last accepted request, for people: a push source has
 * nothing to resume from, the sender holds what was not acknowledged.
 */
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { CheckpointReader, ConnectorContext, ConnectorType, SampleSource, SourceBatch, SourceConnector, SourceRecord, SourceValue } from '../connector.js';
import { isJsonObject, itemRecord, jsonlSampleRecords, readJsonlItems } from '../json-items.js';
import { CasepipeError } from '../../platform/errors.js';
import { readSecret } from '../secrets.js';
import { ReplayGuard, REQUEST_ID_HEADER, signBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from './webhook-signature.js';
import { WebhookServer, type WebhookReply } from './webhook-server.js';
import { DEFAULT_WEBHOOK_HOST, DEFAULT_WEBHOOK_PORT, webhookSpec, type WebhookSettings } from './webhook-spec.js';

const STREAM = 'webhook';
/** read() ends after this long without a request. */
const READ_IDLE_MS = 3000;
/** Requests waiting for the runtime at most; more get 503 with Retry-After. */
const MAX_WAITING = 100;

interface Waiting {
  requestId: string;
  records: SourceRecord[];
  settled: boolean;
  reply: (r: WebhookReply) => void;
  signature: string;
}

export const webhook: ConnectorType<WebhookSettings> = {
  type: 'webhook',
  description: 'pushes to an HTTP endpoint, signed with HMAC-SHA256',
  spec: webhookSpec,
  create: (settings, ctx) => new WebhookConnector(settings, ctx),
  sampleRecords: async (_settings, file) => jsonlSampleRecords(file),
  sampleSource: (settings, sampleFile, work) => sampleWebhookSource(settings, sampleFile, work.dir, work.department),
};

/** Where a department's endpoint listens: its file's host/port, else CASEPIPE_WEBHOOK_HOST/PORT, else the defaults. */
export function webhookAddress(settings: WebhookSettings, env: NodeJS.ProcessEnv = process.env): { host: string; port: number } {
  const text = env.CASEPIPE_WEBHOOK_PORT;
  const envPort = text === undefined || text === '' ? undefined : Number(text);
  if (envPort !== undefined && (!/^\d{1,5}$/.test(text!) || envPort > 65535)) {
    throw new CasepipeError('CONFIG_INVALID', `CASEPIPE_WEBHOOK_PORT=${JSON.stringify(text)}: expected a port number 0-65535`);
  }
  return { host: settings.host ?? (env.CASEPIPE_WEBHOOK_HOST || DEFAULT_WEBHOOK_HOST), port: settings.port ?? envPort ?? DEFAULT_WEBHOOK_PORT };
}

export class WebhookConnector implements SourceConnector {
  private readonly waiting: Waiting[] = [];
  private readonly wakers = new Set<() => void>();
  private readonly replays: ReplayGuard;
  private server?: Promise<WebhookServer>;
  private secret?: string;

  constructor(
    private readonly settings: WebhookSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.replays = new ReplayGuard(settings.replayWindowSeconds * 1000);
  }

  /** Listens (if not yet) and says where. */
  async check() {
    const { host } = webhookAddress(this.settings, this.ctx.env);
    try {
      this.signingSecret();
      const running = this.server !== undefined;
      const server = await this.start();
      const at = server.address();
      if (!running) await this.stop();
      return { ok: true, message: `endpoint POST http://${host}:${at.port}/webhooks/${this.ctx.department} can listen; the signing secret is set` };
    } catch (err) {
      return { ok: false, message: (err as Error).message };
    }
  }

  async *read(_checkpoints: CheckpointReader, signal: AbortSignal): AsyncIterable<SourceBatch> {
    this.signingSecret(); // a missing secret stops this department, named, before anything listens
    await this.start();
    while (!signal.aborted) {
      const next = this.waiting.shift();
      if (!next) {
        // Caught up once no request came for a while: the runtime then waits in waitForData(), and
        // `--once` or the conformance kit get the pushes that arrive while they listen.
        await this.waitForData(signal, READ_IDLE_MS);
        if (this.waiting.length === 0) return;
        continue;
      }
      if (next.settled) continue; // timed out: the sender was told 503 and will send it again
      let committed = false;
      try {
        yield {
          stream: STREAM,
          records: next.records,
          checkpoint: { lastRequest: next.requestId, items: next.records.length, acceptedAt: new Date().toISOString() },
          afterCommit: async () => {
            committed = true;
            this.settle(next, { status: 200, body: { accepted: next.records.length, requestId: next.requestId } });
          },
        };
      } finally {
        // The runtime left the loop without committing this batch (publishing failed, or it stops).
        if (!committed) this.settle(next, { status: 503, headers: { 'retry-after': '5' }, body: { error: 'the events could not be stored; send the request again' } });
      }
    }
  }

  async waitForData(signal: AbortSignal, maxMs: number): Promise<void> {
    await this.start();
    if (this.waiting.length > 0) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, maxMs);
      signal.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }

  async close(): Promise<void> {
    for (const w of this.waiting.splice(0)) this.settle(w, { status: 503, headers: { 'retry-after': '30' }, body: { error: 'the connector is stopping; send the request again' } });
    await this.stop();
  }

  /** The endpoint's bound address (tests and the sample pusher). */
  async address(): Promise<{ host: string; port: number }> {
    return (await this.start()).address();
  }

  private start(): Promise<WebhookServer> {
    if (!this.server) {
      const { host, port } = webhookAddress(this.settings, this.ctx.env);
      this.server = WebhookServer.attach(host, port, this.ctx.department, { maxBodyBytes: this.settings.maxBodyBytes, handle: (h, b) => this.accept(h, b) });
      this.server.then(
        (s) => this.ctx.logger.info({ address: s.address(), path: `/webhooks/${this.ctx.department}` }, 'webhook endpoint listening'),
        () => (this.server = undefined),
      );
    }
    return this.server;
  }

  private async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await (await server.catch(() => undefined))?.detach(this.ctx.department);
  }

  private signingSecret(): string {
    return (this.secret ??= readSecret(this.settings.secret, this.ctx.env));
  }

  /** One pushed request: refused at once (401/400/503), or queued and answered after its commit. */
  private accept(headers: Record<string, string | string[] | undefined>, body: Buffer): Promise<WebhookReply> {
    const log = this.ctx.logger;
    const verdict = verifySignature(this.signingSecret(), headers, body, this.settings.replayWindowSeconds);
    if (!verdict.ok) {
      log.warn({ reason: verdict.reason }, 'webhook request refused: 401');
      return Promise.resolve({ status: 401, body: { error: verdict.reason } });
    }
    const bad = (reason: string): Promise<WebhookReply> => {
      log.warn({ reason }, 'webhook request refused: 400');
      return Promise.resolve({ status: 400, body: { error: reason } });
    };
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      return bad(`the body is not JSON: ${(err as Error).message}`);
    }
    const items = Array.isArray(parsed) ? parsed : isJsonObject(parsed) && Array.isArray(parsed.items) ? parsed.items : undefined;
    if (!items) return bad('the body is neither an array of items nor an object with an "items" array');
    if (items.length > this.settings.maxItems) return bad(`${items.length} items, more than the limit of ${this.settings.maxItems} per request`);
    if (this.waiting.length >= MAX_WAITING) return Promise.resolve({ status: 503, headers: { 'retry-after': '5' }, body: { error: 'too many requests waiting; send it again later' } });
    if (!this.replays.hold(verdict.signature)) {
      log.warn('webhook request refused: 401 (replayed signature)');
      return Promise.resolve({ status: 401, body: { error: 'replayed: this signature was already accepted' } });
    }
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const given = headers[REQUEST_ID_HEADER];
    const requestId = typeof given === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(given) ? given : hash;
    // Record ids from the body's hash: the same items re-sent (after a 503) give the same event ids.
    const records = items.map((item, i) => itemRecord(item, `${hash}:${i + 1}`, `webhook request ${requestId} item ${i + 1}`));
    return new Promise<WebhookReply>((resolve) => {
      const w: Waiting = { requestId, records, settled: false, signature: verdict.signature, reply: resolve };
      const timer = setTimeout(() => this.settle(w, { status: 503, headers: { 'retry-after': '5' }, body: { error: `the events were not acknowledged within ${this.settings.replySeconds} s; send the request again` } }), this.settings.replySeconds * 1000);
      w.reply = (r) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiting.push(w);
      for (const wake of this.wakers) wake();
    });
  }

  private settle(w: Waiting, reply: WebhookReply): void {
    if (w.settled) return;
    w.settled = true;
    if (reply.status >= 300) this.replays.release(w.signature);
    if (reply.status >= 500) this.ctx.logger.warn({ requestId: w.requestId, status: reply.status }, 'webhook request not acknowledged');
    w.reply(reply);
  }
}

/** Sends items as one signed request; resolves with the status and the reply's JSON. */
export async function pushSigned(url: string, secret: string, body: unknown, opts: { timestamp?: number; requestId?: string } = {}): Promise<{ status: number; body: Record<string, unknown> }> {
  const raw = JSON.stringify(body);
  const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      [TIMESTAMP_HEADER]: String(ts),
      [SIGNATURE_HEADER]: signBody(secret, ts, raw),
      ...(opts.requestId ? { [REQUEST_ID_HEADER]: opts.requestId } : {}),
    },
    body: raw,
  });
  return { status: res.status, body: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

const SAMPLE_ITEMS_PER_REQUEST = 100;

/**
 * The endpoint on a free local port with a throwaway secret, and a pusher sending the sample signed
 * (100 items a request, all at once). push() and add() resolve when every request got its 200, i.e.
 * after the reader committed them: drive read() and waitForData() while they run, as the runtime does.
 */
async function sampleWebhookSource(settings: WebhookSettings, sampleFile: string, dir: string, department: string): Promise<SampleSource<WebhookSettings>> {
  const secret = randomBytes(24).toString('hex');
  const secretFile = path.join(dir, `${department}.webhook-secret`);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(secretFile, `${secret}\n`, { mode: 0o600 });
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/webhooks/${department}`;
  const push = async (items: unknown[]) => {
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += SAMPLE_ITEMS_PER_REQUEST) chunks.push(items.slice(i, i + SAMPLE_ITEMS_PER_REQUEST));
    const replies = await Promise.all(chunks.map((c) => pushUntilListening(url, secret, c)));
    const failed = replies.find((r) => r.status !== 200);
    if (failed) throw new Error(`the sample push to ${url} got HTTP ${failed.status}: ${String(failed.body.error ?? '')}`);
  };
  const sample = readJsonlItems(sampleFile);
  return {
    settings: { ...settings, host: '127.0.0.1', port, secret: { file: secretFile } },
    push: () => push(sample),
    add: (records: Array<Record<string, SourceValue>>) => push(records),
    close: async () => fs.rmSync(secretFile, { force: true }),
  };
}

/** The endpoint listens once read() started: a refused connection is tried again for a while. */
async function pushUntilListening(url: string, secret: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await pushSigned(url, secret, body);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code !== 'ECONNREFUSED' || attempt >= 100) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
