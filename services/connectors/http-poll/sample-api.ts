/**
 * A throwaway local API serving sample items the way a department file says its API pages them
 * (cursor or page number, items at itemsPath, the incremental parameter honoured), for `casepipe
 * connector test`. Listens on 127.0.0.1, a free port.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SourceValue } from '../connector.js';
import { atPath, type JsonObject } from '../json-items.js';
import { httpClock } from './http-clock.js';
import type { HttpPollSettings } from './http-poll-spec.js';

const CURSOR_PAGE = 50;

export interface SampleApi {
  baseUrl: string;
  count(): number;
  add(items: Array<Record<string, SourceValue>>): void;
  close(): Promise<void>;
}

export async function startSampleApi(settings: HttpPollSettings, initial: JsonObject[]): Promise<SampleApi> {
  const items: JsonObject[] = [...initial];
  const clock = settings.incremental ? httpClock(settings.incremental.format, settings.incremental.timeZone) : undefined;
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname !== settings.path) {
      res.writeHead(404).end();
      return;
    }
    let list = items;
    const sinceText = settings.incremental ? url.searchParams.get(settings.incremental.param) : null;
    if (clock && sinceText !== null) {
      const since = clock.read(sinceText) ?? -Infinity;
      list = items.filter((it) => (clock.read(atPath(it, settings.incremental!.field)) ?? Infinity) >= since);
    }
    const body: JsonObject = {};
    let page: unknown[];
    let next: string | null = null;
    if (settings.paging.mode === 'page') {
      const n = Number(url.searchParams.get(settings.paging.pageParam) ?? settings.paging.firstPage) - settings.paging.firstPage;
      const size = Number(url.searchParams.get(settings.paging.sizeParam) ?? settings.paging.size);
      page = list.slice(n * size, (n + 1) * size);
    } else {
      const from = Number(url.searchParams.get(settings.paging.cursorParam) ?? 0);
      page = list.slice(from, from + CURSOR_PAGE);
      if (from + CURSOR_PAGE < list.length) next = String(from + CURSOR_PAGE);
      setPath(body, settings.paging.cursorPath, next);
    }
    const out = settings.itemsPath === '' ? page : setPath(body, settings.itemsPath, page);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(out));
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    count: () => items.length,
    // Records added now are updated now, as the real API would say: an incremental pass finds them.
    add: (more) => {
      for (const record of more) {
        const item: JsonObject = { ...record };
        if (clock) setPath(item, settings.incremental!.field, clock.write(Date.now()));
        items.push(item);
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

function setPath(target: JsonObject, dotted: string, value: unknown): JsonObject {
  const steps = dotted.split('.');
  let at = target;
  for (const step of steps.slice(0, -1)) at = (at[step] ??= {}) as JsonObject;
  at[steps[steps.length - 1]] = value;
  return target;
}
