/**
 * http-poll: a paged JSON API, one stream per endpoint. A poll is a pass over the pages (cursor or page
 * number); every page is a batch whose checkpoint says where the pass stands, so a restart resumes at
 * the next page. With `incremental`, a pass asks for records updated since the newest update time of
 * the last finished pass minus an overlap; without it, the next poll resumes at the last page reached
 * (an append-only list). Requests go through ctx.request: 429/5xx/timeouts are retried with backoff,
 * at least as long as the server's Retry-After asks (capped).
 *
 * A misbehaving server cannot make a pass loop: a cursor that does not advance (or comes back), or a
 * page identical to the one before (a page parameter the server ignores), ends the pass with a warning,
 * and the repeated page is not published again.
 */
import { createHash } from 'node:crypto';
import { CasepipeError, isCasepipeError } from '../../platform/errors.js';
import type { Checkpoint, CheckpointReader, ConnectorContext, ConnectorType, SourceBatch, SourceConnector } from '../connector.js';
import { atPath, isJsonObject, itemRecord, jsonlSampleRecords, readJsonlItems } from '../json-items.js';
import { pollWait } from '../poll-wait.js';
import { readSecret } from '../secrets.js';
import { httpClock, type HttpClock } from './http-clock.js';
import { getJson } from './http-get.js';
import { httpPollSpec, type HttpPollSettings } from './http-poll-spec.js';
import { startSampleApi } from './sample-api.js';

/** Where a pass stands: the next page to ask for. */
interface Position {
  cursor?: string;
  page?: number;
}

interface HttpCheckpoint extends Checkpoint {
  /** incremental: the newest update time (UTC ms) of the last finished pass. */
  newest?: number;
  /** A pass not finished yet: the `since` it asks with, the next page, the newest time seen so far. */
  pass?: { since?: number; next: Position; newest?: number; pages: number };
  /** Without incremental: the last page reached, asked again by the next poll. */
  resumeAt?: Position;
}

export const httpPoll: ConnectorType<HttpPollSettings> = {
  type: 'http-poll',
  description: 'a paged JSON API (cursor or page number), polled',
  spec: httpPollSpec,
  create: (settings, ctx) => new HttpPollConnector(settings, ctx),
  sampleRecords: async (_settings, file) => jsonlSampleRecords(file),
  async sampleSource(settings, sampleFile, work) {
    const api = await startSampleApi(settings, readJsonlItems(sampleFile));
    work.logger.info({ baseUrl: api.baseUrl, items: api.count() }, 'sample API serving the sample');
    return {
      // The sample API asks for no credentials, so the department's secrets need not be set.
      settings: { ...settings, baseUrl: api.baseUrl, authHeaders: {} },
      add: async (records) => api.add(records),
      close: () => api.close(),
    };
  },
};

export class HttpPollConnector implements SourceConnector {
  private readonly stream: string;
  private readonly clock?: HttpClock;
  private headers?: Record<string, string>;

  constructor(
    private readonly settings: HttpPollSettings,
    private readonly ctx: ConnectorContext,
  ) {
    this.stream = `http:${settings.path}`;
    if (settings.incremental) this.clock = httpClock(settings.incremental.format, settings.incremental.timeZone);
  }

  async check() {
    const first = this.firstPosition();
    const url = this.url(first, this.settings.incremental?.initial ? this.clock!.read(this.settings.incremental.initial) : undefined);
    let body: unknown;
    try {
      body = await getJson(url, { headers: this.requestHeaders(), timeoutMs: this.settings.timeoutSeconds * 1000 });
    } catch (err) {
      if (!isCasepipeError(err)) throw err;
      return { ok: false, message: err.message };
    }
    const items = atPath(body, this.settings.itemsPath);
    if (!Array.isArray(items)) {
      const shape = isJsonObject(body) ? `an object with ${Object.keys(body).slice(0, 8).join(', ') || 'no fields'}` : Array.isArray(body) ? 'an array' : typeof body;
      return { ok: false, message: `${url.origin}${url.pathname}: no item array at itemsPath ${JSON.stringify(this.settings.itemsPath)} (the response is ${shape})` };
    }
    return { ok: true, message: `${url.origin}${url.pathname}: first page has ${items.length} item(s)` };
  }

  async *read(checkpoints: CheckpointReader, signal: AbortSignal): AsyncIterable<SourceBatch> {
    const { paging, incremental, maxPages } = this.settings;
    const stored = (checkpoints.get(this.stream) ?? {}) as HttpCheckpoint;
    let since: number | undefined;
    let at: Position;
    let newest: number | undefined;
    let pages = 0;
    if (stored.pass) {
      ({ since, next: at, newest, pages } = stored.pass);
      this.ctx.logger.info({ stream: this.stream, at, pages }, 'resuming an unfinished pass');
    } else {
      since = incremental ? (stored.newest !== undefined ? stored.newest - incremental.overlapSeconds * 1000 : this.initialSince()) : undefined;
      at = incremental ? this.firstPosition() : (stored.resumeAt ?? this.firstPosition());
      newest = undefined;
      pages = 0;
    }
    const finished = (last: Position): HttpCheckpoint => (incremental ? { newest: newest ?? stored.newest } : { resumeAt: last });
    const seenCursors = new Set<string>();
    let previousHash: string | undefined;
    let previousAt: Position = at;

    for (let asked = 0; asked < maxPages && !signal.aborted; asked++) {
      const pageNo = pages + 1;
      const url = this.url(at, since);
      let body: unknown;
      try {
        body = await this.ctx.request(`GET ${this.settings.path} page ${pageNo}`, () => getJson(url, { headers: this.requestHeaders(), timeoutMs: this.settings.timeoutSeconds * 1000, signal }));
      } catch (err) {
        if (signal.aborted) return; // stopping (SIGTERM): the last page is checkpointed, the next run goes on from it
        throw err;
      }
      const items = atPath(body, this.settings.itemsPath);
      if (!Array.isArray(items)) {
        throw new CasepipeError('SOURCE_RESPONSE_INVALID', `${url.origin}${url.pathname} page ${pageNo}: no item array at itemsPath ${JSON.stringify(this.settings.itemsPath)}`);
      }
      const hash = createHash('sha256').update(JSON.stringify(items)).digest('hex');
      if (items.length > 0 && hash === previousHash) {
        this.ctx.logger.warn({ stream: this.stream, page: pageNo, at }, 'the server returned the same page again (does it ignore the paging parameter?); ending this pass without publishing the repeat');
        yield { stream: this.stream, records: [], checkpoint: finished(previousAt) };
        return;
      }
      if (this.clock) {
        for (const item of items) {
          const t = this.clock.read(atPath(item, incremental!.field));
          if (t !== undefined && (newest === undefined || t > newest)) newest = t;
        }
      }
      const records = items.map((item, i) => itemRecord(item, this.recordId(item), `GET ${this.settings.path} page ${pageNo} item ${i + 1}`));
      let next: Position | undefined;
      if (paging.mode === 'cursor') {
        const raw = atPath(body, paging.cursorPath);
        const cursor = raw === undefined || raw === null || raw === '' ? undefined : String(raw);
        if (cursor !== undefined && (cursor === at.cursor || seenCursors.has(cursor))) {
          this.ctx.logger.warn({ stream: this.stream, page: pageNo, cursor }, 'the server returned a cursor that does not advance; ending this pass');
        } else if (cursor !== undefined) next = { cursor };
        if (at.cursor !== undefined) seenCursors.add(at.cursor);
      } else if (items.length >= paging.size) {
        next = { page: at.page! + 1 };
      }
      pages = pageNo;
      if (!next) {
        yield { stream: this.stream, records, checkpoint: finished(at) };
        return;
      }
      yield { stream: this.stream, records, checkpoint: { ...(incremental ? { newest: stored.newest } : {}), pass: { since, next, newest, pages } } };
      previousHash = hash;
      previousAt = at;
      at = next;
    }
    if (!signal.aborted) this.ctx.logger.warn({ stream: this.stream, maxPages }, 'page limit of this poll reached; the next poll goes on from here');
  }

  waitForData(signal: AbortSignal, maxMs: number): Promise<void> {
    return pollWait(signal, Math.min(maxMs, this.settings.pollSeconds * 1000));
  }

  private firstPosition(): Position {
    return this.settings.paging.mode === 'page' ? { page: this.settings.paging.firstPage } : {};
  }

  private initialSince(): number | undefined {
    const initial = this.settings.incremental?.initial;
    if (initial === undefined) return undefined;
    const t = this.clock!.read(initial);
    if (t === undefined) throw new CasepipeError('DEPARTMENT_FILE_INVALID', `source.incremental.initial ${JSON.stringify(initial)} is not a time in ${this.settings.incremental!.format}`);
    return t;
  }

  private url(at: Position, since: number | undefined): URL {
    const url = new URL(this.settings.path.replace(/^\//, ''), this.settings.baseUrl.endsWith('/') ? this.settings.baseUrl : `${this.settings.baseUrl}/`);
    for (const [k, v] of Object.entries(this.settings.query)) url.searchParams.set(k, v);
    const { paging, incremental } = this.settings;
    if (paging.mode === 'page') {
      url.searchParams.set(paging.pageParam, String(at.page));
      url.searchParams.set(paging.sizeParam, String(paging.size));
    } else if (at.cursor !== undefined) url.searchParams.set(paging.cursorParam, at.cursor);
    if (incremental && since !== undefined) url.searchParams.set(incremental.param, this.clock!.write(since));
    return url;
  }

  /** Secrets are read at the first request, so a missing one is reported by check() and the run, not at load. */
  private requestHeaders(): Record<string, string> {
    if (!this.headers) {
      const h = { ...this.settings.headers };
      for (const [name, { secret, prefix }] of Object.entries(this.settings.authHeaders)) h[name] = prefix + readSecret(secret, this.ctx.env);
      this.headers = h;
    }
    return this.headers;
  }

  private recordId(item: unknown): string {
    if (this.settings.idField) {
      const v = atPath(item, this.settings.idField);
      if (v !== undefined && v !== null && v !== '') return `id:${String(v)}`;
    }
    return `sha256:${createHash('sha256').update(JSON.stringify(item)).digest('hex').slice(0, 32)}`;
  }
}
